"""The generic CSV logger parser: any export with a time and a temperature column.

The delimiter (``,`` ``;`` or tab), the header, the timestamp format and the unit are found
on the file itself (``csv_header``, ``time_formats``). A header unit that contradicts the
``unit`` option is an error rather than a guess; with a ``;`` or tab delimiter a decimal
comma is accepted.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterable, Iterator
from datetime import tzinfo
from pathlib import Path
from typing import IO

from coldchain.analysis.readings.conventions import (
    DEFAULT_TZ,
    BadRow,
    LocalToUtc,
    ParsedReadings,
    Progress,
    ReadingFormatError,
    iso_parser,
    normalise_unit,
    temperature,
    zone_of,
)
from coldchain.analysis.readings.csv_header import Layout, decode_choice, find_header, split_fields
from coldchain.analysis.readings.time_formats import detect_time_format

_HEADER_SCAN_LINES = 50
_SAMPLE_ROWS = 200
_PROGRESS_EVERY = 16384


def parse_csv(source: str | os.PathLike[str] | bytes | IO[str] | IO[bytes], *,
              default_serial: str | None = None, tz: str | tzinfo | None = DEFAULT_TZ,
              unit: str | None = None, day_first: bool = True,
              progress: Progress | None = None) -> ParsedReadings:
    """Parse a CSV logger export from a path, bytes or an open file.

    A ``str`` is a path; use :func:`parse_csv_text` for text already in memory. ``progress``
    is called with the fraction read so far (0…1), often enough for a progress bar and not
    so often that it slows the parse.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        size = path.stat().st_size
        with path.open("rb") as probe:
            encoding = decode_choice(probe.read(65536))
        with path.open(encoding=encoding, errors="replace", newline="") as fh:
            return _parse_lines(fh, size, default_serial=default_serial, tz=tz, unit=unit,
                                day_first=day_first, progress=progress)
    if isinstance(source, bytes):
        encoding = decode_choice(source[:65536])
        text = codecs.decode(source, encoding, errors="replace")
        return parse_csv_text(text, default_serial=default_serial, tz=tz, unit=unit,
                              day_first=day_first, progress=progress)
    stream: IO[str]
    if isinstance(source, io.TextIOBase):
        stream = source
    else:
        raw = source.read()
        return parse_csv(raw if isinstance(raw, bytes) else raw.encode("utf-8"),
                         default_serial=default_serial, tz=tz, unit=unit, day_first=day_first,
                         progress=progress)
    return _parse_lines(stream, None, default_serial=default_serial, tz=tz, unit=unit,
                        day_first=day_first, progress=progress)


def parse_csv_text(text: str, *, default_serial: str | None = None,
                   tz: str | tzinfo | None = DEFAULT_TZ, unit: str | None = None,
                   day_first: bool = True, progress: Progress | None = None) -> ParsedReadings:
    """Parse a CSV logger export held in a string (same options as :func:`parse_csv`)."""
    text = text.removeprefix("\ufeff")
    return _parse_lines(io.StringIO(text, newline=None), len(text),
                        default_serial=default_serial, tz=tz, unit=unit, day_first=day_first,
                        progress=progress)


def _parse_lines(stream: Iterable[str], size: int | None, *, default_serial: str | None,
                 tz: str | tzinfo | None, unit: str | None, day_first: bool,
                 progress: Progress | None) -> ParsedReadings:
    it = iter(stream)
    head: list[str] = []
    for line in it:
        head.append(line)
        if len(head) >= _HEADER_SCAN_LINES:
            break
    if not head:
        raise ReadingFormatError("the file is empty")
    header_at, layout, preamble_serial = find_header(head)
    zone = zone_of(tz)
    option_unit = normalise_unit(unit)
    if layout.header_unit and option_unit and layout.header_unit != option_unit:
        raise ReadingFormatError(
            f"the header says °{layout.header_unit} but °{option_unit} was chosen")
    temp_unit = layout.header_unit or option_unit or "C"
    fallback_serial = default_serial or preamble_serial
    if layout.serial is None and not fallback_serial:
        raise ReadingFormatError("the file has no serial column: give the logger's serial")

    d = layout.delimiter
    decimal_comma = d != ","
    need = 1 + max(i for i in (layout.serial, layout.timestamp, layout.date, layout.time,
                               layout.temp) if i is not None)

    def time_text(fields: list[str]) -> str:
        if layout.timestamp is not None:
            return fields[layout.timestamp].strip()
        return f"{fields[layout.date].strip()} {fields[layout.time].strip()}"

    # Sample the first data rows to choose the timestamp format for the whole file; rows
    # read past the header window are kept in ``rest`` for the parse proper.
    rest = head[header_at + 1:]
    samples: list[str] = []

    def sample(line: str) -> bool:
        """Take the line's time as a sample; True once there are enough."""
        if line.strip():
            fields = split_fields(line, d)
            if len(fields) >= need:
                samples.append(time_text(fields))
        return len(samples) >= _SAMPLE_ROWS

    if not any(sample(line) for line in rest):
        for line in it:
            rest.append(line)
            if sample(line):
                break
    samples = [s for s in samples if s.strip()]
    if samples:
        fmt, parse_time, time_info = detect_time_format(samples, zone, day_first)
    else:
        fmt, parse_time, time_info = "none", iso_parser(LocalToUtc(zone)), {}

    serials: list[str] = []
    times: list[int] = []
    temps: list[float] = []
    refs: list[int] = []
    errors: list[BadRow] = []
    blank = 0
    interned: dict[str, str] = {}
    consumed = sum(len(x) for x in head[:header_at + 1])
    lineno = header_at + 1
    si, ti = layout.serial, layout.temp

    def lines() -> Iterator[str]:
        yield from rest
        yield from it

    for line in lines():
        lineno += 1
        consumed += len(line)
        if progress is not None and lineno % _PROGRESS_EVERY == 0:
            progress(min(0.99, consumed / size) if size else 0.0)
        if not line.strip():
            blank += 1
            continue
        fields = split_fields(line, d)
        if len(fields) < need:
            errors.append(BadRow(lineno, line.rstrip("\r\n"),
                                 f"expected at least {need} fields, found {len(fields)}"))
            continue
        reasons = []
        if si is None:
            serial = fallback_serial
        else:
            serial = fields[si].strip().strip('"')
            if not serial:
                if fallback_serial:
                    serial = fallback_serial
                else:
                    reasons.append("missing serial")
        stamp = time_text(fields)
        epoch = None
        if not stamp.strip():
            reasons.append("missing time")
        else:
            try:
                epoch = parse_time(stamp)
            except (ValueError, OverflowError):
                reasons.append(f"time {stamp!r} is not a {fmt} timestamp")
        celsius, why = temperature(fields[ti], temp_unit, decimal_comma)
        if why:
            reasons.append(why)
        if reasons:
            errors.append(BadRow(lineno, line.rstrip("\r\n"), "; ".join(reasons)))
            continue
        serials.append(interned.setdefault(serial, serial))
        times.append(epoch)
        temps.append(celsius)
        refs.append(lineno)
    if progress is not None:
        progress(1.0)

    detected = {
        "delimiter": d,
        "header_line": header_at + 1,
        "columns": {"serial": _col(layout, si), "time": _col(layout, layout.timestamp),
                    "date": _col(layout, layout.date), "clock": _col(layout, layout.time),
                    "temperature": _col(layout, ti)},
        "time_format": fmt,
        "time_zone": str(zone),
        "unit": temp_unit,
        "unit_from": "header" if layout.header_unit else ("option" if option_unit else "default"),
        "serial_from": "column" if si is not None else (
            "option" if default_serial else "preamble"),
        "blank_lines": blank,
        "lines": lineno,
        **time_info,
    }
    return ParsedReadings.from_lists(serials, times, temps, refs, errors, detected)


def _col(layout: Layout, i: int | None) -> str | None:
    return None if i is None else layout.names[i]
