"""Repacking over HTTP: a case lot becomes bags with their own lot, in the ledger, with
the lineage a trace and a recall follow."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.factories import product, receive
from wms.db import transaction
from wms.ledger import verify
from wms.models import LotLineage, MoveKind, Origin, StockMove, TempClass

BIN = "SH1-C-A01-01"
SOON = date.today() + timedelta(days=6)


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _bags(sessions, world) -> None:
    with transaction(sessions) as s:
        product(s, world, "C00010", 10, TempClass.CHILLED, name="Bok choy 500 g bag",
                unit_weight_kg=0.5, shelf_life_days=5)


def _case_lot(sessions, world, code="CASE-1", qty=4) -> int:
    # Cases of 10 kg, from the test farm's greenhouse, harvested yesterday.
    lot_id = receive(sessions, world, "C00002", code, BIN, qty, expiry=SOON)
    with transaction(sessions) as s:
        from wms.models import Lot, Product

        lot = s.get(Lot, lot_id)
        s.get(Product, lot.product_id).unit_weight_kg = 10
        lot.supplier_id = world.suppliers["SUP-1"]
        lot.origin_id = s.scalar(select(Origin.id).where(Origin.code == "ORG-1"))
        lot.harvest_date = date.today() - timedelta(days=1)
        lot.purchase_order = "PO-CASE-1"
        lot.country_of_origin = "CN"
    return lot_id


def _repack(api, lot_id, **over):
    body = {"location": BIN, "inputs": [{"lot_id": lot_id, "quantity": 2}],
            "outputs": [{"sku": "C00010", "lot_code": "BAG-1", "quantity": 38}],
            "loss_reason": ""}
    body.update(over)
    return api.as_("staff").post("/api/repacks", json=body, headers=key())


def _moves(sessions) -> int:
    with transaction(sessions) as s:
        return s.scalar(select(func.count()).select_from(StockMove))


def test_a_case_becomes_bags_with_lineage_dates_and_origin(api, sessions, world):
    _bags(sessions, world)
    case = _case_lot(sessions, world)
    got = _repack(api, case)
    assert got.status_code == 201, got.json
    body = got.json
    assert (body["input_kg"], body["output_kg"], body["loss_kg"]) == (20.0, 19.0, 1.0)
    assert body["yield_pct"] == 95.0
    bag = body["outputs"][0]
    assert (bag["lot_code"], bag["quantity"]) == ("BAG-1", 38)
    # Never later than the case's own date, nor than five days of bag life from today.
    assert date.fromisoformat(bag["expiry_date"]) <= SOON
    assert bag["harvest_date"] == (date.today() - timedelta(days=1)).isoformat()

    stock = api.as_("staff").get(f"/api/lots/{case}/locations").json
    assert [(r["location"], r["on_hand"]) for r in stock] == [(BIN, 2)]
    facts = api.as_("buyer").get(f"/api/lots/{bag['lot_id']}/facts").json
    assert facts["origin"]["code"] == "ORG-1"
    assert facts["supplier"]["code"] == "SUP-1"
    assert facts["purchase_order"] == "PO-CASE-1"
    assert [i["lot_code"] for i in facts["lineage"]["inputs"]] == ["CASE-1"]
    assert facts["quantities"]["repacked_in"] == 38 and facts["quantities"]["balanced"]

    fw = api.as_("buyer").get(f"/api/lots/{case}/trace").json
    assert [o["lot_code"] for o in fw["lineage"]["outputs"]] == ["BAG-1"]
    assert fw["quantities"]["repacked_out"] == 2 and fw["quantities"]["balanced"]
    with transaction(sessions) as s:
        kinds = sorted(m.kind.value for m in s.scalars(
            select(StockMove).where(StockMove.kind.in_(
                [MoveKind.REPACK_CONSUME, MoveKind.REPACK_PRODUCE]))))
        assert kinds == ["repack_consume", "repack_produce"]
        assert s.scalar(select(func.count()).select_from(LotLineage)) == 1
        assert verify(s) == []
    again = api.as_("staff").get(f"/api/repacks/{body['id']}").json
    assert again["ref"] == body["ref"] and again["inputs"][0]["lot_code"] == "CASE-1"


def test_outputs_heavier_than_inputs_or_a_big_loss_without_reason_change_nothing(
        api, sessions, world):
    _bags(sessions, world)
    case = _case_lot(sessions, world)
    before = _moves(sessions)
    heavy = _repack(api, case, outputs=[{"sku": "C00010", "quantity": 41}])
    assert heavy.status_code == 422, heavy.json
    assert "outputs" in heavy.json["errors"]
    lossy = _repack(api, case, outputs=[{"sku": "C00010", "quantity": 30}])
    assert lossy.status_code == 422, lossy.json
    assert "loss_reason" in lossy.json["errors"]
    assert _moves(sessions) == before
    explained = _repack(api, case, outputs=[{"sku": "C00010", "quantity": 30}],
                        loss_reason="outer leaves wilted, trimmed")
    assert explained.status_code == 201, explained.json
    assert explained.json["yield_pct"] == 75.0


def test_held_input_is_refused_and_missing_or_foreign_things_answer_404_403(
        api, sessions, world):
    _bags(sessions, world)
    case = _case_lot(sessions, world)
    assert api.as_("staff").post(f"/api/lots/{case}/hold",
                                 json={"reason": "smells off"}).status_code in (200, 201)
    before = _moves(sessions)
    # Held goods sit in quarantine, where nothing is packed.
    in_quarantine = _repack(api, case, location="SH1-C-QRT")
    assert in_quarantine.status_code == 422, in_quarantine.json
    assert "location" in in_quarantine.json["errors"]
    refused = _repack(api, case)
    assert refused.status_code == 409, refused.json
    assert refused.json["detail"].startswith("lot CASE-1 is on hold (smells off)")
    assert _moves(sessions) == before
    assert _repack(api, 999999).status_code == 404
    assert _repack(api, case, location="NOWHERE").status_code == 404
    bj = api.as_("staff-bj").post("/api/repacks", headers=key(), json={
        "location": BIN, "inputs": [{"lot_id": case, "quantity": 1}],
        "outputs": [{"sku": "C00010", "quantity": 1}]})
    assert bj.status_code == 403, bj.json
    assert api.as_("staff").post("/api/repacks", json={}).status_code == 428


def test_recalling_the_case_recalls_the_bags_and_lists_them(api, sessions, world):
    _bags(sessions, world)
    case = _case_lot(sessions, world)
    bag = _repack(api, case).json["outputs"][0]["lot_id"]
    rc = api.as_("buyer").post(f"/api/lots/{case}/recall", headers=key(),
                               json={"reason": "supplier notice: listeria"})
    assert rc.status_code == 201, rc.json
    assert [d["lot_code"] for d in rc.json["derived_lots"]] == ["BAG-1"]
    assert rc.json["derived_lots"][0]["status"] == "recalled"
    facts = api.as_("buyer").get(f"/api/lots/{bag}/facts").json
    assert facts["status"] == "recalled"
    assert "CASE-1" in facts["recall"]["reason"]
