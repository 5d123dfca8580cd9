"""Held and recalled lots in the field, over the API: they never reach a resident, and they
come back from trucks and pickup points by return moves (or are scrapped where they are)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from routing.dispatch import plans
from tests.integration.test_dispatch import order, plan, stock_up
from wms.db import transaction
from wms.ledger import balance, verify
from wms.models import CustomerOrder, Lot, LotStatus

HELD = "temperature abuse in the chilled room"


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def on_truck(api, sessions, world, ref: str = "WEB-1", units: int = 40) -> int:
    """An order of ``units`` chilled units picked and loaded on SH1-T01; the lot's id."""
    lots = stock_up(sessions, world, {"C00002": 100})
    order(sessions, ref, "SH-P001", {"C00002": units})
    assert api.as_("staff").post(f"/api/orders/{ref}/pick", headers=key()).status_code == 201
    resp = api.as_("staff").post(f"/api/orders/{ref}/load", json={"vehicle": "SH1-T01"},
                                 headers=key())
    assert resp.status_code == 201, resp.json
    return lots["C00002"]


def hold(api, lot_id: int, reason: str = HELD) -> None:
    resp = api.as_("staff").post(f"/api/lots/{lot_id}/hold", json={"reason": reason})
    assert resp.status_code == 200, resp.json


def stock(api, lot_id: int) -> dict[str, tuple[int, int]]:
    rows = api.as_("admin").get("/api/stock", query_string={"lot_id": lot_id,
                                                            "page_size": 100}).json
    return {r["location"]: (r["on_hand"], r["reserved"]) for r in rows}


def ledger_agrees(sessions) -> None:
    with transaction(sessions) as s:
        assert verify(s) == []


def do_not_hand_over(code: str = "L-C00002", reason: str = HELD) -> str:
    return f"lot {code} is on hold ({reason}): do not hand it over; return it to the warehouse"


# --- finding 1: a held lot reached residents ---------------------------------------------

def test_a_held_lot_on_a_truck_is_not_delivered(api, sessions, world):
    lot_id = on_truck(api, sessions, world)
    hold(api, lot_id)
    before = stock(api, lot_id)
    resp = api.as_("staff").post("/api/orders/WEB-1/deliver", json={}, headers=key())
    assert resp.status_code == 409, resp.json
    assert resp.json["detail"] == do_not_hand_over()
    # The hold put the warehouse's 60 units in quarantine; the 40 aboard stay reserved.
    assert stock(api, lot_id) == before == {"SH1-C-QRT": (60, 0), "SH1-T01-C": (40, 40)}
    ledger_agrees(sessions)


def test_a_lot_held_after_delivery_is_not_handed_over(api, sessions, world):
    lot_id = on_truck(api, sessions, world)
    resp = api.as_("staff").post("/api/orders/WEB-1/deliver", json={}, headers=key())
    assert resp.status_code == 201, resp.json
    hold(api, lot_id)
    resp = api.as_("staff").post("/api/orders/WEB-1/handover",
                                 json={"lines": [{"line": 1, "quantity": 5}]}, headers=key())
    assert resp.status_code == 409, resp.json
    assert resp.json["detail"] == do_not_hand_over()
    assert stock(api, lot_id)["SH-P001"] == (40, 40)
    ledger_agrees(sessions)


def test_recalled_units_on_a_truck_are_not_delivered(api, sessions, world):
    lot_id = on_truck(api, sessions, world)
    resp = api.as_("buyer").post(f"/api/lots/{lot_id}/recall", json={"reason": "listeria"},
                                 headers=key())
    assert resp.status_code in (200, 201), resp.json
    resp = api.as_("staff").post("/api/orders/WEB-1/deliver", json={}, headers=key())
    assert resp.status_code == 409, resp.json
    assert resp.json["detail"] == ("lot L-C00002 is recalled (recalled: listeria): do not hand "
                                   "it over; return it to the warehouse")
    assert stock(api, lot_id)["SH1-T01-C"] == (40, 40)


def published_route(sessions, world) -> int:
    saved = plan(sessions, world)
    with transaction(sessions) as s:
        published = plans.publish(s, saved["plan_id"], actor_id=world.users["dispatcher"])
        return published.routes[0].id


def test_a_driver_cannot_confirm_a_held_lot_delivered_at_a_stop(api, sessions, world):
    stock_up(sessions, world, {"C00002": 100})
    order(sessions, "WEB-1", "SH-P001", {"C00002": 40})
    route_id = published_route(sessions, world)
    assert api.as_("staff").post("/api/orders/WEB-1/pick", headers=key()).status_code == 201
    resp = api.as_("staff").post(f"/api/routes/{route_id}/loading", json={"order": "WEB-1"},
                                 headers=key())
    assert resp.status_code == 201, resp.json
    lot_id = resp.json["moves"][0]["lot_id"]
    hold(api, lot_id)

    manifest = api.as_("driver").get(f"/api/manifests/{route_id}").json
    (line,) = manifest["stops"][0]["lines"]
    assert line["do_not_hand_over"] is True
    assert line["reason"] == do_not_hand_over()
    page = api.client.get(f"/manifests/{route_id}",
                          headers={"Authorization": f"Bearer {world.tokens['driver']}"})
    assert b"Do not hand over" in page.data and do_not_hand_over().encode() in page.data

    url = f"/api/routes/{route_id}/stops/{manifest['stops'][0]['seq']}/deliveries"
    resp = api.as_("driver").post(url, json={"lines": []}, headers=key())
    assert resp.status_code == 409, resp.json
    assert resp.json["detail"].startswith(do_not_hand_over())
    assert stock(api, lot_id)["SH1-T01-C"] == (40, 40)
    # Reported as refused, the units ride back; the driver returns them at the warehouse.
    resp = api.as_("driver").post(url, json={"lines": [{
        "order": "WEB-1", "line": 1, "delivered": 0,
        "exceptions": [{"kind": "refused", "quantity": 40, "reason": "lot on hold"}]}]},
        headers=key())
    assert resp.status_code == 201, resp.json
    resp = api.as_("driver").post(f"/api/routes/{route_id}/returns", json={
        "lines": [{"lot_id": lot_id, "quantity": 40}]}, headers=key())
    assert resp.status_code == 201, resp.json
    assert [(m["kind"], m["from"], m["to"], m["quantity"]) for m in resp.json["moves"]] == [
        ("return", "SH1-T01-C", "SH1-C-QRT", 40)]
    assert stock(api, lot_id) == {"SH1-C-QRT": (100, 0)}
    ledger_agrees(sessions)


# --- finding 5: held units on a truck could not be resolved ------------------------------

def test_held_units_come_back_from_the_truck_and_are_scrapped(api, sessions, world):
    lot_id = on_truck(api, sessions, world)
    hold(api, lot_id)
    resp = api.as_("staff").post("/api/orders/WEB-1/deliver", json={}, headers=key())
    assert resp.status_code == 409

    resp = api.as_("staff").post("/api/returns", json={
        "lot_id": lot_id, "quantity": 40, "from": "SH1-T01-C"}, headers=key())
    assert resp.status_code == 201, resp.json
    assert [(m["kind"], m["from"], m["to"]) for m in resp.json["moves"]] == [
        ("return", "SH1-T01-C", "SH1-C-QRT")]
    # The order gives the units up: its line is back on backorder.
    with transaction(sessions) as s:
        o = s.scalar(select(CustomerOrder).where(CustomerOrder.external_ref == "WEB-1"))
        assert (o.lines[0].allocated, o.lines[0].backorder) == (0, 40)
    # In quarantine the held units stay put: only a release or a scrap moves them on.
    resp = api.as_("staff").post("/api/scans", json={
        "action": "move", "barcode": f"01{world.gtins['C00002']}|10L-C00002",
        "from": "SH1-C-QRT", "to": "SH1-C-A01-02", "quantity": 40}, headers=key())
    assert resp.status_code == 409, resp.json
    assert "on hold" in resp.json["detail"]

    resp = api.as_("staff").post(f"/api/lots/{lot_id}/scrap", json={
        "location": "SH1-C-QRT", "quantity": 40, "reason": "temperature abuse confirmed",
        "witnessed_by": "Li Na (QA)"}, headers=key())
    assert resp.status_code == 201, resp.json
    (move,) = resp.json["moves"]
    assert (move["kind"], move["from"], move["witnessed_by"]) == ("scrap", "SH1-C-QRT",
                                                                  "Li Na (QA)")
    assert stock(api, lot_id) == {"SH1-C-QRT": (60, 0)}
    ledger_agrees(sessions)


def test_held_units_on_a_truck_are_released_after_their_return(api, sessions, world):
    lot_id = on_truck(api, sessions, world)
    hold(api, lot_id)
    resp = api.as_("staff").post("/api/returns", json={
        "lot_id": lot_id, "quantity": 40, "from": "SH1-T01-C"}, headers=key())
    assert resp.status_code == 201, resp.json
    resp = api.as_("staff").post(f"/api/lots/{lot_id}/release",
                                 json={"reason": "logger was faulty", "to": "SH1-C-A01-02"})
    assert resp.status_code == 200, resp.json
    assert stock(api, lot_id) == {"SH1-C-A01-02": (100, 0)}
    ledger_agrees(sessions)


def test_an_order_whose_loaded_units_are_held_can_be_cancelled(api, sessions, world):
    lot_id = on_truck(api, sessions, world)
    hold(api, lot_id)
    resp = api.as_("dispatcher").post("/api/orders/WEB-1/cancel")
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "cancelled"
    # The units stay on the truck, no longer reserved, until the driver brings them back.
    assert stock(api, lot_id)["SH1-T01-C"] == (40, 0)
    resp = api.as_("driver").post("/api/returns", json={
        "lot_id": lot_id, "quantity": 40, "from": "SH1-T01-C"}, headers=key())
    assert resp.status_code == 403
    resp = api.as_("staff").post("/api/returns", json={
        "lot_id": lot_id, "quantity": 40, "from": "SH1-T01-C"}, headers=key())
    assert resp.status_code == 201, resp.json
    ledger_agrees(sessions)


def test_an_order_with_good_units_on_the_truck_still_cannot_be_cancelled(api, sessions,
                                                                           world):
    on_truck(api, sessions, world)
    resp = api.as_("dispatcher").post("/api/orders/WEB-1/cancel")
    assert resp.status_code == 409
    assert "loaded" in resp.json["detail"]


def test_held_units_are_scrapped_on_the_truck_with_a_witness(api, sessions, world):
    lot_id = on_truck(api, sessions, world)
    hold(api, lot_id)
    body = {"location": "SH1-T01-C", "quantity": 40, "reason": "packs swollen"}
    resp = api.as_("staff").post(f"/api/lots/{lot_id}/scrap", json=body, headers=key())
    assert resp.status_code == 422
    assert "witnessed_by" in resp.json["errors"]["json"]
    assert stock(api, lot_id)["SH1-T01-C"] == (40, 40)
    resp = api.as_("staff").post(f"/api/lots/{lot_id}/scrap",
                                 json={**body, "witnessed_by": "Zhang Wei (driver)"},
                                 headers=key())
    assert resp.status_code == 201, resp.json
    assert "SH1-T01-C" not in stock(api, lot_id)
    ledger_agrees(sessions)


def test_the_recall_report_says_what_is_in_the_field_and_what_came_back(api, sessions,
                                                                         world):
    lot_id = on_truck(api, sessions, world)
    order(sessions, "WEB-2", "SH-P002", {"C00002": 10})
    assert api.as_("staff").post("/api/orders/WEB-2/pick", headers=key()).status_code == 201
    assert api.as_("staff").post("/api/orders/WEB-2/load", json={"vehicle": "SH1-T01"},
                                 headers=key()).status_code == 201
    assert api.as_("staff").post("/api/orders/WEB-2/deliver", json={},
                                 headers=key()).status_code == 201
    resp = api.as_("buyer").post(f"/api/lots/{lot_id}/recall", json={"reason": "listeria"},
                                 headers=key())
    assert resp.status_code in (200, 201), resp.json
    resp = api.as_("staff").post("/api/returns", json={
        "lot_id": lot_id, "quantity": 15, "from": "SH1-T01-C"}, headers=key())
    assert resp.status_code == 201, resp.json

    report = api.as_("buyer").get(f"/api/lots/{lot_id}/recall").json
    assert [(f["location"], f["on_hand"]) for f in report["in_field"]] == [
        ("SH1-T01-C", 25), ("SH-P002", 10)]
    assert report["returned"] == 15
    assert [(r["from"], r["to"], r["quantity"]) for r in report["returns"]] == [
        ("SH1-T01-C", "SH1-C-QRT", 15)]
    with transaction(sessions) as s:
        assert s.get(Lot, lot_id).status == LotStatus.RECALLED
        assert balance(s, world.locations["SH1-C-QRT"], lot_id)[0] == 50 + 15


def test_the_scan_preview_says_a_held_lot_may_not_leave_quarantine(api, sessions, world):
    lots = stock_up(sessions, world, {"C00002": 10})
    hold(api, lots["C00002"])
    resp = api.as_("staff").post("/api/scans/preview", json={
        "action": "move", "barcode": f"01{world.gtins['C00002']}|10L-C00002",
        "from": "SH1-C-QRT", "to": "SH1-C-A01-02", "quantity": 10})
    assert resp.status_code == 200, resp.json
    assert resp.json["refused"] == (
        f"lot L-C00002 is on hold ({HELD}): it may only go into a quarantine location, come "
        "back to the warehouse or be scrapped")
