"""Scanning over the API: what the person at the scanner sees, and that refusals write nothing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.factories import label, receive

SOON = date.today() + timedelta(days=30)


def scan(api, who="staff", **body):
    return api.as_(who).post("/api/scans", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})


def nothing_written(api) -> bool:
    admin = api.as_("admin")
    return admin.get("/api/moves").json == [] and admin.get("/api/lots").json == []


@pytest.mark.parametrize("barcode, field, words", [
    ("0106901234999990|10L1|3710", "barcode", "no product has GTIN"),
    ("0106901234000017|10L1|3710", "barcode", "check digit"),
    ("", "barcode", None),
])
def test_unreadable_or_unknown_barcodes_are_422_and_write_nothing(api, world, barcode, field,
                                                                  words):
    resp = scan(api, action="receive", barcode=barcode, location="SH1-REC")
    assert resp.status_code == 422
    assert resp.content_type == "application/problem+json"
    flat = str(resp.json["errors"])
    assert field in flat
    if words:
        assert words in resp.json["detail"]
    assert nothing_written(api)


def test_a_location_of_another_warehouse_is_refused(api, world):
    resp = scan(api, action="receive", location="BJ1-REC",
                barcode=label(world.gtins["F00001"], "L1", SOON, 5))
    assert resp.status_code == 403
    assert resp.json["detail"] == "location BJ1-REC is not in your warehouse"
    assert resp.json["field"] == "location"
    assert nothing_written(api)


def test_an_expired_lot_is_not_received(api, world):
    resp = scan(api, action="receive", location="SH1-REC",
                barcode=label(world.gtins["C00002"], "OLD", date.today() - timedelta(days=1), 5))
    assert resp.status_code == 422
    assert "expired" in resp.json["errors"]["expiry"][0]
    assert nothing_written(api)


def test_a_receipt_records_the_labels_facts(api, world):
    barcode = label(world.gtins["C00002"], "FULL", SOON, 12, ai3103="002500", ai422="156",
                    ai11="260101")
    resp = scan(api, action="receive", location="SH1-REC", barcode=barcode, supplier="SUP-1")
    assert resp.status_code == 201, resp.json
    assert resp.json["quantity"] == 12
    assert resp.json["net_weight_kg"] == "2.500"
    move = resp.json["moves"][0]
    assert (move["to"], move["quantity"], move["raw_scan"]) == ("SH1-REC", 12, barcode)
    lot = api.as_("admin").get(f"/api/lots/{resp.json['lot']['id']}").json
    assert (lot["supplier"], lot["country_of_origin"], lot["production_date"],
            lot["expiry_date"]) == ("SUP-1", "156", "2026-01-01", SOON.isoformat())


def test_quantity_comes_from_the_request_when_the_barcode_has_none(api, world):
    bare = label(world.gtins["A00003"], "Q1", SOON)
    resp = scan(api, action="receive", location="SH1-REC", barcode=bare)
    assert resp.status_code == 422
    assert "quantity" in resp.json["errors"]
    assert scan(api, action="receive", location="SH1-REC", barcode=bare,
                quantity=7).json["quantity"] == 7
    clash = scan(api, action="receive", location="SH1-REC", quantity=3,
                 barcode=label(world.gtins["A00003"], "Q1", SOON, 4))
    assert clash.status_code == 422 and "barcode says 4" in clash.json["errors"]["quantity"][0]


def test_frozen_goods_into_a_chilled_bin_need_an_override_reason(api, world, sessions):
    receive(sessions, world, "F00001", "FZ", "SH1-REC", 10)
    body = dict(action="putaway", barcode=label(world.gtins["F00001"], "FZ"), quantity=4,
                **{"from": "SH1-REC", "to": "SH1-C-A01-01"})
    refused = scan(api, **body)
    assert refused.status_code == 409
    # In the words of the person scanning; the problem names the field that lets it through.
    assert "frozen" in refused.json["detail"] and "override_reason" not in refused.json["detail"]
    assert refused.json["field"] == "override_reason"
    assert api.as_("admin").get("/api/moves", query_string={"kind": "putaway"}).json == []
    ok = scan(api, **body, override_reason="frozen room full; moving back within the hour")
    assert ok.status_code == 201
    assert ok.json["moves"][0]["override_reason"].startswith("frozen room full")
    # Colder is fine: chilled goods into the frozen zone need no override.
    receive(sessions, world, "A00003", "AM", "SH1-REC", 2)
    assert scan(api, action="putaway", barcode=label(world.gtins["A00003"], "AM"), quantity=2,
                **{"from": "SH1-REC", "to": "SH1-F-A01-01"}).status_code == 201


def test_glued_fields_come_back_as_a_hint(api, world):
    glued = f"01{world.gtins['A00003']}10GLUE17{SOON:%y%m%d}"
    resp = scan(api, action="receive", location="SH1-REC", barcode=glued, quantity=1)
    assert resp.status_code == 201
    assert any("separator" in h for h in resp.json["hints"])


def test_preview_resolves_and_says_what_would_happen_without_writing(api, world, sessions):
    resp = api.as_("staff").post("/api/scans/preview", json={
        "action": "receive", "location": "SH1-REC",
        "barcode": label(world.gtins["C00002"], "NEW", SOON, 6, ai3103="001200")})
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["product"]["sku"] == "C00002" and body["lot_exists"] is False
    assert body["lot"]["expiry_date"] == SOON.isoformat()
    assert body["net_weight_kg"] == "1.200"
    assert body["would"].startswith("receive 6 × C00002 lot NEW (new lot")
    assert body["refused"] is None
    assert nothing_written(api)
    receive(sessions, world, "F00001", "PV", "SH1-F-A01-01", 3)
    warm = api.as_("staff").post("/api/scans/preview", json={
        "action": "move", "barcode": label(world.gtins["F00001"], "PV"), "quantity": 5,
        "from": "SH1-F-A01-01", "to": "SH1-A-A01-01"}).json
    assert warm["available"] == 3 and "only 3" in warm["refused"]


def test_count_adjusts_by_the_difference_and_scrap_needs_a_reason(api, world, sessions):
    lot_id = receive(sessions, world, "A00003", "CNT", "SH1-A-A01-01", 10)
    barcode = label(world.gtins["A00003"], "CNT")
    resp = scan(api, action="count", barcode=barcode, location="SH1-A-A01-01", quantity=8)
    assert resp.status_code == 201
    move = resp.json["moves"][0]
    assert (move["kind"], move["from"], move["to"], move["quantity"]) == (
        "adjust", "SH1-A-A01-01", None, 2)
    assert scan(api, action="count", barcode=barcode, location="SH1-A-A01-01",
                quantity=8).json["moves"] == []
    no_reason = scan(api, action="scrap", barcode=barcode, location="SH1-A-A01-01", quantity=1)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    assert scan(api, action="scrap", barcode=barcode, location="SH1-A-A01-01", quantity=1,
                reason="crushed crate").status_code == 201
    stock = api.as_("admin").get("/api/stock", query_string={"lot_id": lot_id}).json
    assert [(r["location"], r["on_hand"]) for r in stock] == [("SH1-A-A01-01", 7)]


def test_schema_errors_name_the_field(api, world):
    resp = scan(api, action="teleport", barcode="x")
    assert resp.status_code == 422
    assert "action" in resp.json["errors"]["json"]


def test_a_buyer_cannot_scan(api, world):
    assert scan(api, who="buyer", action="receive", location="SH1-REC",
                barcode=label(world.gtins["F00001"], "B", SOON, 1)).status_code == 403


def test_a_count_run_into_the_lot_asks_for_the_quantity_with_the_hint(api, world):
    glued = f"01{world.gtins['A00003']}17{SOON:%y%m%d}|10LOT-A13712"
    resp = scan(api, action="receive", location="SH1-REC", barcode=glued)
    assert resp.status_code == 422
    (needed, hint) = resp.json["errors"]["quantity"]
    assert "enter the quantity" in needed
    assert "37 = count '12'" in hint and "separator" in hint
    assert nothing_written(api)


def test_a_warmer_zone_refusal_names_the_field_that_lets_it_through(api, world, sessions):
    receive(sessions, world, "F00001", "RF", "SH1-F-A01-01", 3)
    body = {"action": "move", "barcode": label(world.gtins["F00001"], "RF"), "quantity": 1,
            "from": "SH1-F-A01-01", "to": "SH1-C-A01-01"}
    preview = api.as_("staff").post("/api/scans/preview", json=body)
    assert preview.status_code == 200
    assert preview.json["refused_field"] == "override_reason"
    assert "override_reason" not in preview.json["refused"]
    ok = api.as_("staff").post("/api/scans/preview", json={**body, "override_reason": "full"})
    assert ok.json["refused"] is None and ok.json["refused_field"] is None


def test_a_known_lot_is_never_hinted_as_glued(api, world, sessions):
    receive(sessions, world, "A00003", "ABC12317251231", "SH1-REC", 3)
    body = {"action": "count", "location": "SH1-REC", "quantity": 3,
            "barcode": f"01{world.gtins['A00003']}10ABC12317251231"}
    preview = api.as_("staff").post("/api/scans/preview", json=body)
    assert preview.status_code == 200 and preview.json["hints"] == []
