"""Allocation by least remaining shelf life uses what the lots went through, not their labels."""

from __future__ import annotations

from datetime import date, timedelta

from wms.db import transaction
from wms.ledger import record_move
from wms.models import Location, Lot
from wms.models.ledger import MoveKind


def _stock(sessions, world, aged_days=4):
    today = date.today()
    with transaction(sessions) as s:
        bin1 = s.get(Location, world.locations["SH1-C-A01-01"])
        bin2 = s.get(Location, world.locations["SH1-C-A01-02"])
        # AGED: harvested days ago (little of its 7-day life left), with an optimistic label
        aged = Lot(product_id=world.products["C00002"], lot_code="AGED",
                   harvest_date=today - timedelta(days=aged_days),
                   expiry_date=today + timedelta(days=9))
        # FRESH: harvested yesterday, but its label expires first
        fresh = Lot(product_id=world.products["C00002"], lot_code="FRESH",
                    harvest_date=today - timedelta(days=1), expiry_date=today + timedelta(days=6))
        s.add_all([aged, fresh])
        s.flush()
        record_move(s, kind=MoveKind.RECEIPT, lot=aged, quantity=10, to_location=bin1)
        record_move(s, kind=MoveKind.RECEIPT, lot=fresh, quantity=10, to_location=bin2)


def _order(api, ref):
    body = {"external_ref": ref, "pickup_point": "SH-P001",
            "delivery_date": (date.today() + timedelta(days=1)).isoformat(),
            "lines": [{"sku": "C00002", "quantity": 4}]}
    resp = api.as_("admin").post("/api/orders", json=body)
    assert resp.status_code == 201, resp.json


def _allocated_lots(api, strategy):
    resp = api.as_("dispatcher").post("/api/allocations", json={
        "warehouse": "SH1", "date": (date.today() + timedelta(days=1)).isoformat(),
        "strategy": strategy})
    assert resp.status_code == 200, resp.json
    return resp.json


def test_fefo_trusts_the_label_and_lsfo_the_history(api, sessions, world):
    _stock(sessions, world)
    _order(api, "LSFO-1")
    run = _allocated_lots(api, "lsfo")
    assert run["allocated"] == 4
    stock = api.as_("admin").get("/api/stock?sku=C00002").json
    reserved = {row["lot"]: row["reserved"] for row in stock}
    assert reserved == {"AGED": 4, "FRESH": 0}


def test_lsfo_skips_a_lot_that_would_arrive_with_too_little_life(api, sessions, world):
    _stock(sessions, world, aged_days=6)  # under a day left tomorrow; the product needs one
    _order(api, "LSFO-2")
    _allocated_lots(api, "lsfo")
    stock = api.as_("admin").get("/api/stock?sku=C00002").json
    reserved = {row["lot"]: row["reserved"] for row in stock}
    assert reserved == {"AGED": 0, "FRESH": 4}


def test_fefo_takes_the_earliest_printed_expiry(api, sessions, world):
    _stock(sessions, world)
    _order(api, "FEFO-1")
    _allocated_lots(api, "fefo")
    stock = api.as_("admin").get("/api/stock?sku=C00002").json
    reserved = {row["lot"]: row["reserved"] for row in stock}
    assert reserved == {"AGED": 0, "FRESH": 4}


def test_unknown_strategy_is_a_422_naming_the_field(api, world):
    resp = api.as_("dispatcher").post("/api/allocations", json={
        "warehouse": "SH1", "date": date.today().isoformat(), "strategy": "random"})
    assert resp.status_code == 422
    assert "lsfo" in resp.json["errors"]["json"]["strategy"][0]
