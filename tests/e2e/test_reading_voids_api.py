"""Voiding bad readings over the API and the command line: kept, but judged no more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from coldchain.monitoring.models import Reading, Sensor
from wms.db import make_engine, make_session_factory, transaction

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
FUTURE = datetime(8999, 1, 1, tzinfo=UTC)
WARM = [3.0] * 12 + [7.0] * 36 + [3.0] * 12  # three hours at 7 °C in a chilled room


def _iso(dt):
    return dt.isoformat()


@pytest.fixture
def sensor(api):
    resp = api.as_("staff").post("/api/sensors", json={
        "serial": "GW-1", "sampling_interval_s": 300, "location": "SH1-C",
        "at": _iso(T0 - timedelta(days=1))})
    assert resp.status_code == 201, resp.json
    return resp.json


def _upload(api, temps, start=T0):
    body = {"readings": [{"serial": "GW-1", "timestamp": _iso(start + timedelta(minutes=5 * i)),
                          "temperature": t} for i, t in enumerate(temps)]}
    resp = api.as_("staff").post("/api/readings", json=body)
    assert resp.status_code == 200, resp.json
    return resp.json


def _store_directly(database_url, serial, ts, temp_c):
    """A reading as old data holds it, stored before readings were checked against the clock."""
    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as s:
            sensor_id = s.scalar(select(Sensor.id).where(Sensor.serial == serial))
            s.add(Reading(sensor_id=sensor_id, ts=ts, temp_c=temp_c))
    finally:
        engine.dispose()


def _alerts(api, kind):
    return api.as_("staff").get(f"/api/alerts?kind={kind}").json


def test_voiding_the_future_reading_lets_the_sensor_evaluate_cleanly(api, sensor, database_url):
    _store_directly(database_url, "GW-1", FUTURE, 3.0)
    _upload(api, WARM)
    assert len(_alerts(api, "excursion")) == 1  # the real excursion is not silenced
    told = _alerts(api, "evaluation_incomplete")
    assert len(told) == 1 and told[0]["status"] == "open"
    assert "8999-01-01" in told[0]["message"]

    resp = api.as_("staff").post("/api/sensors/GW-1/readings/voids", json={
        "timestamps": [_iso(FUTURE)], "reason": "logger clock reset to year 8999"})
    assert resp.status_code == 201, resp.json
    assert (resp.json["voided"], resp.json["already_voided"]) == (1, 0)
    assert resp.json["evaluation"] == "finished"

    told = _alerts(api, "evaluation_incomplete")[0]
    assert told["status"] == "resolved" and told["resolution"] == "evaluated"
    assert len(_alerts(api, "excursion")) == 1
    listed = api.as_("staff").get("/api/sensors/GW-1/readings/voids").json
    assert [(v["timestamp"], v["temperature"], v["reason"], v["voided_by"]) for v in listed] == [
        ("8999-01-01T00:00:00+00:00", 3.0, "logger clock reset to year 8999", "staff")]
    assert listed[0]["voided_at"]
    # the reading stays stored, but charts no longer show it
    series = api.as_("staff").get("/api/sensors/GW-1/readings", query_string={
            "from": _iso(T0), "to": _iso(T0 + timedelta(hours=5))}).json
    assert series["count"] == len(WARM)


def test_a_voided_range_is_ignored_by_findings_charts_and_mkt(api, sensor):
    _upload(api, WARM)
    assert len(api.as_("staff").get("/api/findings?kind=excursion&alarmed=true").json) == 1
    resp = api.as_("staff").post("/api/sensors/GW-1/readings/voids", json={
        "from": _iso(T0 + timedelta(minutes=60)), "to": _iso(T0 + timedelta(minutes=235)),
        "reason": "probe lay on the dock in the sun during the audit"})
    assert resp.status_code == 201, resp.json
    assert resp.json["voided"] == 36
    assert api.as_("staff").get("/api/findings?kind=excursion").json == []
    series = api.as_("staff").get("/api/sensors/GW-1/readings", query_string={
            "from": _iso(T0), "to": _iso(T0 + timedelta(hours=5))}).json
    assert series["count"] == len(WARM) - 36
    assert max(t for _, t in series["points"]) == 3.0
    mkt = api.as_("staff").get("/api/mkt", query_string={
        "location": "SH1-C", "from": _iso(T0), "to": _iso(T0 + timedelta(hours=5))}).json
    assert mkt["mkt_c"] == pytest.approx(3.0)
    # voiding again changes nothing and says so
    again = api.as_("staff").post("/api/sensors/GW-1/readings/voids", json={
        "timestamps": [_iso(T0 + timedelta(minutes=60))], "reason": "again"})
    assert (again.json["voided"], again.json["already_voided"]) == (0, 1)
    assert len(api.as_("staff").get("/api/sensors/GW-1/readings/voids?page_size=100").json) == 36


@pytest.mark.parametrize("body, field", [
    ({"timestamps": ["2026-11-20T06:00:00+00:00"]}, "reason"),
    ({"timestamps": ["2026-11-20T06:00:00+00:00"], "reason": "   "}, "reason"),
    ({"reason": "why"}, "timestamps"),
    ({"timestamps": ["2026-11-20T06:00:00+00:00"], "from": "2026-11-20T06:00:00+00:00",
      "to": "2026-11-20T07:00:00+00:00", "reason": "why"}, "timestamps"),
    ({"from": "2026-11-20T06:00:00+00:00", "reason": "why"}, "to"),
    ({"from": "2026-11-20T07:00:00+00:00", "to": "2026-11-20T06:00:00+00:00",
      "reason": "why"}, "to"),
    ({"timestamps": ["2026-11-20T06:00:00"], "reason": "why"}, "timestamps"),
])
def test_bad_void_requests_name_the_field_and_void_nothing(api, sensor, body, field):
    _upload(api, [3.0] * 3)
    resp = api.as_("staff").post("/api/sensors/GW-1/readings/voids", json=body)
    assert resp.status_code == 422, resp.json
    assert resp.content_type == "application/problem+json"
    assert field in str(resp.json["errors"])
    assert api.as_("staff").get("/api/sensors/GW-1/readings/voids").json == []


def test_a_timestamp_with_no_reading_is_named_and_nothing_is_voided(api, sensor):
    _upload(api, [3.0] * 3)
    resp = api.as_("staff").post("/api/sensors/GW-1/readings/voids", json={
        "timestamps": [_iso(T0), _iso(T0 + timedelta(minutes=7))], "reason": "spike"})
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["timestamps[1]"]
    assert "no reading of GW-1 at 2026-11-20T06:07:00+00:00" in resp.json["errors"][
        "timestamps[1]"][0]
    assert api.as_("staff").get("/api/sensors/GW-1/readings/voids").json == []
    empty = api.as_("staff").post("/api/sensors/GW-1/readings/voids", json={
        "from": _iso(T0 - timedelta(days=3)), "to": _iso(T0 - timedelta(days=2)),
        "reason": "spike"})
    assert empty.status_code == 422 and "from" in empty.json["errors"]


def test_only_staff_of_the_sensors_warehouse_and_admins_void(api, sensor):
    _upload(api, [3.0] * 3)
    body = {"timestamps": [_iso(T0)], "reason": "spike"}
    url = "/api/sensors/GW-1/readings/voids"
    assert api.as_("staff-bj").post(url, json=body).status_code == 403
    assert api.as_("dispatcher").post(url, json=body).status_code == 403
    assert api.as_("buyer").post(url, json=body).status_code == 403
    assert api.as_("staff-bj").get(url).status_code == 403
    assert api.as_("dispatcher").get(url).status_code == 200
    assert api.as_("admin").post(url, json=body).status_code == 201
    assert api.as_("staff").get("/api/sensors/NOPE/readings/voids").status_code == 404


def test_cli_voids_readings_and_re_evaluates(api, sensor, database_url, monkeypatch):
    _store_directly(database_url, "GW-1", FUTURE, 3.0)
    _upload(api, WARM)
    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    refused = CliRunner().invoke(main, ["readings", "void", "GW-1", "--at", _iso(FUTURE)])
    assert refused.exit_code != 0 and "--reason" in refused.output
    result = CliRunner().invoke(main, ["readings", "void", "GW-1", "--at", _iso(FUTURE),
                                       "--reason", "logger clock reset", "--by", "admin"])
    assert result.exit_code == 0, result.output
    assert "voided 1 reading" in result.output
    assert _alerts(api, "evaluation_incomplete")[0]["status"] == "resolved"
    listed = api.as_("admin").get("/api/sensors/GW-1/readings/voids").json
    assert [(v["voided_by"], v["via"]) for v in listed] == [("admin", "command line")]
    missing = CliRunner().invoke(main, ["readings", "void", "GW-1", "--at", _iso(T0 + timedelta(
        seconds=1)), "--reason", "x"])
    assert missing.exit_code != 0 and "no reading of GW-1" in missing.output
