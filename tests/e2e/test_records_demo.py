"""The GB 31605 records on a fresh demo: a truck compartment that lost cooling and a
frozen room whose logger is past its calibration, recomputed independently from the
readings in the database file with numpy."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from api.app import create_app
from coldchain.monitoring.demo import load_sensors
from wms import demo as demo_data
from wms import migrations
from wms.db import make_engine, make_session_factory

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("records") / "demo.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    factory = make_session_factory(engine)
    summary = demo_data.load(factory, seed=7)
    summary["counts"].update(load_sensors(factory, seed=7))
    engine.dispose()
    app = create_app({"TESTING": True, "WMS_DATABASE_URL": url, "WMS_REDIS_URL": ""})
    yield {"path": path, "client": app.test_client(), "tokens": summary["tokens"],
           "counts": summary["counts"]}
    app.extensions["wms"].engine.dispose()


def get(demo, role, url, **query):
    token = demo["tokens"][role]["token"]
    return demo["client"].get(url, query_string=query,
                              headers={"Authorization": f"Bearer {token}"})


def day_readings(path, serial: str, day: date) -> np.ndarray:
    """The sensor's readings of the local day, straight from the file."""
    lo = datetime.combine(day, datetime.min.time(), TZ).astimezone(UTC)
    hi = lo + timedelta(days=1)
    with sqlite3.connect(path) as con:
        rows = con.execute(
            "SELECT r.ts, r.temp_c FROM reading r JOIN sensor s ON s.id = r.sensor_id "
            "WHERE s.serial = ?", (serial,)).fetchall()
    stamps = [datetime.fromisoformat(ts.replace(" ", "T")) for ts, _ in rows]
    stamps = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in stamps]
    return np.array([c for t, (_, c) in zip(stamps, rows, strict=True) if lo <= t < hi])


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def event_readings(path, serial: str, start: str, end: str | None) -> np.ndarray:
    """The sensor's readings from an event's start to its end (or to now), from the file."""
    lo, hi = _moment(start), _moment(end) if end else datetime.now(UTC)
    with sqlite3.connect(path) as con:
        rows = con.execute(
            "SELECT r.ts, r.temp_c FROM reading r JOIN sensor s ON s.id = r.sensor_id "
            "WHERE s.serial = ?", (serial,)).fetchall()
    return np.array([c for ts, c in rows if lo <= _moment(ts) <= hi])


def excursion_day(path, code: str) -> date:
    with sqlite3.connect(path) as con:
        (start,) = con.execute(
            "SELECT f.start FROM finding f JOIN location l ON l.id = f.location_id "
            "WHERE l.code = ? AND f.severity = 'severe' ORDER BY f.start", (code,)).fetchone()
    moment = datetime.fromisoformat(start.replace(" ", "T"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(TZ).date()


def test_the_demo_holds_history(demo):
    counts = demo["counts"]
    assert counts["days of readings"] == 7 and counts["sensors past calibration"] == 1
    assert counts["excursions"] >= 4 and counts["calibrations"] > counts["sensors"]
    with sqlite3.connect(demo["path"]) as con:
        days = con.execute("SELECT COUNT(DISTINCT date(created_at)) FROM stock_move "
                           "WHERE kind = 'receipt'").fetchone()[0]
    assert days >= 5, "receipts are spread over the past days"


@pytest.mark.parametrize("place, serial", [("SH1-T03-C", "QT-SH1-T03-C"),
                                           ("SH1-F", "QT-SH1-F")])
def test_daily_record_of_a_demo_truck_and_room_matches_numpy(demo, place, serial):
    day = excursion_day(demo["path"], "SH1-T03-C")
    expected = day_readings(demo["path"], serial, day)
    assert expected.size > 100
    rec = get(demo, "staff", "/api/records/daily", location=place, date=day.isoformat())
    assert rec.status_code == 200, rec.json
    (row,) = [s for s in rec.json["sensors"] if s["sensor"] == serial]
    assert row["readings"] == expected.size
    assert row["min_c"] == pytest.approx(expected.min())
    assert row["max_c"] == pytest.approx(expected.max())
    assert row["mean_c"] == pytest.approx(float(np.mean(expected)), abs=0.005)

    sheet = get(demo, "buyer", "/api/records/daily.csv", location=place, date=day.isoformat())
    line = next(r for r in csv.DictReader(io.StringIO(sheet.get_data(as_text=True)))
                if r["record"] == "sensor" and r["sensor"] == serial)
    assert (float(line["min_c"]), float(line["max_c"]), float(line["mean_c"])) == (
        row["min_c"], row["max_c"], row["mean_c"])
    if place == "SH1-T03-C":
        severe = [e for e in rec.json["excursions"] if e["severity"] == "severe"]
        # The event's peak, over all of it: it may run past the day's midnight, depending
        # on the hour the demo was built.
        event = severe[0]
        during = event_readings(demo["path"], serial, event["start"], event["end"])
        assert event["peak_c"] == pytest.approx(during.max()) and event["duration_min"] >= 120
        assert rec.json["calibration_overdue"] is False
    else:
        assert row["calibration"]["status"] == "overdue"
        assert rec.json["calibration_overdue"] is True


def test_the_page_prints_the_demo_record(demo):
    client = demo["client"]
    html = client.get("/signin").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/signin", data={"username": "staff-sh", "password": "coldchain-demo",
                                 "csrf_token": token})
    day = excursion_day(demo["path"], "SH1-T03-C")
    page = client.get("/records/daily", query_string={"location": "SH1-F",
                                                      "date": day.isoformat()})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    expected = day_readings(demo["path"], "QT-SH1-F", day)
    for text in ("QT-SH1-F", "overdue", f"{expected.min():g}", f"{expected.max():g}"):
        assert text in body, text
    client.post("/signout", data={"csrf_token": token})


def test_the_overdue_logger_is_flagged_where_its_readings_are_used(demo):
    sensor = get(demo, "staff", "/api/sensors/QT-SH1-F").json
    assert sensor["calibration"]["status"] == "overdue" and sensor["calibration_overdue"]
    history = get(demo, "staff", "/api/sensors/QT-SH1-F/calibrations").json["history"]
    assert len(history) == 2
    others = get(demo, "staff", "/api/sensors", page_size=100).json
    assert {s["calibration"]["status"] for s in others if s["serial"] != "QT-SH1-F"} <= {
        "valid", "due_soon"}
    alerts = get(demo, "staff", "/api/alerts", kind="calibration_overdue").json
    assert [a["message"].split(":")[0] for a in alerts] == ["sensor QT-SH1-F"]
    series = get(demo, "staff", "/api/locations/SH1-F/readings").json
    assert series["calibration_overdue"] is True
    with sqlite3.connect(demo["path"]) as con:
        (lot_id,) = con.execute(
            "SELECT b.lot_id FROM stock_balance b JOIN location l ON l.id = b.location_id "
            "WHERE l.code LIKE 'SH1-F-A%' AND b.on_hand > 0 LIMIT 1").fetchone()
    lot = get(demo, "buyer", f"/api/lots/{lot_id}/temperature").json
    assert lot["calibration_overdue"] is True
    assert any(p["calibration_overdue"] for p in lot["places"])


def test_lots_on_the_warm_truck_are_held_and_their_trace_shows_it(demo):
    with sqlite3.connect(demo["path"]) as con:
        held = con.execute("SELECT lot_id FROM alert WHERE kind = 'lot_hold' AND message "
                           "LIKE '%SH1-T03-C%'").fetchall()
    assert held
    trace = get(demo, "buyer", f"/api/lots/{held[0][0]}/trace").json
    kinds = [m["kind"] for m in trace["moves"]]
    assert kinds[:3] == ["receipt", "transfer", "putaway"]
    assert trace["moves"][0]["to"]["code"] == "SH1-T03-C"
    temp = get(demo, "buyer", f"/api/lots/{held[0][0]}/temperature").json
    assert any(e["severity"] == "severe" for e in temp["excursions"])
    assert temp["shelf_life"]["readings"] > 100
