"""Readings are stored once per (sensor, timestamp), whichever way into the table they take.

On PostgreSQL a delivery of new readings is COPYed straight into the table, anything that
may repeat what is stored goes through the staging table; a COPY stopped by readings stored
meanwhile falls back to staging. The counts and the rows are the same on every path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from coldchain.monitoring import sensors, store
from coldchain.monitoring.models import Reading
from wms.db import transaction
from wms.models import Location

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
S0 = int(T0.timestamp())


@pytest.fixture
def two(sessions, world):
    with transaction(sessions) as s:
        place = s.get(Location, world.locations["SH1-C"])
        return [sensors.register(s, serial=x, sampling_interval_s=60, location=place,
                                 at=T0 - timedelta(days=1)).id for x in ("ST-1", "ST-2")]


def _store(sessions, ids, secs, temps):
    with transaction(sessions) as s:
        return store.store(s, np.asarray(ids), np.asarray(secs, dtype=np.int64) + S0,
                           np.asarray(temps, dtype=np.float64))


def _rows(sessions):
    with sessions() as s:
        return [(r.sensor_id, int(r.ts.timestamp()) - S0, r.temp_c) for r in
                s.scalars(select(Reading).order_by(Reading.sensor_id, Reading.ts))]


def test_new_repeated_and_overlapping_deliveries_are_stored_once(sessions, two):
    a, b = two
    assert _store(sessions, [a, a, b], [0, 60, 0], [3.0, -18.25, 4.01]) == 3
    # Repeats within a delivery, and readings already stored, are counted, not stored.
    assert _store(sessions, [a, a, b, b], [120, 120, 0, 60], [5.0, 5.0, 9.0, 2.5]) == 2
    assert _store(sessions, [b], [3600], [1.0]) == 1  # new, after what b has
    assert _rows(sessions) == [(a, 0, 3.0), (a, 60, -18.25), (a, 120, 5.0),
                               (b, 0, 4.01), (b, 60, 2.5), (b, 3600, 1.0)]


@pytest.mark.postgres
def test_a_copy_stopped_by_readings_stored_meanwhile_falls_back(sessions, two, monkeypatch,
                                                               database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the COPY path is PostgreSQL's")
    a, _ = two
    assert _store(sessions, [a], [60], [3.0]) == 1
    probed = []

    def looks_new(cur, ids, times):  # as if the other delivery committed after the probe
        probed.append(ids.size)
        return True

    monkeypatch.setattr(store, "_all_new", looks_new)
    assert _store(sessions, [a, a, a], [0, 60, 120], [1.0, 9.0, 2.0]) == 2
    assert probed == [3]
    assert _rows(sessions) == [(a, 0, 1.0), (a, 60, 3.0), (a, 120, 2.0)]


@pytest.mark.postgres
def test_the_probe_sees_only_the_delivery_s_own_windows(sessions, two, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the probe is PostgreSQL's")
    a, b = two
    _store(sessions, [a], [600], [3.0])
    with transaction(sessions) as s:
        raw = s.connection().connection.driver_connection
        with raw.cursor() as cur:
            def probe(ids, secs):
                return store._all_new(cur, np.asarray(ids),
                                      np.asarray(secs, dtype=np.int64) + S0)
            assert probe([a, a], [0, 540]) and probe([b, b], [0, 1200])
            assert not probe([a, a], [0, 1200]) and not probe([a], [600])
            assert not probe([b, b], [60, 60])  # a repeat within the delivery
