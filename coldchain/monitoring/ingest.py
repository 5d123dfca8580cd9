"""Taking in a delivery of readings: resolve sensors, store, record the batch.

Parsers (``coldchain.analysis.readings``) turn JSON or logger files into good rows (as
arrays) and bad rows with their line numbers. Here good rows whose serial is
unknown become bad rows too; everything else is stored once. The batch row
records what happened to every row, so nothing is lost silently. Evaluation is
queued by the caller; if the queue is down the batch stays marked as not yet
evaluated and ``wms readings evaluate --pending`` catches up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from coldchain.analysis.readings.clock import ahead, ahead_reason
from coldchain.analysis.readings.conventions import ParsedReadings
from coldchain.analysis.units import at_resolution
from coldchain.monitoring.models import ReadingBatch
from coldchain.monitoring.store import sensor_ids, store
from wms.models.base import utcnow
from wms.settings import Settings

CHUNK = 200_000
# Readings outside these years are clock errors, and the database cannot store year 0.
EARLIEST_S = int(datetime(1900, 1, 1, tzinfo=UTC).timestamp())
LATEST_S = int(datetime(9000, 1, 1, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class Row:
    """A reading and where it came from (file line or JSON index) for error reports."""

    where: str
    serial: str
    ts: datetime
    temp_c: float


@dataclass
class IngestReport:
    batch_id: int
    rows: int
    stored: int
    duplicates: int
    rejected: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    windows: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch_id, "rows": self.rows, "stored": self.stored,
                "duplicates": self.duplicates, "rejected": self.rejected,
                "errors": self.errors}


def max_skew_s(max_skew_min: float | None = None) -> float:
    """How far ahead of the server clock a reading may be dated, in seconds."""
    if max_skew_min is None:
        max_skew_min = Settings.from_env().reading_max_skew_min
    return max_skew_min * 60.0


def ingest_parsed(session: Session, parsed: ParsedReadings, *, source: str,
                  filename: str = "", user_id: int | None = None,
                  progress: Callable[[float], None] | None = None,
                  now: datetime | None = None,
                  max_skew_min: float | None = None) -> IngestReport:
    """Store a parser's good rows and record the batch; the caller commits.

    Rows dated more than the allowed skew after ``now`` (the server clock) are refused:
    stored, such a reading would hold until its date and hide what really happens.
    """
    errors = parsed.error_dicts()
    # Each distinct serial gets a code in order of appearance: a dictionary does it in one
    # pass, where np.unique would sort a million Python strings (about a second).
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(x, len(index)) for x in parsed.serials),
                        dtype=np.int64, count=len(parsed.serials))
    names = list(index)
    # A serial with a NUL names no sensor (and PostgreSQL cannot even compare it): it is
    # reported on its line as unknown, like any other serial not registered.
    known_ids = sensor_ids(session, [n for n in names if "\x00" not in n])
    id_of_code = np.asarray([known_ids.get(n, -1) for n in names], dtype=np.int64)
    ids = id_of_code[codes] if codes.size else np.empty(0, dtype=np.int64)
    unknown = np.flatnonzero(ids < 0)
    errors.extend({"where": parsed.where(int(i)), "line": int(parsed.refs[i]),
                   "reason": f"unknown sensor serial {parsed.serials[i]!r}"}
                  for i in unknown.tolist())
    good = ids >= 0
    out_of_range = np.flatnonzero(good & ((parsed.times < EARLIEST_S)
                                          | (parsed.times > LATEST_S)))
    errors.extend({"where": parsed.where(int(i)), "line": int(parsed.refs[i]),
                   "reason": "time is not between 1900 and 9000"}
                  for i in out_of_range.tolist())
    good[out_of_range] = False
    now_s, skew_s = int((now or utcnow()).timestamp()), max_skew_s(max_skew_min)
    future = np.flatnonzero(good & ahead(parsed.times, now_s, skew_s))
    field = ".timestamp" if parsed.ref_kind == "index" else ""
    errors.extend({"where": parsed.where(int(i)) + field, "line": int(parsed.refs[i]),
                   "reason": ahead_reason(int(parsed.times[i]), now_s, skew_s)}
                  for i in future.tolist())
    good[future] = False
    # Stored at the resolution readings are compared at (0.01 °C), whatever the source.
    ids, times, temps = ids[good], parsed.times[good], at_resolution(parsed.temps_c[good])
    stored = 0
    for start in range(0, ids.size, CHUNK):
        part = slice(start, start + CHUNK)
        stored += store(session, ids[part], times[part], temps[part])
        if progress:
            progress(min(1.0, (start + CHUNK) / ids.size))
    windows = _windows(ids, times)
    total = len(parsed) + len(parsed.errors)
    batch = ReadingBatch(source=source, filename=filename, received_by=user_id, rows=total,
                         stored=stored, duplicates=int(ids.size) - stored,
                         rejected=len(errors), errors=errors[:1000], sensor_ids=sorted(windows))
    session.add(batch)
    session.flush()
    return IngestReport(batch.id, total, stored, int(ids.size) - stored, len(errors), errors,
                        windows)


def _windows(ids: np.ndarray, times: np.ndarray) -> dict[int, tuple[datetime, datetime]]:
    """Earliest and latest reading per sensor among the rows received."""
    if ids.size == 0:
        return {}
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    lo = np.minimum.reduceat(times[order], starts)
    hi = np.maximum.reduceat(times[order], starts)
    as_dt = lambda s: datetime.fromtimestamp(int(s), UTC)  # noqa: E731
    return {int(sorted_ids[s]): (as_dt(a), as_dt(b))
            for s, a, b in zip(starts.tolist(), lo.tolist(), hi.tolist(), strict=True)}


def ingest(session: Session, rows: Sequence[Row], errors: Sequence[dict[str, Any]], *,
           source: str, filename: str = "", user_id: int | None = None,
           progress: Callable[[float], None] | None = None,
           now: datetime | None = None) -> IngestReport:
    """The same for readings built in code (demo data, tests) rather than parsed."""
    from coldchain.analysis.readings.conventions import BadRow

    parsed = ParsedReadings(
        serials=[r.serial for r in rows],
        times=np.fromiter((int(r.ts.timestamp()) for r in rows), dtype=np.int64,
                          count=len(rows)),
        temps_c=np.fromiter((r.temp_c for r in rows), dtype=np.float64, count=len(rows)),
        refs=np.arange(len(rows), dtype=np.int64), ref_kind="index",
        errors=[BadRow(line=0, raw="", reason=e["reason"], where=e.get("where", ""))
                for e in errors],
    )
    report = ingest_parsed(session, parsed, source=source, filename=filename,
                           user_id=user_id, progress=progress, now=now)
    # Built rows name themselves; keep their own labels in error reports.
    labels = {f"readings[{i}]": r.where for i, r in enumerate(rows)}
    for err in report.errors:
        err["where"] = labels.get(err.get("where", ""), err.get("where", ""))
    return report
