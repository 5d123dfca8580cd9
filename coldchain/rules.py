"""Alarm rules per temperature zone, from ``data/alarm_rules.json``.

Operators change limits and delays in that file (or point ``WMS_ALARM_RULES`` at their
own copy); code never hard-codes a threshold.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from coldchain.excursions import AlarmRule
from wms.settings import PROJECT_ROOT

DEFAULT_PATH = PROJECT_ROOT / "data" / "alarm_rules.json"


@dataclass(frozen=True)
class RuleBook:
    zones: dict[str, tuple[AlarmRule, ...]]
    ranges: dict[str, tuple[float | None, float | None]]
    max_gap_intervals: float
    escalate_after_min: float
    hold_when_life_used_above: float

    def for_zone(self, zone: str | None) -> tuple[AlarmRule, ...]:
        return self.zones.get(str(zone), ()) if zone else ()


@lru_cache(maxsize=4)
def load(path: str | None = None) -> RuleBook:
    raw = json.loads(Path(path or os.environ.get("WMS_ALARM_RULES") or DEFAULT_PATH)
                     .read_text(encoding="utf-8"))
    zones, ranges = {}, {}
    for zone, spec in raw["zones"].items():
        zones[zone] = tuple(AlarmRule.from_dict(r) for r in spec["rules"])
        low, high = spec["range"]
        ranges[zone] = (low, high)
    return RuleBook(zones, ranges, float(raw.get("max_gap_intervals", 6)),
                    float(raw.get("escalate_after_min", 30)),
                    float(raw.get("hold_when_life_used_above", 0.9)))
