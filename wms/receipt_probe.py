"""Probe temperatures at receipt: which goods arrive too warm to be put away.

GB 31605-2020 asks for the core temperature of every delivery to be measured and
recorded, and warm goods kept apart. The limits per temperature class (the class's
upper bound plus a measuring tolerance) and what happens to warm goods come from the
``receiving`` section of the alarm rules; this module only judges a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wms.errors import ValidationFailed

WARM_GOODS = ("quarantine", "refuse")


@dataclass(frozen=True)
class ProbeLimits:
    # Highest accepted probe temperature per temperature class, tolerance included.
    max_c: dict[str, float] = field(default_factory=dict)
    warm_goods: str = "quarantine"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ProbeLimits:
        mode = str(raw.get("warm_goods", "quarantine"))
        if mode not in WARM_GOODS:
            raise ValueError(f"receiving.warm_goods must be one of {WARM_GOODS}, not {mode!r}")
        limits = {name: float(spec["max_c"]) + float(spec.get("tolerance_c", 0.0))
                  for name, spec in (raw.get("classes") or {}).items()}
        return cls(limits, mode)

    def limit(self, temp_class: str) -> float | None:
        return self.max_c.get(str(temp_class))


@dataclass(frozen=True)
class ProbeVerdict:
    probe_temp_c: float
    limit_c: float | None
    warm: bool
    temp_class: str

    @property
    def reason(self) -> str:
        return (f"probe {self.probe_temp_c:.1f} °C at receipt, above the "
                f"{self.limit_c:.1f} °C allowed for {self.temp_class} goods")


# A core probe reads between these; anything else is a typing or unit mistake.
PLAUSIBLE_C = (-60.0, 60.0)


def judge(limits: ProbeLimits, temp_class: str, probe_temp_c: float) -> ProbeVerdict:
    low, high = PLAUSIBLE_C
    if not low <= probe_temp_c <= high:
        raise ValidationFailed({"probe_temp_c": [
            f"{probe_temp_c} °C is not a probe temperature (between {low:g} and {high:g} °C)"]})
    limit = limits.limit(temp_class)
    return ProbeVerdict(probe_temp_c, limit, limit is not None and probe_temp_c > limit,
                        str(temp_class))
