"""The scorecard's arithmetic: OTIF per order line, rejection shares, probe statistics and
shelf life left at a moment of a temperature history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coldchain.analysis import supplier_scores as scores
from coldchain.analysis.shelf_life import Kinetics

DUE = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
KIN = Kinetics(shelf_life_days=10, ref_temp_c=4, model="q10", q10=2.0)


def line(ordered=100, received=100, rejected=0, late_min=None):
    came = None if late_min is None else DUE + timedelta(minutes=late_min)
    return scores.PoLineFacts(ordered, received, rejected, DUE, came)


def test_on_time_is_by_the_windows_end_and_nothing_received_is_late():
    assert scores.on_time(line(late_min=0)) and scores.on_time(line(late_min=-30))
    assert not scores.on_time(line(late_min=1))
    assert not scores.on_time(line(late_min=None))


def test_in_full_allows_the_tolerance_and_no_more():
    assert scores.in_full(line(received=98))          # 2 % short: in full
    assert not scores.in_full(line(received=97))
    assert scores.in_full(line(received=97), tolerance_pct=3)
    assert scores.in_full(line(received=105))


def test_otif_counts_lines_that_are_both():
    got = scores.otif([line(late_min=0), line(late_min=60), line(received=50, late_min=0),
                       line(received=50, late_min=60)])
    assert (got.lines, got.on_time, got.in_full, got.otif) == (4, 2, 2, 1)
    assert (got.share(got.otif), scores.otif([]).share(0)) == (0.25, None)


@given(st.lists(st.tuples(st.integers(1, 500), st.integers(0, 600),
                          st.one_of(st.none(), st.integers(-300, 300))), max_size=30))
def test_otif_is_never_more_than_either_part(rows):
    got = scores.otif([line(o, r, 0, m) for o, r, m in rows])
    assert got.otif <= min(got.on_time, got.in_full) <= got.lines == len(rows)


def test_rejection_shares_per_reason_of_what_was_delivered():
    assert scores.rejection_shares({"temperature": 20, "damaged": 5}, 200) == \
        {"damaged": 0.025, "temperature": 0.1}
    assert scores.rejection_shares({"quality": 3}, 0) == {"quality": 0.0}


def test_probe_stats_mean_max_and_share_above_the_limit():
    got = scores.probe_stats([(3.0, 5.0), (7.0, 5.0), (-20.0, -15.0), (-9.0, -15.0)])
    assert got == scores.ProbeStats(4, -4.75, 7.0, 0.5)
    assert scores.probe_stats([(4.0, None)]).out_of_range_share == 0.0
    assert scores.probe_stats([]) == scores.ProbeStats(0, None, None, None)


def test_remaining_at_reads_the_history_up_to_that_moment_only():
    day = 86400
    times = np.array([0, day, 2 * day], dtype=np.int64)
    temps = np.array([4.0, 14.0, 4.0])   # a warm day in the middle: 2x the rate
    assert scores.remaining_at(times, temps, KIN, day) == pytest.approx(9.0)
    assert scores.remaining_at(times, temps, KIN, 2 * day) == pytest.approx(7.0)
    assert scores.remaining_at(times, temps, KIN, 3 * day) == pytest.approx(6.0)
    assert scores.remaining_at(times, temps, KIN, -1) is None
    assert scores.remaining_at(np.empty(0, np.int64), np.empty(0), KIN, 5) is None


def test_weighted_mean_weights_by_units():
    assert scores.weighted_mean([(4.0, 10), (1.0, 30)]) == 1.75
    assert scores.weighted_mean([]) is None


def test_nominal_ageing_before_receipt_counts_days_at_the_reference_temperature():
    day = 86400
    assert scores.nominal_remaining(KIN, 0, 3 * day) == pytest.approx(7.0)
    assert scores.nominal_remaining(KIN, 0, 12 * day) == 0.0
    assert scores.nominal_remaining(KIN, None, 3 * day) == 10
    # The same as a history of one reading at the reference temperature.
    assert scores.nominal_remaining(KIN, 0, 2 * day) == scores.remaining_at(
        np.array([0]), np.array([4.0]), KIN, 2 * day)
