"""Packing a pickup point's orders into crates for the sorting labels (pure)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from wms.sorting import pack


def test_orders_fill_crates_one_after_the_other_and_a_spill_is_on_both_labels():
    crates = pack([("A", 0.5), ("B", 0.75), ("C", 0.25)])
    assert [(c.number, c.of, c.orders) for c in crates] == [
        (1, 2, ["A", "B"]), (2, 2, ["B", "C"])]


def test_a_full_crate_does_not_name_the_next_order():
    crates = pack([("A", 1.0), ("B", 0.2)])
    assert [c.orders for c in crates] == [["A"], ["B"]]


def test_an_order_of_several_crates_is_on_every_one():
    crates = pack([("BIG", 2.5)])
    assert [(c.number, c.of, c.orders) for c in crates] == [
        (1, 3, ["BIG"]), (2, 3, ["BIG"]), (3, 3, ["BIG"])]


@given(st.lists(st.tuples(st.text("ABCDEFGH", min_size=1, max_size=3),
                          st.integers(1, 400).map(lambda n: n / 40)),
                min_size=1, max_size=30, unique_by=lambda t: t[0]))
def test_every_order_is_on_a_label_and_the_count_is_plannings(shares):
    crates = pack(shares)
    assert len(crates) == math.ceil(sum(s for _, s in shares) - 1e-9)
    named = {ref for c in crates for ref in c.orders}
    assert named == {ref for ref, _ in shares}
    for crate in crates:
        assert crate.orders  # no empty crate is printed
        assert crate.of == len(crates)
