"""JSON batches from gateways: ``[{"serial", "timestamp", "temperature", "unit"}, ...]``.

A gateway knows its time zone, so a timestamp without an offset is an error here (unless the
caller says otherwise). Errors name the reading and field, as in ``readings[12].timestamp``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from coldchain.analysis.readings.conventions import (
    BadRow,
    ParsedReadings,
    ReadingFormatError,
    normalise_unit,
    temperature,
)
from coldchain.analysis.units import MAX_PLAUSIBLE_C, MIN_PLAUSIBLE_C, f_to_c


def normalise_json(payload: Any, *, tz_required: bool = True) -> ParsedReadings:
    """Validate a gateway batch: a list (or ``{"readings": [...]}``) of readings.

    Each reading is ``{"serial", "timestamp" (ISO 8601 with offset), "temperature",
    "unit": "C"|"F" (optional, default C)}``. Errors name the reading and field, as in
    ``readings[12].timestamp``.
    """
    items = payload.get("readings") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ReadingFormatError("expected a list of readings or {\"readings\": [...]}")
    serials: list[str] = []
    times: list[int] = []
    temps: list[float] = []
    refs: list[int] = []
    errors: list[BadRow] = []

    def fail(i: int, item: Any, name: str, message: str) -> None:
        where = f"readings[{i}].{name}" if name else f"readings[{i}]"
        errors.append(BadRow(i, repr(item), message, where=where))

    # A batch holds up to 10,000 readings: this loop is the hot path of gateway ingestion,
    # so the common case (°C, offset given) avoids any work beyond the checks themselves.
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            fail(i, item, "", "must be an object")
            continue
        before = len(errors)
        serial = item.get("serial")
        if serial is None:
            fail(i, item, "serial", "required")
        elif not isinstance(serial, str) or not serial.strip():
            fail(i, item, "serial", "must be a non-empty string")
        stamp = item.get("timestamp")
        epoch = None
        if stamp is None:
            fail(i, item, "timestamp", "required")
        elif not isinstance(stamp, str):
            fail(i, item, "timestamp", "must be an ISO 8601 string")
        else:
            try:
                dt = datetime.fromisoformat(stamp.strip())
            except ValueError:
                fail(i, item, "timestamp", f"{stamp!r} is not an ISO 8601 timestamp")
            else:
                if dt.tzinfo is None:
                    if tz_required:
                        fail(i, item, "timestamp", f"{stamp!r} has no UTC offset "
                                                   "(send e.g. 2024-05-01T08:00:00+08:00)")
                    else:
                        epoch = math.floor(dt.replace(tzinfo=UTC).timestamp())
                else:
                    epoch = math.floor(dt.timestamp())
        unit = "C"
        raw_unit = item.get("unit")
        if raw_unit is not None:
            try:
                unit = normalise_unit(raw_unit) if isinstance(raw_unit, str) else None
            except ValueError:
                unit = None
            if unit is None:
                fail(i, item, "unit", "must be 'C' or 'F'")
        value = item.get("temperature")
        celsius = None
        if value is None:
            fail(i, item, "temperature", "required")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            fail(i, item, "temperature", "must be a number")
        elif unit is not None:
            value = float(value)
            celsius = f_to_c(value) if unit == "F" else value
            if not (math.isfinite(celsius) and MIN_PLAUSIBLE_C <= celsius <= MAX_PLAUSIBLE_C):
                celsius, why = temperature(repr(value), unit, False)
                fail(i, item, "temperature", why or "not a plausible temperature")
        if len(errors) > before:
            continue
        serials.append(serial.strip())
        times.append(epoch)
        temps.append(celsius)
        refs.append(i)
    return ParsedReadings.from_lists(serials, times, temps, refs, errors, {"format": "json"},
                                     ref_kind="index")
