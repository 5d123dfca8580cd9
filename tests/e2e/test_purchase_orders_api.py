"""Purchase orders over HTTP: a buyer orders, the supplier announces pallets, the dock
receives by SSCC and rejects what is unfit, the buyer closes short."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.factories import label
from wms.db import transaction
from wms.gtin import check_digit
from wms.models import Lot, MoveKind, Origin, PoRejection, StockMove

SOON = date.today() + timedelta(days=20)
HARVEST = date.today() - timedelta(days=1)


def sscc(serial: int) -> str:
    body = f"0690123400{serial:07d}"
    return body + str(check_digit(body))


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _po(api, **over):
    body = {"ref": "PO-T-1", "supplier": "SUP-1", "warehouse": "SH1",
            "expected_date": date.today().isoformat(), "window_start": "06:00:00",
            "window_end": "09:00:00",
            "lines": [{"sku": "C00002", "quantity": 100, "unit_price": 3.5, "currency": "CNY",
                       "origin": "ORG-1", "harvest_date": HARVEST.isoformat(),
                       "certifications": "GAP"},
                      {"sku": "F00001", "quantity": 40, "unit_price": 12, "origin": "ORG-1"}]}
    body.update(over)
    return api.as_("buyer").post("/api/purchase-orders", json=body)


def _sent(api) -> None:
    assert _po(api).status_code == 201
    sent = api.as_("buyer").post("/api/purchase-orders/PO-T-1/send")
    assert sent.status_code == 200, sent.json
    assert sent.json["state"] == "sent"


def test_po_asn_receipt_by_sscc_short_and_rejected_then_close(api, world, sessions):
    buyer, staff = api.as_("buyer"), api.as_("staff")
    created = _po(api)
    assert created.status_code == 201, str(created.get_json())
    assert created.json["state"] == "draft"
    assert [ln["open"] for ln in created.json["lines"]] == [100, 40]
    assert buyer.post("/api/purchase-orders/PO-T-1/send").json["state"] == "sent"

    pallet_a, pallet_b = sscc(1), sscc(2)
    asn = buyer.post("/api/purchase-orders/PO-T-1/asn", json={"pallets": [
        {"sscc": pallet_a, "line": 1, "lot": "ASN-L1", "quantity": 60,
         "harvest_date": HARVEST.isoformat(), "expiry_date": SOON.isoformat()},
        {"sscc": pallet_b, "line": 2, "lot": "ASN-L2", "quantity": 40,
         "expiry_date": (SOON + timedelta(days=200)).isoformat()}]})
    assert asn.status_code == 201, asn.json
    assert [p["received"] for p in asn.json["pallets"]] == [False, False]

    # The pallet label holds only the SSCC: the notice says what is on it.
    got = staff.post("/api/scans", headers=_key(), json={
        "action": "receive", "barcode": f"00{pallet_a}", "location": "SH1-REC",
        "probe_temp_c": 3.1})
    assert got.status_code == 201, got.json
    assert got.json["purchase_order"]["ref"] == "PO-T-1"
    assert got.json["purchase_order"]["received"] == 60
    assert got.json["purchase_order"]["state"] == "partially_received"
    assert got.json["probe"]["outcome"] == "accepted"
    lot_id = got.json["lot"]["id"]

    # The frozen pallet arrived warm: refused at the dock, recorded, never in stock.
    moves_before = _moves(sessions)
    rejected = staff.post("/api/scans", headers=_key(), json={
        "action": "reject", "barcode": f"00{pallet_b}", "location": "SH1-REC",
        "reason": "temperature", "probe_temp_c": -6.5})
    assert rejected.status_code == 201, rejected.json
    assert rejected.json["moves"] == []
    assert rejected.json["purchase_order"]["rejected"] == 40
    assert _moves(sessions) == moves_before
    # Ten more chilled units damaged on the next truck: recorded by the rejections endpoint.
    more = staff.post("/api/purchase-orders/PO-T-1/rejections", headers=_key(), json={
        "line": 1, "quantity": 10, "reason": "damaged", "note": "crushed crates"})
    assert more.status_code == 201, more.json
    assert _moves(sessions) == moves_before

    po = buyer.get("/api/purchase-orders/PO-T-1").json
    assert po["state"] == "partially_received"
    assert [(ln["received"], ln["rejected"], ln["open"]) for ln in po["lines"]] == \
        [(60, 10, 40), (0, 40, 40)]

    facts = buyer.get(f"/api/lots/{lot_id}/facts").json
    assert facts["purchase_order"] == "PO-T-1"
    assert facts["harvest_date"] == HARVEST.isoformat()
    with transaction(sessions) as s:
        lot = s.get(Lot, lot_id)
        assert (lot.lot_code, lot.certifications, lot.expiry_date) == ("ASN-L1", "GAP", SOON)
        assert lot.origin_id == s.scalar(select(Origin.id).where(Origin.code == "ORG-1"))
        assert {r.reason.value for r in s.scalars(select(PoRejection))} == \
            {"temperature", "damaged"}

    assert buyer.post("/api/purchase-orders/PO-T-1/close", json={}).status_code == 422
    closed = buyer.post("/api/purchase-orders/PO-T-1/close",
                        json={"reason": "supplier cannot replace the frozen pallet"})
    assert closed.status_code == 200, closed.json
    assert closed.json["state"] == "closed"
    assert [ln["short"] for ln in closed.json["lines"]] == [40, 40]
    # Closed: nothing more is received against it.
    late = staff.post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "purchase_order": "PO-T-1",
        "barcode": label(world.gtins["C00002"], "LATE", SOON, 5)})
    assert late.status_code == 409, late.json
    assert "closed" in late.json["detail"]


def _moves(sessions) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(StockMove))


def test_over_receipt_beyond_the_tolerance_is_refused_naming_what_is_open(api, world,
                                                                          sessions):
    _sent(api)
    staff = api.as_("staff")
    first = staff.post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC",
        "barcode": label(world.gtins["C00002"], "OV-1", SOON, 70)})
    assert first.status_code == 201, first.json
    # Found without naming it: the only open order of the product here.
    assert first.json["purchase_order"]["ref"] == "PO-T-1"
    before = _moves(sessions)
    over = staff.post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "purchase_order": "PO-T-1",
        "barcode": label(world.gtins["C00002"], "OV-1", SOON, 36)})
    assert over.status_code == 409, over.json
    assert over.json["open_quantity"] == 30
    assert "30 still open" in over.json["detail"]
    assert "at most 35" in over.json["detail"]
    assert _moves(sessions) == before
    # Within the 5 % tolerance: 105 of 100.
    ok = staff.post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "purchase_order": "PO-T-1",
        "barcode": label(world.gtins["C00002"], "OV-1", SOON, 35)})
    assert ok.status_code == 201, ok.json
    assert ok.json["purchase_order"]["received"] == 105


def test_the_receipt_lot_carries_origin_harvest_and_the_po_without_an_asn(api, world,
                                                                          sessions):
    _sent(api)
    got = api.as_("staff").post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "purchase_order": "PO-T-1",
        "barcode": label(world.gtins["C00002"], "NOASN", SOON, 10)})
    assert got.status_code == 201, got.json
    with transaction(sessions) as s:
        lot = s.get(Lot, got.json["lot"]["id"])
        assert (lot.purchase_order, lot.harvest_date, lot.certifications) == \
            ("PO-T-1", HARVEST, "GAP")
        assert lot.origin.code == "ORG-1" and lot.supplier.code == "SUP-1"
        move = s.scalar(select(StockMove).where(StockMove.lot_id == lot.id))
        assert move.kind == MoveKind.RECEIPT


def test_transitions_are_enforced(api):
    buyer = api.as_("buyer")
    assert _po(api).status_code == 201
    closing_a_draft = buyer.post("/api/purchase-orders/PO-T-1/close", json={"reason": "x"})
    assert closing_a_draft.status_code == 409
    assert "draft" in closing_a_draft.json["detail"]
    assert buyer.post("/api/purchase-orders/PO-T-1/send").status_code == 200
    assert buyer.post("/api/purchase-orders/PO-T-1/send").status_code == 409
    assert buyer.post("/api/purchase-orders/PO-T-1/cancel",
                      json={"reason": "price changed"}).json["state"] == "cancelled"
    assert buyer.post("/api/purchase-orders/PO-T-1/asn", json={"pallets": [
        {"sscc": sscc(9), "line": 1, "lot": "X", "quantity": 1}]}).status_code == 409


def test_bad_purchase_orders_and_notices_name_the_field(api):
    bad = _po(api, lines=[{"sku": "NOPE", "quantity": 1, "unit_price": 1},
                          {"sku": "C00002", "quantity": 1, "unit_price": 1,
                           "origin": "ORG-NONE"}])
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"lines[0].sku", "lines[1].origin"}
    _sent(api)
    wrong = sscc(3)[:-1] + str((int(sscc(3)[-1]) + 1) % 10)
    asn = api.as_("buyer").post("/api/purchase-orders/PO-T-1/asn", json={"pallets": [
        {"sscc": wrong, "line": 1, "lot": "L", "quantity": 5},
        {"sscc": sscc(4), "line": 7, "lot": "L", "quantity": 5}]})
    assert asn.status_code == 422
    assert set(asn.json["errors"]) == {"pallets[0].sscc", "pallets[1].line"}
    assert f"should end in {sscc(3)[-1]}" in asn.json["errors"]["pallets[0].sscc"][0]


def test_staff_of_another_warehouse_and_buyers_at_the_dock(api, world):
    _sent(api)
    assert api.as_("staff-bj").get("/api/purchase-orders/PO-T-1").status_code == 403
    assert api.as_("staff").get("/api/purchase-orders/PO-T-1").status_code == 200
    listed = api.as_("staff-bj").get("/api/purchase-orders")
    assert listed.status_code == 200 and listed.json == []
    assert api.as_("staff").post("/api/purchase-orders/PO-T-1/send").status_code == 403
    assert api.as_("staff-bj").post("/api/purchase-orders/PO-T-1/rejections", headers=_key(),
                                    json={"line": 1, "quantity": 1,
                                          "reason": "quality"}).status_code == 403


def test_the_purchasing_page_shows_lateness_and_received_against_ordered(api, client,
                                                                          people):
    from tests.e2e.test_pages import sign_in

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert _po(api, expected_date=yesterday).status_code == 201
    assert api.as_("buyer").post("/api/purchase-orders/PO-T-1/send").status_code == 200
    got = api.as_("staff").post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "purchase_order": "PO-T-1",
        "barcode": label(api_gtin(people, "C00002"), "PG-1", SOON, 25)})
    assert got.status_code == 201, got.json
    assert sign_in(client, "buyer").status_code == 302
    listing = client.get("/purchasing")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "PO-T-1" in html and "min late" in html
    assert 'href="/purchasing"' in html  # in the navigation
    assert "<script>" not in html and "style=" not in html
    detail = client.get("/purchasing/PO-T-1").get_data(as_text=True)
    row = detail.split('data-label="Line">1</td>', 1)[1].split("</tr>", 1)[0]
    assert all(f'data-label="{col}">{n}</td>' in row
               for col, n in (("Ordered", 100), ("Received", 25), ("Open", 75))), row
    assert client.get("/purchasing/NO-SUCH").status_code == 404
    client.post("/signout", data={"csrf_token": _csrf(client)})
    assert sign_in(client, "staff").status_code == 302
    assert client.get("/purchasing").status_code == 403


def api_gtin(world, sku: str) -> str:
    return world.gtins[sku]


def _csrf(client) -> str:
    with client.session_transaction() as s:
        return s["csrf"]


def test_a_reject_scan_needs_a_reason_and_an_order_and_an_ambiguous_receipt_asks(api, world):
    _sent(api)
    staff = api.as_("staff")
    barcode = label(world.gtins["C00002"], "RJ-1", SOON, 5)
    no_reason = staff.post("/api/scans", headers=_key(), json={
        "action": "reject", "location": "SH1-REC", "barcode": barcode, "reason": "smelly"})
    assert no_reason.status_code == 422
    assert "damaged, temperature, quality, wrong_product" in no_reason.json["errors"][
        "reason"][0]
    assert _po(api, ref="PO-T-2").status_code == 201
    assert api.as_("buyer").post("/api/purchase-orders/PO-T-2/send").status_code == 200
    ambiguous = staff.post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "barcode": barcode})
    assert ambiguous.status_code == 422
    assert "PO-T-1, PO-T-2" in ambiguous.json["errors"]["purchase_order"][0]
    named = staff.post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "barcode": barcode,
        "purchase_order": "PO-T-2"})
    assert named.status_code == 201 and named.json["purchase_order"]["ref"] == "PO-T-2"
