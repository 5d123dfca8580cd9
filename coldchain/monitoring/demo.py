"""Demo temperature loggers, a week of their readings, and their calibrations.

Every zone and receiving dock of each warehouse and every compartment of each
refrigerated truck has a logger. The story in the data: rooms and trucks mostly
in range; a chilled room in Shanghai had its door left open yesterday morning
(a minor excursion, acknowledged by the Shanghai staff); the Beijing frozen room
ran a long defrost three days ago (minor); one Shanghai truck's chilled
compartment lost cooling for two and a half hours while it carried lots
collected from farms (severe: those lots are held), and so did a Guangzhou
truck's frozen compartment; a Guangzhou logger went silent six hours ago (a data
gap). Every logger has a calibration certificate; the Shanghai frozen room's ran
out two weeks ago.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coldchain.monitoring import sensors
from coldchain.monitoring.calibration import raise_overdue_alerts
from coldchain.monitoring.evaluate import evaluate_sensor
from coldchain.monitoring.ingest import Row, ingest
from coldchain.monitoring.models import Alert, AlertStatus, Finding, Sensor, SensorCalibration
from wms.db import transaction
from wms.models import Location, LocationKind, TempClass, User
from wms.models.base import utcnow
from wms.settings import Settings

DAYS = 7
INTERVAL_S = 600
OVERDUE = "QT-SH1-F"  # the logger whose calibration ran out
LAB = "Shanghai Institute of Measurement and Testing Technology"
NOMINAL_C = {TempClass.FROZEN: -21.0, TempClass.CHILLED: 2.5, TempClass.AMBIENT: 18.0}


def _places(session: Session) -> list[Location]:
    rooms = session.scalars(select(Location).where(
        Location.kind.in_([LocationKind.ZONE, LocationKind.RECEIVING]))
        .order_by(Location.code)).all()
    compartments = session.scalars(select(Location).where(
        Location.kind == LocationKind.VEHICLE, Location.parent_id.is_not(None))
        .order_by(Location.code)).all()
    return [*rooms, *compartments]


def _profile(rng: np.random.Generator, code: str, zone: TempClass, n: int,
             times: list[datetime], now: datetime) -> np.ndarray:
    temps = NOMINAL_C[zone] + rng.normal(0, 0.4, n).cumsum() * 0.05 + rng.normal(0, 0.3, n)
    temps = np.clip(temps, NOMINAL_C[zone] - 1.5, NOMINAL_C[zone] + 1.2)
    at = np.array([(now - t).total_seconds() / 3600 for t in times])  # hours ago
    if code == "SH1-C":  # door left open yesterday morning: 50 minutes at 6-7 °C
        temps[(at <= 27) & (at > 26.1)] = 6.5 + rng.normal(0, 0.3)
    if code == "SH1-T03-C":  # cooling failure: 2.5 hours at 9-11 °C
        window = (at <= 40) & (at > 37.5)
        temps[window] = 10.0 + rng.normal(0, 0.5, window.sum())
    if code == "GZ1-T05-F":  # compressor fault on a collection run: 90 minutes near -8 °C
        window = (at <= 60.5) & (at > 59)
        temps[window] = -8.0 + rng.normal(0, 0.4, window.sum())
    if code == "BJ1-F":  # a defrost cycle that ran long: 50 minutes at -15 °C
        window = (at <= 75) & (at > 74.1)
        temps[window] = -15.0 + rng.normal(0, 0.3, window.sum())
    return np.round(temps, 2)


def _calibrate(session: Session, rng: np.random.Generator, today) -> int:
    """A certificate per logger, a year's validity each; one ran out two weeks ago."""
    made = 0
    for n, sensor in enumerate(session.scalars(select(Sensor).order_by(Sensor.serial))):
        if sensor.serial == OVERDUE:
            history = [(today - timedelta(days=745), today - timedelta(days=380)),
                       (today - timedelta(days=380), today - timedelta(days=15))]
        else:
            on = today - timedelta(days=int(rng.integers(20, 330)))
            history = [(on, on + timedelta(days=365))]
        for k, (on, due) in enumerate(history):
            session.add(SensorCalibration(
                sensor_id=sensor.id, certificate=f"SIMT-{on:%Y}-{n + 1:04d}-{k}",
                calibrated_on=on, due_on=due, calibrated_by=LAB))
            made += 1
    session.flush()
    return made


def _acknowledge_door(session: Session) -> int:
    """Shanghai staff acknowledged the open door a quarter of an hour after the alarm."""
    staff = session.scalar(select(User).where(User.username == "staff-sh"))
    room = session.scalar(select(Location).where(Location.code == "SH1-C"))
    if staff is None or room is None:
        return 0
    found = session.scalars(select(Alert).where(
        Alert.kind == "excursion", Alert.location_id == room.id,
        Alert.acknowledged_at.is_(None))).all()
    for alert in found:
        finding = session.get(Finding, alert.finding_id) if alert.finding_id else None
        alarm = (finding.alarm_at if finding and finding.alarm_at else alert.raised_at)
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = staff.id
        alert.acknowledged_at = alarm + timedelta(minutes=14)
        alert.ack_comment = "door closed and its seal checked; goods within limits"
    return len(found)


def load_sensors(factory: sessionmaker[Session], *, seed: int = 7,
                 progress: Callable[[float], None] | None = None) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    now = utcnow().replace(second=0, microsecond=0)
    start = now - timedelta(days=DAYS)
    times = [start + timedelta(seconds=INTERVAL_S * i)
             for i in range(DAYS * 86400 // INTERVAL_S)]
    with transaction(factory) as session:
        places = _places(session)
        rows: list[Row] = []
        for place in places:
            serial = f"QT-{place.code}"
            sensors.register(session, serial=serial, model="Q-tag CLm doc LR",
                             sampling_interval_s=INTERVAL_S, location=place,
                             at=start - timedelta(days=30))
            temps = _profile(rng, place.code, place.temp_zone, len(times), times, now)
            keep = len(times) - (36 if place.code == "GZ1-A" else 0)  # silent for 6 hours
            rows.extend(Row(f"{serial}#{i}", serial, t, float(c))
                        for i, (t, c) in enumerate(zip(times[:keep], temps[:keep], strict=True)))
        report = ingest(session, rows, [], source="json", filename="demo loggers")
        sensor_ids = list(session.scalars(select(Sensor.id).order_by(Sensor.id)))
    alarms = excursions = 0
    for i, sensor_id in enumerate(sensor_ids):
        with transaction(factory) as session:
            counts = evaluate_sensor(session, sensor_id, now=now)
            alarms += counts["alarms"]
            excursions += counts["excursions"]
        if progress:
            progress((i + 1) / len(sensor_ids))
    with transaction(factory) as session:
        calibrations = _calibrate(session, rng, now.date())
        overdue = raise_overdue_alerts(session, default_tz=Settings.timezone)
        acknowledged = _acknowledge_door(session)
    return {"sensors": len(sensor_ids), "readings": report.stored,
            "days of readings": DAYS, "excursions": excursions, "alarms": alarms,
            "alarms acknowledged": acknowledged, "calibrations": calibrations,
            "sensors past calibration": overdue}
