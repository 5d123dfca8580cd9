"""The daily temperature record of a cold room or a vehicle compartment (GB 31605-2020).

For one place and one local day of its warehouse: per sensor that hung there (or
below it) the readings count, coverage, minimum, maximum and mean, with the
sensor's calibration as it stood that day; and every excursion that touched the
day, with who acknowledged it and when. This is the sheet an inspector asks for.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.analysis.daily_stats import figures
from coldchain.monitoring.alarm_rules import load as load_rules
from coldchain.monitoring.calibration import status_of
from coldchain.monitoring.exposure import subtree
from coldchain.monitoring.models import (
    Alert,
    Finding,
    FindingKind,
    Reading,
    Sensor,
    SensorAttachment,
    SensorCalibration,
)
from wms.models import Location, User


def day_window(day: date, tz: str) -> tuple[datetime, datetime]:
    """Local midnight to local midnight, in UTC (a day may have 23 or 25 hours)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _in_force(session: Session, sensor_ids: set[int], day: date
              ) -> dict[int, SensorCalibration]:
    """The calibration each sensor had on ``day`` (made on or before it)."""
    rows = session.scalars(select(SensorCalibration).where(
        SensorCalibration.sensor_id.in_(sensor_ids), SensorCalibration.calibrated_on <= day)
        .order_by(SensorCalibration.sensor_id, SensorCalibration.calibrated_on,
                  SensorCalibration.id))
    return {c.sensor_id: c for c in rows}


def daily_record(session: Session, location: Location, day: date) -> dict[str, Any]:
    tz = location.warehouse.timezone
    start, end = day_window(day, tz)
    rules = load_rules()
    places = subtree(session, location)
    codes = dict(session.execute(select(Location.id, Location.code)
                                 .where(Location.id.in_(places))).all())
    links = session.scalars(select(SensorAttachment).where(
        SensorAttachment.location_id.in_(places), SensorAttachment.attached_at < end,
        SensorAttachment.detached_at.is_(None) | (SensorAttachment.detached_at > start))
        .order_by(SensorAttachment.sensor_id, SensorAttachment.attached_at)).all()
    sensors = {s.id: s for s in session.scalars(
        select(Sensor).where(Sensor.id.in_({lk.sensor_id for lk in links})))}
    calibrations = _in_force(session, set(sensors), day)
    due_soon = rules.calibration_due_soon_days

    # Per (sensor, place): the stretches of the day it hung there.
    watched: dict[tuple[int, int], list[tuple[datetime, datetime]]] = {}
    for link in links:
        lo, hi = max(link.attached_at, start), min(link.detached_at or end, end)
        if lo < hi:
            watched.setdefault((link.sensor_id, link.location_id), []).append((lo, hi))
    rows_out, all_temps = [], []
    for (sensor_id, place_id), spans in watched.items():
        sensor = sensors[sensor_id]
        ts, temps = [], []
        for lo, hi in spans:
            for at, temp in session.execute(
                    select(Reading.ts, Reading.temp_c).where(
                        Reading.sensor_id == sensor_id, Reading.ts >= lo, Reading.ts < hi)
                    .order_by(Reading.ts)):
                ts.append(int(at.timestamp()))
                temps.append(temp)
        t_arr, c_arr = np.array(ts, np.int64), np.array(temps, np.float64)
        all_temps.append(c_arr)
        seconds = sum((hi - lo).total_seconds() for lo, hi in spans)
        calib = status_of(calibrations.get(sensor_id), day, due_soon_days=due_soon)
        rows_out.append({
            "sensor": sensor.serial, "location": codes[place_id],
            "from": spans[0][0].isoformat(), "to": spans[-1][1].isoformat(),
            **figures(t_arr, c_arr, watched_s=seconds,
                      interval_s=sensor.sampling_interval_s).to_dict(),
            "calibration": calib.to_dict(), "calibration_overdue": calib.overdue,
        })
    rows_out.sort(key=lambda r: (r["location"], r["sensor"]))
    every = np.concatenate(all_temps) if all_temps else np.empty(0)
    zone = location.temp_zone.value if location.temp_zone else None
    return {
        "location": location.code, "name": location.name, "kind": location.kind.value,
        "warehouse": location.warehouse.code, "date": day.isoformat(), "timezone": tz,
        "from": start.isoformat(), "to": end.isoformat(), "zone": zone,
        "allowed_range_c": rules.ranges.get(zone) if zone else None,
        "summary": {"readings": int(every.size),
                    "min_c": round(float(every.min()), 2) if every.size else None,
                    "max_c": round(float(every.max()), 2) if every.size else None,
                    "mean_c": round(float(every.mean()), 2) if every.size else None},
        "sensors": rows_out,
        "calibration_overdue": any(r["calibration_overdue"] for r in rows_out),
        "excursions": _excursions(session, places, codes, start, end),
    }


def _excursions(session: Session, places: list[int], codes: dict[int, str],
                start: datetime, end: datetime) -> list[dict[str, Any]]:
    found = session.scalars(select(Finding).where(
        Finding.kind == FindingKind.EXCURSION, Finding.location_id.in_(places),
        Finding.start < end, Finding.end.is_(None) | (Finding.end > start))
        .order_by(Finding.start, Finding.id)).all()
    keys = {f.natural_key: f for f in found}
    acks: dict[str, list[Alert]] = {}
    if keys:
        for alert in session.scalars(select(Alert).where(
                Alert.kind == "excursion", Alert.finding_key.in_(keys))
                .order_by(Alert.id)):
            acks.setdefault(alert.finding_key, []).append(alert)
    people = dict(session.execute(select(User.id, User.username).where(User.id.in_(
        {a.acknowledged_by for alerts in acks.values() for a in alerts
         if a.acknowledged_by}))).all()) if acks else {}
    out = []
    for f in found:
        alerts = acks.get(f.natural_key, [])
        out.append({
            "sensor": f.sensor.serial, "location": codes.get(f.location_id, ""),
            "rule": f.rule, "direction": f.direction, "severity": f.severity,
            "threshold_c": f.threshold_c, "start": f.start.isoformat(),
            "end": f.end.isoformat() if f.end else None, "peak_c": f.peak_c,
            "duration_min": round(f.duration_s / 60, 1),
            "alarmed_at": f.alarm_at.isoformat() if f.alarm_at else None,
            "acknowledgements": [
                {"alert_id": a.id, "status": a.status.value,
                 "by": people.get(a.acknowledged_by), "at": a.acknowledged_at.isoformat()
                 if a.acknowledged_at else None, "comment": a.ack_comment}
                for a in alerts],
        })
    return out


CSV_COLUMNS = ("record", "location", "date", "timezone", "sensor", "place", "readings",
               "coverage", "min_c", "max_c", "mean_c", "calibration_status",
               "calibration_certificate", "calibration_due_on", "excursion_start",
               "excursion_end", "peak_c", "duration_min", "rule", "severity",
               "acknowledged_by", "acknowledged_at", "comment")


def csv_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per sensor, then one per excursion (one per acknowledgement, if several)."""
    head = {"location": record["location"], "date": record["date"],
            "timezone": record["timezone"]}
    out = []
    for s in record["sensors"]:
        cal = s["calibration"]
        out.append({**head, "record": "sensor", "sensor": s["sensor"], "place": s["location"],
                    "readings": s["readings"], "coverage": s["coverage"], "min_c": s["min_c"],
                    "max_c": s["max_c"], "mean_c": s["mean_c"],
                    "calibration_status": cal["status"],
                    "calibration_certificate": cal["certificate"],
                    "calibration_due_on": cal["due_on"]})
    for e in record["excursions"]:
        base = {**head, "record": "excursion", "sensor": e["sensor"], "place": e["location"],
                "excursion_start": e["start"], "excursion_end": e["end"],
                "peak_c": e["peak_c"], "duration_min": e["duration_min"], "rule": e["rule"],
                "severity": e["severity"]}
        for ack in e["acknowledgements"] or [{}]:
            out.append({**base, "acknowledged_by": ack.get("by"),
                        "acknowledged_at": ack.get("at"), "comment": ack.get("comment")})
    return out
