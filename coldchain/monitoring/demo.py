"""Demo temperature loggers and three days of their readings.

Every zone and receiving dock of each warehouse and every compartment of each
refrigerated truck has a logger. The story in the data: rooms and trucks mostly
in range; a chilled room in Shanghai had its door left open yesterday morning
(a minor excursion); one Shanghai truck's chilled compartment lost cooling for
two and a half hours (a severe excursion); a Guangzhou logger went silent six
hours ago (a data gap).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coldchain.monitoring import sensors
from coldchain.monitoring.evaluate import evaluate_sensor
from coldchain.monitoring.ingest import Row, ingest
from coldchain.monitoring.models import Sensor
from wms.db import transaction
from wms.models import Location, LocationKind, TempClass
from wms.models.base import utcnow

DAYS = 3
INTERVAL_S = 600
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
    return np.round(temps, 2)


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
    alarms = 0
    for i, sensor_id in enumerate(sensor_ids):
        with transaction(factory) as session:
            alarms += evaluate_sensor(session, sensor_id, now=now)["alarms"]
        if progress:
            progress((i + 1) / len(sensor_ids))
    return {"sensors": len(sensor_ids), "readings": report.stored, "alarms": alarms}
