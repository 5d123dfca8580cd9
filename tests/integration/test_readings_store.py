"""Readings are stored once per (sensor, timestamp) on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from coldchain.monitoring import sensors
from coldchain.monitoring.ingest import Row, ingest
from coldchain.monitoring.models import Reading, ReadingBatch, SensorAttachment
from wms.db import transaction
from wms.models import Location

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _sensor(sessions, world, serial="QT-1", code="SH1-C"):
    with transaction(sessions) as s:
        loc = s.get(Location, world.locations[code])
        return sensors.register(s, serial=serial, location=loc, at=T0 - timedelta(days=1)).id


def _rows(n, serial="QT-1", start=0, temp=3.0):
    return [Row(f"line {i + 2}", serial, T0 + timedelta(minutes=5 * i), temp + i * 0.01)
            for i in range(start, start + n)]


def test_replays_and_overlaps_are_stored_once(sessions, world):
    _sensor(sessions, world)
    with transaction(sessions) as s:
        first = ingest(s, _rows(100), [], source="json")
    with transaction(sessions) as s:
        again = ingest(s, _rows(100, start=50) + _rows(10, start=50), [], source="json")
    assert (first.stored, first.duplicates) == (100, 0)
    assert (again.stored, again.duplicates) == (50, 60)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Reading)) == 150
        stored = s.scalar(select(Reading).where(Reading.ts == T0 + timedelta(minutes=5 * 60)))
        assert abs(stored.temp_c - 3.6) < 1e-9
        assert stored.ts.tzinfo is not None


def test_unknown_serials_are_reported_and_good_rows_kept(sessions, world):
    _sensor(sessions, world)
    rows = _rows(5) + [Row("line 99", "NOPE", T0, 1.0)]
    with transaction(sessions) as s:
        bad = [{"where": "line 7", "reason": "temperature 'abc' is not a number"}]
        report = ingest(s, rows, bad, source="csv", filename="logger.csv")
    assert report.stored == 5
    assert report.rejected == 2
    assert {e["where"] for e in report.errors} == {"line 7", "line 99"}
    with sessions() as s:
        batch = s.get(ReadingBatch, report.batch_id)
        assert (batch.rows, batch.stored, batch.rejected) == (7, 5, 2)


def test_orm_and_bulk_writes_agree_on_timestamps(sessions, world):
    sensor_id = _sensor(sessions, world)
    with transaction(sessions) as s:
        s.add(Reading(sensor_id=sensor_id, ts=T0, temp_c=2.0))
    with transaction(sessions) as s:
        report = ingest(s, _rows(3), [], source="json")
    assert report.duplicates == 1


def test_moving_a_sensor_closes_its_previous_attachment(sessions, world):
    sensor_id = _sensor(sessions, world)
    with transaction(sessions) as s:
        from coldchain.monitoring.models import Sensor

        sensor = s.get(Sensor, sensor_id)
        sensors.attach(s, sensor, s.get(Location, world.locations["SH1-T01-C"]), at=T0)
    with sessions() as s:
        links = s.scalars(select(SensorAttachment).order_by(SensorAttachment.attached_at)).all()
        assert [link.location_id for link in links] == [world.locations["SH1-C"],
                                                        world.locations["SH1-T01-C"]]
        assert links[0].detached_at == T0 and links[1].detached_at is None
