"""Allocation strategies are pure functions: FEFO order, eligibility and the plan."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from wms import allocation
from wms.allocation import Candidate, Context, eligible, fefo, plan

DELIVERY = date(2026, 6, 10)


def cand(lot: int, loc: int, available: int, expiry: date | None, **kw) -> Candidate:
    return Candidate(lot_id=lot, location_id=loc, available=available, expiry=expiry, **kw)


def test_fefo_takes_the_earliest_expiry_first_and_undated_lots_last():
    cands = [cand(1, 1, 5, date(2026, 6, 20)), cand(2, 1, 5, None),
             cand(3, 2, 5, date(2026, 6, 15))]
    assert [c.lot_id for c in fefo(cands, 10, Context(DELIVERY))] == [3, 1, 2]


def test_fefo_breaks_ties_by_oldest_receipt_then_smallest_bin():
    same = date(2026, 6, 20)
    cands = [cand(1, 1, 9, same, received_at=datetime(2026, 6, 2)),
             cand(2, 2, 3, same, received_at=datetime(2026, 6, 1)),
             cand(3, 3, 2, same, received_at=datetime(2026, 6, 1))]
    assert [c.lot_id for c in fefo(cands, 1, Context(DELIVERY))] == [3, 2, 1]


def test_lots_expiring_before_delivery_plus_min_remaining_days_are_not_eligible():
    ctx = Context(DELIVERY, min_remaining_days=2)
    cands = [cand(1, 1, 5, date(2026, 6, 11)), cand(2, 1, 5, date(2026, 6, 12)),
             cand(3, 1, 0, date(2026, 6, 30)), cand(4, 1, 5, None)]
    assert [c.lot_id for c in eligible(cands, ctx)] == [2, 4]


def test_plan_takes_units_in_strategy_order_and_reports_a_shortfall_by_falling_short():
    cands = [cand(1, 1, 4, date(2026, 6, 20)), cand(2, 1, 3, date(2026, 6, 15))]
    taken = plan(cands, 5, Context(DELIVERY))
    assert [(c.lot_id, q) for c, q in taken] == [(2, 3), (1, 2)]
    short = plan(cands, 50, Context(DELIVERY))
    assert sum(q for _, q in short) == 7


def test_a_new_strategy_can_be_registered_and_chosen():
    @allocation.strategy("biggest_first_for_test")
    def biggest(cands, quantity, context):
        return sorted(cands, key=lambda c: -c.available)

    try:
        cands = [cand(1, 1, 2, date(2026, 6, 15)), cand(2, 1, 9, date(2026, 6, 20))]
        taken = plan(cands, 3, Context(DELIVERY), "biggest_first_for_test")
        assert [(c.lot_id, q) for c, q in taken] == [(2, 3)]
    finally:
        allocation.STRATEGIES.pop("biggest_first_for_test")


def test_an_unknown_strategy_is_refused_by_name():
    with pytest.raises(ValueError, match=r"unknown allocation strategy 'lifo'.*fefo"):
        plan([], 1, Context(DELIVERY), "lifo")
