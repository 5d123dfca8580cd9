"""Turning logger files and gateway batches into plain arrays of readings.

Three sources are understood:

* **CSV logger exports** (:func:`parse_csv`, :func:`parse_csv_text`). The delimiter (``,``
  ``;`` or tab), the header names, the timestamp format and the unit are found on the file
  itself; metadata lines above the header are skipped (a "Serial: …" line there names the
  logger when the table has no serial column).
* **Berlinger Q-tag text downloads** (:func:`parse_qtag`), with the device's own
  configuration and alarm results alongside the logged points.
* **JSON batches from gateways** (:func:`normalise_json`).

Conventions
-----------
* Good rows come out as UTC epoch seconds (int64, whole seconds) and °C (float64), in file
  order, each with the file line (1-based, header = line 1 of a plain CSV) or batch index it
  came from. Every good row is kept; nothing is de-duplicated here (storage keeps one reading
  per sensor and timestamp, evaluation does the same).
* Every rejected row is reported with its line, its raw text and all the reasons it failed:
  an unparseable time, a missing or non-numeric temperature, a temperature outside the
  physically possible −90…+90 °C, a missing serial. Blank lines are counted, not reported.
* Times without an offset are wall-clock time in the caller's time zone (default
  Asia/Shanghai, where the warehouses are); at a daylight-saving change an ambiguous wall
  time is read as its first occurrence. Times with an offset (ISO 8601) keep it. JSON batches
  must carry an offset: a gateway knows its time zone, so a naive timestamp there is an error.
* Day-first versus month-first dates are decided on the whole file: a first number above 12
  means day-first, a second number above 12 month-first; when the file never tells, the
  ``day_first`` option decides and ``detected["date_order_ambiguous"]`` says so.
* Fahrenheit is converted once, here. The unit comes from the header ("Temp (°F)"), from a
  unit written next to each value ("40.1 °F"), or from the ``unit`` option; a header unit that
  contradicts the option is an error rather than a guess.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import numpy as np

from coldchain.analysis.excursions import (
    COLD,
    CONSECUTIVE,
    CUMULATIVE,
    HOT,
    AlarmRule,
)
from coldchain.analysis.units import MAX_PLAUSIBLE_C, MIN_PLAUSIBLE_C

DEFAULT_TZ = "Asia/Shanghai"
Progress = Callable[[float], None]

_HEADER_SCAN_LINES = 50
_SAMPLE_ROWS = 200
_PROGRESS_EVERY = 16384
_EPOCH = datetime(1970, 1, 1)


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

    def __len__(self) -> int:
        return len(self.serials)

    def where(self, i: int) -> str:
        ref = int(self.refs[i])
        return f"readings[{ref}]" if self.ref_kind == "index" else f"line {ref}"

    def rows(self) -> Iterator[tuple[str, str, datetime, float]]:
        """``(where, serial, aware UTC datetime, °C)`` for every good row, in source order."""
        for i, (serial, t, c) in enumerate(zip(self.serials, self.times.tolist(),
                                              self.temps_c.tolist(), strict=True)):
            yield self.where(i), serial, _EPOCH_UTC + timedelta(seconds=t), c

    def error_dicts(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.errors]

    def by_serial(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per serial, ``(times, temps_c)`` arrays ready for evaluation."""
        if not self.serials:
            return {}
        names, codes = np.unique(np.asarray(self.serials, dtype=object), return_inverse=True)
        return {str(name): (self.times[codes == k], self.temps_c[codes == k])
                for k, name in enumerate(names)}


_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


# ----------------------------------------------------------------------------- time zones


def _zone(tz: str | tzinfo | None) -> tzinfo:
    if tz is None:
        return ZoneInfo(DEFAULT_TZ)
    if isinstance(tz, str):
        return UTC if tz.upper() in ("UTC", "Z") else ZoneInfo(tz)
    return tz


class _LocalToUtc:
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
            wall = (_EPOCH + timedelta(seconds=bucket * 900)).replace(tzinfo=self.tz)
            delta = wall.utcoffset()
            offset = int(delta.total_seconds()) if delta is not None else 0
            self.cache[bucket] = offset
        return local_s - offset


# ------------------------------------------------------------------------ timestamp formats

_DMY = re.compile(
    r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"\s*([AaPp][Mm])?\s*$")
_NUMBER = re.compile(r"\s*\d{9,14}(\.\d*)?\s*$")


def _iso_parser(to_utc: _LocalToUtc) -> Callable[[str], int]:
    fromiso = datetime.fromisoformat

    def parse(text: str) -> int:
        text = text.strip()
        if "/" in text[:10]:
            text = text[:10].replace("/", "-") + text[10:]
        dt = fromiso(text)
        if dt.tzinfo is not None:
            return math.floor(dt.timestamp())
        return to_utc(int((dt - _EPOCH).total_seconds()))

    return parse


def _numeric_date_parser(to_utc: _LocalToUtc, day_first: bool) -> Callable[[str], int]:
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
        return to_utc(int((dt - _EPOCH).total_seconds()))

    return parse


def _epoch_parser(text: str) -> int:
    if _NUMBER.match(text) is None:
        raise ValueError("not epoch seconds")
    value = float(text)
    # Milliseconds since 1970 are 13 digits today; seconds are 10.
    return int(value // 1000) if value >= 1e11 else int(value)


def _detect_time_format(samples: list[str], tz: tzinfo, day_first: bool
                        ) -> tuple[str, Callable[[str], int], dict[str, Any]]:
    """Choose the timestamp format that reads most of the sample values."""
    to_utc = _LocalToUtc(tz)
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
        ("iso8601", _iso_parser(to_utc)),
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


# ------------------------------------------------------------------------------ temperatures

_UNIT_SUFFIX = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(°\s*[CcFf]|℃|℉|[CcFf])\s*$")
_HEADER_F = re.compile(r"°\s*f\b|℉|\bdeg\.?\s*f\b|fahrenheit|[(\[]\s*f\s*[)\]]|_f$|\bf$")
_HEADER_C = re.compile(r"°\s*c\b|℃|\bdeg\.?\s*c\b|celsius|[(\[]\s*c\s*[)\]]|_c$|\bc$")


def _unit_of(value: str) -> str | None:
    value = value.lower()
    if _HEADER_F.search(value):
        return "F"
    if _HEADER_C.search(value):
        return "C"
    return None


def _normalise_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    u = unit.strip().upper().lstrip("°")
    if u in ("C", "CELSIUS", "℃"):
        return "C"
    if u in ("F", "FAHRENHEIT", "℉"):
        return "F"
    raise ValueError(f"unit must be 'C' or 'F', not {unit!r}")


def _temperature(text: str, unit: str, decimal_comma: bool) -> tuple[float | None, str | None]:
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
    celsius = (value - 32.0) * (5.0 / 9.0) if unit == "F" else value
    if not MIN_PLAUSIBLE_C <= celsius <= MAX_PLAUSIBLE_C:
        return None, (f"temperature {celsius:.1f} °C is outside the physically possible range "
                      f"({MIN_PLAUSIBLE_C:g}…{MAX_PLAUSIBLE_C:g} °C)")
    return celsius, None


# ----------------------------------------------------------------------------------- header

_SERIAL_NAMES = {
    "serial", "serialno", "serialnumber", "sn", "sensor", "sensorid", "sensorserial", "device",
    "deviceid", "deviceserial", "devicesn", "logger", "loggerid", "loggerserial", "loggersn",
    "probe", "probeid", "序列号", "设备号", "设备编号", "设备id", "传感器", "探头", "编号",
}
_TIMESTAMP_NAMES = {
    "timestamp", "timestamputc", "datetime", "datetimeutc", "dateandtime", "datetimelocal",
    "recordtime", "readingtime", "loggedat", "measuredat", "time", "timeutc", "localtime",
    "时间", "日期时间", "记录时间", "采集时间", "测量时间",
}
_TIME_ONLY_NAMES = {"time", "时间"}
_DATE_NAMES = {"date", "日期"}
_EPOCH_NAMES = {"epoch", "epochs", "unix", "unixtime", "epochseconds", "unixtimestamp"}
_TEMP_NAMES = {"t", "temp", "temperature", "value", "reading", "c", "f", "degc", "degf", "温度"}


def _name(header: str) -> str:
    """A header reduced to its word: no unit, case, spaces or punctuation."""
    base = re.sub(r"[(\[].*?[)\]]", "", header.lower())
    base = re.sub(r"°\s*[cf]\b|[℃℉]", "", base)
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", base)


@dataclass
class _Layout:
    delimiter: str
    names: list[str]
    serial: int | None
    timestamp: int | None
    date: int | None
    time: int | None
    temp: int
    header_unit: str | None


def _layout(fields: list[str], delimiter: str) -> _Layout | None:
    names = [_name(f) for f in fields]
    serial = timestamp = date = time_only = temp = None
    for i, (raw, n) in enumerate(zip(fields, names, strict=True)):
        lowered = raw.lower()
        is_temp = (n in _TEMP_NAMES or n.startswith(("temp", "temperature")) or "温度" in n
                   or any(u in lowered for u in ("°c", "°f", "℃", "℉")))
        if temp is None and is_temp and n not in _TIME_ONLY_NAMES:
            temp = i
        elif serial is None and n in _SERIAL_NAMES:
            serial = i
        elif n in _DATE_NAMES and date is None:
            date = i
        elif n in _TIME_ONLY_NAMES and time_only is None:
            time_only = i
        elif timestamp is None and (n in _TIMESTAMP_NAMES or n in _EPOCH_NAMES):
            timestamp = i
    if temp is None:
        return None
    if timestamp is None:
        if date is not None and time_only is not None:
            pass
        elif time_only is not None:
            timestamp, time_only = time_only, None
        elif date is not None:
            timestamp, date = date, None
        else:
            return None
    else:
        date = time_only = None
    return _Layout(delimiter, fields, serial, timestamp, date, time_only, temp,
                   _unit_of(fields[temp]))


def _split(line: str, delimiter: str) -> list[str]:
    line = line.rstrip("\r\n")
    if '"' in line:
        return next(csv.reader([line], delimiter=delimiter))
    return line.split(delimiter)


_PREAMBLE_SERIAL = re.compile(
    r"^\s*(?:serial(?:\s*(?:no\.?|number))?|s/?n|device\s*id|logger\s*id|序列号|设备号)"
    r"\s*[:=,;\t]\s*\"?([A-Za-z0-9][\w\-.]*)", re.IGNORECASE)


def _find_header(lines: list[str]) -> tuple[int, _Layout, str | None]:
    """Index of the header line, its layout, and a serial found in the lines above it."""
    serial = None
    for i, line in enumerate(lines):
        best = None
        for delimiter in (",", ";", "\t"):
            if delimiter not in line:
                continue
            layout = _layout([f.strip().strip('"') for f in _split(line, delimiter)], delimiter)
            if layout is not None and (best is None or len(layout.names) > len(best.names)):
                best = layout
        if best is not None:
            return i, best, serial
        m = _PREAMBLE_SERIAL.match(line)
        if m and serial is None:
            serial = m.group(1)
    raise ReadingFormatError(
        f"no header with a time and a temperature column in the first {len(lines)} lines")


# -------------------------------------------------------------------------------- CSV files


def _decode_choice(head: bytes) -> str:
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:
            return "utf-8-sig"  # a character cut by the sniffing window, not bad UTF-8
    # A Latin-1 degree sign (0xB0) before C/F marks a Western export; anything else that
    # is not UTF-8 is most likely a Chinese (GBK) export.
    if re.search(rb"\xb0\s?[CFcf]", head):
        return "cp1252"
    return "gb18030"


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
            encoding = _decode_choice(probe.read(65536))
        with path.open(encoding=encoding, errors="replace", newline="") as fh:
            return _parse_lines(fh, size, default_serial=default_serial, tz=tz, unit=unit,
                                day_first=day_first, progress=progress)
    if isinstance(source, bytes):
        encoding = _decode_choice(source[:65536])
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
    header_at, layout, preamble_serial = _find_header(head)
    zone = _zone(tz)
    option_unit = _normalise_unit(unit)
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

    # Sample the first data rows to choose the timestamp format for the whole file.
    rest = head[header_at + 1:]
    samples = []
    for line in rest:
        if line.strip():
            fields = _split(line, d)
            if len(fields) >= need:
                samples.append(time_text(fields))
        if len(samples) >= _SAMPLE_ROWS:
            break
    if len(samples) < _SAMPLE_ROWS:
        for line in it:
            rest.append(line)
            if line.strip():
                fields = _split(line, d)
                if len(fields) >= need:
                    samples.append(time_text(fields))
            if len(samples) >= _SAMPLE_ROWS:
                break
    samples = [s for s in samples if s.strip()]
    if samples:
        fmt, parse_time, time_info = _detect_time_format(samples, zone, day_first)
    else:
        fmt, parse_time, time_info = "none", _iso_parser(_LocalToUtc(zone)), {}

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
        fields = _split(line, d)
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
        celsius, why = _temperature(fields[ti], temp_unit, decimal_comma)
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
    return ParsedReadings(serials, np.asarray(times, dtype=np.int64),
                          np.asarray(temps, dtype=np.float64), np.asarray(refs, dtype=np.int64),
                          errors, detected)


def _col(layout: _Layout, i: int | None) -> str | None:
    return None if i is None else layout.names[i]


# ------------------------------------------------------------------------- Berlinger Q-tag

#: Q-tag alarm type codes (0 = alarm slot not used).
QTAG_TYPES = {1: (COLD, CONSECUTIVE), 2: (HOT, CONSECUTIVE), 3: (COLD, CUMULATIVE),
              4: (HOT, CUMULATIVE)}


@dataclass(frozen=True)
class QtagAlarm:
    """One configured alarm slot of a Q-tag."""

    number: int
    type_code: int
    direction: str
    kind: str
    threshold_c: float
    delay_min: float

    def rule(self, severity: str = "major") -> AlarmRule:
        return AlarmRule(self.direction, self.threshold_c, self.delay_min, self.kind, severity,
                         name=f"Q-tag alarm {self.number} ({self.direction} {self.kind})")


@dataclass(frozen=True)
class QtagEvent:
    """An alarm as the device itself recorded it (times in UTC epoch seconds)."""

    start: int | None
    accumulated_min: float | None
    alarm_at: int | None
    end: int | None
    extreme_c: float | None
    extreme_at: int | None


@dataclass
class QtagDownload:
    """A Q-tag text download: the device's settings and results, and the logged points."""

    serial: str
    device: str
    logging_interval_min: float
    start_delay_min: float | None
    mkt_energy_kj: float | None
    alarms: list[QtagAlarm]
    started_at: int | None
    stopped_at: int | None
    summary: dict[str, float]
    events: dict[int, list[QtagEvent]]
    readings: ParsedReadings
    out_of_limits: np.ndarray
    conf: dict[str, str] = field(default_factory=dict)
    res: dict[str, str] = field(default_factory=dict)

    def rules(self, severity: str = "major") -> list[AlarmRule]:
        return [a.rule(severity) for a in self.alarms]


def _pairs(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        key, sep, value = part.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _float_or_none(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    return float(text)


_TZ_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
_TZ_KEYS = ("time zone", "timezone", "tz", "utc offset")


def _qtag_zone(conf: dict[str, str], tz: str | tzinfo | None) -> tzinfo:
    # "Zone" in the Q-tag configuration is not a clock setting; only an explicit time zone
    # entry (written by newer firmware) overrides the caller's zone.
    for key, value in conf.items():
        if key.lower() in _TZ_KEYS:
            m = _TZ_OFFSET.match(value.strip())
            if m:
                sign = -1 if m.group(1) == "-" else 1
                minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
                return timezone(sign * timedelta(minutes=minutes))
            return _zone(value.strip())
    return _zone(tz)


def parse_qtag(source: str | os.PathLike[str] | bytes, *, tz: str | tzinfo | None = DEFAULT_TZ,
               ) -> QtagDownload:
    """Parse a Berlinger Q-tag (CLm doc / 2plus family) text download.

    ``source`` is a path or the file's bytes. The device clock has no zone in these files:
    times are read in ``tz`` unless the configuration names a UTC offset.
    """
    if isinstance(source, bytes):
        text = source.decode("utf-8-sig", errors="replace")
    else:
        text = Path(source).read_text(encoding="utf-8-sig", errors="replace")
    lines = text.splitlines()

    top: dict[str, str] = {}
    sections: dict[str, dict[str, str]] = {"Conf": {}, "Res": {}}
    conf_alarms: dict[int, dict[str, str]] = {}
    res_alarms: dict[int, list[dict[str, str]]] = {}
    data: list[tuple[int, str]] = []
    section = sub = None
    alarm_no = None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if line.startswith("\t"):
            if section == "Data":
                data.append((lineno, line))
            continue
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if indent == 0:
            key, _, value = stripped.partition(":")
            if value.strip():
                top[key.strip()] = value.strip()
            else:
                section, sub, alarm_no = key.strip(), None, None
            continue
        if section not in ("Conf", "Res"):
            continue
        if indent == 1:
            if stripped == "Alarm:":
                sub = "Alarm"
            else:
                sub = None
                sections[section].update(_pairs(stripped))
            continue
        if sub == "Alarm":
            if re.fullmatch(r"\d+:", stripped):
                alarm_no = int(stripped[:-1])
                if section == "Res":
                    res_alarms.setdefault(alarm_no, [])
            elif alarm_no is not None:
                if section == "Conf":
                    conf_alarms[alarm_no] = _pairs(stripped)
                else:
                    res_alarms[alarm_no].append(_pairs(stripped))

    conf, res = sections["Conf"], sections["Res"]
    serial = conf.get("Serial", "")
    if not serial:
        raise ReadingFormatError("not a Q-tag download: no serial in the configuration")
    zone = _qtag_zone(conf, tz)
    to_utc = _LocalToUtc(zone)
    parse_time = _iso_parser(to_utc)

    def when(value: str | None) -> int | None:
        return parse_time(value) if value and value.strip() else None

    alarms = []
    for number, pairs in sorted(conf_alarms.items()):
        code = int(pairs.get("Type", "0"))
        if code == 0:
            continue
        if code not in QTAG_TYPES:
            raise ReadingFormatError(f"Q-tag alarm {number} has unknown type {code}")
        direction, kind = QTAG_TYPES[code]
        alarms.append(QtagAlarm(number, code, direction, kind, float(pairs["T AL"]),
                                float(pairs["t AL"])))

    events = {}
    for number, entries in sorted(res_alarms.items()):
        events[number] = [QtagEvent(
            start=when(e.get("TS S")), accumulated_min=_float_or_none(e.get("t A")),
            alarm_at=when(e.get("TS A")), end=when(e.get("TS E")),
            extreme_c=_float_or_none(e.get("T M")), extreme_at=when(e.get("TS M")))
            for e in entries]

    serials: list[str] = []
    times: list[int] = []
    temps: list[float] = []
    refs: list[int] = []
    flags: list[bool] = []
    errors: list[BadRow] = []
    for lineno, line in data:
        fields = line.split("\t")
        if len(fields) > 1 and fields[1].strip().lower().startswith("yyyy"):
            continue  # the column header of the data table
        if len(fields) < 3:
            errors.append(BadRow(lineno, line, f"expected a time and a temperature, got {line!r}"))
            continue
        reasons = []
        try:
            epoch = parse_time(fields[1])
        except ValueError:
            reasons.append(f"time {fields[1].strip()!r} is not a timestamp")
        celsius, why = _temperature(fields[2], "C", False)
        if why:
            reasons.append(why)
        if reasons:
            errors.append(BadRow(lineno, line, "; ".join(reasons)))
            continue
        serials.append(serial)
        times.append(epoch)
        temps.append(celsius)
        refs.append(lineno)
        flags.append(len(fields) > 3 and fields[3].strip().lower() == "x")

    summary = {}
    for key, name in (("Min T", "min_c"), ("Max T", "max_c"), ("MKT", "mkt_c"),
                      ("Avrg T", "mean_c")):
        value = _float_or_none(res.get(key))
        if value is not None:
            summary[name] = value
    readings = ParsedReadings(serials, np.asarray(times, dtype=np.int64),
                              np.asarray(temps, dtype=np.float64),
                              np.asarray(refs, dtype=np.int64), errors,
                              {"format": "berlinger-qtag", "time_zone": str(zone), "unit": "C"})
    return QtagDownload(
        serial=serial, device=top.get("Device", ""),
        logging_interval_min=float(conf.get("Logging Interval", "0") or 0),
        start_delay_min=_float_or_none(conf.get("Start Delay")),
        mkt_energy_kj=_float_or_none(conf.get("MKT Energy")),
        alarms=alarms, started_at=when(res.get("TS Start")), stopped_at=when(res.get("TS Stop")),
        summary=summary, events=events, readings=readings,
        out_of_limits=np.asarray(flags, dtype=bool), conf=conf, res=res)


# ------------------------------------------------------------------------------ JSON batches


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
                unit = _normalise_unit(raw_unit) if isinstance(raw_unit, str) else None
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
            celsius = (value - 32.0) * (5.0 / 9.0) if unit == "F" else value
            if not (math.isfinite(celsius) and MIN_PLAUSIBLE_C <= celsius <= MAX_PLAUSIBLE_C):
                celsius, why = _temperature(repr(value), unit, False)
                fail(i, item, "temperature", why or "not a plausible temperature")
        if len(errors) > before:
            continue
        serials.append(serial.strip())
        times.append(epoch)
        temps.append(celsius)
        refs.append(i)
    return ParsedReadings(serials, np.asarray(times, dtype=np.int64),
                          np.asarray(temps, dtype=np.float64), np.asarray(refs, dtype=np.int64),
                          errors, {"format": "json"}, ref_kind="index")
