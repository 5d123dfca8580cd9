"""Cold chain through the HTTP API: sensors, readings in, findings and alerts out."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

QTAG = Path(__file__).parents[1] / "unit" / "coldchain" / "data" / "RCPJ00010_02_202211090128.txt"
T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _iso(dt):
    return dt.isoformat()


@pytest.fixture
def sensor(api):
    resp = api.as_("staff").post("/api/sensors", json={
        "serial": "GW-1", "model": "gateway probe", "sampling_interval_s": 300,
        "location": "SH1-C", "at": _iso(T0 - timedelta(days=1))})
    assert resp.status_code == 201, resp.json
    return resp.json


def _batch(temps, serial="GW-1", start=T0):
    return {"readings": [{"serial": serial, "timestamp": _iso(start + timedelta(minutes=5 * i)),
                          "temperature": t} for i, t in enumerate(temps)]}


def test_json_batch_keeps_good_readings_and_names_bad_ones(api, sensor):
    body = _batch([3.0] * 6)
    body["readings"][2]["timestamp"] = "yesterday"
    body["readings"][4]["temperature"] = "warm"
    resp = api.as_("staff").post("/api/readings", json=body)
    assert resp.status_code == 200, resp.json
    assert (resp.json["stored"], resp.json["rejected"]) == (4, 2)
    wheres = {e["where"] for e in resp.json["errors"]}
    assert any("readings[2]" in w for w in wheres) and any("readings[4]" in w for w in wheres)
    replay = api.as_("staff").post("/api/readings", json=body)
    assert (replay.json["stored"], replay.json["duplicates"]) == (0, 4)


def test_readings_in_fahrenheit_are_stored_in_celsius(api, sensor):
    body = {"readings": [{"serial": "GW-1", "timestamp": _iso(T0), "temperature": 41.0,
                          "unit": "F"}]}
    assert api.as_("staff").post("/api/readings", json=body).json["stored"] == 1
    series = api.as_("staff").get("/api/sensors/GW-1/readings", query_string={
        "from": _iso(T0 - timedelta(hours=1)), "to": _iso(T0 + timedelta(hours=1))}).json
    assert series["points"][0][1] == pytest.approx(5.0)


def test_a_batch_with_nothing_usable_is_a_422_and_stores_nothing(api, sensor):
    resp = api.as_("staff").post("/api/readings", json=_batch([3.0], serial="NOPE") | {
        "readings": [{"serial": "GW-1", "timestamp": "never", "temperature": 3}]})
    assert resp.status_code == 422
    assert api.as_("staff").get("/api/sensors/GW-1/readings").json["count"] == 0


def test_oversized_batches_are_refused(api, sensor):
    resp = api.as_("staff").post("/api/readings", json=_batch([3.0] * 10_001))
    assert resp.status_code == 422
    assert "10000" in resp.json["detail"]


def test_csv_file_reports_bad_lines_and_keeps_every_good_row(api, sensor):
    csv = ("Serial;Time;Temperature (°C)\n"
           "GW-1;2026-11-20 06:00;3,1\n"
           "GW-1;2026-11-20 06:05;abc\n"
           "GW-1;not a time;3,2\n"
           "GW-1;2026-11-20 06:10;3,3\n"
           "GW-1;2026-11-20 06:15;500\n"
           "UNKNOWN;2026-11-20 06:20;3,0\n")
    resp = api.as_("staff").post("/api/readings/files", data={
        "file": (io.BytesIO(csv.encode()), "logger.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.json
    assert resp.json["format"] == "csv"
    assert resp.json["stored"] == 2
    lines = sorted(e.get("line") or int(e["where"].split()[-1]) for e in resp.json["errors"])
    assert lines == [3, 4, 6, 7]
    again = api.as_("staff").post("/api/readings/files", data={
        "file": (io.BytesIO(csv.encode()), "logger.csv")}, content_type="multipart/form-data")
    assert (again.json["stored"], again.json["duplicates"]) == (0, 2)


def test_berlinger_download_is_recognised(api):
    api.as_("staff").post("/api/sensors", json={
        "serial": "RCPJ00010", "model": "Q-tag CLm doc LR", "sampling_interval_s": 600,
        "location": "SH1-T01-C", "at": "2022-11-01T00:00:00+08:00"})
    with open(QTAG, "rb") as fh:
        resp = api.as_("staff").post("/api/readings/files", data={"file": (fh, "qtag.txt")},
                                     content_type="multipart/form-data")
    assert resp.status_code == 200, resp.json
    assert resp.json["format"] == "qtag"
    assert resp.json["stored"] > 100 and resp.json["rejected"] == 0
    alarmed = api.as_("staff").get("/api/findings?sensor=RCPJ00010&alarmed=true").json
    assert alarmed, "the download holds a hot excursion the device itself alarmed on"
    assert all(f["location"] == "SH1-T01-C" for f in alarmed)


def test_warm_room_raises_an_alert_people_acknowledge_and_close(api, sensor):
    temps = [3.0] * 12 + [6.5] * 9 + [3.0] * 12  # 45 minutes above 4 °C
    assert api.as_("staff").post("/api/readings", json=_batch(temps)).status_code == 200
    alerts = api.as_("staff").get("/api/alerts?status=open").json
    assert len(alerts) == 1 and "SH1-C" in alerts[0]["message"]
    alert_id = alerts[0]["id"]
    assert api.as_("staff-bj").get("/api/alerts").json == []
    assert api.as_("staff-bj").post(f"/api/alerts/{alert_id}/acknowledge",
                                    json={"comment": "x"}).status_code == 403
    no_comment = api.as_("staff").post(f"/api/alerts/{alert_id}/acknowledge", json={})
    assert no_comment.status_code == 422 and "comment" in no_comment.json["errors"]["json"]
    ack = api.as_("staff").post(f"/api/alerts/{alert_id}/acknowledge",
                                json={"comment": "door left open at dock 2; closed"})
    assert ack.status_code == 200 and ack.json["status"] == "acknowledged"
    wrong = api.as_("staff").post(f"/api/alerts/{alert_id}/resolve", json={"action": "scrap"})
    assert wrong.status_code == 422
    done = api.as_("staff").post(f"/api/alerts/{alert_id}/resolve",
                                 json={"action": "close", "comment": "room back in range"})
    assert done.status_code == 200 and done.json["status"] == "resolved"
    findings = api.as_("staff").get("/api/findings?location=SH1-C&kind=excursion").json
    assert findings[0]["peak_c"] == 6.5 and findings[0]["alarm_at"]


def test_mkt_of_a_location_over_a_window(api, sensor):
    api.as_("staff").post("/api/readings", json=_batch([2.0, 4.0] * 12))
    resp = api.as_("staff").get("/api/mkt", query_string={
        "location": "SH1-C", "from": _iso(T0), "to": _iso(T0 + timedelta(hours=2))})
    assert resp.status_code == 200, resp.json
    assert 3.0 < resp.json["mkt_c"] < 3.2  # above the arithmetic mean of 3.0, as MKT must be
    assert resp.json["allowed_range_c"] == [0.0, 4.0]
    other = api.as_("staff-bj").get("/api/mkt", query_string={
        "location": "SH1-C", "from": _iso(T0), "to": _iso(T0 + timedelta(hours=2))})
    assert other.status_code == 403


def test_moving_a_sensor_via_the_api(api, sensor):
    resp = api.as_("staff").post("/api/sensors/GW-1/attachments",
                                 json={"location": "SH1-T01-F", "at": _iso(T0)})
    assert resp.status_code == 201 and resp.json["location"] == "SH1-T01-F"
    back = api.as_("staff").post("/api/sensors/GW-1/attachments",
                                 json={"location": "SH1-C", "at": _iso(T0 - timedelta(days=3))})
    assert back.status_code == 422


def test_location_readings_are_thinned_but_keep_the_spike(api, sensor):
    temps = [3.0] * 200
    temps[123] = 9.5  # one warm reading among many
    api.as_("staff").post("/api/readings", json=_batch(temps))
    resp = api.as_("staff").get("/api/locations/SH1-C/readings", query_string={
        "from": _iso(T0), "to": _iso(T0 + timedelta(days=1)), "max_points": 20})
    assert resp.status_code == 200, resp.json
    assert resp.json["count"] == 200
    assert len(resp.json["points"]) <= 20
    assert max(v for _, v in resp.json["points"]) == 9.5
