"""What the temperature chart is drawn from: fewer points that keep every extreme, one
event per excursion as people count it, and the share of the lot's time measured."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from coldchain.analysis.downsample import chart_points, min_max
from coldchain.analysis.events import Span, measured_pieces, merge_events, union_length

T0 = 1_764_000_000


def test_a_five_minute_spike_in_a_month_survives_a_500_point_chart():
    times = np.arange(T0, T0 + 30 * 86400, 60, dtype=np.int64)  # a month, one a minute
    temps = np.full(times.size, 3.0)
    temps[20_000:20_005] = 11.5  # five warm minutes
    temps[31_000] = -1.2
    t, c = min_max(times, temps, 500)
    assert t.size <= 500
    assert c.max() == 11.5 and c.min() == -1.2
    assert list(t) == sorted(t)
    pts = chart_points(times, temps, 500)
    assert max(v for _, v in pts) == 11.5
    assert pts[0][0].endswith("Z")


@given(st.lists(st.floats(-40, 60, allow_nan=False), min_size=1, max_size=3000),
       st.integers(4, 600))
def test_downsampling_keeps_the_extremes_and_the_order(values, max_points):
    temps = np.asarray(values)
    times = T0 + 30 * np.arange(temps.size, dtype=np.int64)
    t, c = min_max(times, temps, max_points)
    assert t.size <= max_points
    assert c.max() == temps.max() and c.min() == temps.min()
    assert np.all(np.diff(t) > 0)
    # every kept point is a real reading at its own time
    assert np.array_equal(temps[(t - T0) // 30], c)


def span(start_min, end_min, rule="warm-30m", severity="major", peak=8.0, sensor="S1",
         place="SH1-T01-C", direction="hot"):
    return Span(place, direction, T0 + 60 * start_min,
                None if end_min is None else T0 + 60 * end_min, peak, severity, rule, sensor)


def test_one_excursion_found_per_rule_and_per_sensor_is_one_event():
    found = [span(0, 27, "warm-30m", "major", 8.4, "S1"),
             span(2, 25, "warm-severe", "severe", 11.5, "S1"),
             span(1, 27, "warm-30m", "major", 9.0, "S2"),
             span(3, 24, "warm-severe", "severe", 10.9, "S2")]
    [event] = merge_events(found)
    assert event.start == T0 and event.end == T0 + 27 * 60
    assert event.peak_c == 11.5 and event.severity == "severe"
    assert event.rules == ("warm-30m", "warm-severe") and event.sensors == ("S1", "S2")
    assert event.findings == 4
    assert event.duration_s(now=0) == 27 * 60


def test_separate_periods_places_and_directions_stay_separate():
    found = [span(0, 10), span(30, 40), span(5, 8, place="SH1-C"),
             span(0, 10, direction="cold", peak=-2.0)]
    events = merge_events(found)
    assert len(events) == 4
    assert [e.start for e in events] == sorted(e.start for e in events)


def test_an_open_excursion_swallows_the_later_findings_and_lasts_until_now():
    [event] = merge_events([span(0, None), span(50, 70, peak=12.0)])
    assert event.end is None and event.peak_c == 12.0
    assert event.duration_s(now=T0 + 90 * 60) == 90 * 60


def test_a_cold_event_peaks_at_its_lowest():
    [event] = merge_events([span(0, 10, direction="cold", peak=-1.0),
                            span(5, 20, direction="cold", peak=-3.5)])
    assert event.peak_c == -3.5


def test_union_length_counts_overlaps_once():
    assert union_length([(0, 10), (5, 15), (20, 30), (30, 31), (40, 40)]) == 26
    assert union_length([]) == 0


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), max_size=30))
def test_union_length_is_the_number_of_covered_seconds(intervals):
    covered = set()
    for lo, hi in intervals:
        covered.update(range(lo, hi))
    assert union_length(intervals) == len(covered)


def test_a_silence_in_the_readings_is_unmeasured_time():
    every_5_min = [T0 + 300 * i for i in range(13)]  # one hour
    resumed = [T0 + 7200 + 300 * i for i in range(13)]  # an hour's silence, then another
    pieces = measured_pieces(every_5_min + resumed, until=T0 + 4 * 3600)
    measured = union_length(pieces)
    # each hour of readings, plus the last one of each run held for up to three intervals
    assert measured == 3600 + 900 + 3600 + 300
    assert measured_pieces([], until=T0) == []


def _pieces_one_by_one(times, until, hold_steps=3.0):
    """The reading-by-reading rule the array version must equal."""
    if not times:
        return []
    steps = sorted(b - a for a, b in itertools.pairwise(times) if b > a)
    usual = steps[len(steps) // 2] if steps else 0
    out = []
    for i, at in enumerate(times):
        nxt = times[i + 1] if i + 1 < len(times) else min(until, at + usual)
        hi = min(nxt, at + hold_steps * usual, until)
        if hi > at:
            out.append((int(at), int(hi)))
    return out


@given(st.lists(st.integers(0, 5_000), max_size=60), st.integers(-100, 6_000),
       st.sampled_from([1.0, 2.5, 3.0]))
def test_measured_pieces_in_arrays_equal_the_reading_by_reading_rule(offsets, until, hold):
    times = sorted(T0 + o for o in offsets)
    assert measured_pieces(times, T0 + until, hold) == _pieces_one_by_one(times, T0 + until,
                                                                          hold)
