"""Berlinger Q-tag (CLm doc / 2plus family) text downloads.

Besides the logged points, a download carries the device's own configuration (logging
interval, alarm slots) and alarm results, so the device's verdict can be compared with ours.
The device clock has no zone: times are read in the caller's zone unless the configuration
names a UTC offset.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from pathlib import Path

import numpy as np

from coldchain.analysis.excursions import (
    COLD,
    CONSECUTIVE,
    CUMULATIVE,
    HOT,
    AlarmRule,
)
from coldchain.analysis.readings.conventions import (
    DEFAULT_TZ,
    BadRow,
    LocalToUtc,
    ParsedReadings,
    ReadingFormatError,
    iso_parser,
    temperature,
    zone_of,
)

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
            return zone_of(value.strip())
    return zone_of(tz)


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
    to_utc = LocalToUtc(zone)
    parse_time = iso_parser(to_utc)

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
        celsius, why = temperature(fields[2], "C", False)
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
    readings = ParsedReadings.from_lists(
        serials, times, temps, refs, errors,
        {"format": "berlinger-qtag", "time_zone": str(zone), "unit": "C"})
    return QtagDownload(
        serial=serial, device=top.get("Device", ""),
        logging_interval_min=float(conf.get("Logging Interval", "0") or 0),
        start_delay_min=_float_or_none(conf.get("Start Delay")),
        mkt_energy_kj=_float_or_none(conf.get("MKT Energy")),
        alarms=alarms, started_at=when(res.get("TS Start")), stopped_at=when(res.get("TS Stop")),
        summary=summary, events=events, readings=readings,
        out_of_limits=np.asarray(flags, dtype=bool), conf=conf, res=res)
