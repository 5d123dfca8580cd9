"""Random sequences of moves, allocations, picks, cancellations and reversals: after every
step the balances equal the ledger, nothing is negative, and a refused step changed nothing."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from wms import orders, picking
from wms.db import transaction
from wms.errors import DomainError
from wms.ledger import record_move, verify
from wms.models import CustomerOrder, Location, Lot, MoveKind, StockBalance, StockMove
from wms.reversal import reverse_move

BINS = ["SH1-A-A01-01", "SH1-A-A01-02", "SH1-A-STG", "SH1-REC"]
LOTS = ["P1", "P2", "P3"]
DAY = date.today() + timedelta(days=1)

step = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(LOTS), st.sampled_from(BINS),
              st.integers(1, 9)),
    st.tuples(st.just("transfer"), st.sampled_from(LOTS), st.sampled_from(BINS),
              st.sampled_from(BINS), st.integers(1, 9)),
    st.tuples(st.just("scrap"), st.sampled_from(LOTS), st.sampled_from(BINS),
              st.integers(1, 9)),
    st.tuples(st.just("order"), st.integers(1, 12)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("pick"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.integers(0, 200)),
)
_refs = itertools.count()


def _snapshot(s) -> list[tuple]:
    return sorted(s.execute(select(StockBalance.location_id, StockBalance.lot_id,
                                   StockBalance.on_hand, StockBalance.reserved)).all())


def _apply(s, world, op) -> None:
    def loc(code):
        return s.get(Location, world.locations[code])

    def lot(code):
        found = s.scalar(select(Lot).where(Lot.lot_code == code))
        if found is None:
            found = Lot(product_id=world.products["A00003"], lot_code=code,
                        expiry_date=DAY + timedelta(days=30 + LOTS.index(code)))
            s.add(found)
            s.flush()
        return found

    kind = op[0]
    if kind == "receive":
        record_move(s, kind=MoveKind.RECEIPT, lot=lot(op[1]), quantity=op[3],
                    to_location=loc(op[2]))
    elif kind == "transfer":
        record_move(s, kind=MoveKind.TRANSFER, lot=lot(op[1]), quantity=op[4],
                    from_location=loc(op[2]), to_location=loc(op[3]))
    elif kind == "scrap":
        record_move(s, kind=MoveKind.SCRAP, lot=lot(op[1]), quantity=op[3],
                    from_location=loc(op[2]), reason="damaged")
    elif kind == "order":
        order = orders.place_order(s, {"external_ref": f"PR-{next(_refs)}",
                                       "pickup_point": "SH-P001", "delivery_date": DAY,
                                       "lines": [{"sku": "A00003", "quantity": op[1]}]},
                                   actor_id=None)
        orders.allocate_order(s, order.id)
    else:
        ids = s.scalars(select(CustomerOrder.id if kind != "reverse" else StockMove.id)
                        .order_by("id")).all()
        if not ids:
            return
        target = ids[op[1] % len(ids)]
        if kind == "cancel":
            orders.cancel_order(s, s.get(CustomerOrder, target).external_ref)
        elif kind == "pick":
            picking.pick(s, target, actor_id=None)
        else:
            reverse_move(s, target, actor_id=None)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_balances_always_equal_the_ledger(sessions, world, steps):
    for op in steps:
        with transaction(sessions) as s:
            before = _snapshot(s)
        try:
            with transaction(sessions) as s:
                _apply(s, world, op)
        except DomainError:
            with transaction(sessions) as s:
                assert _snapshot(s) == before, f"refused {op} changed balances"
        with transaction(sessions) as s:
            assert verify(s) == [], f"after {op}"
            assert all(on >= 0 and 0 <= res <= on for *_, on, res in _snapshot(s))
