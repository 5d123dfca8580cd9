"""Alarm rules per temperature zone: the rule book and how it is read from its JSON form.

Where the file lives (``data/alarm_rules.json`` or ``WMS_ALARM_RULES``) is the application's
business (``coldchain.monitoring.alarm_rules``); this module only turns the document into
rules, so it can be used on any file or dictionary. Code never hard-codes a threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coldchain.analysis.excursions import AlarmRule


@dataclass(frozen=True)
class RuleBook:
    zones: dict[str, tuple[AlarmRule, ...]]
    ranges: dict[str, tuple[float | None, float | None]]
    max_gap_intervals: float
    escalate_after_min: float
    hold_when_life_used_above: float
    # A calibration due within this many days shows as ``due_soon``.
    calibration_due_soon_days: int = 30
    # Probe limits at receipt, read by ``wms.receipt_probe.ProbeLimits.from_dict``.
    receiving: dict[str, Any] = field(default_factory=dict)
    #: How long a lot must stay in a place before that place's excursion counts against it.
    min_dwell_min: float = 5.0

    def for_zone(self, zone: str | None) -> tuple[AlarmRule, ...]:
        return self.zones.get(str(zone), ()) if zone else ()


def parse(raw: dict[str, Any]) -> RuleBook:
    """The rule book of a parsed ``alarm_rules.json`` document."""
    zones, ranges = {}, {}
    for zone, spec in raw["zones"].items():
        zones[zone] = tuple(AlarmRule.from_dict(r) for r in spec["rules"])
        low, high = spec["range"]
        ranges[zone] = (low, high)
    return RuleBook(zones, ranges, float(raw.get("max_gap_intervals", 6)),
                    float(raw.get("escalate_after_min", 30)),
                    float(raw.get("hold_when_life_used_above", 0.9)),
                    int(raw.get("calibration_due_soon_days", 30)),
                    dict(raw.get("receiving", {})),
                    _min_dwell(raw.get("min_dwell_min", 5.0)))


def _min_dwell(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"min_dwell_min must be a number of minutes ≥ 0, not {value!r}")
    return float(value)


def read(path: str | Path) -> RuleBook:
    return parse(json.loads(Path(path).read_text(encoding="utf-8")))
