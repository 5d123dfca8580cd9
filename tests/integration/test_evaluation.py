"""Findings and alerts from stored readings: order of arrival does not matter."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from coldchain.monitoring import sensors
from coldchain.monitoring.evaluate import evaluate_sensor
from coldchain.monitoring.ingest import Row, ingest
from coldchain.monitoring.models import Alert, Finding, FindingKind
from wms.db import transaction
from wms.models import Location

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _profile():
    """Chilled room: 2 h in range, 50 min at 6 °C (alarm after 30), back in range, then silent."""
    temps = [3.0] * 24 + [6.0] * 10 + [3.0] * 24
    return [(T0 + timedelta(minutes=5 * i), t) for i, t in enumerate(temps)]


def _setup(sessions, world):
    with transaction(sessions) as s:
        loc = s.get(Location, world.locations["SH1-C"])
        return sensors.register(s, serial="QT-9", location=loc, sampling_interval_s=300,
                                at=T0 - timedelta(hours=1)).id


def _findings(sessions):
    with sessions() as s:
        rows = s.scalars(select(Finding).order_by(Finding.start, Finding.rule)).all()
        return [(f.kind, f.rule, f.start, f.alarm_at, f.end, f.peak_c) for f in rows]


def test_a_warm_hour_in_a_chilled_room_raises_one_alert(sessions, world):
    sensor_id = _setup(sessions, world)
    rows = [Row(f"r{i}", "QT-9", ts, t) for i, (ts, t) in enumerate(_profile())]
    with transaction(sessions) as s:
        ingest(s, rows, [], source="json")
    now = T0 + timedelta(hours=8)
    with transaction(sessions) as s:
        counts = evaluate_sensor(s, sensor_id, now=now)
    assert counts["alarms"] == 1
    with sessions() as s:
        excursion = s.scalars(select(Finding).where(Finding.kind == FindingKind.EXCURSION)).one()
        assert excursion.start == T0 + timedelta(minutes=120)
        assert excursion.alarm_at == T0 + timedelta(minutes=150)
        assert excursion.peak_c == 6.0
        alert = s.scalars(select(Alert)).one()
        assert alert.warehouse_id == world.warehouses["SH1"]
        assert "SH1-C" in alert.message
        # the logger went silent after its last reading: that is a finding too
        assert s.scalars(select(Finding).where(Finding.kind == FindingKind.GAP)).one().end is None


def test_shuffled_duplicated_late_readings_give_the_same_findings(sessions, world):
    sensor_id = _setup(sessions, world)
    profile = _profile()
    now = T0 + timedelta(hours=5)
    with transaction(sessions) as s:
        ingest(s, [Row(str(i), "QT-9", ts, t) for i, (ts, t) in enumerate(profile)], [],
               source="json")
        evaluate_sensor(s, sensor_id, now=now)
    clean = _findings(sessions)

    with transaction(sessions) as s:
        s.execute(Finding.__table__.delete())
        s.execute(Alert.__table__.delete())
        from coldchain.monitoring.models import Reading
        s.execute(Reading.__table__.delete())
    rng = random.Random(3)
    shuffled = profile + rng.sample(profile, 20)
    rng.shuffle(shuffled)
    for part in (shuffled[:30], shuffled[30:]):  # two deliveries, evaluated after each
        with transaction(sessions) as s:
            ingest(s, [Row(str(i), "QT-9", ts, t) for i, (ts, t) in enumerate(part)], [],
                   source="json")
            evaluate_sensor(s, sensor_id, now=now)
    assert _findings(sessions) == clean
    with sessions() as s:
        assert len(s.scalars(select(Alert)).all()) == 1
