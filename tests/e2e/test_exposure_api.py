"""Exposure that follows the lot, readings at the sensor's resolution, one alert per
excursion with its lots, and gaps closed by old logger files: through the HTTP API.

Moves are written at the times of a test's clock (the ledger's clock is set), readings
are dated in the past, and evaluation runs at the real time, as it would the day after."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coldchain.monitoring import alarm_rules
from tests.factories import label, receive
from wms.db import transaction
from wms.ledger import record_move
from wms.models import Location, Lot, LotStatus, MoveKind, StockMove

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _iso(dt):
    return dt.isoformat()


def _now5():
    """The current time, down to the five minutes a logger samples at."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now - timedelta(minutes=now.minute % 5)


@pytest.fixture
def clock(monkeypatch):
    """The ledger's clock: moves are written at ``clock.at``."""
    class Clock:
        at = datetime.now(UTC)
    monkeypatch.setattr("wms.ledger.utcnow", lambda: Clock.at)
    return Clock


def _sensor(api, serial, location, interval=300, at=None):
    resp = api.as_("staff").post("/api/sensors", json={
        "serial": serial, "sampling_interval_s": interval, "location": location,
        "at": _iso(at or datetime.now(UTC) - timedelta(days=2))})
    assert resp.status_code == 201, resp.json


def _readings(api, serial, spans, step_min=5):
    """``spans``: (from, to, °C) in datetimes; one reading every ``step_min``."""
    items = []
    for start, end, temp in spans:
        t = start
        while t < end:
            items.append({"serial": serial, "timestamp": _iso(t), "temperature": temp})
            t += timedelta(minutes=step_min)
    resp = api.as_("staff").post("/api/readings", json={"readings": items})
    assert resp.status_code == 200 and resp.json["rejected"] == 0, resp.json
    return resp.json


def _move(sessions, world, clock, at, lot_id, src, dst, quantity, kind=MoveKind.TRANSFER):
    clock.at = at
    with transaction(sessions) as s:
        record_move(s, kind=kind, lot=s.get(Lot, lot_id), quantity=quantity,
                    from_location=s.get(Location, world.locations[src]),
                    to_location=s.get(Location, world.locations[dst]))


def _status(sessions, lot_id):
    with sessions() as s:
        lot = s.get(Lot, lot_id)
        return lot.status, lot.status_reason


def _open_alerts(api, who="staff"):
    resp = api.as_(who).get("/api/alerts?status=open")
    assert resp.status_code == 200, resp.json
    return resp.json


def _csv(start, count, temp, serial, unit="°C"):
    lines = [f"Serial;Time;Temperature ({unit})"]
    lines += [f"{serial};{(start + timedelta(minutes=5 * i)):%Y-%m-%d %H:%M};{temp}"
              for i in range(count)]
    return "\n".join(lines) + "\n"


def _upload(api, text, name="old-logger.csv"):
    resp = api.as_("staff").post("/api/readings/files", data={
        "file": (io.BytesIO(text.encode()), name), "tz": "UTC"},
        content_type="multipart/form-data")
    assert resp.status_code == 200, resp.json
    return resp.json


# --- hold on entry ----------------------------------------------------------------------

def test_a_lot_moved_into_a_compartment_in_alarm_is_held_on_entry_with_a_warning(
        api, sessions, world):
    now = _now5()
    _sensor(api, "TRUCK-1", "SH1-T01-C")
    # the compartment has been at 9.4 °C for 2.5 hours and still is
    _readings(api, "TRUCK-1", [(now - timedelta(minutes=150), now, 9.4)])
    [alarm] = [f for f in api.as_("staff").get("/api/findings?sensor=TRUCK-1&alarmed=true").json
               if f["severity"] == "severe"]
    assert alarm["end"] is None
    lot_id = receive(sessions, world, "C00002", "L-ENTRY", "SH1-REC", 10)
    scan = {"barcode": label(world.gtins["C00002"], lot="L-ENTRY"), "action": "move",
            "from": "SH1-REC", "to": "SH1-T01-C", "quantity": 4}
    resp = api.as_("staff").post("/api/scans", json=scan,
                                 headers={"Idempotency-Key": "entry-1"})
    assert resp.status_code == 201, resp.json
    since = datetime.fromisoformat(alarm["alarm_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert resp.json["warnings"] == [
        f"SH1-T01-C is in a temperature alarm since {since:%H:%M} (peak 9.4 °C): "
        f"the lot is on hold"]
    status, reason = _status(sessions, lot_id)
    assert status == LotStatus.HOLD and "SH1-T01-C" in reason
    [card] = [a for a in _open_alerts(api) if a["severity"] == "severe"]
    assert [x["lot_id"] for x in card["lots"]] == [lot_id]
    # the scanner retrying gets the same answer, and nothing happens twice
    again = api.as_("staff").post("/api/scans", json=scan,
                                  headers={"Idempotency-Key": "entry-1"})
    assert again.json["warnings"] == resp.json["warnings"]
    assert sum(len(a["lots"]) for a in _open_alerts(api)) == 1


def test_a_compartment_back_in_range_holds_nothing_on_entry(api, sessions, world):
    now = _now5()
    _sensor(api, "TRUCK-1", "SH1-T01-C")
    _readings(api, "TRUCK-1", [(now - timedelta(minutes=200), now - timedelta(minutes=40),
                                9.4), (now - timedelta(minutes=40), now, 3.0)])
    receive(sessions, world, "C00002", "L-LATER", "SH1-REC", 10)
    resp = api.as_("staff").post("/api/scans", json={
        "barcode": label(world.gtins["C00002"], lot="L-LATER"), "action": "move",
        "from": "SH1-REC", "to": "SH1-T01-C", "quantity": 4},
        headers={"Idempotency-Key": "entry-2"})
    assert resp.status_code == 201 and resp.json["warnings"] == []


# --- the lot's own journey ---------------------------------------------------------------

@pytest.fixture
def rule_x(tmp_path, monkeypatch):
    """The README's example rule: more than 4 °C for 30 minutes in total holds the lot."""
    book = json.loads(alarm_rules.DEFAULT_PATH.read_text())
    book["zones"]["chilled"]["rules"].append(
        {"name": "chilled-warm-total-30m", "direction": "hot", "threshold_c": 4.0,
         "delay_min": 30, "kind": "cumulative", "severity": "severe"})
    path = tmp_path / "alarm_rules.json"
    path.write_text(json.dumps(book))
    monkeypatch.setenv("WMS_ALARM_RULES", str(path))
    alarm_rules.load.cache_clear()
    yield
    alarm_rules.load.cache_clear()


def test_the_worked_example_counts_the_lots_own_journey_with_a_minimum_dwell(
        api, sessions, world, clock, rule_x):
    b = _now5() - timedelta(hours=5)
    m = lambda minutes: b + timedelta(minutes=minutes)  # noqa: E731
    clock.at = b
    lots = {code: receive(sessions, world, "C00002", code, "SH1-C-A01-01", 10)
            for code in ("JOURNEY", "LONG-STAGING", "QUICK", "BLINK")}
    # JOURNEY: room 2 h, staging 3 min at 12 °C, truck 40 min of which 35 at 8 °C
    _move(sessions, world, clock, m(120), lots["JOURNEY"], "SH1-C-A01-01", "SH1-A-STG", 10)
    _move(sessions, world, clock, m(123), lots["JOURNEY"], "SH1-A-STG", "SH1-T01-C", 10)
    _move(sessions, world, clock, m(163), lots["JOURNEY"], "SH1-T01-C", "SH-P001", 10,
          MoveKind.DELIVER)
    # LONG-STAGING: 40 minutes in the same staging area
    _move(sessions, world, clock, m(125), lots["LONG-STAGING"], "SH1-C-A01-01", "SH1-A-STG",
          10)
    _move(sessions, world, clock, m(165), lots["LONG-STAGING"], "SH1-A-STG", "SH1-C-A01-02",
          10)
    # QUICK: 3 minutes in the warm truck; BLINK: moved in and out again 40 ms apart
    _move(sessions, world, clock, m(140), lots["QUICK"], "SH1-C-A01-01", "SH1-T01-C", 10)
    _move(sessions, world, clock, m(143), lots["QUICK"], "SH1-T01-C", "SH1-C-A01-01", 10)
    _move(sessions, world, clock, m(150), lots["BLINK"], "SH1-C-A01-01", "SH1-T01-C", 10)
    _move(sessions, world, clock, m(150) + timedelta(milliseconds=40), lots["BLINK"],
          "SH1-T01-C", "SH1-C-A01-01", 10)
    _sensor(api, "ROOM-1", "SH1-C")
    _sensor(api, "STG-1", "SH1-A-STG", interval=60)
    _sensor(api, "TRUCK-1", "SH1-T01-C")
    _readings(api, "ROOM-1", [(m(-60), m(300), 3.0)])
    _readings(api, "STG-1", [(m(60), m(300), 12.0)], step_min=1)
    _readings(api, "TRUCK-1", [(m(100), m(128), 3.0), (m(128), m(170), 8.0),
                               (m(170), m(300), 3.0)])
    held = {code for code, lot_id in lots.items()
            if _status(sessions, lot_id)[0] == LotStatus.HOLD}
    assert held == {"JOURNEY", "LONG-STAGING"}
    reason = _status(sessions, lots["JOURNEY"])[1]
    assert "35 min" in reason and "chilled-warm-total-30m" in reason and "SH1-T01-C" in reason
    by_place = {a["location"]: a for a in _open_alerts(api) if a["lots"]}
    assert [x["lot_code"] for x in by_place["SH1-T01-C"]["lots"]] == ["JOURNEY"]
    assert [x["lot_code"] for x in by_place["SH1-A-STG"]["lots"]] == ["LONG-STAGING"]
    # judged again (a late reading, a retry): nothing is held or listed twice
    _readings(api, "TRUCK-1", [(m(300), m(305), 3.0)])
    assert sum(len(a["lots"]) for a in _open_alerts(api)) == 2


def test_cumulative_time_is_the_lots_own_not_the_sensors_since_it_was_hung(
        api, sessions, world, clock):
    b = _now5() - timedelta(hours=10)
    m = lambda minutes: b + timedelta(minutes=minutes)  # noqa: E731
    clock.at = b
    early = receive(sessions, world, "C00002", "EARLY", "SH1-C-A01-01", 10)
    _move(sessions, world, clock, m(180), early, "SH1-C-A01-01", "SH1-C-A01-02", 10,
          MoveKind.TRANSFER)
    _move(sessions, world, clock, m(181), early, "SH1-C-A01-02", "SH1-REC", 10)
    clock.at = m(240)
    late = receive(sessions, world, "C00002", "LATE", "SH1-C-A01-01", 10)
    _sensor(api, "ROOM-1", "SH1-C")
    # an hour above 8 °C while EARLY was in the room, 70 minutes while LATE was: the room's
    # sensor has seen 130 minutes (the severe rule: more than 8 °C for 120 min in total)
    _readings(api, "ROOM-1", [(m(-60), m(60), 3.0), (m(60), m(120), 9.0),
                              (m(120), m(300), 3.0), (m(300), m(370), 9.0),
                              (m(370), m(400), 3.0)])
    assert _status(sessions, early)[0] == LotStatus.AVAILABLE
    assert _status(sessions, late)[0] == LotStatus.AVAILABLE
    # another hour warm while LATE is still there: its own time reaches 130 minutes
    _readings(api, "ROOM-1", [(m(400), m(420), 3.0), (m(420), m(480), 9.0),
                              (m(480), m(540), 3.0)])
    assert _status(sessions, early)[0] == LotStatus.AVAILABLE
    assert _status(sessions, late)[0] == LotStatus.HOLD


# --- one alert per excursion, resolved in bulk ---------------------------------------------

def test_one_truck_excursion_is_one_alert_with_its_lots_released_or_scrapped_in_bulk(
        api, sessions, world, clock):
    b = _now5() - timedelta(hours=4)
    clock.at = b
    lots = [receive(sessions, world, "C00002", f"T-{n:02d}", "SH1-REC", 5) for n in range(13)]
    for lot_id in lots:
        _move(sessions, world, clock, b, lot_id, "SH1-REC", "SH1-T01-C", 5)
    _sensor(api, "TRUCK-1", "SH1-T01-C")
    _readings(api, "TRUCK-1", [(b + timedelta(minutes=10), b + timedelta(minutes=160), 10.0),
                               (b + timedelta(minutes=160), b + timedelta(minutes=230), 3.0)])
    severe = [a for a in _open_alerts(api) if a["severity"] == "severe"]
    assert len(severe) == 1, severe
    [card] = severe
    assert sorted(x["lot_id"] for x in card["lots"]) == sorted(lots)
    assert _open_alerts(api, "staff-bj") == []
    url = f"/api/alerts/{card['id']}/resolve"
    assert api.as_("staff-bj").post(url, json={"action": "release"}).status_code == 403
    wrong = api.as_("staff").post(url, json={"action": "release", "lots": [999999]})
    assert wrong.status_code == 422 and "lots" in wrong.json["errors"]
    closing = api.as_("staff").post(url, json={"action": "close"})
    assert closing.status_code == 422
    assert all(_status(sessions, lot_id)[0] == LotStatus.HOLD for lot_id in lots)
    # two lots were in the front, behind the cold plate: checked and released
    part = api.as_("staff").post(url, json={"action": "release", "lots": lots[:2],
                                            "comment": "core 3.1 °C, probed at the dock"})
    assert part.status_code == 200, part.json
    assert part.json["status"] != "resolved"
    done = {x["lot_id"]: x for x in part.json["lots"] if x["status"] == "resolved"}
    assert set(done) == set(lots[:2])
    assert all(x["resolution"] == "release" and x["resolved_by"] == world.users["staff"]
               and x["resolution_comment"] == "core 3.1 °C, probed at the dock"
               for x in done.values())
    rest = api.as_("staff").post(url, json={"action": "scrap", "comment": "core 9 °C"})
    assert rest.status_code == 200, rest.json
    assert rest.json["status"] == "resolved" and rest.json["resolution"] == "mixed"
    assert [_status(sessions, lot_id)[0] for lot_id in lots] == \
        [LotStatus.AVAILABLE] * 2 + [LotStatus.SPOILED] * 11
    with sessions() as s:
        scraps = s.scalars(select(StockMove).where(StockMove.kind == MoveKind.SCRAP)).all()
        assert sorted(m.lot_id for m in scraps) == sorted(lots[2:])
        assert {(m.actor_id, m.reason) for m in scraps} == {(world.users["staff"], "core 9 °C")}
    again = api.as_("staff").post(url, json={"action": "scrap"})
    assert again.status_code == 409


# --- values at the sensor's resolution ------------------------------------------------------

def test_a_chilled_room_logged_at_exactly_39_2_f_raises_no_excursion(api):
    _sensor(api, "GW-1", "SH1-C", at=T0 - timedelta(days=1))
    result = _upload(api, _csv(T0, 15, "39.2", "GW-1", unit="°F"))  # 70 minutes at 4 °C
    assert result["stored"] == 15
    assert api.as_("staff").get("/api/findings?sensor=GW-1&kind=excursion").json == []
    assert _open_alerts(api) == []


# --- gaps filled by old logger files ----------------------------------------------------------

def test_an_old_logger_file_closes_the_gap_it_fills(api):
    _sensor(api, "LOG-1", "SH1-T01-C", at=T0 - timedelta(days=1))
    _readings(api, "LOG-1", [(T0, T0 + timedelta(hours=1), 3.0)])
    moved = T0 + timedelta(hours=4)
    assert api.as_("staff").post("/api/sensors/LOG-1/attachments", json={
        "location": "SH1-C", "at": _iso(moved)}).status_code == 201
    _readings(api, "LOG-1", [(moved, moved + timedelta(hours=1), 3.0)])
    [gap] = api.as_("staff").get("/api/findings?location=SH1-T01-C&kind=gap").json
    assert gap["end"] == _iso(moved)  # the logger left the truck: the gap ended there
    # the logger's own file, read at the dock afterwards, holds the hours in the truck
    filled = _upload(api, _csv(T0 + timedelta(hours=1), 36, "3,0", "LOG-1"))
    assert filled["stored"] == 36
    assert api.as_("staff").get("/api/findings?location=SH1-T01-C&kind=gap").json == []


def test_the_alerts_page_shows_one_card_per_excursion_with_its_lots_to_resolve_together(
        client, people, sessions, world, clock):
    from tests.e2e.test_pages import page_token, sign_in

    b = _now5() - timedelta(hours=4)
    clock.at = b
    lots = [receive(sessions, world, "C00002", f"P-{n}", "SH1-REC", 5) for n in range(3)]
    for lot_id in lots:
        _move(sessions, world, clock, b, lot_id, "SH1-REC", "SH1-T01-C", 5)
    sign_in(client, "staff")
    headers = {"X-CSRF-Token": page_token(client)}
    assert client.post("/api/sensors", json={
        "serial": "TRUCK-1", "location": "SH1-T01-C",
        "at": _iso(b - timedelta(days=1))}, headers=headers).status_code == 201
    items = [{"serial": "TRUCK-1", "timestamp": _iso(b + timedelta(minutes=5 * i)),
              "temperature": 10.0 if i < 32 else 3.0} for i in range(40)]
    assert client.post("/api/readings", json={"readings": items},
                       headers=headers).status_code == 200
    page = client.get("/alerts").get_data(as_text=True)
    assert page.count('data-alert="') == 2  # the severe excursion and the minor one
    assert all(f"P-{n}" in page for n in range(3))
    assert page.count("data-pick-lot=") == 3 and "Scrap checked lots" in page
    card = re.search(r'data-alert="(\d+)"[^>]*data-lot="0"', page)
    assert card is not None
