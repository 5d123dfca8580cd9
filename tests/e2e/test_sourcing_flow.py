"""Sourcing from end to end over HTTP, as the buyer, the dock, the packing table, the
dispatcher and the driver do it: a purchase order to a farm base, its shipping notice, a
receipt with a short line and a rejected one, the bulk cases repacked into consumer bags,
the bags ordered, allocated, planned, loaded and delivered, and then the recall of the
case lot finding the pickup points the bags went to. The FSMA 204 spreadsheet and the
EPCIS document of that day are checked against the scenario (EPCIS against GS1's schema).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, timedelta

from tests.e2e.test_purchase_orders_api import sscc
from tests.factories import label
from tests.unit.test_exports import VALIDATOR
from wms.db import transaction
from wms.gtin import make_gtin13
from wms.ledger import verify

DAY = date.today() + timedelta(days=1)  # delivery day, as the dispatch tests plan it
SOON = date.today() + timedelta(days=6)
HARVEST = date.today() - timedelta(days=1)
BIN = "SH1-C-A01-01"
BAG_GTIN = make_gtin13("690123400099")


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def ok(resp, status=(200, 201)):
    assert resp.status_code in (status if isinstance(status, tuple) else (status,)), \
        (resp.status_code, resp.get_json())
    return resp.json


def test_po_to_recall_of_a_repacked_lot_and_its_exports(api, sessions, world):
    buyer, staff = api.as_("buyer"), api.as_("staff")
    dispatcher, driver = api.as_("dispatcher"), api.as_("driver")

    # The buyer orders ten cases of bok choy and forty frozen packs from the farm base.
    ok(buyer.post("/api/purchase-orders", json={
        "ref": "PO-SRC-1", "supplier": "SUP-1", "warehouse": "SH1",
        "expected_date": date.today().isoformat(), "window_start": "05:00:00",
        "window_end": "09:00:00",
        "lines": [{"sku": "C00002", "quantity": 10, "unit_price": 38, "origin": "ORG-1",
                   "harvest_date": HARVEST.isoformat(), "certifications": "GAP"},
                  {"sku": "F00001", "quantity": 40, "unit_price": 12, "origin": "ORG-1"}]}),
       201)
    ok(buyer.post("/api/purchase-orders/PO-SRC-1/send"))
    cases, frozen = sscc(11), sscc(12)
    ok(buyer.post("/api/purchase-orders/PO-SRC-1/asn", json={"pallets": [
        {"sscc": cases, "line": 1, "lot": "BOK-CASE-1", "quantity": 8,
         "harvest_date": HARVEST.isoformat(), "expiry_date": SOON.isoformat()},
        {"sscc": frozen, "line": 2, "lot": "FRZ-1", "quantity": 40}]}), 201)

    # The dock: eight cases arrive (two short), the frozen pallet is warm and refused.
    got = ok(staff.post("/api/scans", headers=key(), json={
        "action": "receive", "barcode": f"00{cases}", "location": "SH1-REC",
        "probe_temp_c": 2.8}), 201)
    case_lot = got["lot"]["id"]
    assert got["purchase_order"]["ref"] == "PO-SRC-1"
    rejected = ok(staff.post("/api/scans", headers=key(), json={
        "action": "reject", "barcode": f"00{frozen}", "location": "SH1-REC",
        "reason": "temperature", "probe_temp_c": -5.5}), 201)
    assert rejected["moves"] == []
    closed = ok(buyer.post("/api/purchase-orders/PO-SRC-1/close",
                           json={"reason": "the farm has no more this week"}))
    assert [(ln["received"], ln["rejected"], ln["short"]) for ln in closed["lines"]] == [
        (8, 0, 2), (0, 40, 40)]
    ok(staff.post("/api/scans", headers=key(), json={
        "action": "move", "barcode": label(world.gtins["C00002"], "BOK-CASE-1"),
        "from": "SH1-REC", "to": BIN,
        "quantity": 8}), 201)

    # The packing table: four 10 kg cases become 76 bags of 500 g with their own GTIN.
    ok(buyer.post("/api/products", json={
        "sku": "BAG-500", "gtin": BAG_GTIN, "name": "Bok choy 500 g bag",
        "name_zh": "上海青 500 克袋装", "temp_class": "chilled", "units_per_crate": 20,
        "unit_weight_kg": 0.5, "shelf_life_days": 5, "ref_temp_c": 4, "q10": 2}), 201)
    repack = ok(staff.post("/api/repacks", headers=key(), json={
        "location": BIN, "inputs": [{"lot_id": case_lot, "quantity": 4, "weight_kg": 40}],
        "outputs": [{"sku": "BAG-500", "lot_code": "BAG-0001", "quantity": 76}]}), 201)
    bag_lot = repack["outputs"][0]["lot_id"]
    assert repack["yield_pct"] == 95.0
    assert date.fromisoformat(repack["outputs"][0]["expiry_date"]) <= SOON

    # Residents order bags at two pickup points; the day is allocated, planned, loaded.
    for ref, point, qty in (("WEB-S1", "SH-P001", 30), ("WEB-S2", "SH-P002", 20)):
        ok(dispatcher.post("/api/orders", json={
            "external_ref": ref, "pickup_point": point, "delivery_date": DAY.isoformat(),
            "lines": [{"sku": "BAG-500", "quantity": qty}]}), 201)
    allocated = ok(dispatcher.post("/api/allocations", json={
        "warehouse": "SH1", "date": DAY.isoformat()}))
    assert allocated["backorder"] == 0, allocated
    job = ok(dispatcher.post("/api/route-plans", json={
        "warehouse": "SH1", "date": DAY.isoformat(), "time_limit_s": 1}), 202)
    job = ok(dispatcher.get(f"/api/jobs/{job['id']}"))
    assert job["status"] == "finished", job
    plan = ok(dispatcher.post(f"/api/route-plans/{job['result']['plan_id']}/publish",
                              json={}))
    assert plan["status"] == "published"
    (manifest,) = ok(driver.get("/api/manifests", query_string={"date": DAY.isoformat()}))
    route_id = manifest["route_id"]
    for ref in ("WEB-S1", "WEB-S2"):
        ok(staff.post(f"/api/orders/{ref}/pick", headers=key()), 201)
        ok(staff.post(f"/api/routes/{route_id}/loading", json={"order": ref},
                      headers=key()), 201)
    for stop in manifest["stops"]:
        ok(driver.post(f"/api/routes/{route_id}/stops/{stop['seq']}/deliveries",
                       json={"lines": []}, headers=key()), 201)

    # A supplier notice: the case lot is recalled, and with it the bags made of it.
    recalled = ok(buyer.post(f"/api/lots/{case_lot}/recall", headers=key(),
                             json={"reason": "farm notice: pesticide residue"}), 201)
    (bags,) = recalled["derived_lots"]
    assert (bags["lot_code"], bags["status"]) == ("BAG-0001", "recalled")
    assert {p["pickup_point"]: p["delivered"] for p in bags["pickup_points"]} == {
        "SH-P001": 30, "SH-P002": 20}
    assert {o["order"] for o in bags["orders"]} == {"WEB-S1", "WEB-S2"}
    bag_recall = ok(buyer.get(f"/api/lots/{bag_lot}/recall"))
    assert bag_recall["recalled"] and "BOK-CASE-1" in bag_recall["recall"]["reason"]
    # The bags still in the bin went to quarantine; those at pickup points stay blocked.
    assert bag_recall["in_stock"] == 76 and bag_recall["handed_over"] == 0
    assert {s["location"]: s["on_hand"] for s in bag_recall["stock"]} == {
        "SH1-C-QRT": 26, "SH-P001": 30, "SH-P002": 20}
    # Backward from a bag: the case lot, its purchase order and farm.
    back = ok(buyer.get(f"/api/lots/{bag_lot}/facts"))["lineage"]["inputs"]
    assert [(i["lot_code"], i["purchase_order"], i["origin"]["code"],
             i["supplier"]["code"]) for i in back] == [
        ("BOK-CASE-1", "PO-SRC-1", "ORG-1", "SUP-1")]

    # The FSMA 204 spreadsheet of the day.
    sheet = api.as_("buyer").get("/api/exports/fsma.csv")
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(sheet.get_data(as_text=True))))
    by = {(r["Traceability Lot Code"], r["Critical Tracking Event"]): r for r in rows}
    assert set(by) == {
        ("BOK-CASE-1", "Receiving"), ("BOK-CASE-1", "Transformation (input)"),
        ("BAG-0001", "Transformation (output)"), ("BAG-0001", "Shipping"),
        ("BAG-0001", "Receiving (pickup point)")}
    receipt = by[("BOK-CASE-1", "Receiving")]
    assert (receipt["Reference Document Type"], receipt["Reference Document Number"]) == (
        "Purchase order", "PO-SRC-1")
    assert receipt["Traceability Lot Code Source Location Description"] == (
        "Test greenhouse, Shandong, China")
    assert receipt["Immediate Previous Source Location Description"] == (
        "Test Farm Co., Shandong, China")
    assert (receipt["Quantity"], receipt["Harvest Date"]) == ("8", HARVEST.isoformat())
    made = by[("BAG-0001", "Transformation (output)")]
    assert made["Traceability Lot Code Source Location Description"] == "Shanghai DC, Shanghai"
    assert (made["Reference Document Type"], made["Reference Document Number"], made["GTIN"],
            made["Quantity"]) == ("Repack record", repack["ref"], BAG_GTIN.zfill(14), "76")
    used = by[("BOK-CASE-1", "Transformation (input)")]
    assert (used["Reference Document Number"], used["Quantity"]) == (repack["ref"], "4")
    assert {r["Country of Origin"] for r in rows} == {"China"}
    shipped = [r for r in rows if r["Critical Tracking Event"] == "Shipping"]
    assert sum(int(r["Quantity"]) for r in shipped) == 50
    # Bags shipped carry the lot code our warehouse assigned, and say where it was assigned.
    assert {r["Traceability Lot Code Source Location Description"] for r in shipped} == {
        "Shanghai DC, Shanghai"}

    # The EPCIS 2.0 document of the day.
    doc = api.as_("buyer").get("/api/exports/epcis")
    assert doc.status_code == 200 and doc.mimetype == "application/ld+json"
    body = json.loads(doc.get_data(as_text=True))
    assert sorted(VALIDATOR.iter_errors(body), key=str) == []
    events = body["epcisBody"]["eventList"]
    (transformation,) = [e for e in events if e["type"] == "TransformationEvent"]
    assert [q["quantity"] for q in transformation["inputQuantityList"]] == [4]
    assert transformation["inputQuantityList"][0]["epcClass"].endswith(".BOK-CASE-1")
    assert [q["quantity"] for q in transformation["outputQuantityList"]] == [76]
    assert transformation["bizStep"] == "repackaging"
    assert transformation["ilmd"]["cbvmda:harvestStartDate"] == HARVEST.isoformat()
    assert transformation["ilmd"]["cbvmda:countryOfOrigin"] == "CN"
    (receiving,) = [e for e in events if e.get("action") == "ADD"]
    assert receiving["ilmd"]["cbvmda:itemExpirationDate"] == SOON.isoformat()
    assert receiving["bizTransactionList"][0]["bizTransaction"].endswith(
        "/purchase-order/PO-SRC-1")
    recalls = [e for e in events if e.get("disposition") == "recalled"]
    assert sorted(e["quantityList"][0]["quantity"] for e in recalls) == [4, 26]
    with transaction(sessions) as s:
        assert verify(s) == []
