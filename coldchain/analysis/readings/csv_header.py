"""Finding the header of a CSV logger export: delimiter, columns, unit, encoding.

Metadata lines above the header are skipped; a "Serial: …" line there names the logger when
the table has no serial column. Header names are matched in English and Chinese.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coldchain.analysis.readings.conventions import ReadingFormatError

_HEADER_F = re.compile(r"°\s*f\b|℉|\bdeg\.?\s*f\b|fahrenheit|[(\[]\s*f\s*[)\]]|_f$|\bf$")
_HEADER_C = re.compile(r"°\s*c\b|℃|\bdeg\.?\s*c\b|celsius|[(\[]\s*c\s*[)\]]|_c$|\bc$")


def unit_of(value: str) -> str | None:
    value = value.lower()
    if _HEADER_F.search(value):
        return "F"
    if _HEADER_C.search(value):
        return "C"
    return None



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
class Layout:
    delimiter: str
    names: list[str]
    serial: int | None
    timestamp: int | None
    date: int | None
    time: int | None
    temp: int
    header_unit: str | None


def layout_of(fields: list[str], delimiter: str) -> Layout | None:
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
    return Layout(delimiter, fields, serial, timestamp, date, time_only, temp,
                   unit_of(fields[temp]))


def split_fields(line: str, delimiter: str) -> list[str]:
    line = line.rstrip("\r\n")
    if '"' in line:
        return next(csv.reader([line], delimiter=delimiter))
    return line.split(delimiter)


_PREAMBLE_SERIAL = re.compile(
    r"^\s*(?:serial(?:\s*(?:no\.?|number))?|s/?n|device\s*id|logger\s*id|序列号|设备号)"
    r"\s*[:=,;\t][\s:=,;\t]*\"?([A-Za-z0-9][\w\-.]*)", re.IGNORECASE)
# "Time Zone:,UTC+08:00", "Timezone: GMT+8", "时区：Asia/Shanghai": the logger's own zone.
_PREAMBLE_ZONE = re.compile(
    r"^\s*(?:time\s*zone|timezone|tz|utc\s*offset|时区)\s*[:=,;\t：][\s:=,;\t]*\"?"
    r"([A-Za-z_]+/[A-Za-z_]+(?:/[A-Za-z_]+)?|(?:UTC|GMT)?\s*[+-]\s*\d{1,2}(?::?\d{2})?|UTC|GMT|Z)"
    r"\s*\"?\s*(?:[,;\t].*)?$", re.IGNORECASE)
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def find_header(lines: list[str]) -> tuple[int, Layout, str | None]:
    """Index of the header line, its layout, and a serial found in the lines above it."""
    serial = None
    for i, line in enumerate(lines):
        best = None
        for delimiter in (",", ";", "\t"):
            if delimiter not in line:
                continue
            fields = [f.strip().strip('"') for f in split_fields(line, delimiter)]
            layout = layout_of(fields, delimiter)
            if layout is not None and (best is None or len(layout.names) > len(best.names)):
                best = layout
        if best is not None:
            return i, best, serial
        m = _PREAMBLE_SERIAL.match(line)
        if m and serial is None:
            serial = m.group(1)
    raise ReadingFormatError(
        f"no header with a time and a temperature column in the first {len(lines)} lines")


def preamble_zone(lines: list[str]) -> tuple[tzinfo, str] | None:
    """The time zone the lines above the header state, with its text as written; None
    when they state none. A zone that cannot be read is an error, not a guess: a wrong zone
    shifts every reading by hours."""
    for line in lines:
        m = _PREAMBLE_ZONE.match(line.rstrip("\r\n"))
        if not m:
            if re.match(r"^\s*(?:time\s*zone|timezone|时区)\s*[:=,;\t：]", line, re.IGNORECASE):
                raise ReadingFormatError(f"the time zone above the header cannot be read: "
                                         f"{line.strip()!r}")
            continue
        text = m.group(1).strip()
        if text.upper() in ("UTC", "GMT", "Z"):
            return UTC, text
        off = _OFFSET.match(text)
        if off:
            sign, hours, minutes = off.group(1), int(off.group(2)), int(off.group(3) or 0)
            if hours > 14 or minutes >= 60:
                raise ReadingFormatError(f"the time zone above the header is out of range: "
                                         f"{text!r}")
            delta = timedelta(hours=hours, minutes=minutes)
            return timezone(-delta if sign == "-" else delta), text
        try:
            return ZoneInfo(text), text
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ReadingFormatError(f"unknown time zone above the header: {text!r}") from exc
    return None


# -------------------------------------------------------------------------------- CSV files


def decode_choice(head: bytes) -> str:
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
