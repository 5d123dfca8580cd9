"""How far ahead of the clock a reading is, in the words an error report uses."""

from datetime import UTC, datetime

import numpy as np
import pytest

from coldchain.analysis.readings.clock import ahead, ahead_reason, span

NOW = int(datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp())


@pytest.mark.parametrize("seconds, words", [
    (5 * 365.25 * 86400 + 10, "5 years"), (400 * 86400, "1 year"), (3 * 86400, "3 days"),
    (86400, "1 day"), (2 * 3600 + 59 * 60, "2 hours"), (3600, "1 hour"), (25 * 60, "25 min"),
    (59, "59 s"),
])
def test_spans_round_down_to_their_largest_unit(seconds, words):
    assert span(seconds) == words


def test_only_readings_beyond_the_skew_are_ahead():
    times = np.array([NOW - 60, NOW + 600, NOW + 601, NOW + 10**9])
    assert ahead(times, NOW, 600).tolist() == [False, False, True, True]


def test_the_reason_names_the_time_the_distance_and_the_limit():
    at = int(datetime(2031, 12, 2, tzinfo=UTC).timestamp())
    assert ahead_reason(at, NOW, 600) == (
        "2031-12-02T00:00:00+00:00 is 5 years ahead of the server clock (more than 10 min)")
