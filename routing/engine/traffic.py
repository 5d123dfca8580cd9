"""Travel time by time of day: rush hours slow the roads.

A city's profile lists periods of the day (e.g. 07:00-09:00 and 17:00-19:00) with a factor
(1.4: a trip takes 40 % longer than in free flow). Travel is computed by driving through the
periods: the free-flow seconds of a leg are used up at rate ``1 / factor`` inside a period and
at rate 1 outside, so a vehicle that leaves later never arrives earlier (first in, first
out), and a leg that starts just before the rush is slowed only for the part inside it.

How the three parts agree:
- the drivers' schedule (:mod:`routing.engine.schedule`) and the validator both compute each
  leg exactly with :meth:`TrafficProfile.arrive`, from the time the vehicle leaves the
  previous place (the schedule rounds up to whole seconds, the validator does not round, so
  the schedule is never earlier than the validator's bound);
- the optimiser's time dimension uses a conservative bound: free-flow time times the
  largest factor of the day, so any order it finds in time is in time in reality; the
  schedule then re-times it exactly and cuts what still breaks a rule;
- insertion's quick window check uses free-flow time, which is never slower than the
  profile, so it only rules out positions that are truly late.
Factors below 1 (faster than free flow) are refused: they would break that last argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

DAY_S = 86_400


@dataclass
class RushHour:
    start: int
    end: int
    factor: float

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "factor": self.factor}


@dataclass
class TrafficProfile:
    periods: list[RushHour] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Repeated for the next day: a night shift may drive past midnight.
        spans = sorted((p.start + k * DAY_S, p.end + k * DAY_S, p.factor)
                       for k in (0, 1) for p in self.periods if p.end > p.start)
        self._spans = spans
        # Asked on every route timed: worked out once (the periods are fixed once built).
        self._slows = any(p.factor != 1.0 and p.end > p.start for p in self.periods)

    def __bool__(self) -> bool:
        return self._slows

    @property
    def max_factor(self) -> float:
        return max([1.0, *(p.factor for p in self.periods)])

    def arrive(self, t: float, base: float) -> float:
        """When a leg of ``base`` free-flow seconds started at ``t`` ends."""
        now, left = float(t), float(base)
        for a, b, f in self._spans:
            if b <= now:
                continue
            if now < a:
                if left <= a - now:
                    return now + left
                left -= a - now
                now = a
            can = (b - now) / f
            if left <= can:
                return now + left * f
            left -= can
            now = b
        return now + left

    def arrive_s(self, t: int, base: int) -> int:
        """Whole seconds, rounded up: a schedule never promises an early arrival."""
        if not self._spans:
            return t + base
        return math.ceil(self.arrive(t, base) - 1e-6)

    def to_list(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.periods]
