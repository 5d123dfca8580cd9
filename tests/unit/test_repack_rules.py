"""The output of a repack is never fresher than its inputs, and never weighs more."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.errors import ValidationFailed
from wms.repack_rules import InputLife, kg, mass_balance, output_expiry

DAY = date(2026, 12, 4)
dates = st.one_of(st.none(), st.dates(min_value=DAY - timedelta(days=5),
                                      max_value=DAY + timedelta(days=60)))
lives = st.lists(st.builds(InputLife, st.text("ABC123", min_size=1, max_size=6), dates, dates),
                 min_size=1, max_size=6)


@given(lives, st.floats(min_value=0.5, max_value=400))
def test_the_output_expires_no_later_than_any_limit(inputs, shelf_life):
    found = output_expiry(inputs, packed_on=DAY, output_shelf_life_days=shelf_life)
    for i in inputs:
        assert i.use_by is None or found.day <= i.use_by
        assert i.life_until is None or found.day <= i.life_until
    assert found.day <= DAY + timedelta(days=int(shelf_life))
    limits = [d for i in inputs for d in (i.use_by, i.life_until) if d is not None]
    assert found.day == min([*limits, DAY + timedelta(days=int(shelf_life))])


def test_the_limit_that_decided_is_named():
    inputs = [InputLife("CASE-1", DAY + timedelta(days=6), DAY + timedelta(days=3)),
              InputLife("CASE-2", DAY + timedelta(days=4))]
    found = output_expiry(inputs, packed_on=DAY, output_shelf_life_days=5)
    assert (found.day, found.bound_by, found.lot_code) == (
        DAY + timedelta(days=3), "input_temperatures", "CASE-1")
    fresh = output_expiry([InputLife("CASE-3", DAY + timedelta(days=30))], packed_on=DAY,
                          output_shelf_life_days=5)
    assert (fresh.day, fresh.bound_by) == (DAY + timedelta(days=5), "shelf_life")


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10_000), places=3),
       st.floats(min_value=0, max_value=1))
def test_outputs_up_to_the_input_weight_balance_and_record_the_loss(total, share):
    out = kg(total * Decimal(str(share)))
    found = mass_balance(total, out, max_loss_pct=100)
    assert found.loss_kg == kg(total) - out >= 0
    assert 0 <= found.yield_pct <= 100


def test_heavier_outputs_and_unexplained_losses_are_refused_by_field():
    with pytest.raises(ValidationFailed) as heavy:
        mass_balance(Decimal(20), Decimal("20.001"), max_loss_pct=15)
    assert list(heavy.value.errors) == ["outputs"]
    with pytest.raises(ValidationFailed) as lossy:
        mass_balance(Decimal(20), Decimal(16), max_loss_pct=15)
    assert list(lossy.value.errors) == ["loss_reason"]
    assert mass_balance(Decimal(20), Decimal(16), max_loss_pct=15,
                        loss_reason="wilted outer leaves").yield_pct == 80.0
    assert mass_balance(Decimal(20), Decimal(17), max_loss_pct=15).loss_pct == 15.0
