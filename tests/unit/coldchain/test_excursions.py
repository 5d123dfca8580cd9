import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coldchain.analysis.excursions import (
    COLD,
    CONSECUTIVE,
    CUMULATIVE,
    HOT,
    AlarmRule,
    clean_series,
    evaluate,
    zone_range,
    zone_rules,
)
from wms.models.enums import TempClass

MIN = 60


def series(temps, step=MIN, start=0):
    temps = np.asarray(temps, dtype=float)
    return start + np.arange(temps.size, dtype=np.int64) * step, temps


def hot(threshold, delay, kind=CONSECUTIVE, severity="major"):
    return AlarmRule(HOT, threshold, delay, kind, severity)


def cold(threshold, delay, kind=CONSECUTIVE, severity="major"):
    return AlarmRule(COLD, threshold, delay, kind, severity)


def test_consecutive_resets_but_cumulative_adds_up():
    # Three 10-minute door openings above 4 °C, 5 minutes apart.
    temps = ([6.0] * 10 + [3.0] * 5) * 3
    t, temps = series(temps + [3.0])
    rules = [hot(4, 25), hot(4, 25, CUMULATIVE)]
    ev = evaluate(t, temps, rules, MIN, max_gap_intervals=3)
    consecutive = [e for e in ev.excursions if e.rule.kind == CONSECUTIVE]
    cumulative = [e for e in ev.excursions if e.rule.kind == CUMULATIVE]
    assert [e.duration_s for e in consecutive] == [600, 600, 600]
    assert not any(e.alarmed for e in consecutive)
    [total] = cumulative
    assert total.periods == 3
    assert total.duration_s == 1800
    # 10 + 10 minutes before the third opening (which starts at minute 30), 5 more needed.
    assert total.alarm_at == 30 * MIN + 5 * MIN
    assert total.start == 0 and total.end == 40 * MIN
    assert total.closed_by == "in_range"


def test_consecutive_delay_is_inclusive_and_fires_at_start_plus_delay():
    t, temps = series([2.0, 5.0, 5.0, 5.0, 2.0])
    [e] = evaluate(t, temps, [hot(4, 3)], MIN).excursions
    assert (e.start, e.end, e.duration_s) == (MIN, 4 * MIN, 3 * MIN)
    assert e.alarm_at == 4 * MIN
    [e] = evaluate(t, temps, [hot(4, 3.5)], MIN).excursions
    assert e.alarm_at is None


def test_zero_delay_fires_on_first_out_of_range_reading():
    t, temps = series([2.0, 5.0, 2.0])
    [e] = evaluate(t, temps, [hot(4, 0)], MIN).excursions
    assert e.alarm_at == MIN


def test_thresholds_are_exclusive():
    t, temps = series([4.0, 0.0, 4.0, 0.0, 4.01, -0.01])
    ev = evaluate(t, temps, zone_rules(TempClass.CHILLED, delay_min=0), MIN)
    assert [(e.rule.direction, e.start) for e in ev.excursions] == [(HOT, 4 * MIN),
                                                                    (COLD, 5 * MIN)]


def test_frozen_zone_keeps_minus_18_in_range():
    assert zone_range("frozen") == (None, -18.0)
    rules = zone_rules(TempClass.FROZEN, delay_min=0)
    assert [(r.direction, r.threshold_c) for r in rules] == [(HOT, -18.0)]
    t, temps = series([-18.0, -25.0, -17.9, -18.0])
    [e] = evaluate(t, temps, rules, MIN).excursions
    assert (e.start, e.end, e.peak_c) == (2 * MIN, 3 * MIN, -17.9)


def test_zone_rules_cover_both_bounds_and_configurable_ambient():
    rules = zone_rules("ambient", delay_min=15, cumulative_delay_min=120,
                       ambient_range_c=(10.0, 20.0))
    assert {(r.direction, r.kind, r.threshold_c, r.delay_min) for r in rules} == {
        (HOT, CONSECUTIVE, 20.0, 15), (HOT, CUMULATIVE, 20.0, 120),
        (COLD, CONSECUTIVE, 10.0, 15), (COLD, CUMULATIVE, 10.0, 120)}
    assert zone_range(TempClass.CHILLED) == (0.0, 4.0)
    with pytest.raises(ValueError):
        zone_range("ambient", (20.0, 10.0))


def test_peak_and_degree_minutes():
    t, temps = series([3.0, 6.0, 9.0, 9.0, 5.0, 2.0])
    [e] = evaluate(t, temps, [hot(4, 2)], MIN).excursions
    assert e.peak_c == 9.0 and e.peak_at == 2 * MIN  # the first time the peak was reached
    assert e.degree_minutes == pytest.approx(2 + 5 + 5 + 1)
    t, temps = series([3.0, -1.0, -2.5, 1.0])
    [e] = evaluate(t, temps, [cold(0, 1)], MIN).excursions
    assert e.peak_c == -2.5
    assert e.degree_minutes == pytest.approx(3.5)


def test_open_excursion_at_last_reading():
    t, temps = series([3.0, 6.0, 7.0, 8.0])
    [e] = evaluate(t, temps, [hot(4, 5)], MIN).excursions
    assert e.end is None and e.closed_by is None and e.is_open
    # The last reading holds for no time when nothing says how long it was observed.
    assert e.duration_s == 2 * MIN and e.alarm_at is None
    [e] = evaluate(t, temps, [hot(4, 5)], MIN, end_time=int(t[-1]) + 3 * MIN).excursions
    assert e.end is None and e.duration_s == 5 * MIN and e.alarm_at == 6 * MIN


def test_gap_is_a_finding_and_closes_the_open_excursion():
    t = np.array([0, 60, 120, 180, 3000, 3060, 3120], dtype=np.int64)
    temps = np.array([3.0, 6.0, 6.0, 6.0, 6.0, 6.0, 3.0])
    ev = evaluate(t, temps, [hot(4, 3), hot(4, 5, CUMULATIVE)], 60, max_gap_intervals=5)
    assert [(g.start, g.end, g.duration_s) for g in ev.gaps] == [(180, 3000, 2820)]
    first, second, total = sorted(ev.excursions, key=lambda e: (e.rule.kind, e.start))
    assert (first.start, first.end, first.closed_by) == (60, 180, "gap")
    assert first.duration_s == 120 and first.alarm_at is None  # time without data never counts
    assert (second.start, second.end, second.closed_by) == (3000, 3120, "in_range")
    assert total.periods == 2 and total.duration_s == 240 and total.alarm_at is None


def test_gap_detection_can_be_disabled():
    t = np.array([0, 60, 3000], dtype=np.int64)
    temps = np.array([6.0, 6.0, 3.0])
    ev = evaluate(t, temps, [hot(4, 30)], 60, max_gap_intervals=None)
    assert ev.gaps == []
    assert ev.excursions[0].duration_s == 3000 and ev.excursions[0].alarmed


def test_silent_sensor_until_end_time_is_an_open_gap():
    t, temps = series([3.0, 6.0, 6.0])
    ev = evaluate(t, temps, [hot(4, 30)], MIN, max_gap_intervals=3, end_time=3600)
    [gap] = ev.gaps
    assert (gap.start, gap.end, gap.duration_s) == (120, None, 3480)
    [e] = ev.excursions
    assert (e.end, e.closed_by, e.duration_s) == (120, "gap", 60)


def test_order_and_duplicates_do_not_matter_and_conflicts_keep_the_hottest():
    t = np.array([120, 0, 60, 60, 180], dtype=np.int64)
    temps = np.array([6.0, 3.0, 5.0, 7.0, 3.0])
    ct, ctemps, dropped = clean_series(t, temps)
    assert ct.tolist() == [0, 60, 120, 180]
    assert ctemps.tolist() == [3.0, 7.0, 6.0, 3.0]
    assert dropped == 1
    ev = evaluate(t, temps, [hot(4, 0)], MIN)
    assert ev.duplicates == 1 and ev.readings == 4
    assert ev.excursions[0].peak_c == 7.0


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        evaluate([0, 60], [1.0, float("nan")], [hot(4, 1)], 60)
    with pytest.raises(ValueError):
        evaluate([0, 60], [1.0], [hot(4, 1)], 60)
    with pytest.raises(ValueError):
        evaluate([0, 60], [1.0, 2.0], [hot(4, 1)], 0)
    with pytest.raises(ValueError):
        AlarmRule("warm", 4, 1)
    with pytest.raises(ValueError):
        AlarmRule(HOT, 4, -1)
    with pytest.raises(ValueError):
        AlarmRule(HOT, 4, 1, "sometimes")


def test_empty_series_and_datetime64_times():
    ev = evaluate(np.array([], dtype=np.int64), np.array([]), [hot(4, 1)], 60)
    assert ev.excursions == [] and ev.readings == 0
    t = np.array(["2024-05-01T00:00", "2024-05-01T00:01"], dtype="datetime64[m]")
    ev = evaluate(t, [5.0, 3.0], [hot(4, 1)], 60)
    assert ev.excursions[0].start == 1714521600


def test_to_dict_is_json_ready():
    t, temps = series([3.0, 6.0, 6.0, 3.0])
    ev = evaluate(t, temps, [hot(4, 1, severity="critical")], MIN, end_time=240)
    data = json.loads(json.dumps(ev.to_dict()))
    [e] = data["excursions"]
    assert e["start"] == "1970-01-01T00:01:00+00:00"
    assert e["severity"] == "critical" and e["threshold_c"] == 4 and e["duration_min"] == 2
    assert e["rule"]["name"] == "hot consecutive >4 °C for 1 min"
    assert AlarmRule.from_dict(e["rule"]).threshold_c == 4


# --- property tests -------------------------------------------------------------------------


def reference(times, temps, rule, interval, max_gap_intervals, end_time=None):
    """Reading-by-reading restatement of the conventions, for comparison."""
    pairs = {}
    for t, c in zip(times, temps, strict=True):
        pairs[t] = max(c, pairs.get(t, -np.inf))
    ts = sorted(pairs)
    limit = np.inf if max_gap_intervals is None else max_gap_intervals * interval
    found, current, total, alarm_total = [], None, 0, None
    for i, t in enumerate(ts):
        c = pairs[t]
        nxt = ts[i + 1] if i + 1 < len(ts) else None
        if nxt is None:
            hold = 0 if end_time is None or end_time - t > limit else end_time - t
        else:
            hold = 0 if nxt - t > limit else nxt - t
        if rule.direction == HOT:
            out = c >= rule.threshold_c if rule.inclusive else c > rule.threshold_c
        else:
            out = c <= rule.threshold_c if rule.inclusive else c < rule.threshold_c
        if out:
            if current is None:
                current = {"start": t, "dur": 0}
                found.append(current)
            if rule.kind == CUMULATIVE and alarm_total is None and total + hold >= rule.delay_s:
                alarm_total = t + rule.delay_s - total
            current["dur"] += hold
            total += hold
            gap_next = nxt is not None and nxt - t > limit
            if gap_next or nxt is None:
                current = None
        else:
            current = None
    if rule.kind == CUMULATIVE:
        return [(found[0]["start"], total, alarm_total)] if found else []
    return [(f["start"], f["dur"], f["start"] + rule.delay_s if f["dur"] >= rule.delay_s
             else None) for f in found]


readings_strategy = st.lists(
    st.tuples(st.integers(0, 400), st.sampled_from([-2.0, 0.0, 1.5, 3.9, 4.0, 4.1, 6.0, 9.5])),
    min_size=1, max_size=120)
rule_strategy = st.builds(
    AlarmRule, st.sampled_from([HOT, COLD]), st.sampled_from([0.0, 4.0]),
    st.sampled_from([0, 1, 3, 10]), st.sampled_from([CONSECUTIVE, CUMULATIVE]),
    inclusive=st.booleans())


@settings(max_examples=200, deadline=None)
@given(readings_strategy, rule_strategy, st.sampled_from([None, 2, 4]),
       st.sampled_from([None, 0, 5]))
def test_vectorised_evaluation_matches_reading_by_reading(readings, rule, gap, tail):
    times = [m * 60 for m, _ in readings]
    temps = [c for _, c in readings]
    end_time = None if tail is None else max(times) + tail * 60
    ev = evaluate(times, temps, [rule], 60, gap, end_time=end_time)
    got = [(e.start, e.duration_s, e.alarm_at) for e in ev.excursions]
    assert got == reference(times, temps, rule, 60, gap, end_time)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300),
                          st.floats(-5, 12, allow_nan=False).map(lambda x: round(x, 1))),
                min_size=1, max_size=150, unique_by=lambda r: r[0]),
       st.randoms(use_true_random=False), st.integers(0, 40))
def test_shuffled_and_duplicated_readings_give_the_same_result(readings, rnd, n_dup):
    rules = zone_rules(TempClass.CHILLED, delay_min=5, cumulative_delay_min=20)
    clean = sorted(readings)
    t = np.array([m * 60 for m, _ in clean], dtype=np.int64)
    c = np.array([x for _, x in clean])
    expected = evaluate(t, c, rules, 60, 3).to_dict()
    messy = list(clean) + [rnd.choice(clean) for _ in range(n_dup)]
    rnd.shuffle(messy)
    mt = np.array([m * 60 for m, _ in messy], dtype=np.int64)
    mc = np.array([x for _, x in messy])
    got = evaluate(mt, mc, rules, 60, 3)
    assert got.duplicates == len(messy) - len(clean)
    assert got.to_dict() | {"duplicates": 0} == expected
