"""GB 31605 records over HTTP: sensor calibrations, the daily temperature record of a room
and of a truck compartment (JSON, CSV, printable page), and probe temperatures at receipt."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from coldchain.monitoring.alarm_rules import DEFAULT_PATH
from coldchain.monitoring.alarm_rules import load as load_rules
from tests.e2e.test_pages import sign_in
from tests.factories import label

SOON = date.today() + timedelta(days=30)
DAY = date(2026, 12, 1)                        # a local day in Shanghai (UTC+8)
MIDNIGHT = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # its start, in UTC


@pytest.fixture
def people(sessions, world):
    """The world's people, with test_pages' password each."""
    from tests.e2e.test_pages import people as with_passwords

    return with_passwords.__wrapped__(sessions, world)


def scan(api, who="staff", **body):
    return api.as_(who).post("/api/scans", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})


# --- probe temperature at receipt ------------------------------------------------------

def test_warm_chilled_goods_go_to_quarantine_on_hold_with_the_temperature_kept(api, world):
    gtin = "06901234000023"  # C00002, chilled
    resp = scan(api, action="receive", barcode=label(gtin, lot="WARM-1", expiry=SOON, count=12),
                location="SH1-REC", probe_temp_c=7.4)
    assert resp.status_code == 201, resp.json
    assert resp.json["probe"] == {"probe_temp_c": 7.4, "limit_c": 5.0, "outcome": "quarantined"}
    assert resp.json["moves"][0]["kind"] == "receipt"
    assert resp.json["moves"][0]["to"] == "SH1-C-QRT"
    lot = api.as_("staff").get(f"/api/lots/{resp.json['lot']['id']}").json
    assert lot["status"] == "hold"
    assert "7.4 °C" in lot["status_reason"] and "5.0 °C" in lot["status_reason"]
    stock = api.as_("staff").get("/api/stock", query_string={"warehouse": "SH1"}).json
    assert [(b["location"], b["on_hand"]) for b in stock if b["lot"] == "WARM-1"] == [
        ("SH1-C-QRT", 12)]
    facts = api.as_("buyer").get(f"/api/lots/{lot['id']}/facts").json
    assert facts["receipt_probes"][0]["probe_temp_c"] == 7.4
    assert facts["receipt_probes"][0]["outcome"] == "quarantined"
    trace = api.as_("buyer").get(f"/api/lots/{lot['id']}/trace").json
    receipt = next(m for m in trace["moves"] if m["kind"] == "receipt")
    assert receipt["probe_temp_c"] == 7.4


def test_goods_within_the_limit_are_received_where_scanned_and_the_probe_is_kept(api, world):
    gtin = "06901234000016"  # F00001, frozen: -18 °C + 3 °C tolerance
    resp = scan(api, action="receive", barcode=label(gtin, lot="COLD-1", expiry=SOON, count=5),
                location="SH1-REC", probe_temp_c=-15.5)
    assert resp.status_code == 201, resp.json
    assert resp.json["probe"]["outcome"] == "accepted"
    assert resp.json["moves"][0]["to"] == "SH1-REC"
    assert resp.json["lot"]["status"] == "available"
    facts = api.as_("buyer").get(f"/api/lots/{resp.json['lot']['id']}/facts").json
    assert facts["receipt_probes"][0]["probe_temp_c"] == -15.5


@pytest.fixture
def refuse_mode(tmp_path, monkeypatch):
    raw = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["receiving"]["warm_goods"] = "refuse"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setenv("WMS_ALARM_RULES", str(path))
    load_rules.cache_clear()
    yield
    monkeypatch.delenv("WMS_ALARM_RULES")
    load_rules.cache_clear()


def test_warm_goods_are_refused_in_refuse_mode_and_nothing_is_written(api, world, refuse_mode):
    gtin = "06901234000023"
    body = dict(action="receive", barcode=label(gtin, lot="WARM-2", expiry=SOON, count=12),
                location="SH1-REC", probe_temp_c=9.0)
    preview = api.as_("staff").post("/api/scans/preview", json=body)
    assert preview.status_code == 200 and "9.0 °C" in preview.json["refused"]
    resp = scan(api, **body)
    assert resp.status_code == 409
    assert resp.content_type == "application/problem+json"
    assert resp.json["field"] == "probe_temp_c" and "9.0 °C" in resp.json["detail"]
    admin = api.as_("admin")
    assert admin.get("/api/moves").json == [] and admin.get("/api/lots").json == []


@pytest.mark.parametrize("body, field", [
    ({"probe_temp_c": "warm"}, "probe_temp_c"),
    ({"probe_temp_c": 400}, "probe_temp_c"),
    ({"probe_temp_c": 3.0, "action": "putaway", "from": "SH1-REC", "to": "SH1-C-A01-01"},
     "probe_temp_c"),
])
def test_a_bad_probe_temperature_is_a_422_naming_it(api, world, body, field):
    base = dict(action="receive", barcode=label("06901234000023", lot="P-1", expiry=SOON,
                                                count=1), location="SH1-REC")
    resp = scan(api, **{**base, **body})
    assert resp.status_code == 422, resp.json
    assert field in json.dumps(resp.json)
    assert api.as_("admin").get("/api/moves").json == []


# --- calibration ----------------------------------------------------------------------

@pytest.fixture
def sensors(api):
    for serial, where in (("ROOM-1", "SH1-C"), ("TRUCK-1", "SH1-T01-C")):
        resp = api.as_("staff").post("/api/sensors", json={
            "serial": serial, "sampling_interval_s": 600, "location": where,
            "at": (MIDNIGHT - timedelta(days=3)).isoformat()})
        assert resp.status_code == 201, resp.json


def calibrate(api, serial, certificate, on, due):
    return api.as_("staff").post(f"/api/sensors/{serial}/calibrations", json={
        "certificate": certificate, "calibrated_on": on.isoformat(),
        "due_on": due.isoformat(), "calibrated_by": "Shanghai Institute of Metrology"})


def test_calibrations_are_kept_as_history_and_the_latest_is_in_force(api, sensors):
    today = date.today()
    assert api.as_("staff").get("/api/sensors/ROOM-1").json["calibration"]["status"] == "none"
    assert calibrate(api, "ROOM-1", "SIMT-001", today - timedelta(days=400),
                     today - timedelta(days=35)).status_code == 201
    again = calibrate(api, "ROOM-1", "SIMT-001", today, today + timedelta(days=365))
    assert again.status_code == 409 and again.json["field"] == "certificate"
    assert calibrate(api, "ROOM-1", "SIMT-002", today - timedelta(days=10),
                     today + timedelta(days=20)).status_code == 201
    got = api.as_("buyer").get("/api/sensors/ROOM-1/calibrations").json
    assert [c["certificate"] for c in got["history"]] == ["SIMT-002", "SIMT-001"]
    assert got["calibration"]["status"] == "due_soon"
    assert got["history"][0]["recorded_by"] == "staff"
    sensor = api.as_("staff").get("/api/sensors/ROOM-1").json
    assert sensor["calibration"]["certificate"] == "SIMT-002"
    assert sensor["calibration_overdue"] is False


@pytest.mark.parametrize("body, field", [
    ({"due_on": "2020-01-01"}, "due_on"),
    ({"calibrated_on": "2999-01-01", "due_on": "2999-06-01"}, "calibrated_on"),
    ({"certificate": ""}, "certificate"),
    ({"calibrated_on": "yesterday"}, "calibrated_on"),
])
def test_a_bad_calibration_is_a_422_naming_the_field(api, sensors, body, field):
    good = {"certificate": "C-1", "calibrated_on": "2026-01-05", "due_on": "2027-01-05",
            "calibrated_by": "lab"}
    resp = api.as_("staff").post("/api/sensors/ROOM-1/calibrations", json={**good, **body})
    assert resp.status_code == 422, resp.json
    assert field in json.dumps(resp.json["errors"])
    assert api.as_("staff").get("/api/sensors/ROOM-1/calibrations").json["history"] == []


def test_a_sensor_past_its_due_date_is_flagged_and_raises_one_alert(api, sensors):
    today = date.today()
    calibrate(api, "TRUCK-1", "SIMT-900", today - timedelta(days=400),
              today - timedelta(days=2))
    calibrate(api, "ROOM-1", "SIMT-901", today - timedelta(days=30), today + timedelta(days=335))
    listed = {s["serial"]: s for s in api.as_("staff").get("/api/sensors").json}
    assert listed["TRUCK-1"]["calibration"]["status"] == "overdue"
    assert listed["TRUCK-1"]["calibration_overdue"] is True
    assert listed["ROOM-1"]["calibration"]["status"] == "valid"
    first = api.as_("admin").post("/api/alerts/escalations").json
    second = api.as_("admin").post("/api/alerts/escalations").json
    assert (first["calibration_alerts"], second["calibration_alerts"]) == (1, 0)
    found = api.as_("staff").get("/api/alerts", query_string={
        "kind": "calibration_overdue"}).json
    assert len(found) == 1 and "TRUCK-1" in found[0]["message"]
    assert api.as_("staff-bj").get("/api/alerts", query_string={
        "kind": "calibration_overdue"}).json == []
    series = api.as_("staff").get("/api/locations/SH1-T01-C/readings").json
    assert series["calibration_overdue"] is True
    assert series["sensors"] == [{"sensor": "TRUCK-1", "calibration_overdue": True}]
    assert api.as_("staff").get("/api/locations/SH1-C/readings").json[
        "calibration_overdue"] is False


# --- the daily temperature record ---------------------------------------------------------

def _readings(serial, temps, start=MIDNIGHT - timedelta(hours=2), step_min=10):
    return [{"serial": serial, "timestamp": (start + timedelta(minutes=step_min * i)).isoformat(),
             "temperature": float(t)} for i, t in enumerate(temps)]


@pytest.fixture
def day_of_readings(api, sensors):
    rng = np.random.default_rng(3)
    n = 26 * 6  # from 22:00 the evening before to 02:00 the day after, every 10 minutes
    room = np.round(2.5 + rng.normal(0, 0.5, n), 2)
    truck = np.round(3.0 + rng.normal(0, 0.4, n), 2)
    truck[60:78] = 10.5  # three hours warm in the truck, 08:00-11:00 local
    for serial, temps in (("ROOM-1", room), ("TRUCK-1", truck)):
        resp = api.as_("staff").post("/api/readings", json={"readings": _readings(serial, temps)})
        assert resp.status_code == 200 and resp.json["stored"] == n, resp.json
    times = np.array([MIDNIGHT - timedelta(hours=2) + timedelta(minutes=10 * i)
                      for i in range(n)])
    inside = (times >= MIDNIGHT) & (times < MIDNIGHT + timedelta(days=1))
    return {"SH1-C": room[inside], "SH1-T01-C": truck[inside]}


@pytest.mark.parametrize("place, serial", [("SH1-C", "ROOM-1"), ("SH1-T01-C", "TRUCK-1")])
def test_daily_record_figures_match_numpy_for_the_local_day(api, day_of_readings, place,
                                                            serial):
    expected = day_of_readings[place]
    got = api.as_("dispatcher").get("/api/records/daily", query_string={
        "location": place, "date": DAY.isoformat()})
    assert got.status_code == 200, got.json
    rec = got.json
    assert rec["timezone"] == "Asia/Shanghai" and rec["from"] == MIDNIGHT.isoformat()
    (row,) = [s for s in rec["sensors"] if s["sensor"] == serial]
    assert row["readings"] == expected.size == 144
    assert row["min_c"] == pytest.approx(expected.min())
    assert row["max_c"] == pytest.approx(expected.max())
    assert row["mean_c"] == pytest.approx(round(float(np.mean(expected)), 2))
    assert row["coverage"] == 1.0
    assert row["calibration"]["status"] == "none"


def test_daily_record_lists_the_excursion_with_who_acknowledged_it(api, day_of_readings):
    alerts = api.as_("staff").get("/api/alerts", query_string={"kind": "excursion"}).json
    assert alerts, "the warm truck raised no alert"
    api.as_("dispatcher").post(f"/api/alerts/{alerts[0]['id']}/acknowledge",
                               json={"comment": "driver reset the unit"})
    rec = api.as_("staff").get("/api/records/daily", query_string={
        "location": "SH1-T01", "date": DAY.isoformat()}).json
    assert rec["excursions"], rec
    acked = [a for e in rec["excursions"] for a in e["acknowledgements"] if a["by"]]
    assert acked and acked[0]["by"] == "dispatcher"
    assert acked[0]["comment"] == "driver reset the unit"
    worst = max(rec["excursions"], key=lambda e: e["peak_c"])
    assert worst["peak_c"] == 10.5 and worst["start"].startswith("2026-12-01T00:00")


def test_daily_record_csv_and_page_say_the_same(api, client, people, day_of_readings):
    today = date.today()
    calibrate(api, "TRUCK-1", "SIMT-77", today - timedelta(days=400),
              DAY - timedelta(days=1))
    query = {"location": "SH1-T01-C", "date": DAY.isoformat()}
    rec = api.as_("staff").get("/api/records/daily", query_string=query).json
    assert rec["calibration_overdue"] is True
    assert rec["sensors"][0]["calibration"]["status"] == "overdue"
    resp = api.as_("staff").get("/api/records/daily.csv", query_string=query)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    sensor_rows = [r for r in rows if r["record"] == "sensor"]
    assert [(r["sensor"], float(r["min_c"]), float(r["max_c"]), float(r["mean_c"]))
            for r in sensor_rows] == [(s["sensor"], s["min_c"], s["max_c"], s["mean_c"])
                                      for s in rec["sensors"]]
    assert sensor_rows[0]["calibration_status"] == "overdue"
    assert any(r["record"] == "excursion" for r in rows)

    sign_in(client, "dispatcher")
    page = client.get("/records/daily", query_string=query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script" not in html
    s = rec["sensors"][0]
    for text in ("TRUCK-1", f"{s['min_c']}", f"{s['max_c']}", f"{s['mean_c']}", "overdue",
                 "past its calibration due date"):
        assert text in html, text


def test_daily_record_of_another_warehouse_is_403_and_a_bad_date_422(api, client, people,
                                                                      day_of_readings):
    query = {"location": "SH1-C", "date": DAY.isoformat()}
    assert api.as_("staff-bj").get("/api/records/daily", query_string=query).status_code == 403
    assert api.as_("driver").get("/api/records/daily", query_string=query).status_code == 403
    bad = api.as_("staff").get("/api/records/daily", query_string={"location": "SH1-C",
                                                                    "date": "01/12/2026"})
    assert bad.status_code == 422 and "date" in json.dumps(bad.json["errors"])
    missing = api.as_("staff").get("/api/records/daily", query_string={"location": "NOPE",
                                                                        "date": "2026-12-01"})
    assert missing.status_code == 404
    sign_in(client, "staff-bj")
    assert client.get("/records/daily", query_string=query).status_code == 403


def test_the_scanning_page_asks_for_the_probe_temperature_on_receipt(client, people):
    sign_in(client, "staff")
    html = client.get("/scan").get_data(as_text=True)
    assert 'data-for="receive">Probe °C' in html and 'name="probe_temp_c"' in html
