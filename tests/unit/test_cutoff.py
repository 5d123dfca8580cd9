"""Order cut-off on plain dates and times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from wms.cutoff import Cutoff

DAY = date(2026, 12, 3)


def test_before_23_00_the_evening_before_an_order_keeps_its_date():
    rule = Cutoff()
    assert rule.delivery_date(DAY, datetime(2026, 12, 2, 22, 59, 59)) == DAY
    assert rule.delivery_date(DAY, datetime(2026, 12, 1, 8, 0)) == DAY


def test_at_or_after_the_cutoff_it_goes_to_the_next_delivery_date():
    rule = Cutoff()
    assert rule.delivery_date(DAY, datetime(2026, 12, 2, 23, 0)) == DAY + timedelta(days=1)
    assert rule.delivery_date(DAY, datetime(2026, 12, 3, 0, 30)) == DAY + timedelta(days=1)
    # Placed on the delivery morning after 23:00 of the day before: the day after.
    assert rule.delivery_date(DAY, datetime(2026, 12, 3, 23, 30)) == DAY + timedelta(days=2)


def test_a_warehouse_with_a_same_day_cutoff():
    rule = Cutoff(at=time(6, 0), days_before=0)
    assert rule.delivery_date(DAY, datetime(2026, 12, 3, 5, 59)) == DAY
    assert rule.delivery_date(DAY, datetime(2026, 12, 3, 6, 0)) == DAY + timedelta(days=1)


@given(st.dates(date(2026, 1, 1), date(2027, 12, 31)),
       st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
       st.times(), st.integers(0, 3))
def test_the_date_given_is_never_earlier_than_asked_and_always_makes_its_cutoff(
        requested, placed, at, days_before):
    rule = Cutoff(at=at, days_before=days_before)
    got = rule.delivery_date(requested, placed)
    assert got >= requested
    assert placed < rule.deadline(got)
    if got > requested:  # moved: the day before it would have been too late
        assert placed >= rule.deadline(got - timedelta(days=1))
