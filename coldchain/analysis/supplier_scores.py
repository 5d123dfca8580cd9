"""The arithmetic of a buyer's supplier scorecard, on plain data.

* OTIF: a purchase order line is on time when the order's first goods came by the end of
  its delivery window, and in full when what was received is at least the quantity ordered
  less a tolerance (weighed goods vary); OTIF needs both.
* Rejections: units refused at the dock per reason, as a share of the units delivered
  (received plus refused).
* Probe temperatures at receipt: mean, maximum and the share above the class's limit.
* Shelf life left at a moment, from the lot's temperature history (time-temperature
  integration, ``coldchain.analysis.shelf_life``): not the label's date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from coldchain.analysis.shelf_life import DAY_S, Kinetics, assess

IN_FULL_TOLERANCE_PCT = 2.0


@dataclass(frozen=True)
class PoLineFacts:
    ordered: int
    received: int
    rejected: int
    due_at: datetime
    first_receipt_at: datetime | None


def on_time(line: PoLineFacts) -> bool:
    return line.first_receipt_at is not None and line.first_receipt_at <= line.due_at


def in_full(line: PoLineFacts, tolerance_pct: float = IN_FULL_TOLERANCE_PCT) -> bool:
    return line.received >= line.ordered * (1 - tolerance_pct / 100)


@dataclass(frozen=True)
class Otif:
    lines: int
    on_time: int
    in_full: int
    otif: int

    def share(self, count: int) -> float | None:
        return round(count / self.lines, 4) if self.lines else None


def otif(lines: Iterable[PoLineFacts], tolerance_pct: float = IN_FULL_TOLERANCE_PCT) -> Otif:
    n = t = f = both = 0
    for line in lines:
        n += 1
        a, b = on_time(line), in_full(line, tolerance_pct)
        t, f, both = t + a, f + b, both + (a and b)
    return Otif(n, t, f, both)


def rejection_shares(rejected_by_reason: dict[str, int], delivered: int) -> dict[str, float]:
    """Per reason, the share of the delivered units refused for it."""
    if delivered <= 0:
        return {reason: 0.0 for reason in rejected_by_reason}
    return {reason: round(units / delivered, 4)
            for reason, units in sorted(rejected_by_reason.items())}


@dataclass(frozen=True)
class ProbeStats:
    count: int
    mean_c: float | None
    max_c: float | None
    out_of_range_share: float | None


def probe_stats(probes: Iterable[tuple[float, float | None]]) -> ProbeStats:
    """``probes``: (probe °C, the limit it was judged against, None if none)."""
    temps, out = [], 0
    for temp, limit in probes:
        temps.append(temp)
        out += limit is not None and temp > limit
    if not temps:
        return ProbeStats(0, None, None, None)
    return ProbeStats(len(temps), round(sum(temps) / len(temps), 2), round(max(temps), 2),
                      round(out / len(temps), 4))


def remaining_at(times: np.ndarray, temps: np.ndarray, kinetics: Kinetics,
                 at: int) -> float | None:
    """Days of shelf life (at the reference temperature) left at epoch second ``at``,
    from the history up to then; None if the history starts after ``at``."""
    if times.size == 0 or times[0] > at:
        return None
    keep = times <= at
    return assess(times[keep], temps[keep], kinetics, end=at).remaining_days


def nominal_remaining(kinetics: Kinetics, born: int | None, at: int) -> float:
    """Days left at ``at`` of goods that aged at the reference temperature since ``born``
    (epoch seconds; None: not known, so nothing is counted as used)."""
    if born is None or born >= at:
        return kinetics.shelf_life_days
    # At the reference temperature the relative rate is 1: a day of age is a day of life.
    return max(0.0, kinetics.shelf_life_days - (at - born) / DAY_S)


def weighted_mean(values: Iterable[tuple[float, float]]) -> float | None:
    """Mean of (value, weight) pairs; None without weight."""
    total = weight = 0.0
    for value, w in values:
        total, weight = total + value * w, weight + w
    return round(total / weight, 2) if weight else None


def count_by(items: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(items).items()))
