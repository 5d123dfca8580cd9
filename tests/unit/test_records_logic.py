"""The pure parts of the GB 31605 records: a day's figures and the probe limits at receipt."""

from __future__ import annotations

import numpy as np
import pytest

from coldchain.analysis.daily_stats import figures
from wms.errors import ValidationFailed
from wms.receipt_probe import ProbeLimits, judge

RULES = {"warm_goods": "quarantine",
         "classes": {"chilled": {"max_c": 4.0, "tolerance_c": 1.0},
                     "frozen": {"max_c": -18.0, "tolerance_c": 3.0}}}


def test_day_figures_are_the_plain_statistics_of_the_readings():
    rng = np.random.default_rng(1)
    times = np.arange(0, 86400, 600, dtype=np.int64)
    temps = rng.normal(2.5, 0.6, times.size)
    got = figures(times, temps, watched_s=86400, interval_s=600)
    assert got.readings == 144 and got.coverage == 1.0
    assert got.min_c == round(temps.min(), 2) and got.max_c == round(temps.max(), 2)
    assert got.mean_c == round(temps.mean(), 2)
    assert got.longest_gap_min == 10.0


def test_missing_readings_lower_the_coverage_and_show_the_gap():
    times = np.arange(0, 86400, 600, dtype=np.int64)
    keep = np.r_[0:60, 96:144]  # six hours missing
    got = figures(times[keep], np.full(keep.size, 3.0), watched_s=86400, interval_s=600)
    assert got.coverage == round(108 / 144, 3)
    assert got.longest_gap_min == 370.0


def test_a_sensor_without_readings_has_no_figures():
    got = figures(np.empty(0, np.int64), np.empty(0), watched_s=3600, interval_s=600)
    assert (got.readings, got.min_c, got.mean_c, got.coverage) == (0, None, None, 0.0)


@pytest.mark.parametrize("temp_class, probe, warm", [
    ("chilled", 5.0, False), ("chilled", 5.1, True), ("frozen", -15.0, False),
    ("frozen", -14.9, True), ("ambient", 40.0, False)])  # no limit for ambient here
def test_the_limit_is_the_class_bound_plus_its_tolerance(temp_class, probe, warm):
    verdict = judge(ProbeLimits.from_dict(RULES), temp_class, probe)
    assert verdict.warm is warm


def test_an_unknown_warm_goods_mode_is_refused_when_the_rules_are_read():
    with pytest.raises(ValueError, match="warm_goods"):
        ProbeLimits.from_dict({**RULES, "warm_goods": "ignore"})


def test_an_impossible_probe_reading_names_the_field():
    with pytest.raises(ValidationFailed) as err:
        judge(ProbeLimits.from_dict(RULES), "chilled", 250.0)
    assert "probe_temp_c" in err.value.errors
