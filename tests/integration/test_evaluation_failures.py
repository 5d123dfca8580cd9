"""A sensor's bad data never silences alarms: not its own later ones, not other sensors'.

Whatever is stored for a sensor (a reading years ahead of the clock, one lone point, long
gaps, a broken sensor record), every evaluation goes through for everything it can judge,
and what it could not judge becomes an alert for the sensor's warehouse that clears itself
once the sensor evaluates cleanly again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from api.cli import main
from coldchain.monitoring import sensors
from coldchain.monitoring.evaluate import evaluate_sensor, evaluation_job
from coldchain.monitoring.ingest import Row, ingest
from coldchain.monitoring.models import Alert, AlertStatus, Finding, Reading, Sensor
from wms.db import transaction
from wms.models import Location

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
FUTURE = datetime(8999, 1, 1, tzinfo=UTC)


def _sensor(sessions, world, serial, place="SH1-C"):
    with transaction(sessions) as s:
        return sensors.register(s, serial=serial, sampling_interval_s=300,
                                location=s.get(Location, world.locations[place]),
                                at=T0 - timedelta(days=1)).id


def _warm_three_hours(serial, start=T0):
    """An hour in range, three hours at 7 °C in a chilled room, an hour back in range."""
    temps = [3.0] * 12 + [7.0] * 36 + [3.0] * 12
    return [Row(f"{serial}#{i}", serial, start + timedelta(minutes=5 * i), t)
            for i, t in enumerate(temps)]


def _store(sessions, rows):
    with transaction(sessions) as s:
        ingest(s, rows, [], source="json")


def _alerts(sessions, kind=None):
    with sessions() as s:
        stmt = select(Alert).order_by(Alert.id)
        if kind:
            stmt = stmt.where(Alert.kind == kind)
        return s.scalars(stmt).all()


def _quiet(*_args):
    pass


def test_a_reading_stored_in_the_future_no_longer_silences_a_real_excursion(sessions, world):
    sensor_id = _sensor(sessions, world, "QT-F")
    with transaction(sessions) as s:  # as old data would be: stored before the clock check
        s.add(Reading(sensor_id=sensor_id, ts=FUTURE, temp_c=3.0))
    _store(sessions, _warm_three_hours("QT-F"))

    result = evaluation_job(sessions, {"sensor_ids": [sensor_id]}, _quiet)

    assert result["alarms"] >= 1 and result["failed"] == []
    excursion = _alerts(sessions, "excursion")
    assert len(excursion) == 1 and "SH1-C" in excursion[0].message
    assert excursion[0].warehouse_id == world.warehouses["SH1"]
    # the reading left out is not forgotten: people are told, and told how to clear it
    told = _alerts(sessions, "evaluation_incomplete")
    assert len(told) == 1 and told[0].status == AlertStatus.OPEN
    assert told[0].warehouse_id == world.warehouses["SH1"]
    assert "8999-01-01" in told[0].message and "ahead of the server clock" in told[0].message
    assert "void" in told[0].message
    assert result["incomplete"] == [{"sensor": "QT-F", "reason": told[0].message}]
    # the future reading does not hold: the silent logger after the excursion is a gap
    with sessions() as s:
        gap = s.scalars(select(Finding).where(Finding.kind == "gap")).one()
        assert gap.start == T0 + timedelta(minutes=5 * 59) and gap.end is None


def test_one_broken_sensor_does_not_stop_the_others_in_its_batch(sessions, world):
    broken = _sensor(sessions, world, "QT-BROKEN")
    good = _sensor(sessions, world, "QT-GOOD", place="SH1-T01-C")
    _store(sessions, _warm_three_hours("QT-BROKEN") + _warm_three_hours("QT-GOOD"))
    with transaction(sessions) as s:  # a sensor record no form would accept any more
        s.execute(update(Sensor).where(Sensor.id == broken).values(sampling_interval_s=0))

    result = evaluation_job(sessions, {"sensor_ids": [broken, good]}, _quiet)

    raised = _alerts(sessions, "excursion")
    assert [a.message.split("(sensor ")[1].split(")")[0] for a in raised] == ["QT-GOOD"]
    failed = _alerts(sessions, "evaluation_failed")
    assert len(failed) == 1 and failed[0].status == AlertStatus.OPEN
    assert failed[0].warehouse_id == world.warehouses["SH1"]
    assert "QT-BROKEN" in failed[0].message and "sampling_interval_s" in failed[0].message
    assert [f["sensor"] for f in result["failed"]] == ["QT-BROKEN"]

    # once the sensor is repaired, its next evaluation clears the alert by itself
    with transaction(sessions) as s:
        s.execute(update(Sensor).where(Sensor.id == broken).values(sampling_interval_s=300))
    again = evaluation_job(sessions, {"sensor_ids": [broken]}, _quiet)
    assert again["failed"] == []
    cleared = _alerts(sessions, "evaluation_failed")[0]
    assert cleared.status == AlertStatus.RESOLVED and cleared.resolution == "evaluated"
    assert cleared.resolved_at is not None
    assert len(_alerts(sessions, "excursion")) == 2


def test_a_failure_raised_again_stays_one_alert(sessions, world):
    broken = _sensor(sessions, world, "QT-BROKEN")
    _store(sessions, _warm_three_hours("QT-BROKEN"))
    with transaction(sessions) as s:
        s.execute(update(Sensor).where(Sensor.id == broken).values(sampling_interval_s=-5))
    for _ in range(3):
        evaluation_job(sessions, {"sensor_ids": [broken]}, _quiet)
    assert len(_alerts(sessions, "evaluation_failed")) == 1


@pytest.mark.parametrize("shape", ["one point", "two points a day apart", "only in the future",
                                   "nothing", "before it was hung", "within the skew"])
def test_odd_data_evaluates_without_failing(sessions, world, shape):
    sensor_id = _sensor(sessions, world, "QT-ODD")
    now = T0 + timedelta(hours=2)
    stamps = {"one point": [T0],
              "two points a day apart": [T0 - timedelta(hours=20), T0],
              "only in the future": [FUTURE, FUTURE + timedelta(minutes=5)],
              "nothing": [],
              "before it was hung": [T0 - timedelta(days=3)],
              "within the skew": [T0, now + timedelta(minutes=5)]}[shape]
    with transaction(sessions) as s:
        s.add_all(Reading(sensor_id=sensor_id, ts=ts, temp_c=6.0) for ts in stamps)
    with transaction(sessions) as s:
        counts = evaluate_sensor(s, sensor_id, now=now)
    assert counts["failed"] == 0
    assert _alerts(sessions, "evaluation_failed") == []
    assert len(_alerts(sessions, "evaluation_incomplete")) == (shape == "only in the future")


def test_evaluate_pending_reports_each_failure_and_exits_1_only_then(
        database_url, sessions, world, monkeypatch):
    broken = _sensor(sessions, world, "QT-BROKEN")
    _sensor(sessions, world, "QT-GOOD", place="SH1-T01-C")
    future = _sensor(sessions, world, "QT-F", place="SH1-F")
    with transaction(sessions) as s:
        s.add(Reading(sensor_id=future, ts=FUTURE, temp_c=-20.0))
    _store(sessions, _warm_three_hours("QT-BROKEN") + _warm_three_hours("QT-GOOD"))
    with transaction(sessions) as s:
        s.execute(update(Sensor).where(Sensor.id == broken).values(sampling_interval_s=0))
    monkeypatch.setenv("WMS_DATABASE_URL", database_url)

    result = CliRunner().invoke(main, ["readings", "evaluate", "--pending"])

    assert result.exit_code == 1, result.output
    assert "QT-BROKEN" in result.output and "sampling_interval_s" in result.output
    assert "QT-GOOD" not in result.output.split("failed")[-1]
    assert len(_alerts(sessions, "excursion")) == 1  # the good sensor's alarm is raised

    # its batch stays pending; repaired, the next run clears it and exits 0
    with transaction(sessions) as s:
        s.execute(update(Sensor).where(Sensor.id == broken).values(sampling_interval_s=300))
    again = CliRunner().invoke(main, ["readings", "evaluate", "--pending"])
    assert again.exit_code == 0, again.output
    assert "evaluated 2 sensors" in again.output
    nothing_left = CliRunner().invoke(main, ["readings", "evaluate", "--pending"])
    assert "evaluated 0 sensors" in nothing_left.output
    assert len(_alerts(sessions, "excursion")) == 2
    assert _alerts(sessions, "evaluation_failed")[0].status == AlertStatus.RESOLVED

    # a reading ahead of the clock is reported, but it is no failure of the run
    everything = CliRunner().invoke(main, ["readings", "evaluate"])
    assert everything.exit_code == 0, everything.output
    assert "QT-F" in everything.output and "ahead of the server clock" in everything.output
