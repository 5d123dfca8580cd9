"""The generic CSV logger parser: any export with a time and a temperature column.

The delimiter (``,`` ``;`` or tab), the header, the timestamp format and the unit are found
on the file itself (``csv_header``, ``time_formats``). A header unit that contradicts the
``unit`` option is an error rather than a guess; with a ``;`` or tab delimiter a decimal
comma is accepted.
"""

from __future__ import annotations

import codecs
import io
import itertools
import math
import os
from collections.abc import Iterable, Iterator
from datetime import tzinfo
from pathlib import Path
from typing import IO

import numpy as np

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
from coldchain.analysis.readings.csv_header import (
    Layout,
    decode_choice,
    find_header,
    preamble_zone,
    split_fields,
)
from coldchain.analysis.readings.time_formats import detect_time_format
from coldchain.analysis.units import MAX_PLAUSIBLE_C, MIN_PLAUSIBLE_C

_HEADER_SCAN_LINES = 50
_SAMPLE_ROWS = 200
#: Lines read and judged together: a block of well-formed rows is read column by column.
_BLOCK_LINES = 8192


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
    # What the logger wrote about its own clock outranks the place the file is read for.
    stated = preamble_zone(head[:header_at])
    zone = stated[0] if stated else zone_of(tz)
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

    def one(line: str, lineno: int) -> None:
        """The row on one line: its reading, or every reason it is refused."""
        nonlocal blank
        if not line.strip():
            blank += 1
            return
        fields = split_fields(line, d)
        if len(fields) < need:
            errors.append(BadRow(lineno, line.rstrip("\r\n"),
                                 f"expected at least {need} fields, found {len(fields)}"))
            return
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
            return
        serials.append(interned.setdefault(serial, serial))
        times.append(epoch)
        temps.append(celsius)
        refs.append(lineno)

    fast = _BlockReader(d, need, si, layout.timestamp, ti, parse_time, temp_unit,
                        fallback_serial, interned)
    source = lines()
    while block := list(itertools.islice(source, _BLOCK_LINES)):
        first = lineno + 1
        lineno += len(block)
        consumed += sum(map(len, block))
        if progress is not None:
            progress(min(0.99, consumed / size) if size else 0.0)
        read = fast.read(block)
        if read is None:
            for k, line in enumerate(block):
                one(line, first + k)
            continue
        serials.extend(read[0])
        times.extend(read[1])
        temps.extend(read[2])
        refs.extend(range(first, lineno + 1))
    if progress is not None:
        progress(1.0)

    detected = {
        "delimiter": d,
        "header_line": header_at + 1,
        "columns": {"serial": _col(layout, si), "time": _col(layout, layout.timestamp),
                    "date": _col(layout, layout.date), "clock": _col(layout, layout.time),
                    "temperature": _col(layout, ti)},
        "time_format": fmt,
        "time_zone": stated[1] if stated else str(zone),
        "time_zone_from": "preamble" if stated else "option",
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


class _BlockReader:
    """Reads a block of lines column by column when every line is a plain, valid row.

    Most files are thousands of rows in one shape; splitting every line, then converting
    whole columns (``map(float, …)``, each distinct timestamp parsed once, each distinct
    serial checked once) costs a fraction of judging row by row. Any line out of the
    ordinary (quotes, a blank line, a missing or extra field, a value the row-by-row reader
    would refuse or convert) makes :meth:`read` return ``None``, and that block is judged
    row by row, so the rows kept and the errors reported are exactly those of the
    row-by-row reader.
    """

    def __init__(self, delimiter: str, need: int, serial_at: int | None, time_at: int | None,
                 temp_at: int, parse_time, unit: str, fallback_serial: str | None,
                 interned: dict[str, str]) -> None:
        self.d, self.need, self.si, self.tsi, self.ti = (delimiter, need, serial_at, time_at,
                                                         temp_at)
        self.parse_time, self.unit = parse_time, unit
        self.fallback, self.interned = fallback_serial, interned

    def read(self, block: list[str]) -> tuple[list[str], list[int], list[float]] | None:
        # A date and a clock in two columns, or °F (converted at the reading's resolution,
        # one value at a time), are left to the row-by-row reader.
        if self.tsi is None or self.unit != "C" or any('"' in line for line in block):
            return None  # (a quoted field may hold the delimiter)
        d = self.d
        # Every line with the same number of fields, then the whole block split at once:
        # one split of one string instead of a split per line and a transpose.
        counts = set(map(str.count, block, itertools.repeat(d)))
        if len(counts) != 1:
            return None
        width = counts.pop() + 1
        text = "".join(block)
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if "\r" in text:
                return None
        text = text.removesuffix("\n")
        if width < self.need or text.count("\n") != len(block) - 1:
            return None
        fields = text.replace("\n", d).split(d)
        columns = [fields[k::width] for k in range(width)]
        try:
            temps = list(map(float, columns[self.ti]))
        except ValueError:
            return None
        # numpy's min and max propagate NaN (Python's would skip it); NaN and ±inf then
        # fail the range test.
        values = np.asarray(temps)
        low, high = float(values.min()), float(values.max())
        if not (math.isfinite(low) and math.isfinite(high)
                and low >= MIN_PLAUSIBLE_C and high <= MAX_PLAUSIBLE_C):
            return None
        stamps = columns[self.tsi]
        epochs: dict[str, int] = {}
        try:
            for stamp in dict.fromkeys(stamps):
                text = stamp.strip()
                if not text:
                    return None
                epochs[stamp] = self.parse_time(text)
        except (ValueError, OverflowError):
            return None
        if self.si is None:
            serials = [self.fallback] * len(block)
        else:
            names = {}
            for raw in dict.fromkeys(columns[self.si]):
                name = raw.strip().strip('"') or self.fallback
                if not name:
                    return None
                names[raw] = self.interned.setdefault(name, name)
            serials = list(map(names.__getitem__, columns[self.si]))
        return serials, list(map(epochs.__getitem__, stamps)), temps
