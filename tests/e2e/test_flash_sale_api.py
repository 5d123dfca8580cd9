"""Flash-sale orders (``POST /api/orders/reserved``): placed with all their stock, or refused
with 409 and the units left, storing nothing; and a race of many buyers for few units."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from tests.factories import on_hand, receive
from tests.integration.test_concurrency import race
from wms import orders
from wms.db import transaction
from wms.errors import Conflict
from wms.ledger import verify
from wms.models import CustomerOrder, OrderLine, OutboxEvent

DAY = date.today() + timedelta(days=1)
FAR = date.today() + timedelta(days=90)


def _order(ref: str, *lines: tuple[str, int]) -> dict:
    return {"external_ref": ref, "pickup_point": "SH-P001", "delivery_date": DAY.isoformat(),
            "lines": [{"sku": sku, "quantity": q} for sku, q in lines]}


def test_an_order_is_placed_with_its_stock_reserved_first_expiry_first(api, world, sessions):
    early = receive(sessions, world, "A00003", "EARLY", "SH1-A-A01-02", 2, expiry=FAR)
    receive(sessions, world, "A00003", "LATE", "SH1-A-A01-01", 5,
            expiry=FAR + timedelta(days=1))
    resp = api.as_("staff").post("/api/orders/reserved", json=_order("FS-1", ("A00003", 2)))
    assert resp.status_code == 201, resp.json
    assert resp.json["status"] == "allocated"
    assert resp.json["lines"][0]["allocated"] == 2
    assert on_hand(sessions, world, "SH1-A-A01-02", early) == (2, 2)
    report = api.as_("staff").get("/api/orders/FS-1/allocation").json
    assert report["lines"][0]["reservations"][0]["lot"] == "EARLY"
    with transaction(sessions) as s:
        kinds = s.scalars(select(OutboxEvent.kind).where(OutboxEvent.order_ref == "FS-1")
                          .order_by(OutboxEvent.sequence)).all()
    assert kinds == ["accepted", "allocated"]


def test_a_line_spread_over_two_lots_is_reserved_from_both(api, world, sessions):
    receive(sessions, world, "A00003", "P1", "SH1-A-A01-01", 2, expiry=FAR)
    receive(sessions, world, "A00003", "P2", "SH1-A-A01-02", 2, expiry=FAR + timedelta(days=1))
    resp = api.as_("staff").post("/api/orders/reserved", json=_order("FS-2", ("A00003", 3)))
    assert resp.status_code == 201, resp.json
    report = api.as_("staff").get("/api/orders/FS-2/allocation").json
    assert sorted((r["lot"], r["quantity"]) for r in report["lines"][0]["reservations"]) == [
        ("P1", 2), ("P2", 1)]


def test_a_refused_order_says_how_many_are_left_and_stores_nothing(api, world, sessions):
    lot = receive(sessions, world, "A00003", "FEW", "SH1-A-A01-01", 3, expiry=FAR)
    receive(sessions, world, "C00002", "PLENTY", "SH1-C-A01-01", 10, expiry=FAR)
    # Enough of the first SKU for the quick check, not for the line: refused at once.
    resp = api.as_("staff").post("/api/orders/reserved", json=_order("FS-3", ("A00003", 4)))
    assert resp.status_code == 409
    assert resp.mimetype == "application/problem+json"
    assert (resp.json["available"], resp.json["requested"], resp.json["sku"]) == (
        3, 4, "A00003")
    # A second line short after the first was reserved: the whole order is taken back.
    resp = api.as_("staff").post("/api/orders/reserved",
                                 json=_order("FS-4", ("C00002", 2), ("A00003", 5)))
    assert resp.status_code == 409 and resp.json["available"] == 3
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(CustomerOrder)) == 0
        assert verify(s) == []
    assert on_hand(sessions, world, "SH1-A-A01-01", lot) == (3, 0)


def test_a_lot_too_close_to_its_date_is_not_sold(api, world, sessions):
    # A00003 must have its minimum remaining days left at delivery: a lot expiring the day
    # of delivery does not count as left.
    receive(sessions, world, "A00003", "OLD", "SH1-A-A01-01", 5, expiry=DAY)
    resp = api.as_("staff").post("/api/orders/reserved", json=_order("FS-5", ("A00003", 1)))
    assert resp.status_code == 409 and resp.json["available"] == 0


def test_many_buyers_racing_for_few_units_never_oversell(sessions, world):
    receive(sessions, world, "A00003", "R1", "SH1-A-A01-01", 15, expiry=FAR)
    receive(sessions, world, "A00003", "R2", "SH1-A-A01-02", 15, expiry=FAR + timedelta(days=1))

    def buy(i: int) -> bool:
        try:
            with transaction(sessions) as s:
                orders.place_reserved(s, {
                    "external_ref": f"RACE-{i}", "pickup_point": "SH-P002",
                    "delivery_date": DAY, "lines": [{"sku": "A00003", "quantity": 1}]},
                    actor_id=None)
            return True
        except Conflict as exc:
            assert exc.extra["available"] == 0
            return False

    results = race(80, buy)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert results.count(True) == 30
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(CustomerOrder)) == 30
        assert s.scalar(select(func.sum(OrderLine.allocated))) == 30
        assert verify(s) == []
