"""A lot's cumulative time out of range is counted over its own journey, with a minimum
dwell time per place (README, "Exposure that follows the lot")."""

from __future__ import annotations

import numpy as np

from coldchain.analysis.excursions import AlarmRule
from coldchain.analysis.journey import Stay, journey_alarms

RULE_X = AlarmRule("hot", 4.0, 30, "cumulative", "severe", name="chilled-warm-total-30m")
MIN = 60


def _stay(place, start_min, end_min, readings):
    """``readings``: (minute, °C) pairs of the place's sensor."""
    return Stay(place, start_min * MIN, end_min * MIN,
                np.array([m * MIN for m, _ in readings], dtype=np.int64),
                np.array([c for _, c in readings]))


def _every(start, end, temp, step=5):
    return [(m, temp) for m in range(start, end, step)]


def test_the_worked_example_room_staging_truck():
    room = _stay(1, 0, 120, _every(-60, 125, 3.0))                 # 2 h in range
    staging = _stay(2, 120, 123, _every(60, 130, 12.0, step=1))   # 3 min at 12 °C
    truck = _stay(3, 123, 163, _every(123, 128, 3.0) + _every(128, 170, 8.0))
    [alarm] = journey_alarms([room, staging, truck], [RULE_X], min_dwell_s=5 * MIN,
                             max_gap_s=30 * MIN)
    assert alarm.per_stay_s == (0, 0, 35 * MIN)  # the staging stay is below the dwell time
    assert alarm.counted_s == 35 * MIN
    assert alarm.alarm_at == (128 + 30) * MIN and alarm.stay == 2
    assert alarm.run_start == 128 * MIN and alarm.peak_c == 8.0


def test_a_place_warm_before_the_lot_arrived_does_not_count_against_it():
    # the room was at 9 °C all morning; the lot came in at 10:00, when it was back at 3 °C
    room = _stay(1, 600, 720, _every(0, 600, 9.0) + _every(600, 725, 3.0))
    [alarm] = journey_alarms([room], [RULE_X], min_dwell_s=5 * MIN, max_gap_s=30 * MIN)
    assert alarm.counted_s == 0 and not alarm.alarmed


def test_the_reading_in_force_when_the_lot_arrives_counts_and_the_run_starts_before():
    truck = _stay(3, 62, 102, _every(0, 110, 9.0))  # warm since minute 0, lot in at 62
    [alarm] = journey_alarms([truck], [RULE_X], min_dwell_s=5 * MIN, max_gap_s=30 * MIN)
    assert alarm.per_stay_s == (40 * MIN,)
    assert alarm.alarm_at == 92 * MIN and alarm.run_start == 0


def test_a_lot_split_across_two_warm_places_counts_the_time_once():
    a = _stay(1, 0, 20, _every(0, 25, 9.0))
    b = _stay(2, 0, 20, _every(0, 25, 9.0))
    [alarm] = journey_alarms([a, b], [RULE_X], min_dwell_s=5 * MIN, max_gap_s=30 * MIN)
    assert alarm.counted_s == 20 * MIN and not alarm.alarmed


def test_time_without_readings_counts_nothing():
    truck = _stay(3, 0, 240, [(0, 9.0), (5, 9.0), (200, 3.0)])  # silent for over 3 h
    [alarm] = journey_alarms([truck], [RULE_X], min_dwell_s=5 * MIN, max_gap_s=30 * MIN)
    assert alarm.counted_s == 5 * MIN
