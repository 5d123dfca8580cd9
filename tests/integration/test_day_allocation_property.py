"""The set-based whole-day allocation gives what allocating the orders one by one gives.

Each example builds the same random day twice, for two delivery dates and two sets of fresh
products, so the two runs start from the same stock without sharing any: ``allocate_day``
(set-based) runs on one, ``allocate_day_by_order`` (one transaction per order through
``allocate_order``) on the other. Then more stock arrives and both run again, which
allocates partly served orders further (rows that grow, statuses that change). Reports,
reservation rows, balances, line counters, statuses and outbox events must be equal.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import product, receive
from wms import orders
from wms.db import transaction
from wms.ledger import verify
from wms.models import (
    CustomerOrder,
    Location,
    Lot,
    OrderLine,
    OutboxEvent,
    Product,
    Reservation,
    StockBalance,
    TempClass,
)

BINS = ["SH1-A-A01-01", "SH1-A-A01-02", "SH1-A-STG"]
POINTS = ["SH-P001", "SH-P002"]
_runs = itertools.count(1)

lot_spec = st.tuples(st.integers(0, 2), st.sampled_from(BINS), st.integers(1, 8),
                     st.one_of(st.none(), st.integers(-1, 6)))
order_spec = st.lists(st.tuples(st.integers(0, 2), st.integers(1, 6)), min_size=1,
                      max_size=3, unique_by=lambda line: line[0])
day_spec = st.fixed_dictionaries({
    "min_days": st.lists(st.integers(0, 3), min_size=3, max_size=3),
    "lots": st.lists(lot_spec, max_size=6),
    "orders": st.lists(st.tuples(st.sampled_from(POINTS), order_spec), min_size=1,
                       max_size=8),
    "more": st.lists(lot_spec, max_size=4),
})


def _build(sessions, world, spec, tag: str, day: date) -> list[str]:
    with transaction(sessions) as s:
        skus = []
        for i, min_days in enumerate(spec["min_days"]):
            sku = f"{tag}{i}"
            product(s, world, sku, 10000 + len(world.products), TempClass.AMBIENT,
                    min_remaining_days=min_days)
            skus.append(sku)
    _stock(sessions, world, spec["lots"], skus, tag, day, "L")
    with transaction(sessions) as s:
        for n, (point, lines) in enumerate(spec["orders"]):
            orders.place_order(s, {
                "external_ref": f"{tag}-{n}", "pickup_point": point, "delivery_date": day,
                "lines": [{"sku": skus[p], "quantity": q} for p, q in lines]}, actor_id=None)
    return skus


def _stock(sessions, world, lots, skus, tag, day, prefix) -> None:
    for n, (p, bin_code, qty, expiry) in enumerate(lots):
        receive(sessions, world, skus[p], f"{prefix}{n}", bin_code, qty,
                expiry=None if expiry is None else day + timedelta(days=expiry))


def _state(sessions, tag: str) -> dict:
    """Everything allocation writes, with the run's tag taken out of codes and refs."""
    def plain(text: str) -> str:
        return text.replace(tag, "")

    with transaction(sessions) as s:
        rows = s.execute(
            select(CustomerOrder.external_ref, OrderLine.line_no, Lot.lot_code, Location.code,
                   Reservation.quantity)
            .join(OrderLine, OrderLine.id == Reservation.order_line_id)
            .join(CustomerOrder, CustomerOrder.id == Reservation.order_id)
            .join(Lot, Lot.id == Reservation.lot_id)
            .join(Location, Location.id == Reservation.location_id)
            .where(CustomerOrder.external_ref.like(f"{tag}-%"))).all()
        balances = s.execute(
            select(Product.sku, Lot.lot_code, Location.code, StockBalance.on_hand,
                   StockBalance.reserved)
            .join(Lot, Lot.id == StockBalance.lot_id)
            .join(Product, Product.id == StockBalance.product_id)
            .join(Location, Location.id == StockBalance.location_id)
            .where(Product.sku.like(f"{tag}%"))).all()
        lines = s.execute(
            select(CustomerOrder.external_ref, CustomerOrder.status, OrderLine.line_no,
                   OrderLine.allocated)
            .join(OrderLine, OrderLine.order_id == CustomerOrder.id)
            .where(CustomerOrder.external_ref.like(f"{tag}-%"))).all()
        events = s.execute(
            select(OutboxEvent.order_ref, OutboxEvent.sequence, OutboxEvent.kind,
                   OutboxEvent.payload)
            .where(OutboxEvent.order_ref.like(f"{tag}-%"))).all()
    return {
        "reservations": sorted((plain(r), n, c, loc, q) for r, n, c, loc, q in rows),
        "balances": sorted((plain(k), c, loc, h, r) for k, c, loc, h, r in balances),
        "lines": sorted((plain(r), st_.value, n, a) for r, st_, n, a in lines),
        "events": sorted((plain(r), q, k, plain(repr({x: y for x, y in p.items()
                                                       if x != "delivery_date"})))
                         for r, q, k, p in events),
    }


def _reports(reports, tag: str) -> list:
    out = []
    for rep in reports:
        out.append((rep.order.replace(tag, ""), rep.status, rep.error, [
            (ln.line, ln.sku.replace(tag, ""), ln.quantity, ln.allocated, ln.backorder,
             sorted((r["lot"], r["location"], r["quantity"], r["expiry"] is None)
                    for r in ln.reservations))
            for ln in rep.lines]))
    return out


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=day_spec)
def test_set_based_day_equals_order_by_order(sessions, world, spec):
    run = next(_runs)
    wh = world.warehouses["SH1"]
    base = date.today() + timedelta(days=2 * run)
    tags, days = (f"S{run}x", f"O{run}x"), (base, base + timedelta(days=1))
    skus = {tag: _build(sessions, world, spec, tag, d) for tag, d in zip(tags, days, strict=True)}
    by_set = orders.allocate_day(sessions, wh, days[0])
    by_order = orders.allocate_day_by_order(sessions, wh, days[1])
    assert _reports(by_set, tags[0]) == _reports(by_order, tags[1])
    assert _state(sessions, tags[0]) == _state(sessions, tags[1])
    for tag, d in zip(tags, days, strict=True):
        _stock(sessions, world, spec["more"], skus[tag], tag, d, "M")
    by_set = orders.allocate_day(sessions, wh, days[0])
    by_order = orders.allocate_day_by_order(sessions, wh, days[1])
    assert _reports(by_set, tags[0]) == _reports(by_order, tags[1])
    assert _state(sessions, tags[0]) == _state(sessions, tags[1])
    with transaction(sessions) as s:
        assert verify(s) == []
