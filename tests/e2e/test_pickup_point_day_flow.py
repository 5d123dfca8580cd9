"""A pickup point's day end to end over the HTTP API, on SQLite and PostgreSQL.

The storefront subscribes a webhook served by a real HTTP receiver that checks every
signature. Residents' orders go to two pickup points, one with no freezer and no fridge; the
plan job brings that point's cold goods no earlier than the rules allow; the truck is picked,
loaded and delivered; the leader disputes one line, residents collect by pickup code, and
what is left goes back on the next day's route. The ledger verifies, and the storefront got
every event once, in order per order, although it was down for part of the day.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.integration.test_dispatch import DAY, stock_up
from wms import accounts, outbox_delivery
from wms.db import transaction
from wms.models import DeliveryStatus, WebhookDelivery
from wms.webhook_receiver import Receiver, serve_in_thread

SECRET = "storefront-webhook-secret"
NEXT_DAY = DAY + timedelta(days=1)
RULES = json.loads((Path(__file__).parents[2] / "data" / "dispatch_rules.json").read_text())


@pytest.fixture
def app(database_url, world):
    from api.app import create_app

    return create_app({"TESTING": True, "WMS_DATABASE_URL": database_url, "WMS_REDIS_URL": "",
                       "WMS_JOBS": "inline", "WMS_OUTBOX_BACKOFF_S": 0.01,
                       "WMS_OUTBOX_MAX_ATTEMPTS": 60})


@pytest.fixture
def leaders(sessions, world):
    """Li Na runs SH-P001; Zhou Min runs SH-P002."""
    with transaction(sessions) as s:
        for name, point in (("leader", "SH-P001"), ("leader-2", "SH-P002")):
            user = accounts.create_user(s, username=name, role="leader",
                                        display_name=name.title(), pickup_points=[point])
            world.users[name] = user.id
            world.tokens[name] = accounts.issue_token(s, user, name="test")[1]
    return world


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def ok(resp, status: int = 201) -> dict | list:
    assert resp.status_code == status, (resp.status_code, resp.json)
    return resp.json


def clock(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def plan_day(api, day) -> dict:
    """The dispatcher's plan job for the day (run inline, as the suite runs jobs), then
    the plan it made."""
    job = ok(api.as_("dispatcher").post("/api/route-plans", json={
        "warehouse": "SH1", "date": day.isoformat(), "time_limit_s": 1}), 202)
    job = ok(api.as_("dispatcher").get(f"/api/jobs/{job['id']}"), 200)
    assert job["status"] == "finished", job
    return ok(api.as_("dispatcher").get(f"/api/route-plans/{job['result']['plan_id']}"), 200)


def publish(api, plan: dict) -> dict:
    published = ok(api.as_("dispatcher").post(f"/api/route-plans/{plan['id']}/publish",
                                              json={}), 200)
    assert published["status"] == "published"
    return published


def on_hand(api, location: str, sku: str) -> tuple[int, int]:
    rows = ok(api.as_("staff").get("/api/stock", query_string={"location": location,
                                                                "sku": sku}), 200)
    return sum(r["on_hand"] for r in rows), sum(r["reserved"] for r in rows)


def by_order(received: list[dict]) -> dict[str, list[int]]:
    """Per order, the sequence numbers in the order they first arrived."""
    seen, out = set(), defaultdict(list)
    for event in received:
        if event["id"] not in seen:
            seen.add(event["id"])
            out[event["order"]].append(event["sequence"])
    return dict(out)


@pytest.fixture
def storefront(tmp_path):
    """The storefront's webhook receivers, logging to one file: the first one now, another
    one later on the same address; each is stopped at the end if the story has not."""
    running: list[Receiver] = [serve_in_thread(SECRET, log_path=tmp_path / "webhooks.log")]
    yield running
    for server in running:
        server.shutdown()
        server.server_close()


def restart(running: list[Receiver], port: int, log_path: Path) -> Receiver:
    server = Receiver(("127.0.0.1", port), SECRET, log_path)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    running.append(server)
    return server


def test_a_pickup_point_s_day_from_orders_to_goods_back_and_every_event_delivered(
        app, api, sessions, world, leaders, database_url, monkeypatch, storefront):
    receiver = storefront[0]
    port = receiver.server_address[1]
    day = DAY.isoformat()
    lots = stock_up(sessions, world)
    dispatcher, staff, driver = api.as_("dispatcher"), api.as_("staff"), api.as_("driver")
    leader, leader_2 = api.as_("leader"), api.as_("leader-2")

    # 1. The storefront subscribes its webhook.
    sub = ok(api.as_("admin").post("/api/webhooks", json={
        "name": "storefront", "url": receiver.url, "secret": SECRET}))
    assert "secret" not in sub
    # The receiver checks signatures: a request signed with another key is refused.
    forged = urllib.request.Request(receiver.url, data=b'{"id": "forged"}', method="POST",
                                    headers={"X-WMS-Signature": "t=1,v1=00"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=5)
    assert refused.value.code == 401 and receiver.events == []

    # The dispatcher states each point's cold storage: SH-P001 is a shop with no freezer
    # and no fridge, SH-P002 keeps two crates of each.
    for code, crates in (("SH-P001", 0), ("SH-P002", 2)):
        ok(dispatcher.patch(f"/api/pickup-points/{code}", json={
            "freezer_crates": crates, "fridge_crates": crates}), 200)
    point = ok(staff.get("/api/pickup-points/SH-P001"), 200)
    assert (point["freezer_crates"], point["fridge_crates"]) == (0, 0)
    bad = dispatcher.patch("/api/pickup-points/SH-P002", json={"fridge_crates": -1})
    assert bad.status_code == 422 and "fridge_crates" in bad.json["errors"]["json"]
    assert ok(staff.get("/api/pickup-points/SH-P002"), 200)["fridge_crates"] == 2
    assert staff.patch("/api/pickup-points/SH-P002", json={"fridge_crates": 9}
                       ).status_code == 403

    # 2. Residents order for two pickup points; each order comes back with its pickup code.
    codes = {}
    for ref, where, lines in (("WEB-1", "SH-P001", {"F00001": 4, "C00002": 6}),
                              ("WEB-2", "SH-P001", {"C00002": 3}),
                              ("WEB-3", "SH-P002", {"F00001": 2, "C00002": 2})):
        placed = ok(dispatcher.post("/api/orders", json={
            "external_ref": ref, "pickup_point": where, "delivery_date": day,
            "customer_ref": f"cust-{ref}", "contact_phone": "13812345678",
            "lines": [{"sku": k, "quantity": v} for k, v in lines.items()]}))
        assert len(placed["pickup_code"]) == 6 and placed["pickup_code"].isdigit()
        codes[ref] = placed["pickup_code"]
    assert codes["WEB-1"] != codes["WEB-2"]

    # 3. Allocate and plan: the shop without cold storage gets its frozen and chilled goods
    #    no earlier than the rules allow before collection opens; the other point any time.
    allocated = ok(dispatcher.post("/api/allocations", json={"warehouse": "SH1",
                                                             "date": day}), 200)
    assert allocated["backorder"] == 0, allocated
    plan = plan_day(api, DAY)
    assert plan["unassigned"] == []
    (route,) = plan["routes"]
    stops = {st["pickup_point"]: st for st in route["stops"]}
    assert sorted(stops) == ["SH-P001", "SH-P002"]
    opens = clock(point["collection_opens"][:5])
    hold = RULES["hold_without_storage_minutes"]
    earliest = max(opens - hold["frozen"], opens - hold["chilled"])
    assert clock(stops["SH-P001"]["eta"]) >= earliest == clock("08:00")
    assert clock(stops["SH-P001"]["eta"]) <= clock(point["window_end"][:5])
    assert {ln["temp_class"] for ln in stops["SH-P001"]["lines"]} == {"frozen", "chilled"}
    publish(api, plan)

    # The storefront goes down before the warehouse picks; its events wait in the outbox.
    assert [e["kind"] for e in receiver.events].count("allocated") == 3
    storefront.remove(receiver)
    receiver.shutdown()
    receiver.server_close()

    manifest = next(m for m in ok(driver.get("/api/manifests", query_string={"date": day}),
                                  200) if m["route_id"] == route["id"])
    for ref in ("WEB-1", "WEB-2", "WEB-3"):
        ok(staff.post(f"/api/orders/{ref}/pick", headers=key()))
        ok(staff.post(f"/api/routes/{route['id']}/loading", json={"order": ref},
                      headers=key()))
    for stop in manifest["stops"]:
        ok(driver.post(f"/api/routes/{route['id']}/stops/{stop['seq']}/deliveries",
                       json={"lines": []}, headers=key()))
    with transaction(sessions) as s:
        waiting = s.scalars(select(WebhookDelivery).where(
            WebhookDelivery.status == DeliveryStatus.PENDING)).all()
        assert {d.order_ref for d in waiting} == {"WEB-1", "WEB-2", "WEB-3"}
        assert any(d.attempts and "Error" in d.last_error for d in waiting)
    # Failing, not given up: they are retried.
    assert ok(api.as_("admin").get("/api/outbox/dead-letters"), 200) == []

    # The storefront is back on the same address; later events and the waiting ones flow.
    again = restart(storefront, port, receiver.log_path)

    # 4. The leader confirms the receipt with one line short: two chilled units of WEB-1.
    (arrival,) = ok(leader.get("/api/pickup-points/SH-P001/arrivals",
                               query_string={"date": day}), 200)
    assert arrival["stop_status"] == "delivered" and arrival["delivered"] == 13
    assert on_hand(api, "SH1-T01-C", "C00002") == (0, 0)
    receipt = ok(leader.post("/api/pickup-points/SH-P001/receipts", headers=key(), json={
        "route_id": route["id"], "note": "one crate light",
        "lines": [{"order": "WEB-1", "line": 2, "received": 4, "note": "2 missing"}]}))
    assert receipt["state"] == "disputed"
    # The ledger puts the difference back on the truck, free of any order.
    assert on_hand(api, "SH1-T01-C", "C00002") == (2, 0)
    assert on_hand(api, "SH-P001", "C00002") == (7, 7)
    disputes = ok(staff.get("/api/receipt-disputes", query_string={"date": day}), 200)
    assert [(d["pickup_point"], d["state"], [(ln["order"], ln["line"], ln["missing"])
                                              for ln in d["lines"] if ln["missing"]])
            for d in disputes] == [("SH-P001", "disputed", [("WEB-1", 2, 2)])]
    ok(leader_2.post("/api/pickup-points/SH-P002/receipts", headers=key(),
                     json={"route_id": route["id"]}))

    # 5. Residents collect by pickup code: a wrong code is refused, WEB-2 takes everything,
    #    WEB-1 only its frozen line.
    wrong = next(f"{n:06d}" for n in range(10 ** 6) if f"{n:06d}" not in codes.values())
    refused = leader.post("/api/pickup-points/SH-P001/handovers", headers=key(),
                          json={"code": wrong})
    assert refused.status_code == 404 and refused.json["field"] == "code"
    full = ok(leader.post("/api/pickup-points/SH-P001/handovers", headers=key(),
                          json={"code": codes["WEB-2"]}))
    assert full["order"]["status"] == "collected"
    part = ok(leader.post("/api/pickup-points/SH-P001/handovers", headers=key(), json={
        "code": codes["WEB-1"], "lines": [{"line": 1, "quantity": 4}]}))
    assert [(m["kind"], m["quantity"]) for m in part["moves"]] == [("handover", 4)]
    ok(leader_2.post("/api/pickup-points/SH-P002/handovers", headers=key(),
                     json={"code": codes["WEB-3"]}))

    # 6. Day end: what WEB-1 left goes back; the next day's plan fetches it.
    left = ok(leader.get("/api/pickup-points/SH-P001/uncollected",
                         query_string={"date": day}), 200)
    assert [(e["order"], e["line"], e["quantity"]) for e in left] == [("WEB-1", 2, 4)]
    requested = ok(leader.post("/api/pickup-points/SH-P001/return-requests",
                               json={"date": day, "reason": "not collected"}))
    assert [(r["sku"], r["quantity"], r["temp_class"], r["status"]) for r in requested] == [
        ("C00002", 4, "chilled", "open")]
    assert [r["id"] for r in ok(dispatcher.get("/api/return-requests"), 200)] == [
        requested[0]["id"]]
    report = ok(leader.get("/api/pickup-points/SH-P001/day-report",
                           query_string={"date": day}), 200)
    chilled = next(ln for ln in report["lines"] if ln["sku"] == "C00002")
    assert {k: chilled[k] for k in ("delivered", "received", "disputed", "collected",
                                    "returned", "left")} == {
        "delivered": 9, "received": 7, "disputed": 2, "collected": 3, "returned": 4,
        "left": 0}

    tomorrow = plan_day(api, NEXT_DAY)
    assert tomorrow["unassigned"] == []
    (back_route,) = tomorrow["routes"]
    (pickup,) = back_route["stops"]
    assert (pickup["pickup_point"], pickup["lines"]) == ("SH-P001", [])
    assert pickup["picked_up"] == {"chilled": {"crates": 1, "kg": 2.0}}
    publish(api, tomorrow)
    assert ok(dispatcher.get("/api/return-requests"), 200) == []
    assert [r["id"] for r in ok(dispatcher.get("/api/return-requests",
                                               query_string={"status": "planned"}), 200)
            ] == [requested[0]["id"]]
    (sheet,) = ok(driver.get("/api/manifests", query_string={"date": NEXT_DAY.isoformat()}),
                  200)
    assert [(st["pickup_point"], st["collect"]) for st in sheet["stops"]] == [
        ("SH-P001", {"chilled": 1})]

    # The driver brings the goods back from the point, and the disputed ones off the truck.
    back = ok(driver.post(f"/api/routes/{back_route['id']}/returns", headers=key(), json={
        "lines": [{"lot_id": requested[0]["lot_id"], "quantity": 4, "from": "SH-P001",
                   "reason": "not collected"}]}))
    assert [(m["kind"], m["quantity"], m["from"], m["to"]) for m in back["moves"]] == [
        ("return", 4, "SH-P001", "SH1-C-QRT")]
    ok(driver.post(f"/api/routes/{route['id']}/returns", headers=key(), json={
        "lines": [{"lot_id": lots["C00002"], "quantity": 2, "reason": "disputed"}]}))
    assert on_hand(api, "SH-P001", "C00002") == (0, 0)
    assert on_hand(api, "SH1-T01-C", "C00002") == (0, 0)
    assert on_hand(api, "SH1-C-QRT", "C00002") == (6, 0)
    returned = ok(dispatcher.get("/api/return-requests", query_string={"status": "returned"}),
                  200)
    assert [(r["id"], r["status"]) for r in returned] == [(requested[0]["id"], "returned")]

    # 7. Balances and ledger agree.
    from api.cli import main

    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    verified = CliRunner().invoke(main, ["stock", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "0 differences; balances and ledger agree" in verified.output

    # 8. Every event reached the storefront once per event id, in order per order.
    dispatcher_ = app.extensions["wms-outbox"]
    outbox_delivery.drain(dispatcher_.factory, policy=dispatcher_.policy, linger_s=30)
    received = receiver.events + again.events
    stored = {ref: ok(staff.get(f"/api/orders/{ref}/events"), 200) for ref in codes}
    ids = [e["id"] for e in received]
    assert len(ids) == len(set(ids))
    # Every request the storefront got carried a valid signature and a new event id.
    log = [json.loads(line) for line in receiver.log_path.read_text().splitlines()]
    assert [entry["signature"] for entry in log].count("refused") == 1  # the forged one
    valid = [entry for entry in log if entry["signature"] == "valid"]
    assert len(valid) == len(ids) and not any(entry["duplicate"] for entry in valid)
    assert set(ids) == {e["event_id"] for evs in stored.values() for e in evs}
    assert by_order(received) == {ref: [e["sequence"] for e in evs]
                                  for ref, evs in stored.items()}
    kinds = {ref: [e["kind"] for e in evs] for ref, evs in stored.items()}
    assert kinds["WEB-2"] == ["accepted", "allocated", "picked", "out_for_delivery",
                              "arrived", "collected"]
    assert kinds["WEB-1"] == ["accepted", "allocated", "picked", "out_for_delivery",
                              "arrived", "short", "collected", "uncollected"]
    short = next(e for e in received if e["kind"] == "short")
    assert (short["order"], short["payload"]["pickup_point"], short["payload"]["backorder"]
            ) == ("WEB-1", "SH-P001", [{"line": 2, "sku": "C00002", "units": 2}])
    uncollected = next(e for e in received if e["kind"] == "uncollected")
    assert (uncollected["order"], {k: uncollected["payload"][k] for k in (
        "line", "sku", "units", "disposition")}) == ("WEB-1", {
            "line": 2, "sku": "C00002", "units": 4, "disposition": "returned_to_warehouse"})
    # What happened while the storefront was down arrived after it came back.
    assert {e["kind"] for e in again.events} >= {"picked", "out_for_delivery", "arrived"}
    assert ok(api.as_("admin").get("/api/outbox/dead-letters"), 200) == []
    collected = next(e for e in received if e["order"] == "WEB-1" and e["kind"] == "collected")
    assert collected["payload"]["partial"] is True
    out = next(e for e in received if e["order"] == "WEB-1"
               and e["kind"] == "out_for_delivery")
    assert out["payload"]["route_id"] == route["id"]
    assert out["payload"]["eta"].startswith(f"{day}T{stops['SH-P001']['eta']}:")
    assert out["payload"]["eta"].endswith("+08:00")  # the warehouse's time zone
