"""Readings in monthly partitions on PostgreSQL: nothing outside a month is lost, months
are made ahead of time, and retention drops only whole months past FSMA 204's two years."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from api.cli import main
from coldchain.monitoring import partitions
from coldchain.monitoring.models import Reading, ReadingVoid, Sensor
from wms.db import transaction
from wms.models import Location

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _sensor(sessions, world) -> int:
    with transaction(sessions) as s:
        room = s.scalar(select(Location.id).where(Location.code == "SH1-C"))
        sensor = Sensor(serial="PART-1", sampling_interval_s=60, location_id=room)
        s.add(sensor)
        s.flush()
        return sensor.id


def _where(sessions, ts: datetime) -> str:
    with sessions() as s:
        return s.scalar(text("SELECT tableoid::regclass::text FROM reading WHERE ts = :ts"),
                        {"ts": ts})


def test_sqlite_keeps_one_table_and_runs_no_retention(sessions, world, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL side is below")
    with transaction(sessions) as s:
        conn = s.connection()
        assert not partitions.is_partitioned(conn)
        assert partitions.ensure_ahead(conn, NOW) == []
        assert partitions.apply_retention(conn, NOW) == []


@pytest.mark.postgres
def test_a_reading_outside_every_month_is_kept_and_moves_into_its_month(
        sessions, world, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("partitions are PostgreSQL's")
    sensor_id = _sensor(sessions, world)
    far = datetime(2041, 5, 17, 3, 0, tzinfo=UTC)
    with transaction(sessions) as s:
        s.add_all([Reading(sensor_id=sensor_id, ts=far, temp_c=4.0),
                   Reading(sensor_id=sensor_id, ts=NOW, temp_c=3.0)])
    assert _where(sessions, far) == "reading_default"
    assert _where(sessions, NOW) == "reading_p2026_12"
    with transaction(sessions) as s:
        made = partitions.ensure_partitions(s.connection(), far, far)
    assert made == ["reading_p2041_05"]
    assert _where(sessions, far) == "reading_p2041_05"
    with transaction(sessions) as s:  # made once: a second run changes nothing
        assert partitions.ensure_partitions(s.connection(), far, far) == []
        assert s.scalar(select(func.count()).select_from(Reading)) == 2


@pytest.mark.postgres
def test_retention_drops_only_months_past_two_years(sessions, world, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("partitions are PostgreSQL's")
    sensor_id = _sensor(sessions, world)
    cutoff = partitions.retention_cutoff(NOW)
    assert cutoff == datetime(2024, 12, 2, 12, 0, tzinfo=UTC)
    months = [partitions.add_months(datetime(2023, 6, 1, tzinfo=UTC), i) for i in range(46)]
    stamps = [m + timedelta(days=14) for m in months]
    # The edges: the first instant of the month the cutoff falls in, the last one before
    # the cutoff and the cutoff itself stay; so does what the default partition holds.
    edges = [datetime(2024, 12, 1, tzinfo=UTC), cutoff - timedelta(seconds=1), cutoff,
             datetime(2024, 11, 30, 23, 59, 59, tzinfo=UTC), datetime(1999, 1, 1, tzinfo=UTC)]
    with transaction(sessions) as s:
        partitions.ensure_partitions(s.connection(), months[0], months[-1])
        s.add_all(Reading(sensor_id=sensor_id, ts=ts, temp_c=4.0) for ts in stamps + edges)
        s.flush()
        s.add_all([ReadingVoid(sensor_id=sensor_id, ts=datetime(2024, 3, 15, tzinfo=UTC),
                               reason="old probe in the sun"),
                   ReadingVoid(sensor_id=sensor_id, ts=cutoff, reason="door open")])
    old_months = [m for m in months if partitions.add_months(m, 1) <= cutoff]
    assert old_months[-1] == datetime(2024, 11, 1, tzinfo=UTC)

    with transaction(sessions) as s:
        planned = partitions.apply_retention(s.connection(), NOW, dry_run=True)
    # (the migration made months from three years back too: those are past it as well)
    assert [e.partition.start for e in planned][-len(old_months):] == old_months
    assert all(e.partition.end <= cutoff for e in planned)
    with sessions() as s:  # a dry run drops nothing
        assert s.scalar(select(func.count()).select_from(Reading)) == len(stamps) + len(edges)

    with transaction(sessions) as s:
        dropped = partitions.apply_retention(s.connection(), NOW)
    assert [e.partition.name for e in dropped] == [e.partition.name for e in planned]
    assert sum(e.voids for e in dropped) == 1
    with sessions() as s:
        kept = set(s.scalars(select(Reading.ts)))
        names = {p.name for p in partitions.partitions(s.connection())}
        voided = s.scalars(select(ReadingVoid.reason)).all()
    expired = {ts for ts in stamps + edges if ts < datetime(2024, 12, 1, tzinfo=UTC)
               and ts.year > 2000}
    assert kept == set(stamps + edges) - expired  # the 1999 reading: in the default partition
    assert all(partitions.partition_for(m).name not in names for m in old_months)
    assert partitions.partition_for(cutoff).name in names
    assert voided == ["door open"]
    with pytest.raises(DBAPIError, match="append-only"), transaction(sessions) as s:
        s.execute(text("SELECT set_config('wms.retention_cutoff', :c, true)"),
                  {"c": cutoff.isoformat()})
        s.execute(text("DELETE FROM reading_void"))  # inside the window: still refused


@pytest.mark.postgres
def test_retention_command_dry_run_and_refuses_less_than_two_years(
        sessions, world, database_url, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("partitions are PostgreSQL's")
    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    runner = CliRunner()
    made = runner.invoke(main, ["readings", "partitions", "--ahead", "2"])
    assert made.exit_code == 0, made.output
    assert "months of readings partitions" in made.output
    dry = runner.invoke(main, ["readings", "retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would drop" in dry.output
    assert runner.invoke(main, ["readings", "retention", "--years", "1"]).exit_code == 2
