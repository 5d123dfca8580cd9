"""Mean kinetic temperature (MKT).

MKT is the single constant temperature that would cause the same total degradation as the
varying temperatures observed, for a reaction with activation energy ΔH (USP <1160>):

    MKT = (ΔH/R) / −ln( Σ wᵢ·exp(−ΔH/(R·Tᵢ)) / Σ wᵢ )        (Tᵢ in kelvin)

Conventions: temperatures in °C, result in °C; ΔH in kJ/mol, default 83.144 kJ/mol so that
ΔH/R ≈ 10,000 K; R is the CODATA gas constant. Readings at equal intervals weigh the same;
when intervals differ each reading is weighted by how long it held (its duration in seconds,
see ``coldchain.analysis.excursions.hold_durations``). MKT is a stability figure for medicines
(30-day window for controlled room temperature, 24 h for cold chain); for food spoilage use
``coldchain.analysis.shelf_life``, and do not use MKT for frozen goods.
"""

from __future__ import annotations

import math

import numpy as np

from coldchain.analysis.units import GAS_CONSTANT_J, KELVIN_OFFSET

DEFAULT_DELTA_H_KJ = 83.144


def mkt(temps_c, durations_s=None, delta_h_kj: float = DEFAULT_DELTA_H_KJ) -> float:
    """Mean kinetic temperature in °C of readings, optionally weighted by their durations."""
    temps = np.asarray(temps_c, dtype=np.float64)
    if temps.ndim != 1 or temps.size == 0:
        raise ValueError("need at least one temperature")
    if not np.all(np.isfinite(temps)) or np.any(temps <= -KELVIN_OFFSET):
        raise ValueError("temperatures must be finite and above absolute zero")
    if not math.isfinite(delta_h_kj) or delta_h_kj <= 0:
        raise ValueError("delta_h_kj must be > 0")
    if durations_s is None:
        weights = np.ones_like(temps)
    else:
        weights = np.asarray(durations_s, dtype=np.float64)
        if weights.shape != temps.shape:
            raise ValueError("durations_s must match temps_c")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError("durations must be finite and ≥ 0")
        if weights.sum() <= 0:
            raise ValueError("the durations add up to no time at all")
    h_over_r = delta_h_kj * 1000.0 / GAS_CONSTANT_J
    exponent = -h_over_r / (temps + KELVIN_OFFSET)
    # exp(−ΔH/RT) is ~1e-15 around room temperature; shift by the largest exponent so long
    # series sum without losing precision (log-sum-exp).
    top = exponent.max()
    mean = np.sum(weights * np.exp(exponent - top)) / weights.sum()
    return float(h_over_r / -(top + math.log(mean)) - KELVIN_OFFSET)
