"""Readings dated ahead of the server clock are refused by index or line; the rest is kept."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from api.app import create_app
from tests.factories import ApiClient
from wms.models.base import utcnow


@pytest.fixture
def sensor(api):
    resp = api.as_("staff").post("/api/sensors", json={
        "serial": "GW-1", "sampling_interval_s": 300, "location": "SH1-C",
        "at": (utcnow() - timedelta(days=2)).isoformat()})
    assert resp.status_code == 201, resp.json
    return resp.json


def _recent(n):
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    return [{"serial": "GW-1", "timestamp": (start + timedelta(minutes=5 * i)).isoformat(),
             "temperature": 3.0} for i in range(n)]


def test_a_reading_years_ahead_is_refused_by_index_and_the_others_kept(api, sensor):
    body = {"readings": _recent(6)}
    body["readings"][3]["timestamp"] = "2030-01-01T00:00:00+00:00"
    resp = api.as_("staff").post("/api/readings", json=body)
    assert resp.status_code == 200, resp.json
    assert (resp.json["stored"], resp.json["rejected"]) == (5, 1)
    ahead = (datetime(2030, 1, 1, tzinfo=UTC) - utcnow()).days // 365
    assert resp.json["errors"] == [{
        "where": "readings[3].timestamp", "line": 3,
        "reason": f"2030-01-01T00:00:00+00:00 is {ahead} years ahead of the server clock "
                  f"(more than 10 min)"}]
    assert api.as_("staff").get("/api/sensors/GW-1/readings").json["count"] == 5


def test_a_few_minutes_ahead_is_within_the_allowed_skew(api, sensor):
    body = {"readings": [{"serial": "GW-1", "temperature": 3.0,
                          "timestamp": (utcnow() + timedelta(minutes=5)).isoformat()}]}
    resp = api.as_("staff").post("/api/readings", json=body)
    assert (resp.json["stored"], resp.json["rejected"]) == (1, 0)


def test_an_hour_ahead_names_the_hour(api, sensor):
    stamp = (utcnow() + timedelta(minutes=75)).replace(microsecond=0)
    body = {"readings": _recent(2) + [{"serial": "GW-1", "temperature": 3.0,
                                       "timestamp": stamp.isoformat()}]}
    resp = api.as_("staff").post("/api/readings", json=body)
    assert resp.json["stored"] == 2
    assert resp.json["errors"][0]["reason"] == (
        f"{stamp.astimezone(UTC).isoformat()} is 1 hour ahead of the server clock "
        f"(more than 10 min)")


def test_logger_files_are_refused_by_line(api, sensor):
    now = utcnow().astimezone(UTC).replace(second=0, microsecond=0)
    lines = ["Serial,Time,Temperature"]
    lines += [f"GW-1,{(now - timedelta(minutes=5 * i)):%Y-%m-%d %H:%M}Z,3.1" for i in (3, 2, 1)]
    lines.insert(3, "GW-1,2031-06-01 00:00Z,3.1")
    resp = api.as_("staff").post("/api/readings/files", data={
        "file": (io.BytesIO("\n".join(lines).encode()), "logger.csv")},
        content_type="multipart/form-data")
    assert resp.status_code == 200, resp.json
    assert (resp.json["stored"], resp.json["rejected"]) == (3, 1)
    err = resp.json["errors"][0]
    assert err["where"] == "line 4" and err["line"] == 4
    assert err["reason"].startswith("2031-06-01T00:00:00+00:00 is 4 years ahead of the "
                                    "server clock")


def test_the_skew_is_configurable(database_url, world, monkeypatch):
    monkeypatch.setenv("WMS_READING_MAX_SKEW_MIN", "120")
    app = create_app({"TESTING": True, "WMS_DATABASE_URL": database_url, "WMS_REDIS_URL": ""})
    api = ApiClient(app.test_client(), world.tokens, "staff")
    api.post("/api/sensors", json={"serial": "GW-2", "location": "SH1-C",
                                   "at": (utcnow() - timedelta(days=1)).isoformat()})
    soon = [{"serial": "GW-2", "temperature": 3.0,
             "timestamp": (utcnow() + timedelta(minutes=m)).isoformat()} for m in (90, 150)]
    resp = api.post("/api/readings", json={"readings": soon})
    assert (resp.json["stored"], resp.json["rejected"]) == (1, 1)
    assert resp.json["errors"][0]["reason"].endswith(
        "is 2 hours ahead of the server clock (more than 120 min)")
