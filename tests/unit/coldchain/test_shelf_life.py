"""Shelf-life kinetics against the published product data in shelf_life_params.json."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from coldchain.analysis.shelf_life import (
    Kinetics,
    assess,
    life_used,
    relative_rate,
    remaining_days,
    shelf_life_at,
)

PRODUCTS = {p["product"].split(" (")[0].split(",")[0]: p for p in json.loads(
    (Path(__file__).parent / "data" / "shelf_life_params.json").read_text())["products"]}
DAY = 86400


def product(prefix):
    [p] = [p for name, p in PRODUCTS.items() if name.startswith(prefix)]
    return p


def test_fresh_fish_square_root_model():
    p = product("Fresh fish")
    tmin = p["parameters"]["tmin_c"]
    # "SL = 21 d at 5 °C" → 47.2 d at 0 °C (SSSP screen), 47.25 computed.
    k = Kinetics("sqrt", 21.0, 5.0, tmin_c=tmin)
    [v_sl, v_rrs] = p["test_vectors"]
    assert shelf_life_at(0.0, k) == pytest.approx(v_sl["computed"], abs=1e-9)
    assert round(shelf_life_at(0.0, k), 1) == pytest.approx(47.2, abs=0.051)
    # RRS at 10 °C relative to the 0 °C reference of the product card.
    k0 = Kinetics("sqrt", shelf_life_at(0.0, k), p["reference_temp_c"], tmin_c=tmin)
    assert relative_rate(10.0, k0) == pytest.approx(v_rrs["expected"])


def test_seafood_arrhenius_model():
    p = product("Seafood")
    k = Kinetics("arrhenius", p["shelf_life_at_reference"], p["reference_temp_c"],
                 activation_energy_kj=p["parameters"]["ea_kj_mol"])
    [v] = p["test_vectors"]
    assert shelf_life_at(0.0, k) == pytest.approx(v["computed"], abs=0.01)
    assert shelf_life_at(0.0, k) == pytest.approx(46.4, abs=0.1)


def test_cold_smoked_salmon_exponential_model_with_temperature_abuse():
    # ln RRS = 0.089·T; the batch's shelf life at 5 °C (≈36 d) is implied, not published.
    p = product("Cold-smoked salmon")
    a = p["parameters"]["a_per_c"]
    k = Kinetics.exponential(a, 36.0, p["reference_temp_c"])
    first, second = p["test_vectors"]
    # 8.9 d at 5 °C, then 15 °C until spent: predicted 20 d in total.
    used = 8.9 / 36.0
    total = 8.9 + (1 - used) * shelf_life_at(15.0, k)
    assert total == pytest.approx(20.0, abs=0.5)
    t = np.array([0, int(8.9 * DAY)])
    assert life_used(t, [5.0, 15.0], k, end=int(total * DAY)) == pytest.approx(1.0, abs=1e-4)
    # 8.9 d at 15 °C, then 5 °C: predicted 24 d (observed 25); ≈23 d from the implied 36 d.
    used = 8.9 / shelf_life_at(15.0, k)
    total = 8.9 + (1 - used) * 36.0
    assert abs(total - 24.0) <= 1.0
    assert "20 d" in first["expected"] and "24 d" in second["expected"]


def test_cooked_shrimp_exponential_model():
    p = product("Cooked & brined shrimp")
    a = p["parameters"]["a_per_c"]
    low, high = p["shelf_life_at_reference"]
    [v] = p["test_vectors"]
    got = [shelf_life_at(25.0, Kinetics.exponential(a, sl, p["reference_temp_c"]))
           for sl in (low, high)]
    assert got == pytest.approx(v["computed"], abs=0.05)


def test_produce_piecewise_q10_bands():
    # Saltveit's table: relative shelf life 100 at 0 °C, one Q10 per 10 °C band.
    p = product("Typical perishable fresh produce")
    bands = p["parameters"]["q10_by_band"]
    [v] = p["test_vectors"]
    life = float(p["shelf_life_at_reference"])
    got = [life]
    for start, band in zip((0, 10, 20, 30), ("0-10", "10-20", "20-30", "30-40"), strict=True):
        life = shelf_life_at(start + 10.0, Kinetics("q10", life, start, q10=bands[band]))
        got.append(life)
    assert got == pytest.approx(v["computed"], abs=0.01)
    assert [round(x) for x in got] == v["expected"]


def test_fresh_cut_lettuce_derived_parameters_reproduce_the_data_points():
    p = product("Fresh-cut lettuce")
    points = {d["t_c"]: d["sl_days"] for d in p["parameters"]["points"]}
    prm = p["parameters"]
    k = Kinetics("q10", points[5], 5.0, q10=prm["derived_q10_5_15"])
    assert shelf_life_at(15.0, k) == pytest.approx(points[15], abs=0.02)
    k = Kinetics("arrhenius", points[5], 5.0, activation_energy_kj=prm["derived_ea_5_15_kj_mol"])
    assert shelf_life_at(15.0, k) == pytest.approx(points[15], abs=0.02)
    k = Kinetics("q10", points[5], 5.0, q10=prm["derived_q10_0_5"])
    assert shelf_life_at(0.0, k) == pytest.approx(points[0], abs=0.05)


def test_strawberries_q10_and_equivalent_arrhenius():
    p = product("Strawberries")
    [v] = p["test_vectors"]
    k = Kinetics("q10", 6.0, p["reference_temp_c"], q10=p["parameters"]["q10"])
    assert shelf_life_at(20.0, k) == pytest.approx(v["expected_approx_days"], abs=0.01)
    k = Kinetics("arrhenius", 6.0, 0.0, activation_energy_kj=p["parameters"]["ea_kj_mol_equiv"])
    assert shelf_life_at(20.0, k) == pytest.approx(v["computed"], abs=0.01)


def test_milk_square_root_and_alternatives_agree_on_the_data_points():
    p = product("Pasteurized fluid milk")
    prm = p["parameters"]
    sl0 = p["shelf_life_at_reference"]
    target = {d["t_c"]: d["sl_days"] for d in p["data_points"]}[7.2]
    for k in (Kinetics("sqrt", sl0, 0.0, tmin_c=prm["tmin_c"]),
              Kinetics("arrhenius", sl0, 0.0, activation_energy_kj=prm["alt_arrhenius_ea_kj_mol"]),
              Kinetics("q10", sl0, 0.0, q10=prm["alt_q10"])):
        assert shelf_life_at(7.2, k) == pytest.approx(target, abs=0.02), k.model


def test_chicken_square_root_and_arrhenius():
    p = product("Chicken meat")
    [v] = p["test_vectors"]
    hours = {d["t_c"]: d["sl_hours"] for d in p["data_points"]}
    for k in (Kinetics("sqrt", hours[4] / 24, 4.0, tmin_c=p["parameters"]["tmin_c"]),
              Kinetics("arrhenius", hours[4] / 24, 4.0,
                       activation_energy_kj=p["parameters"]["alt_arrhenius_ea_kj_mol"])):
        assert shelf_life_at(15.0, k) * 24 == pytest.approx(v["expected_hours"], abs=0.1)
    assert p["shelf_life_at_reference"] == pytest.approx(hours[4] / 24, abs=0.01)


def test_vaccine_vial_monitor_arrhenius_template():
    # VVM30: k = 5.1131e17·exp(−13657/T) per day; 100 % life at 37 °C after 25.99 days.
    p = product("Vaccine Vial Monitor")
    v37, v5 = p["test_vectors"]

    def k_per_day(temp_c):
        return 5.1131e17 * math.exp(-13657 / (temp_c + 273.15))

    sl37 = 1 / k_per_day(37.0)
    assert sl37 == pytest.approx(v37["computed_days_to_100pct"], abs=0.01)
    ea_kj = 13657 * 8.314462618 / 1000
    k = Kinetics("arrhenius", sl37, 37.0, activation_energy_kj=ea_kj)
    assert shelf_life_at(5.0, k) == pytest.approx(v5["computed_days_to_100pct"], rel=1e-3)
    times = np.arange(0, 26 * DAY, 3600)
    assert life_used(times, np.full(times.size, 37.0), k, end=int(sl37 * DAY)) == pytest.approx(1)


def test_sqrt_model_has_no_spoilage_below_tmin():
    k = Kinetics("sqrt", 10.0, 4.0, tmin_c=-2.0)
    assert relative_rate(-2.0, k) == 0.0 and relative_rate(-5.0, k) == 0.0
    assert shelf_life_at(-5.0, k) == math.inf
    times = np.array([0, 5 * DAY])
    assert life_used(times, [-5.0, -5.0], k, end=10 * DAY) == 0.0
    assert np.array_equal(shelf_life_at(np.array([4.0, -3.0]), k), [10.0, math.inf])


def test_life_used_integrates_history_and_remaining_days_at_reference():
    k = Kinetics("q10", 10.0, 4.0, q10=2.0)
    # 2 days at 4 °C (0.2 of life) then 1 day at 14 °C (rate 2 → 0.2 of life).
    times = np.array([0, 2 * DAY])
    used = life_used(times, [4.0, 14.0], k, end=3 * DAY)
    assert used == pytest.approx(0.4)
    assert remaining_days(times, [4.0, 14.0], k, end=3 * DAY) == pytest.approx(6.0)
    assert remaining_days(times, [4.0, 14.0], k, end=3 * DAY, at_temp=14.0) == pytest.approx(3.0)
    status = assess(times, [4.0, 14.0], k, end=3 * DAY)
    assert not status.spent and status.to_dict()["used_fraction"] == pytest.approx(0.4)


def test_spent_lot_is_flagged_and_has_no_days_left():
    k = Kinetics("q10", 2.0, 4.0, q10=3.0)
    times = np.array([0, DAY])
    status = assess(times, [14.0, 14.0], k, end=2 * DAY)
    assert status.used_fraction == pytest.approx(3.0)
    assert status.spent and status.remaining_days == 0.0


def test_kinetics_validation_and_product_rows():
    with pytest.raises(ValueError):
        Kinetics("q10", 5.0, 4.0)
    with pytest.raises(ValueError):
        Kinetics("arrhenius", 5.0, 4.0, activation_energy_kj=-1)
    with pytest.raises(ValueError):
        Kinetics("sqrt", 5.0, 4.0, tmin_c=4.0)
    with pytest.raises(ValueError):
        Kinetics("zero-order", 5.0, 4.0)
    with pytest.raises(ValueError):
        Kinetics("q10", 0.0, 4.0, q10=2.0)
    from wms.models.enums import KineticsModel

    class Row:
        kinetics_model = KineticsModel.SQRT
        shelf_life_days = 7.0
        ref_temp_c = 4.0
        q10 = None
        activation_energy_kj = None
        tmin_c = -3.0

    k = Kinetics.of(Row())
    assert k.model == "sqrt" and shelf_life_at(4.0, k) == 7.0
    with pytest.raises(ValueError):
        life_used([10, 0], [4.0, 4.0], k)
