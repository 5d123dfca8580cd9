"""Taking in a delivery of readings: resolve sensors, store, record the batch, evaluate.

Parsers (``coldchain.readings``) turn JSON or logger files into good rows and bad rows
with their line numbers. Here good rows whose serial is unknown become bad rows
too; everything else is stored once. The batch row records what happened to every
row, so nothing is lost silently. Evaluation is queued; if the queue is down the
batch stays marked as not yet evaluated and ``wms readings evaluate --pending``
catches up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coldchain.models import ReadingBatch
from coldchain.store import sensor_ids, store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Row:
    """A parsed reading and where it came from (file line or JSON index) for error reports."""

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


def ingest(session: Session, rows: Sequence[Row], errors: Sequence[dict[str, Any]], *,
           source: str, filename: str = "", user_id: int | None = None,
           chunk: int = 50_000, progress: Callable[[float], None] | None = None
           ) -> IngestReport:
    """Store good rows, report bad ones; the caller commits (one transaction per delivery)."""
    ids = sensor_ids(session, (r.serial for r in rows))
    all_errors = list(errors)
    known: list[tuple[int, datetime, float]] = []
    for r in rows:
        sensor_id = ids.get(r.serial)
        if sensor_id is None:
            all_errors.append({"where": r.where, "reason": f"unknown sensor serial {r.serial!r}"})
        else:
            known.append((sensor_id, r.ts, r.temp_c))
    stored = 0
    windows: dict[int, tuple[datetime, datetime]] = {}
    for start in range(0, len(known), chunk):
        part = store(session, known[start:start + chunk])
        stored += part.stored
        for sid, (lo, hi) in part.windows.items():
            old = windows.get(sid, (lo, hi))
            windows[sid] = (min(old[0], lo), max(old[1], hi))
        if progress:
            progress(min(1.0, (start + chunk) / max(1, len(known))))
    total = len(rows) + len(errors)
    batch = ReadingBatch(source=source, filename=filename, received_by=user_id, rows=total,
                         stored=stored, duplicates=len(known) - stored,
                         rejected=len(all_errors), errors=all_errors[:1000],
                         sensor_ids=sorted(windows))
    session.add(batch)
    session.flush()
    return IngestReport(batch.id, total, stored, len(known) - stored, len(all_errors),
                        all_errors, windows)
