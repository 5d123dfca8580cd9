"""The array evaluation against a reading-by-reading restatement of the module's conventions.

Every field of every excursion and gap is compared (degree-minutes to rounding: numpy sums
a run pairwise, the reference one reading after another), on readings that arrive shuffled,
duplicated (also with different values at one time) and with gaps, for several rules at
once, and with chunks small enough that runs and gaps straddle chunk boundaries.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coldchain.analysis import excursions as excursions_module
from coldchain.analysis import grid_scan, series_scan
from coldchain.analysis.excursions import (
    CONSECUTIVE,
    CUMULATIVE,
    HOT,
    AlarmRule,
    Evaluation,
    Excursion,
    Gap,
    evaluate,
    find,
)


def reference(times, temps, rules, interval, max_gap_intervals, end_time):
    pairs: dict[int, float] = {}
    for t, c in zip(times, temps, strict=True):
        pairs[t] = c if t not in pairs else max(pairs[t], c)
    ts = sorted(pairs)
    n = len(ts)
    if n == 0:
        return Evaluation(duplicates=len(times))
    limit = math.inf if max_gap_intervals is None else max_gap_intervals * interval
    hold, gap_after, gaps, trailing = [], [], [], False
    for i, t in enumerate(ts):
        if i + 1 < n:
            step = ts[i + 1] - t
            gap_after.append(step > limit)
            hold.append(0 if step > limit else step)
            if step > limit:
                gaps.append(Gap(t, ts[i + 1], step))
        else:
            gap_after.append(False)
            tail = 0 if end_time is None else end_time - t
            trailing = tail > limit
            hold.append(0 if trailing else tail)
    if trailing:
        gaps.append(Gap(ts[-1], None, end_time - ts[-1]))

    found = []
    for rule in rules:
        runs, current = [], None
        for i, t in enumerate(ts):
            if rule.violated(np.array([pairs[t]]))[0]:
                if current is None:
                    current = []
                    runs.append(current)
                current.append(i)
                if gap_after[i] or i == n - 1:
                    current = None
            else:
                current = None
        stats = [_run(rule, run, ts, pairs, hold, gap_after, trailing, n) for run in runs]
        if rule.kind == CONSECUTIVE:
            found += [Excursion(rule, s["start"], None if s["open"] else s["end"],
                                s["start"] + rule.delay_s if s["dur"] >= rule.delay_s else None,
                                s["dur"], s["peak"], s["peak_at"], s["dm"],
                                None if s["open"] else s["closed_by"]) for s in stats]
        elif stats:
            total, alarm_at = 0, None
            for s in stats:
                if alarm_at is None and total + s["dur"] >= rule.delay_s:
                    alarm_at = s["start"] + rule.delay_s - total
                total += s["dur"]
            pick = max if rule.direction == HOT else min
            worst = pick(stats, key=lambda s: s["peak"])  # the first of equal peaks
            last = stats[-1]
            found.append(Excursion(rule, stats[0]["start"], None if last["open"] else last["end"],
                                   alarm_at, total, worst["peak"], worst["peak_at"],
                                   sum(s["dm"] for s in stats),
                                   None if last["open"] else last["closed_by"], len(stats)))
    found.sort(key=lambda e: (e.start, e.rule.direction, e.rule.kind))
    return Evaluation(found, gaps, n, len(times) - n, ts[0], ts[-1])


def _run(rule, run, ts, pairs, hold, gap_after, trailing, n):
    values = [pairs[ts[i]] for i in run]
    peak = max(values) if rule.direction == HOT else min(values)
    last = run[-1]
    sign = 1 if rule.direction == HOT else -1
    return {"start": ts[run[0]], "end": ts[last] + hold[last],
            "dur": sum(hold[i] for i in run), "peak": peak,
            "peak_at": ts[run[values.index(peak)]],
            "dm": sum(sign * (pairs[ts[i]] - rule.threshold_c) * hold[i] for i in run) / 60.0,
            "open": last == n - 1 and not trailing,
            "closed_by": "gap" if gap_after[last] or (last == n - 1 and trailing)
            else "in_range"}


def assert_same(got: Evaluation, want: Evaluation) -> None:
    g, w = got.to_dict(), want.to_dict()
    for a, b in zip(g["excursions"], w["excursions"], strict=True):
        assert a.pop("degree_minutes") == pytest.approx(b.pop("degree_minutes"), rel=1e-9,
                                                         abs=1e-9)
    assert g == w


# Values at, just beside and far from the thresholds used below; at 0.01 °C (the stored
# resolution, sorted as packed keys) and arbitrary (sorted the general way). −0.0 is left
# out: it equals 0.0, so which of the two a duplicate keeps is not defined.
temps_at_resolution = st.sampled_from([-20.0, -18.01, -18.0, -0.01, 0.0, 0.01, 2.5, 3.99,
                                       4.0, 4.01, 8.0, 25.0, 25.01, 40.0])
any_temps = st.floats(-50, 50, allow_nan=False).filter(lambda x: x != 0 or
                                                       math.copysign(1, x) > 0)
rules_strategy = st.lists(st.builds(
    AlarmRule, st.sampled_from(["hot", "cold"]), st.sampled_from([-18.0, 0.0, 4.0, 25.0]),
    st.sampled_from([0, 0.5, 1, 3, 10, 60]), st.sampled_from([CONSECUTIVE, CUMULATIVE]),
    inclusive=st.booleans()), min_size=1, max_size=5)


@st.composite
def messy_series(draw):
    """Minute readings with jitter, holes and repeated times, then duplicated and shuffled."""
    n = draw(st.integers(0, 300))
    steps = draw(st.lists(st.sampled_from([60, 60, 60, 61, 59, 1, 0, 300, 3600]),
                          min_size=n, max_size=n))
    times = np.cumsum(np.array(steps, dtype=np.int64)) + draw(st.integers(0, 2_000_000_000))
    temps = draw(st.lists(draw(st.sampled_from([temps_at_resolution, any_temps])),
                          min_size=n, max_size=n))
    t, c = list(times.tolist()), list(temps)
    if n and draw(st.booleans()):
        for i in draw(st.lists(st.integers(0, n - 1), max_size=40)):
            t.append(t[i])
            c.append(draw(st.one_of(st.just(c[i]), temps_at_resolution)))
    order = draw(st.permutations(range(len(t)))) if draw(st.booleans()) else range(len(t))
    return [t[i] for i in order], [c[i] for i in order]


@settings(max_examples=400, deadline=None)
@given(messy_series(), rules_strategy, st.sampled_from([None, 2, 3, 6]),
       st.sampled_from([None, 0, 30, 200, 4000]), st.sampled_from([2, 7, 64, 1 << 15]))
def test_array_evaluation_equals_the_reading_by_reading_reference(series, rules, gap, tail,
                                                                 chunk):
    times, temps = series
    end_time = None if tail is None or not times else max(times) + tail
    saved, series_scan.CHUNK = series_scan.CHUNK, chunk
    try:
        got = evaluate(np.array(times, dtype=np.int64), np.array(temps, dtype=np.float64),
                       rules, 60, gap, end_time=end_time)
        counted = find(np.array(times, dtype=np.int64), np.array(temps, dtype=np.float64),
                       rules, 60, gap, end_time=end_time).count()
    finally:
        series_scan.CHUNK = saved
    want = reference(times, temps, rules, 60, gap, end_time)
    assert_same(got, want)
    assert counted == len(want.excursions)


def test_reference_finds_what_a_person_would():
    # The reference itself on a case worked by hand: 4 °C hot rule, 2 min delay.
    rule = AlarmRule("hot", 4.0, 2)
    ev = reference([0, 60, 120, 180, 240], [3.0, 5.0, 6.0, 3.0, 5.0], [rule], 60, 3, 300)
    [a, b] = ev.excursions
    assert (a.start, a.end, a.duration_s, a.alarm_at, a.peak_c, a.peak_at) == (
        60, 180, 120, 180, 6.0, 120)
    assert a.degree_minutes == pytest.approx(3.0) and a.closed_by == "in_range"
    assert (b.start, b.end, b.closed_by, b.alarm_at) == (240, None, None, None)


def test_general_sort_is_used_off_the_stored_resolution():
    # 4.005 is not a hundredth of a degree: the packed sort declines, the result is the same.
    t = np.array([120, 0, 60, 60], dtype=np.int64)
    c = np.array([4.005, 3.0, 4.5, 4.004])
    assert series_scan._sort_packed(t, c, 3.0, 4.5) is None
    got = evaluate(t, c, [AlarmRule("hot", 4.0, 1)], 60, end_time=180)
    assert_same(got, reference(t.tolist(), c.tolist(), [AlarmRule("hot", 4.0, 1)], 60, 3, 180))
    assert got.duplicates == 1 and got.excursions[0].peak_c == 4.5


@st.composite
def shuffled_grid_series(draw):
    """Readings on a minute clock with holes, sent again in part (also with other values
    at the same minute), in any order: what ``grid_scan`` evaluates without sorting."""
    n = draw(st.integers(2, 300))
    steps = draw(st.lists(st.sampled_from([60, 60, 60, 60, 0, 120, 180, 240, 300, 600]),
                          min_size=n, max_size=n))
    times = np.cumsum(np.array(steps, dtype=np.int64)) + 60 * draw(st.integers(0, 10**7))
    temps = draw(st.lists(draw(st.sampled_from([temps_at_resolution, any_temps])),
                          min_size=n, max_size=n))
    t, c = list(times.tolist()), list(temps)
    for i in draw(st.lists(st.integers(0, n - 1), max_size=40)):
        t.append(t[i])
        c.append(draw(st.one_of(st.just(c[i]), temps_at_resolution)))
    order = draw(st.permutations(range(len(t))))
    return [t[i] for i in order], [c[i] for i in order]


@settings(max_examples=400, deadline=None)
@given(shuffled_grid_series(), rules_strategy, st.sampled_from([None, 1, 2, 3, 6]),
       st.sampled_from([None, 0, 30, 200, 4000]), st.sampled_from([2, 7, 64, 1 << 15]))
def test_unordered_readings_on_a_grid_equal_the_reference_without_a_sort(series, rules, gap,
                                                                       tail, chunk):
    times, temps = series
    end_time = None if tail is None else max(times) + tail
    t, c = np.array(times, dtype=np.int64), np.array(temps, dtype=np.float64)
    slots = (t.max() - t.min()) // 60 + 1
    on_grid = slots <= grid_scan.MAX_SLOTS_PER_READING * t.size + chunk and bool(
        np.any(t[1:] <= t[:-1]))
    saved = series_scan.CHUNK, excursions_module.sort_unique
    series_scan.CHUNK = chunk
    if on_grid:
        excursions_module.sort_unique = _sorting_is_a_failure
    try:
        got = evaluate(t, c, rules, 60, gap, end_time=end_time)
        counted = find(t, c, rules, 60, gap, end_time=end_time).count()
    finally:
        series_scan.CHUNK, excursions_module.sort_unique = saved
    want = reference(times, temps, rules, 60, gap, end_time)
    assert_same(got, want)
    assert counted == len(want.excursions)


def _sorting_is_a_failure(*args):
    raise AssertionError("readings on a grid were sorted")


def test_off_the_grid_and_sparse_grids_are_sorted_with_the_same_result(monkeypatch):
    rule = AlarmRule("cold", 0.0, 1)
    limit = series_scan.Limit(False, 0.0, False)
    monkeypatch.setattr(series_scan, "CHUNK", 8)
    # 61 s is off a 60 s clock; a reading every 10 minutes is a grid with 9 empty slots
    # per reading; a 30 s allowed gap makes every step of a minute a gap.
    for step, gap in ((61, 3), (600, 30), (60, 0.5)):
        t = np.arange(0, 40 * step, step, dtype=np.int64)[::-1].copy()
        c = np.where(np.arange(40) % 7 < 2, -1.0, 2.0)
        assert grid_scan.grid_scan(t, c, [limit], 60, gap * 60) is None
        assert_same(evaluate(t, c, [rule], 60, gap),
                    reference(t.tolist(), c.tolist(), [rule], 60, gap, None))


def test_a_cold_reading_sent_twice_with_an_in_range_value_is_in_range_on_the_grid():
    # Minute 1 holds −1.0 and 3.0: the highest (3.0) is kept, so the cold run stops at
    # minute 1; minute 3 holds 5.0 and 2.0: 5.0 is kept and is a hot excursion.
    t = np.array([240, 60, 0, 180, 60, 120, 180], dtype=np.int64)
    c = np.array([2.0, -1.0, -2.0, 5.0, 3.0, -1.5, 2.0])
    rules = [AlarmRule("cold", 0.0, 0), AlarmRule("hot", 4.0, 0)]
    got = evaluate(t, c, rules, 60, 3, end_time=300)
    assert_same(got, reference(t.tolist(), c.tolist(), rules, 60, 3, 300))
    cold = [e for e in got.excursions if e.rule.direction == "cold"]
    assert [(e.start, e.end) for e in cold] == [(0, 60), (120, 180)]
    assert got.duplicates == 2 and got.readings == 5


def test_excursions_built_in_bulk_are_the_dataclass_instances_the_init_would_make():
    rule = AlarmRule("hot", 4.0, 1)
    t = np.arange(0, 600, 60, dtype=np.int64)
    c = np.array([3.0, 5.0, 6.0, 3.0, 5.0, 3.0, 3.0, 7.0, 7.0, 7.0])
    got = evaluate(t, c, [rule], 60, 3).excursions
    made = [Excursion(**{f: getattr(e, f) for f in Excursion.__dataclass_fields__})
            for e in got]
    assert got == made and {hash(e) for e in got} == {hash(e) for e in made}
    with pytest.raises(AttributeError):
        got[0].start = 0
    assert [e.end for e in got] == [180, 300, None]


@pytest.mark.parametrize("times", [[120, 0, 60, 180], [120, 0, 61, 180]],
                         ids=["on the clock", "off the clock"])
def test_a_temperature_that_is_not_a_number_is_named_in_unordered_readings(times):
    with pytest.raises(ValueError, match="index 2 is not a finite number"):
        evaluate(np.array(times), [1.0, 2.0, float("nan"), 3.0], [AlarmRule("hot", 4.0, 1)],
                 60)
