"""Timestamp formats of CSV logger exports, chosen per file from a sample of its rows.

ISO 8601, day/month/year or month/day/year with an optional AM/PM, or epoch seconds (or
milliseconds). Day-first versus month-first is decided on the whole sample: a first number
above 12 means day-first, a second number above 12 month-first; when the sample never tells,
the caller's ``day_first`` decides and ``date_order_ambiguous`` says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from coldchain.analysis.readings.conventions import (
    EPOCH,
    LocalToUtc,
    ReadingFormatError,
    iso_parser,
)

_DMY = re.compile(
    r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*([AaPp][Mm])?\s*$")
_NUMBER = re.compile(r"\s*\d{9,14}(\.\d*)?\s*$")


def _numeric_date_parser(to_utc: LocalToUtc, day_first: bool) -> Callable[[str], int]:
    match = _DMY.match

    def parse(text: str) -> int:
        m = match(text)
        if m is None:
            raise ValueError("not a day/month/year time")
        a, b, year, hour, minute, second, ampm = m.groups()
        day, month = (int(a), int(b)) if day_first else (int(b), int(a))
        year_n = int(year) + (2000 if len(year) == 2 else 0)
        hour_n = int(hour)
        if ampm:
            if not 1 <= hour_n <= 12:
                raise ValueError("hour out of range for AM/PM")
            hour_n = hour_n % 12 + (12 if ampm.lower() == "pm" else 0)
        dt = datetime(year_n, month, day, hour_n, int(minute), int(second or 0))
        return to_utc(int((dt - EPOCH).total_seconds()))

    return parse


def _epoch_parser(text: str) -> int:
    if _NUMBER.match(text) is None:
        raise ValueError("not epoch seconds")
    value = float(text)
    # Milliseconds since 1970 are 13 digits today; seconds are 10.
    return int(value // 1000) if value >= 1e11 else int(value)


def detect_time_format(samples: list[str], tz: tzinfo, day_first: bool
                        ) -> tuple[str, Callable[[str], int], dict[str, Any]]:
    """Choose the timestamp format that reads most of the sample values."""
    to_utc = LocalToUtc(tz)
    info: dict[str, Any] = {}
    firsts = []
    for s in samples:
        m = _DMY.match(s)
        if m:
            firsts.append((int(m.group(1)), int(m.group(2))))
    if firsts:
        day_first_seen = any(a > 12 for a, _ in firsts)
        month_first_seen = any(b > 12 for _, b in firsts)
        if day_first_seen != month_first_seen:
            day_first = day_first_seen
        else:
            info["date_order_ambiguous"] = not day_first_seen
    numeric_name = "day/month/year" if day_first else "month/day/year"
    candidates = [
        ("iso8601", iso_parser(to_utc)),
        (numeric_name, _numeric_date_parser(to_utc, day_first)),
        ("epoch", _epoch_parser),
    ]
    best: tuple[int, str, Callable[[str], int]] | None = None
    for name, parser in candidates:
        ok = 0
        for s in samples:
            try:
                parser(s)
            except (ValueError, OverflowError):
                continue
            ok += 1
        if ok and (best is None or ok > best[0]):
            best = (ok, name, parser)
    if best is None:
        first = samples[0] if samples else ""
        raise ReadingFormatError(f"timestamp format not recognised (first value {first!r})")
    return best[1], best[2], info
