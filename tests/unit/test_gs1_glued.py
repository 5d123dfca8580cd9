"""The glued-field hint on the demo's own labels: silent on every valid lot code the demo
makes (receipt day, product number, lot number), whether the label carries a count or not,
and right on a real glued lot and count (``10LOT-A1`` ``37`` ``12`` without the separator)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.demo import PRODUCT_COUNT, gtin_of, lot_code
from wms.gs1 import ScanError, parse_scan

WAREHOUSES = ("BJ1", "SH1", "GZ1")


def demo_label(gtin: str, lot: str, expiry: date, count: int | None) -> str:
    return f"01{gtin}|17{expiry:%y%m%d}|" + (f"37{count}|" if count else "") + f"10{lot}"


@settings(max_examples=400, deadline=None)
@given(warehouse=st.sampled_from(WAREHOUSES),
       received=st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31)),
       item=st.integers(1, PRODUCT_COUNT), n=st.integers(0, 1),
       shelf_days=st.integers(2, 400), count=st.none() | st.integers(1, 240))
def test_no_hint_on_any_lot_code_the_demo_makes(warehouse, received, item, n, shelf_days, count):
    lot = lot_code(warehouse, received, item, n)
    scan = parse_scan(demo_label(gtin_of(item), lot, received + timedelta(days=shelf_days), count))
    assert scan.lot == lot
    assert scan.hints == ()


# Lot codes that fired the hint before (production dates of 2000 and 2020 read into them).
@pytest.mark.parametrize("received, item, n", [
    (date(2025, 1, 10), 1, 0), (date(2025, 1, 10), 1, 1), (date(2026, 11, 12), 10, 0),
    (date(2026, 1, 12), 110, 1), (date(2026, 11, 15), 107, 0), (date(2026, 12, 1), 37, 0),
])
@pytest.mark.parametrize("warehouse", WAREHOUSES)
def test_no_hint_on_demo_lot_codes_that_look_like_dates(warehouse, received, item, n):
    lot = lot_code(warehouse, received, item, n)
    for count in (None, 12):
        scan = parse_scan(demo_label(gtin_of(item), lot, received + timedelta(days=9), count))
        assert (scan.lot, scan.hints) == (lot, ())


def test_a_count_run_into_the_lot_gets_the_hint():
    scan = parse_scan(f"01{gtin_of(1)}|17271231|10LOT-A13712")
    (hint,) = scan.hints
    assert scan.lot == "LOT-A13712" and scan.count is None
    assert "37 = count '12'" in hint and "group separator" in hint


@pytest.mark.parametrize("text", [
    f"01{gtin_of(1)}|17271231|10LOT-A1|3712",      # the separator was sent
    f"01{gtin_of(1)}|3712|17271231|10LOT-A13712",   # the label has its count already
    f"01{gtin_of(1)}|17271231|10LOT-A13705",        # a count never starts with 0
    f"01{gtin_of(1)}|17271231|10SH26120100370",     # a long number is one number
])
def test_no_count_hint_where_nothing_ran_together(text):
    assert parse_scan(text).hints == ()


def test_a_demo_lot_with_its_expiry_glued_behind_it_is_refused_naming_the_separator():
    # Thirteen characters of lot and eight of expiry pass the lot's twenty: not a hint, an
    # error that says what to fix on the scanner.
    lot = lot_code("SH1", date(2026, 12, 1), 1, 0)
    with pytest.raises(ScanError) as err:
        parse_scan(f"01{gtin_of(1)}|3712|10{lot}17261210")
    assert "group separator" in err.value.message and err.value.field == "lot"
