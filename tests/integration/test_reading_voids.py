"""Voids in the database: append-only, and every judgement of temperature leaves voided
readings out (evaluation and charts are covered through the API in the e2e tests)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from coldchain.monitoring import voids
from coldchain.monitoring.lot_history import history
from coldchain.monitoring.models import Reading, ReadingVoid, Sensor
from tests.integration.test_lot_shelf_life import _setup
from wms.db import transaction


def _used(sessions, lot_id, end):
    with sessions() as s:
        return history(s, lot_id, now=end).used_fraction


def test_a_lots_shelf_life_ignores_voided_readings(sessions, world):
    (lot_id, _, sensor_id), end = _setup(sessions, world, 3.0)
    clean = _used(sessions, lot_id, end)
    spikes = [end - timedelta(hours=30) + timedelta(minutes=10 * i, seconds=300)
              for i in range(36)]  # a probe in the sun: every other reading 40 °C for 6 h
    with transaction(sessions) as s:
        s.add_all(Reading(sensor_id=sensor_id, ts=ts, temp_c=40.0) for ts in spikes)
    assert _used(sessions, lot_id, end) > clean * 1.5
    with transaction(sessions) as s:
        sensor = s.get(Sensor, sensor_id)
        done = voids.void(s, sensor, voids.readings_to_void(s, sensor, timestamps=spikes),
                          reason="probe in the sun", user_id=world.users["staff"])
    assert done.voided == 36
    assert _used(sessions, lot_id, end) == pytest.approx(clean)
    with sessions() as s:  # the readings themselves are still there
        assert len(s.scalars(select(Reading).where(Reading.temp_c == 40.0)).all()) == 36


def test_voids_can_be_neither_changed_nor_removed(sessions, world):
    (_, _, sensor_id), _ = _setup(sessions, world, 3.0)
    with transaction(sessions) as s:
        sensor = s.get(Sensor, sensor_id)
        first = s.scalar(select(Reading.ts).where(Reading.sensor_id == sensor_id)
                         .order_by(Reading.ts).limit(1))
        voids.void(s, sensor, [first], reason="spike", user_id=None, via="command line")
    for statement in (update(ReadingVoid).values(reason="never mind"), delete(ReadingVoid)):
        with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as s:
            s.execute(statement)
    with sessions() as s:
        assert s.scalars(select(ReadingVoid.reason)).all() == ["spike"]
