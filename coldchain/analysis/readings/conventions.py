"""What every reading parser shares: the result types, time zones and temperatures.

* Good rows come out as UTC epoch seconds (int64, whole seconds) and °C (float64), in source
  order, each with the file line or batch index it came from (:class:`ParsedReadings`).
* A rejected row is a :class:`BadRow` with its line, raw text and every reason it failed.
* Times without an offset are wall-clock time in a zone (default Asia/Shanghai); at a
  daylight-saving change an ambiguous wall time is read as its first occurrence.
* A temperature is a number, optionally with its unit written next to it; Fahrenheit is
  converted here, once, and anything outside −90…+90 °C is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from coldchain.analysis.units import MAX_PLAUSIBLE_C, MIN_PLAUSIBLE_C, f_to_c

DEFAULT_TZ = "Asia/Shanghai"
Progress = Callable[[float], None]

EPOCH = datetime(1970, 1, 1)


class ReadingFormatError(ValueError):
    """The file as a whole cannot be read (no recognisable header, unknown format, …)."""


@dataclass(frozen=True)
class BadRow:
    """A rejected row: where it was, what it said, and why it was refused."""

    line: int
    raw: str
    reason: str
    where: str = ""

    def __post_init__(self) -> None:
        if not self.where:
            object.__setattr__(self, "where", f"line {self.line}")

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "where": self.where,
                "raw": self.raw[:200], "reason": self.reason}


@dataclass
class ParsedReadings:
    """Good rows as columns, the rejected rows, and what was detected about the source.

    ``refs[i]`` is the file line (or batch index, for JSON) of good row ``i``.
    """

    serials: list[str]
    times: np.ndarray
    temps_c: np.ndarray
    refs: np.ndarray
    errors: list[BadRow] = field(default_factory=list)
    detected: dict[str, Any] = field(default_factory=dict)
    ref_kind: str = "line"

    @classmethod
    def from_lists(cls, serials: list[str], times: list[int], temps_c: list[float],
                   refs: list[int], errors: list[BadRow], detected: dict[str, Any],
                   ref_kind: str = "line") -> ParsedReadings:
        """From the plain lists a parser fills row by row (appending to lists is the cheap
        part of a hot loop; the arrays are made once at the end)."""
        return cls(serials, np.asarray(times, dtype=np.int64),
                   np.asarray(temps_c, dtype=np.float64), np.asarray(refs, dtype=np.int64),
                   errors, detected, ref_kind)

    def __len__(self) -> int:
        return len(self.serials)

    def where(self, i: int) -> str:
        ref = int(self.refs[i])
        return f"readings[{ref}]" if self.ref_kind == "index" else f"line {ref}"

    def rows(self) -> Iterator[tuple[str, str, datetime, float]]:
        """``(where, serial, aware UTC datetime, °C)`` for every good row, in source order."""
        for i, (serial, t, c) in enumerate(zip(self.serials, self.times.tolist(),
                                              self.temps_c.tolist(), strict=True)):
            yield self.where(i), serial, EPOCH_UTC + timedelta(seconds=t), c

    def error_dicts(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.errors]

    def by_serial(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per serial, ``(times, temps_c)`` arrays ready for evaluation."""
        if not self.serials:
            return {}
        names, codes = np.unique(np.asarray(self.serials, dtype=object), return_inverse=True)
        return {str(name): (self.times[codes == k], self.temps_c[codes == k])
                for k, name in enumerate(names)}

EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


# ----------------------------------------------------------------------------- time zones


def zone_of(tz: str | tzinfo | None) -> tzinfo:
    if tz is None:
        return ZoneInfo(DEFAULT_TZ)
    if isinstance(tz, str):
        return UTC if tz.upper() in ("UTC", "Z") else ZoneInfo(tz)
    return tz


class LocalToUtc:
    """Wall-clock epoch seconds to UTC epoch seconds in one zone.

    Offsets change only on quarter-hour boundaries of local time in every zone in use, so one
    zone lookup per quarter hour serves a whole logger file.
    """

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.cache: dict[int, int] = {}

    def __call__(self, local_s: int) -> int:
        bucket = local_s // 900
        offset = self.cache.get(bucket)
        if offset is None:
            wall = (EPOCH + timedelta(seconds=bucket * 900)).replace(tzinfo=self.tz)
            delta = wall.utcoffset()
            offset = int(delta.total_seconds()) if delta is not None else 0
            self.cache[bucket] = offset
        return local_s - offset



def iso_parser(to_utc: LocalToUtc) -> Callable[[str], int]:
    fromiso = datetime.fromisoformat

    def parse(text: str) -> int:
        text = text.strip()
        if "/" in text[:10]:
            text = text[:10].replace("/", "-") + text[10:]
        dt = fromiso(text)
        if dt.tzinfo is not None:
            return math.floor(dt.timestamp())
        return to_utc(int((dt - EPOCH).total_seconds()))

    return parse



# ------------------------------------------------------------------------------ temperatures

_UNIT_SUFFIX = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(°\s*[CcFf]|℃|℉|[CcFf])\s*$")


def normalise_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    u = unit.strip().upper().lstrip("°")
    if u in ("C", "CELSIUS", "℃"):
        return "C"
    if u in ("F", "FAHRENHEIT", "℉"):
        return "F"
    raise ValueError(f"unit must be 'C' or 'F', not {unit!r}")


def temperature(text: str, unit: str, decimal_comma: bool) -> tuple[float | None, str | None]:
    """``(°C, None)`` or ``(None, reason)``."""
    s = text.strip()
    if not s:
        return None, "missing temperature"
    try:
        value = float(s)
    except ValueError:
        value = None
        if decimal_comma and s.count(",") == 1:
            try:
                value = float(s.replace(",", "."))
            except ValueError:
                value = None
        if value is None:
            m = _UNIT_SUFFIX.match(s)
            if m is None:
                return None, f"temperature {s!r} is not a number"
            value = float(m.group(1).replace(",", "."))
            unit = "F" if m.group(2)[-1] in "Ff℉" else "C"
    if not math.isfinite(value):
        return None, f"temperature {s!r} is not a number"
    celsius = f_to_c(value) if unit == "F" else value
    if not MIN_PLAUSIBLE_C <= celsius <= MAX_PLAUSIBLE_C:
        return None, (f"temperature {celsius:.1f} °C is outside the physically possible range "
                      f"({MIN_PLAUSIBLE_C:g}…{MAX_PLAUSIBLE_C:g} °C)")
    return celsius, None
