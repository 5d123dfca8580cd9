"""A day in the warehouse over the API: receive by scan, put away, order, allocate, pick,
load, deliver and hand over, with balances checked at every step."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from tests.factories import label

TODAY = date.today()


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def scan(api, who="staff", **body):
    return api.as_(who).post("/api/scans", json=body, headers=key())


def stock(api, **filters) -> dict[tuple[str, str], tuple[int, int]]:
    resp = api.as_("admin").get("/api/stock", query_string={**filters, "page_size": 100})
    assert resp.status_code == 200, resp.json
    return {(r["location"], r["lot"]): (r["on_hand"], r["reserved"]) for r in resp.json}


def test_receive_putaway_order_allocate_pick_load_deliver_handover(api, world):
    gtin = world.gtins["C00002"]
    lots = {"L-EARLY": (TODAY + timedelta(days=5), 10),
            "L-LATE": (TODAY + timedelta(days=6), 10),
            "L-HELD": (TODAY + timedelta(days=3), 5)}
    for code, (expiry, n) in lots.items():
        resp = scan(api, action="receive", barcode=label(gtin, code, expiry, n),
                    location="SH1-REC", supplier="SUP-1")
        assert resp.status_code == 201, resp.json
        assert resp.json["lot_created"] is True
        assert resp.json["lot"]["expiry_date"] == expiry.isoformat()
        assert resp.json["moves"][0]["kind"] == "receipt"
    assert stock(api, sku="C00002") == {("SH1-REC", "L-EARLY"): (10, 0),
                                         ("SH1-REC", "L-LATE"): (10, 0),
                                         ("SH1-REC", "L-HELD"): (5, 0)}

    for code, bin_ in (("L-EARLY", "SH1-C-A01-01"), ("L-LATE", "SH1-C-A01-02"),
                       ("L-HELD", "SH1-C-A01-01")):
        resp = scan(api, action="putaway", barcode=label(gtin, code), **{"from": "SH1-REC"},
                    to=bin_, quantity=lots[code][1])
        assert resp.status_code == 201, resp.json
    assert stock(api, sku="C00002") == {("SH1-C-A01-01", "L-EARLY"): (10, 0),
                                         ("SH1-C-A01-02", "L-LATE"): (10, 0),
                                         ("SH1-C-A01-01", "L-HELD"): (5, 0)}

    held_id = api.as_("admin").get("/api/lots", query_string={"lot_code": "L-HELD"}).json[0]["id"]
    resp = api.as_("staff").post(f"/api/lots/{held_id}/hold", json={"reason": "supplier recall"})
    assert resp.status_code == 200, resp.json
    assert stock(api, sku="C00002")[("SH1-C-QRT", "L-HELD")] == (5, 0)

    order = {"external_ref": "WEB-1001", "pickup_point": "SH-P001",
             "delivery_date": (TODAY + timedelta(days=1)).isoformat(),
             "lines": [{"sku": "C00002", "quantity": 12}]}
    resp = api.as_("dispatcher").post("/api/orders", json=order)
    assert resp.status_code == 201, resp.json
    assert resp.json["status"] == "placed"

    resp = api.as_("dispatcher").post("/api/allocations", json={
        "warehouse": "SH1", "date": order["delivery_date"]})
    assert resp.status_code == 200, resp.json
    line = resp.json["orders"][0]["lines"][0]
    assert (line["allocated"], line["backorder"]) == (12, 0)
    # FEFO: the earliest good lot first; the held lot, though earliest, is skipped.
    assert [(r["lot"], r["quantity"]) for r in line["reservations"]] == [
        ("L-EARLY", 10), ("L-LATE", 2)]
    assert stock(api, sku="C00002")[("SH1-C-A01-01", "L-EARLY")] == (10, 10)
    assert stock(api, sku="C00002")[("SH1-C-A01-02", "L-LATE")] == (10, 2)

    resp = api.as_("staff").get("/api/pick-lists", query_string={
        "warehouse": "SH1", "date": order["delivery_date"]})
    assert resp.status_code == 200
    zones = resp.json["zones"]
    assert [z["temp_zone"] for z in zones] == ["chilled"]
    assert [(ln["bin"], ln["lot"], ln["quantity"]) for ln in zones[0]["lines"]] == [
        ("SH1-C-A01-01", "L-EARLY", 10), ("SH1-C-A01-02", "L-LATE", 2)]

    resp = api.as_("staff").post("/api/orders/WEB-1001/pick", headers=key())
    assert resp.status_code == 201, resp.json
    assert resp.json["order"]["status"] == "picked"
    after_pick = stock(api, sku="C00002")
    assert after_pick[("SH1-C-STG", "L-EARLY")] == (10, 10)
    assert after_pick[("SH1-C-STG", "L-LATE")] == (2, 2)
    assert ("SH1-C-A01-01", "L-EARLY") not in after_pick
    assert after_pick[("SH1-C-A01-02", "L-LATE")] == (8, 0)

    resp = api.as_("staff").post("/api/orders/WEB-1001/load", json={"vehicle": "SH1-T01"},
                                 headers=key())
    assert resp.status_code == 201, resp.json
    assert resp.json["order"]["status"] == "loaded"
    assert stock(api, sku="C00002")[("SH1-T01-C", "L-EARLY")] == (10, 10)

    resp = api.as_("staff").post("/api/orders/WEB-1001/deliver", json={}, headers=key())
    assert resp.status_code == 201, resp.json
    assert resp.json["order"]["status"] == "delivered"
    assert stock(api, sku="C00002")[("SH-P001", "L-LATE")] == (2, 2)

    resp = api.as_("staff").post("/api/orders/WEB-1001/handover", json={}, headers=key())
    assert resp.status_code == 201, resp.json
    assert resp.json["order"]["status"] == "collected"
    assert resp.json["order"]["lines"][0]["handed_over"] == 12
    final = stock(api, sku="C00002")
    assert not any(loc == "SH-P001" for loc, _ in final)
    assert final == {("SH1-C-A01-02", "L-LATE"): (8, 0), ("SH1-C-QRT", "L-HELD"): (5, 0)}

    history = api.as_("admin").get("/api/moves", query_string={"order": "WEB-1001",
                                                               "page_size": 100}).json
    assert sorted({m["kind"] for m in history}) == ["deliver", "handover", "load", "pick"]
