import json
import math
from pathlib import Path

import numpy as np
import pytest

from coldchain.analysis.mkt import mkt

VECTORS = json.loads((Path(__file__).parent / "data" / "mkt_vectors.json").read_text())["vectors"]


def weights_of(inputs):
    if inputs.get("weights_hours") is not None:
        return [h * 3600 for h in inputs["weights_hours"]]
    return inputs.get("weights")


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_published_examples(vector):
    inputs = vector["inputs"]
    got = mkt(inputs["temps_c"], weights_of(inputs), inputs["delta_h_kj_mol"])
    assert got == pytest.approx(vector["computed_c"], abs=2e-3)
    decimals = vector["expected_decimals"]
    if vector.get("expected_rounding", "").startswith("truncate"):
        # The device shows a value truncated to 0.1 °C, computed on its internal samples.
        step = 10 ** -decimals
        assert math.floor(got / step + 1e-9) * step == pytest.approx(vector["expected_c"])
        assert abs(got - vector["expected_c"]) <= vector["tolerance_c"]
        mean = float(np.mean(inputs["temps_c"]))
        assert math.floor(mean * 10) / 10 == pytest.approx(vector["device_reported"]["mean_c"])
    else:
        assert round(got, decimals) == pytest.approx(vector["expected_c"])


def test_constant_series_is_its_own_mkt_and_mkt_exceeds_the_mean():
    assert mkt([4.0] * 10) == pytest.approx(4.0, abs=1e-9)
    temps = [2, 2, 5, 8, 8, 8, 8]
    assert mkt(temps) > np.mean(temps)


def test_durations_weigh_readings():
    # One reading held three times as long counts like three equal readings.
    assert mkt([20.0, 2.0], [3.0, 1.0]) == pytest.approx(mkt([20.0, 20.0, 20.0, 2.0]))
    # A reading held for no time does not count at all.
    assert mkt([5.0, 40.0], [600, 0]) == pytest.approx(5.0)


@pytest.mark.parametrize("vector", [v for v in VECTORS if "sensitivity" in v],
                         ids=lambda v: v["id"])
def test_sensitivity_to_activation_energy(vector):
    inputs = vector["inputs"]
    for key, expected in vector["sensitivity"].items():
        delta_h = float(key.split("=")[1])
        assert mkt(inputs["temps_c"], weights_of(inputs), delta_h) == pytest.approx(
            expected, abs=2e-3)


def test_long_series_stays_accurate():
    temps = np.tile([2.0, 8.0], 500_000)
    assert mkt(temps) == pytest.approx(mkt([2.0, 8.0]), abs=1e-9)


@pytest.mark.parametrize("temps, weights", [([], None), ([1.0, float("nan")], None),
                                            ([-300.0], None), ([1.0, 2.0], [1.0]),
                                            ([1.0], [-1.0]), ([1.0, 2.0], [0.0, 0.0])])
def test_bad_input(temps, weights):
    with pytest.raises(ValueError):
        mkt(temps, weights)
