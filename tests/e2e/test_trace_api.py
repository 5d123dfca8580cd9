"""Traceability over the API: a lot goes from receipt to residents; the forward trace from
the lot and the backward trace from the pickup point agree; a recall blocks exactly the
units still in stock; exports validate; bad input is refused by field."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from tests.factories import label
from wms.db import transaction
from wms.ledger import verify
from wms.models import Lot, Origin, StockMove

TODAY = date.today()


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _ok(resp, status=201):
    assert resp.status_code == status, resp.json
    return resp.json


def _day(api, world, sessions, step=lambda phase: None) -> dict[str, int]:
    """Receive two lots, put them away, and take four orders to different stages:
    WEB-1 handed over at SH-P001, WEB-2 delivered to SH-P002, WEB-3 on the truck,
    WEB-4 only allocated. ``step`` is told each phase as it starts."""
    step("receive")
    gtin = world.gtins["C00002"]
    for code, expiry, n, bin_ in (("L-A", TODAY + timedelta(days=4), 30, "SH1-C-A01-01"),
                                  ("L-B", TODAY + timedelta(days=6), 10, "SH1-C-A01-02")):
        _ok(api.as_("staff").post("/api/scans", headers=key(), json={
            "action": "receive", "barcode": label(gtin, code, expiry, n),
            "location": "SH1-REC", "supplier": "SUP-1"}))
        _ok(api.as_("staff").post("/api/scans", headers=key(), json={
            "action": "putaway", "barcode": label(gtin, code), "from": "SH1-REC", "to": bin_,
            "quantity": n}))
    with transaction(sessions) as s:
        lot = s.scalar(select(Lot).where(Lot.lot_code == "L-A"))
        lot.origin_id = s.scalar(select(Origin.id).where(Origin.code == "ORG-1"))
        lot.purchase_order, lot.harvest_date = "PO-7788", TODAY - timedelta(days=2)
        lot.buyer_id, lot.certifications = world.users["buyer"], "GAP"
        ids = {"L-A": lot.id, "L-B": s.scalar(select(Lot.id).where(Lot.lot_code == "L-B"))}
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    for ref, point, qty in (("WEB-1", "SH-P001", 12), ("WEB-2", "SH-P002", 6),
                            ("WEB-3", "SH-P003", 4), ("WEB-4", "SH-P001", 2)):
        _ok(api.as_("dispatcher").post("/api/orders", json={
            "external_ref": ref, "pickup_point": point, "delivery_date": tomorrow,
            "lines": [{"sku": "C00002", "quantity": qty}]}))
    _ok(api.as_("dispatcher").post("/api/allocations",
                                   json={"warehouse": "SH1", "date": tomorrow}), 200)
    step("load")
    for ref in ("WEB-1", "WEB-2", "WEB-3"):
        _ok(api.as_("staff").post(f"/api/orders/{ref}/pick", headers=key()))
        _ok(api.as_("staff").post(f"/api/orders/{ref}/load", headers=key(),
                                  json={"vehicle": "SH1-T01"}))
    step("deliver")
    for ref in ("WEB-1", "WEB-2"):
        _ok(api.as_("staff").post(f"/api/orders/{ref}/deliver", headers=key(), json={}))
    step("handover")
    _ok(api.as_("staff").post("/api/orders/WEB-1/handover", headers=key(), json={}))
    return ids


def test_forward_and_backward_traces_agree_and_recall_holds_what_is_in_stock(
        api, world, sessions):
    ids = _day(api, world, sessions)
    lot = ids["L-A"]

    facts = _ok(api.as_("buyer").get(f"/api/lots/{lot}/facts"), 200)
    assert facts["origin"]["code"] == "ORG-1" and facts["supplier"]["code"] == "SUP-1"
    assert facts["purchase_order"] == "PO-7788" and facts["buyer"]["username"] == "buyer"
    assert facts["product"]["gtin"] == world.gtins["C00002"]
    q = facts["quantities"]
    assert (q["received"], q["handed_over"], q["delivered"], q["scrapped"]) == (30, 12, 18, 0)
    assert (q["on_hand"], q["in_warehouse"], q["on_vehicles"], q["at_pickup_points"]) == (
        18, 8, 4, 6)
    assert q["balanced"] is True

    fw = _ok(api.as_("buyer").get(f"/api/lots/{lot}/trace"), 200)
    assert fw["temperature"] is None  # no sensors in this world
    assert [m["kind"] for m in fw["moves"]][:2] == ["receipt", "putaway"]
    assert {m["actor"] for m in fw["moves"]} == {"staff"}
    orders = {o["order"]: o for o in fw["orders"]}
    assert (orders["WEB-1"]["delivered"], orders["WEB-1"]["handed_over"]) == (12, 12)
    assert (orders["WEB-2"]["delivered"], orders["WEB-2"]["handed_over"]) == (6, 0)
    assert (orders["WEB-3"]["loaded"], orders["WEB-3"]["delivered"]) == (4, 0)
    assert "WEB-4" not in orders  # allocated only: no unit of the lot moved for it
    assert [(v["vehicle"], v["loaded"]) for v in fw["vehicles"]] == [("SH1-T01", 22)]
    points = {p["pickup_point"]: p for p in fw["pickup_points"]}
    assert (points["SH-P001"]["delivered"], points["SH-P001"]["handed_over"]) == (12, 12)
    assert points["SH-P002"]["on_hand"] == 6

    # The pickup point's day is the local day of its handover, which a run may see pass
    # midnight in Shanghai (16:00 UTC) after this module was imported.
    handed = next(m for m in fw["moves"] if m["kind"] == "handover")
    day = datetime.fromisoformat(handed["at"]).astimezone(ZoneInfo("Asia/Shanghai")).date()
    back = _ok(api.as_("buyer").get("/api/trace/backward", query_string={
        "pickup_point": "SH-P001", "date": day.isoformat()}), 200)
    assert [(row["lot_code"], row["delivered"], row["handed_over"]) for row in back["lots"]] == [
        ("L-A", points["SH-P001"]["delivered"], points["SH-P001"]["handed_over"])]
    assert back["lots"][0]["origin"]["code"] == "ORG-1"
    assert back["lots"][0]["orders"] == ["WEB-1"]
    by_order = _ok(api.as_("buyer").get("/api/trace/backward",
                                        query_string={"order": "WEB-2"}), 200)
    assert [(r["lot_code"], r["delivered"], r["handed_over"]) for r in by_order["lots"]] == [
        ("L-A", 6, 0)]
    handover = next(m for m in fw["moves"] if m["kind"] == "handover")
    one = _ok(api.as_("buyer").get("/api/trace/backward",
                                   query_string={"move": handover["id"]}), 200)
    assert one["lots"][0]["handed_over"] == handover["quantity"] == 12
    # Every unit of the lot is in exactly one place: still in stock, or handed over.
    assert sum(s["on_hand"] for s in fw["stock"]) + fw["quantities"]["handed_over"] == 30

    with sessions() as s:
        moves_before = s.scalar(select(func.count()).select_from(StockMove))
    recall = _ok(api.as_("buyer").post(f"/api/lots/{lot}/recall", headers=key(),
                                       json={"reason": "supplier reports Listeria"}))
    assert recall["status"] == "recalled" and recall["created"] is True
    assert [(m["kind"], m["quantity"], m["from"], m["to"]) for m in recall["moves"]] == [
        ("hold", 8, "SH1-C-A01-01", "SH1-C-QRT")]
    assert recall["released_reservations"] == 2  # WEB-4, never picked
    assert {s["location"]: s["on_hand"] for s in recall["stock"]} == {
        "SH1-C-QRT": 8, "SH1-T01-C": 4, "SH-P002": 6}
    assert recall["in_stock"] == q["on_hand"] and recall["handed_over"] == 12
    assert {p["pickup_point"]: p["handed_over"] for p in recall["pickup_points"]} == {
        "SH-P001": 12, "SH-P002": 0}
    assert {o["order"] for o in recall["orders"]} == {"WEB-1", "WEB-2", "WEB-3"}
    assert recall["recall"]["recalled_by"] == "buyer"

    refused = api.as_("staff").post("/api/orders/WEB-2/handover", headers=key(), json={})
    assert refused.status_code == 409
    assert "recalled" in refused.json["detail"] and refused.json["lot"] == "L-A"
    assert api.as_("admin").get("/api/orders/WEB-4").json["status"] == "placed"

    again = _ok(api.as_("admin").post(f"/api/lots/{lot}/recall", headers=key(),
                                      json={"reason": "second notice"}), 200)
    assert again["created"] is False and again["moves"] == []
    assert again["recall"]["reason"] == "supplier reports Listeria"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(StockMove)) == moves_before + 1
        assert verify(s) == []
    report = _ok(api.as_("buyer").get(f"/api/lots/{lot}/recall"), 200)
    assert report["stock"] == recall["stock"] and report["recalled"] is True

    released = _ok(api.as_("buyer").post(f"/api/lots/{lot}/recall/release", headers=key(),
                                         json={"reason": "lab result negative"}), 200)
    assert released["status"] == "available" and released["recalled"] is False
    assert released["recall"]["released_by"] == "buyer"
    assert released["recall"]["release_reason"] == "lab result negative"
    assert [(m["kind"], m["from"]) for m in released["moves"]] == [("release", "SH1-C-QRT")]
    _ok(api.as_("staff").post("/api/orders/WEB-2/handover", headers=key(), json={}))
    assert api.as_("buyer").post(f"/api/lots/{lot}/recall/release", headers=key(),
                                 json={"reason": "again"}).status_code == 409


def test_recall_is_idempotent_by_key_and_for_buyers_and_admins_only(api, world, sessions):
    ids = _day(api, world, sessions)
    url = f"/api/lots/{ids['L-B']}/recall"
    for who in ("staff", "driver", "dispatcher"):
        resp = api.as_(who).post(url, headers=key(), json={"reason": "x"})
        assert resp.status_code == 403, who
    headers = key()
    first = api.as_("buyer").post(url, headers=headers, json={"reason": "mould"})
    replay = api.as_("buyer").post(url, headers=headers, json={"reason": "mould"})
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == first.json
    assert api.as_("buyer").post(url, json={"reason": "mould"}).status_code == 428


def test_bad_input_names_the_field(api, world, sessions):
    ids = _day(api, world, sessions)
    resp = api.as_("buyer").post(f"/api/lots/{ids['L-A']}/recall", headers=key(), json={})
    assert resp.status_code == 422 and "reason" in resp.json["errors"]["json"]
    resp = api.as_("buyer").post(f"/api/lots/{ids['L-A']}/recall", headers=key(),
                                 json={"reason": "   "})
    assert resp.status_code == 422 and "reason" in resp.json["errors"]["json"]
    resp = api.as_("buyer").post("/api/lots/999999/recall", headers=key(),
                                 json={"reason": "x"})
    assert resp.status_code == 404 and "lot" in resp.json["detail"]
    assert api.as_("buyer").get("/api/lots/999999/trace").status_code == 404
    assert api.as_("buyer").get("/api/lots/999999/facts").status_code == 404
    resp = api.as_("buyer").get("/api/exports/fsma.csv",
                                query_string={"from": "2025-02-10", "to": "2025-02-01"})
    assert resp.status_code == 422 and "to" in resp.json["errors"]["query"]
    resp = api.as_("buyer").get("/api/exports/epcis", query_string={"from": "yesterday"})
    assert resp.status_code == 422 and "from" in resp.json["errors"]["query"]
    resp = api.as_("buyer").get("/api/exports/fsma.csv",
                                query_string={"from": "2025-01-01", "to": "2025-12-31"})
    assert resp.status_code == 422 and "to" in resp.json["errors"]["query"]
    resp = api.as_("buyer").get("/api/trace/backward", query_string={"pickup_point": "SH-P001"})
    assert resp.status_code == 422 and "date" in resp.json["errors"]["query"]
    resp = api.as_("buyer").get("/api/trace/backward", query_string={"order": "NOPE"})
    assert resp.status_code == 404
    resp = api.as_("buyer").get("/api/trace/lots", query_string={
        "harvested_from": "2025-03-01", "harvested_to": "2025-02-01"})
    assert resp.status_code == 422 and "harvested_to" in resp.json["errors"]["query"]
    resp = api.as_("buyer").get("/api/suppliers/scorecard", query_string={"to": "2025-13-01"})
    assert resp.status_code == 422 and "to" in resp.json["errors"]["query"]
    assert api.as_("staff").get(f"/api/lots/{ids['L-A']}/trace").status_code == 403


def test_lot_search_by_origin_gtin_dates_and_certification(api, world, sessions):
    ids = _day(api, world, sessions)
    found = _ok(api.as_("buyer").get("/api/trace/lots", query_string={
        "origin": "ORG-1", "gtin": world.gtins["C00002"],
        "harvested_from": (TODAY - timedelta(days=3)).isoformat(),
        # Today as the receipt saw it: TODAY is fixed at import, and a run may pass midnight.
        "received_to": date.today().isoformat(), "certification": "gap"}), 200)
    assert [r["id"] for r in found] == [ids["L-A"]]
    assert {r["lot_code"] for r in api.as_("buyer").get(
        "/api/trace/lots", query_string={"q": "L-", "supplier": "SUP-1"}).json} == {
        "L-A", "L-B"}
    none = _ok(api.as_("buyer").get("/api/trace/lots", query_string={
        "expires_to": (TODAY + timedelta(days=1)).isoformat()}), 200)
    assert none == []
