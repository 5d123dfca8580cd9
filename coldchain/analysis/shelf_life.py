"""Remaining shelf life from a product's temperature history (time-temperature integration).

Each product states its shelf life ``SL_ref`` (days) at a reference temperature ``T_ref`` and
how fast it spoils at other temperatures:

* ``q10``:       SL(T) = SL_ref · Q10^((T_ref − T) / 10)
* ``arrhenius``: SL(T) = SL_ref · exp(Ea/R · (1/T − 1/T_ref)), temperatures in kelvin
* ``sqrt``:      Ratkowsky square-root model, √rate ∝ (T − T_min), so
                 SL(T) = SL_ref · ((T_ref − T_min) / (T − T_min))²; at or below T_min the
                 rate is 0 (no spoilage, infinite shelf life).

The *relative rate of spoilage* RRS(T) = SL_ref / SL(T) is 1 at the reference temperature.
Effects of successive temperatures add up (Charm; McMeekin): the fraction of life used is
Σ Δtᵢ / SL(Tᵢ), and the product is spent when it reaches 1. Each reading holds until the next
one (the same convention as excursion evaluation); the last one until ``end`` if given. The
remaining life is (1 − used) expressed at a chosen temperature, by default the reference.

Temperatures are °C, times epoch seconds, shelf lives days. A model only holds over the range
it was fitted on; extrapolating far outside it is the caller's judgement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coldchain.analysis.excursions import as_epoch_seconds
from coldchain.analysis.units import GAS_CONSTANT_J, KELVIN_OFFSET

DAY_S = 86400.0
#: Fraction of shelf life used at which a lot is spent.
SPENT_AT = 1.0

_MODELS = ("q10", "arrhenius", "sqrt")


@dataclass(frozen=True)
class Kinetics:
    """A product's spoilage kinetics: reference shelf life and temperature model."""

    model: str
    shelf_life_days: float
    ref_temp_c: float
    q10: float | None = None
    activation_energy_kj: float | None = None
    tmin_c: float | None = None

    def __post_init__(self) -> None:
        model = str(getattr(self.model, "value", self.model)).lower()
        object.__setattr__(self, "model", model)
        if model not in _MODELS:
            raise ValueError(f"model must be one of {', '.join(_MODELS)}, not {self.model!r}")
        if not _positive(self.shelf_life_days):
            raise ValueError("shelf_life_days must be > 0")
        if not math.isfinite(self.ref_temp_c) or self.ref_temp_c <= -KELVIN_OFFSET:
            raise ValueError("ref_temp_c must be a temperature above absolute zero")
        if model == "q10" and not _positive(self.q10):
            raise ValueError("the q10 model needs q10 > 0")
        if model == "arrhenius" and not _positive(self.activation_energy_kj):
            raise ValueError("the arrhenius model needs activation_energy_kj > 0")
        if model == "sqrt":
            if self.tmin_c is None or not math.isfinite(self.tmin_c):
                raise ValueError("the sqrt model needs tmin_c")
            if self.tmin_c >= self.ref_temp_c:
                raise ValueError("tmin_c must be below ref_temp_c (no spoilage at reference)")

    @classmethod
    def exponential(cls, a_per_c: float, shelf_life_days: float, ref_temp_c: float
                    ) -> Kinetics:
        """The exponential RRS model ln RRS = a·(T − T_ref) is a Q10 model with Q10 = e^(10a)."""
        return cls("q10", shelf_life_days, ref_temp_c, q10=math.exp(10.0 * a_per_c))

    @classmethod
    def of(cls, product) -> Kinetics:
        """From any object with the product's kinetics attributes (e.g. a Product row)."""
        return cls(product.kinetics_model, product.shelf_life_days, product.ref_temp_c,
                   q10=product.q10, activation_energy_kj=product.activation_energy_kj,
                   tmin_c=product.tmin_c)


def _positive(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0


def relative_rate(temp_c, kinetics: Kinetics):
    """Spoilage rate relative to the reference temperature (1 at ``ref_temp_c``)."""
    t = np.asarray(temp_c, dtype=np.float64)
    k = kinetics
    if k.model == "q10":
        rate = np.power(k.q10, (t - k.ref_temp_c) / 10.0)
    elif k.model == "arrhenius":
        ea_over_r = k.activation_energy_kj * 1000.0 / GAS_CONSTANT_J
        rate = np.exp(ea_over_r * (1.0 / (k.ref_temp_c + KELVIN_OFFSET)
                                   - 1.0 / (t + KELVIN_OFFSET)))
    else:
        above = np.maximum(t - k.tmin_c, 0.0)
        rate = (above / (k.ref_temp_c - k.tmin_c)) ** 2
    return float(rate) if rate.ndim == 0 else rate


def shelf_life_at(temp_c, kinetics: Kinetics):
    """Shelf life in days at a constant temperature (``inf`` where nothing spoils)."""
    rate = np.asarray(relative_rate(temp_c, kinetics), dtype=np.float64)
    with np.errstate(divide="ignore"):
        days = np.where(rate > 0, kinetics.shelf_life_days / np.where(rate > 0, rate, 1.0),
                        np.inf)
    return float(days) if days.ndim == 0 else days


def life_used(times, temps_c, kinetics: Kinetics, *, end: int | None = None) -> float:
    """Fraction of shelf life used over a temperature history (≥ 1 means spent).

    ``times`` are epoch seconds in increasing order; each reading holds until the next one,
    the last one until ``end`` (default: no time).
    """
    t = as_epoch_seconds(times)
    temps = np.asarray(temps_c, dtype=np.float64)
    if t.shape != temps.shape or t.ndim != 1:
        raise ValueError("times and temperatures must be 1-d arrays of the same length")
    if t.size == 0:
        return 0.0
    if np.any(t[1:] < t[:-1]):
        raise ValueError("times must be in increasing order")
    if not np.all(np.isfinite(temps)):
        raise ValueError("temperatures must be finite")
    held = np.empty(t.size, dtype=np.float64)
    held[:-1] = np.diff(t)
    if end is None:
        held[-1] = 0.0
    else:
        if end < t[-1]:
            raise ValueError("end is before the last reading")
        held[-1] = end - t[-1]
    rate = np.asarray(relative_rate(temps, kinetics), dtype=np.float64)
    return float(np.sum(held * rate) / (kinetics.shelf_life_days * DAY_S))


def remaining_days(times, temps_c, kinetics: Kinetics, *, at_temp: float | None = None,
                   end: int | None = None) -> float:
    """Shelf life left after the history, in days at ``at_temp`` (default the reference).

    Never negative: a spent lot has 0 days left (``life_used`` tells how far past it is).
    """
    return assess(times, temps_c, kinetics, end=end, at_temp=at_temp).remaining_days


@dataclass(frozen=True)
class ShelfLifeStatus:
    used_fraction: float
    remaining_days: float
    spent: bool

    def to_dict(self) -> dict:
        return {"used_fraction": self.used_fraction, "remaining_days": self.remaining_days,
                "spent": self.spent}


def assess(times, temps_c, kinetics: Kinetics, *, end: int | None = None,
           at_temp: float | None = None) -> ShelfLifeStatus:
    """Life used, days left (at ``at_temp`` or the reference) and whether the lot is spent."""
    used = life_used(times, temps_c, kinetics, end=end)
    at = kinetics.ref_temp_c if at_temp is None else at_temp
    left = max(0.0, (1.0 - used) * shelf_life_at(at, kinetics))
    return ShelfLifeStatus(used, left, used >= SPENT_AT)
