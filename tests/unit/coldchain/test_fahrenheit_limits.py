"""Readings in °F are judged at 0.01 °C: a value at a zone's limit is in range, the next
tenth of a degree beyond it is out, for every zone."""

from __future__ import annotations

import numpy as np
import pytest

from coldchain.analysis.excursions import evaluate
from coldchain.analysis.readings.conventions import temperature
from coldchain.analysis.readings.json_batch import normalise_json
from coldchain.analysis.rules import read
from coldchain.analysis.units import f_to_c
from coldchain.monitoring.alarm_rules import DEFAULT_PATH

BOOK = read(DEFAULT_PATH)

# (zone, °F at the limit, °F just beyond it, direction of the rule it breaks)
LIMITS = [
    ("frozen", -0.4, -0.3, "hot"),     # −18 °C
    ("chilled", 32.0, 31.9, "cold"),   # 0 °C
    ("chilled", 39.2, 39.3, "hot"),    # 4 °C
    ("ambient", 41.0, 40.9, "cold"),   # 5 °C
    ("ambient", 77.0, 77.1, "hot"),    # 25 °C
]


def _range_rules(zone, direction):
    low, high = BOOK.ranges[zone]
    bound = high if direction == "hot" else low
    found = [r for r in BOOK.for_zone(zone)
             if r.direction == direction and r.threshold_c == bound]
    assert found, f"{zone} has a {direction} rule at its range limit"
    return found


@pytest.mark.parametrize(("zone", "at_limit", "beyond", "direction"), LIMITS)
def test_a_fahrenheit_value_at_the_limit_is_in_range_and_beyond_it_is_out(
        zone, at_limit, beyond, direction):
    for rule in _range_rules(zone, direction):
        assert not rule.violated(np.array([f_to_c(at_limit)]))[0], (zone, at_limit)
        assert rule.violated(np.array([f_to_c(beyond)]))[0], (zone, beyond)


@pytest.mark.parametrize(("zone", "at_limit", "beyond", "direction"), LIMITS)
def test_logger_files_and_json_batches_convert_to_the_limit_exactly(
        zone, at_limit, beyond, direction):
    low, high = BOOK.ranges[zone]
    limit_c = high if direction == "hot" else low
    assert temperature(str(at_limit), "F", False) == (limit_c, None)
    parsed = normalise_json({"readings": [{"serial": "S", "timestamp": "2026-11-20T06:00:00Z",
                                           "temperature": at_limit, "unit": "F"}]})
    assert parsed.temps_c.tolist() == [limit_c]


def test_a_chilled_room_sitting_at_39_2_f_for_seventy_minutes_raises_nothing():
    times = np.arange(15) * 300
    temps = np.array([temperature("39.2", "F", False)[0]] * 15)
    result = evaluate(times, temps, BOOK.for_zone("chilled"), 300, BOOK.max_gap_intervals)
    assert result.excursions == []
