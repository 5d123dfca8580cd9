"""Temperature excursions and data gaps for one sensor, the way data loggers judge them.

Conventions
-----------
* Temperatures are °C (float64); times are UTC epoch seconds (int64). Results carry epoch
  seconds; ``to_dict()`` renders them as ISO 8601 UTC strings.
* **Thresholds are exclusive.** A hot rule at 4 °C is violated by 4.1 °C, not by 4.0 °C; a
  cold rule at 0 °C by −0.1 °C, not by 0.0 °C. So a frozen zone "≤ −18 °C" keeps −18.0 in range
  and a chilled zone "0–4 °C" keeps both 0.0 and 4.0 in range. This is how most loggers state
  their limits (Berlinger Q-tag and Fridge-tag: alarm when T > upper or T < lower). A rule
  written with "≥"/"≤" (the WHO 30-day/10-day device specifications) sets ``inclusive=True``.
* **Sample and hold.** A reading's value holds from its timestamp until the next reading. An
  excursion starts at the first out-of-range reading and ends at the first reading back in
  range. The last reading holds until ``end_time`` when the caller knows how long the sensor
  was observed (a logger's stop time, "now" for a live feed) and for no time otherwise.
  Recomputing a logger's own alarms from its logged points therefore differs from the device
  (which samples internally, e.g. every minute) by up to one logging interval per boundary.
* **Alarm delays are inclusive.** A consecutive rule with a 30 min delay fires when a single
  out-of-range period lasts ≥ 30 min, at ``start + delay``; the count resets when the
  temperature is back in range. A cumulative rule fires when the total out-of-range time since
  the first reading reaches the delay, and never resets. A delay of 0 fires on the first
  out-of-range reading.
* **Gaps.** Consecutive readings further apart than ``max_gap_intervals`` sampling intervals
  are a gap (a dead or lost sensor), reported on its own. The reading before a gap holds for no
  time: an open excursion is closed at that reading (``closed_by="gap"``), so nothing stays open
  forever on a silent sensor, and time without data never counts towards an alarm delay.
* **Order and duplicates do not matter.** Readings are sorted by time; for several readings
  with the same timestamp, the highest temperature is kept (the same choice whatever order
  they arrived in).

Longer than 400 lines because the conventions above are the contract of every function
below (rules, results, the sample-and-hold evaluation); the code itself is about 350
lines and splitting the rule types from the evaluation would separate a rule from the
only code that interprets it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from coldchain.analysis.units import at_resolution

HOT = "hot"
COLD = "cold"
CONSECUTIVE = "consecutive"
CUMULATIVE = "cumulative"
#: Temperature zones, the values of ``wms.models.enums.TempClass`` (a str enum, so its members
#: compare equal to these): this module stays free of the database layer.
FROZEN, CHILLED, AMBIENT = "frozen", "chilled", "ambient"

#: Upper limit of a frozen zone (in range at exactly −18 °C).
FROZEN_MAX_C = -18.0
#: Allowed range of a chilled zone, both ends in range.
CHILLED_RANGE_C = (0.0, 4.0)
#: Allowed range of an ambient zone unless the warehouse configures its own.
DEFAULT_AMBIENT_RANGE_C = (5.0, 25.0)


def iso_utc(epoch_s: int | None) -> str | None:
    """Epoch seconds as an ISO 8601 UTC string, ``None`` passed through."""
    if epoch_s is None:
        return None
    return datetime.fromtimestamp(int(epoch_s), UTC).isoformat()


@dataclass(frozen=True)
class AlarmRule:
    """One alarm as a logger defines it: a direction, a threshold, a delay and a kind."""

    direction: str
    threshold_c: float
    delay_min: float
    kind: str = CONSECUTIVE
    severity: str = "warning"
    name: str = ""
    inclusive: bool = False

    def __post_init__(self) -> None:
        if self.direction not in (HOT, COLD):
            raise ValueError(f"direction must be 'hot' or 'cold', not {self.direction!r}")
        if self.kind not in (CONSECUTIVE, CUMULATIVE):
            raise ValueError(f"kind must be 'consecutive' or 'cumulative', not {self.kind!r}")
        if not math.isfinite(self.threshold_c):
            raise ValueError("threshold_c must be a finite number")
        if not math.isfinite(self.delay_min) or self.delay_min < 0:
            raise ValueError("delay_min must be a number ≥ 0")

    @property
    def delay_s(self) -> int:
        return round(self.delay_min * 60)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        op = {(HOT, False): ">", (HOT, True): "≥", (COLD, False): "<", (COLD, True): "≤"}[
            (self.direction, self.inclusive)]
        limit = f"{op}{self.threshold_c:g} °C"
        return f"{self.direction} {self.kind} {limit} for {self.delay_min:g} min"

    def violated(self, temps_c: np.ndarray) -> np.ndarray:
        """Boolean mask of the readings outside this rule's limit."""
        if self.direction == HOT:
            if self.inclusive:
                return temps_c >= self.threshold_c
            return temps_c > self.threshold_c
        if self.inclusive:
            return temps_c <= self.threshold_c
        return temps_c < self.threshold_c

    def to_dict(self) -> dict:
        return {"direction": self.direction, "threshold_c": self.threshold_c,
                "delay_min": self.delay_min, "kind": self.kind, "severity": self.severity,
                "inclusive": self.inclusive, "name": self.label}

    @classmethod
    def from_dict(cls, data: dict) -> AlarmRule:
        # Limits are compared at the readings' resolution (``units.at_resolution``).
        return cls(direction=data["direction"],
                   threshold_c=at_resolution(float(data["threshold_c"])),
                   delay_min=float(data["delay_min"]), kind=data.get("kind", CONSECUTIVE),
                   severity=data.get("severity", "warning"), name=data.get("name", ""),
                   inclusive=bool(data.get("inclusive", False)))


def zone_range(temp_class: str,
               ambient_range_c: tuple[float, float] = DEFAULT_AMBIENT_RANGE_C,
               ) -> tuple[float | None, float | None]:
    """Allowed (low, high) of a temperature zone, both inclusive; ``None`` means unbounded."""
    if temp_class not in (FROZEN, CHILLED, AMBIENT):
        raise ValueError(f"{temp_class!r} is not a temperature zone")
    if temp_class == FROZEN:
        return None, FROZEN_MAX_C
    if temp_class == CHILLED:
        return CHILLED_RANGE_C
    low, high = ambient_range_c
    if low >= high:
        raise ValueError("ambient range must have low < high")
    return float(low), float(high)


def zone_rules(temp_class: str, *, delay_min: float = 30.0,
               cumulative_delay_min: float | None = None,
               ambient_range_c: tuple[float, float] = DEFAULT_AMBIENT_RANGE_C,
               severity: str = "major",
               cumulative_severity: str = "critical") -> list[AlarmRule]:
    """Alarm rules for a location's temperature zone.

    A consecutive rule per bound of the zone's range, and when ``cumulative_delay_min`` is given
    a cumulative rule per bound as well (a lot of short door openings adds up).
    """
    low, high = zone_range(temp_class, ambient_range_c)
    rules = []
    for direction, bound in ((HOT, high), (COLD, low)):
        if bound is None:
            continue
        rules.append(AlarmRule(direction, bound, delay_min, CONSECUTIVE, severity))
        if cumulative_delay_min is not None:
            rules.append(AlarmRule(direction, bound, cumulative_delay_min, CUMULATIVE,
                                   cumulative_severity))
    return rules


@dataclass(frozen=True)
class Excursion:
    """A period (or for a cumulative rule, the set of periods) outside a rule's limit.

    ``end`` is ``None`` while the excursion is still open at the last reading; ``alarm_at`` is
    ``None`` when the delay was not reached. ``duration_s`` is the time spent out of range
    (for a cumulative rule, summed over ``periods``); ``degree_minutes`` integrates how far
    beyond the threshold the temperature was.
    """

    rule: AlarmRule
    start: int
    end: int | None
    alarm_at: int | None
    duration_s: int
    peak_c: float
    peak_at: int
    degree_minutes: float
    closed_by: str | None
    periods: int = 1

    @property
    def alarmed(self) -> bool:
        return self.alarm_at is not None

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def is_open(self) -> bool:
        return self.end is None

    def to_dict(self) -> dict:
        return {
            "rule": self.rule.to_dict(),
            "direction": self.rule.direction,
            "kind": self.rule.kind,
            "threshold_c": self.rule.threshold_c,
            "delay_min": self.rule.delay_min,
            "severity": self.rule.severity,
            "start": iso_utc(self.start),
            "alarm_at": iso_utc(self.alarm_at),
            "end": iso_utc(self.end),
            "closed_by": self.closed_by,
            "duration_min": self.duration_s / 60,
            "peak_c": self.peak_c,
            "peak_at": iso_utc(self.peak_at),
            "degree_minutes": self.degree_minutes,
            "periods": self.periods,
        }


@dataclass(frozen=True)
class Gap:
    """Time without readings longer than the allowed gap; ``end`` is ``None`` while silent."""

    start: int
    end: int | None
    duration_s: int

    def to_dict(self) -> dict:
        return {"start": iso_utc(self.start), "end": iso_utc(self.end),
                "duration_min": self.duration_s / 60}


@dataclass(frozen=True)
class Evaluation:
    """Everything found in one sensor's series."""

    excursions: list[Excursion] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    readings: int = 0
    duplicates: int = 0
    first_at: int | None = None
    last_at: int | None = None

    @property
    def alarms(self) -> list[Excursion]:
        return [e for e in self.excursions if e.alarmed]

    def to_dict(self) -> dict:
        return {"excursions": [e.to_dict() for e in self.excursions],
                "gaps": [g.to_dict() for g in self.gaps],
                "readings": self.readings, "duplicates": self.duplicates,
                "first_at": iso_utc(self.first_at), "last_at": iso_utc(self.last_at)}


def as_epoch_seconds(times) -> np.ndarray:
    """Epoch seconds as int64 from ints, integral floats or ``datetime64`` values."""
    t = np.asarray(times)
    if t.dtype.kind == "M":
        return t.astype("datetime64[s]").astype(np.int64)
    if t.dtype.kind in "iu":
        return t.astype(np.int64, copy=False)
    if t.dtype.kind == "f":
        if not np.all(np.isfinite(t)) or np.any(t != np.floor(t)):
            raise ValueError("times must be whole epoch seconds")
        return t.astype(np.int64)
    raise ValueError(f"times must be epoch seconds, not {t.dtype}")


def clean_series(times, temps_c) -> tuple[np.ndarray, np.ndarray, int]:
    """Sort by time and keep one reading per timestamp (the highest temperature).

    Returns ``(times, temps, duplicates_dropped)``; already clean input is returned uncopied.
    """
    t = as_epoch_seconds(times)
    temps = np.asarray(temps_c, dtype=np.float64)
    if t.ndim != 1 or temps.shape != t.shape:
        raise ValueError("times and temperatures must be 1-d arrays of the same length")
    if not np.all(np.isfinite(temps)):
        bad = int(np.flatnonzero(~np.isfinite(temps))[0])
        raise ValueError(f"temperature at index {bad} is not a finite number")
    if t.size < 2 or bool(np.all(t[1:] > t[:-1])):
        return t, temps, 0
    order = np.argsort(t, kind="stable")
    t = t[order]
    temps = temps[order]
    first = np.empty(t.size, dtype=bool)
    first[0] = True
    np.not_equal(t[1:], t[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    dropped = int(t.size - starts.size)
    if dropped:
        # The maximum of each timestamp's values does not depend on the order they came in.
        temps = np.maximum.reduceat(temps, starts)
        t = t[starts]
    return t, temps, dropped


def hold_durations(times: np.ndarray, *, end_time: int | None = None,
                   max_gap_s: float | None = None) -> tuple[np.ndarray, np.ndarray, bool]:
    """How long each reading of a sorted, unique series holds, in seconds.

    Returns ``(hold, gap_after, trailing_gap)``: ``gap_after[i]`` is true when the step from
    reading ``i`` to ``i + 1`` is a gap (that reading then holds 0 s); ``trailing_gap`` when
    ``end_time`` lies more than a gap beyond the last reading.
    """
    n = times.size
    limit = math.inf if max_gap_s is None else max_gap_s
    hold = np.empty(n, dtype=np.int64)
    np.subtract(times[1:], times[:-1], out=hold[:-1])
    gap_after = hold[:-1] > limit
    hold[:-1][gap_after] = 0
    trailing_gap = False
    if n:
        tail = 0
        if end_time is not None:
            tail = int(end_time) - int(times[-1])
            if tail < 0:
                raise ValueError("end_time is before the last reading")
            if tail > limit:
                trailing_gap, tail = True, 0
        hold[-1] = tail
    return hold, gap_after, trailing_gap


def evaluate(times, temps_c, rules: Sequence[AlarmRule], sampling_interval_s: float,
             max_gap_intervals: float | None = 3, *, end_time: int | None = None) -> Evaluation:
    """Find the excursions of every rule and the data gaps in one sensor's readings.

    ``times`` are epoch seconds (any order, duplicates allowed), ``temps_c`` the matching
    temperatures. ``sampling_interval_s`` is the sensor's logging interval; a step longer than
    ``max_gap_intervals`` of them is a gap (``None`` disables gap detection). ``end_time`` is
    when observation ended (see the module notes on holding the last reading).
    """
    if not sampling_interval_s or sampling_interval_s <= 0:
        raise ValueError("sampling_interval_s must be > 0")
    t, temps, dropped = clean_series(times, temps_c)
    if t.size == 0:
        return Evaluation(duplicates=dropped)
    max_gap_s = None if max_gap_intervals is None else max_gap_intervals * sampling_interval_s
    hold, gap_after, trailing_gap = hold_durations(t, end_time=end_time, max_gap_s=max_gap_s)
    continues = ~gap_after

    excursions: list[Excursion] = []
    for rule in rules:
        excursions.extend(_rule_excursions(rule, t, temps, hold, continues, trailing_gap))
    excursions.sort(key=lambda e: (e.start, e.rule.direction, e.rule.kind))

    gaps = [Gap(int(t[i]), int(t[i + 1]), int(t[i + 1] - t[i]))
            for i in np.flatnonzero(gap_after).tolist()]
    if trailing_gap:
        gaps.append(Gap(int(t[-1]), None, int(end_time) - int(t[-1])))
    return Evaluation(excursions, gaps, int(t.size), dropped, int(t[0]), int(t[-1]))


def _rule_excursions(rule: AlarmRule, t: np.ndarray, temps: np.ndarray, hold: np.ndarray,
                     continues: np.ndarray, trailing_gap: bool) -> list[Excursion]:
    n = t.size
    out = rule.violated(temps)
    # A run of out-of-range readings is broken by an in-range reading or by a gap.
    linked = np.empty(n, dtype=bool)
    linked[-1] = False
    np.logical_and(out[1:], continues, out=linked[:-1])
    run_end = out & ~linked
    linked_prev = np.empty(n, dtype=bool)
    linked_prev[0] = False
    np.logical_and(out[:-1], continues, out=linked_prev[1:])
    starts = np.flatnonzero(out & ~linked_prev)
    if starts.size == 0:
        return []
    ends = np.flatnonzero(run_end)

    # Per-run sums over the out-of-range readings only, so in-range stretches cost nothing.
    idx = np.flatnonzero(out)
    pos = np.searchsorted(idx, starts)
    seg_hold = hold[idx]
    seg_temp = temps[idx]
    durations = np.add.reduceat(seg_hold, pos)
    if rule.direction == HOT:
        excess = seg_temp - rule.threshold_c
        peaks = np.maximum.reduceat(seg_temp, pos)
    else:
        excess = rule.threshold_c - seg_temp
        peaks = np.minimum.reduceat(seg_temp, pos)
    degree_min = np.add.reduceat(excess * seg_hold, pos) / 60.0
    lengths = np.diff(np.append(pos, idx.size))
    run_of = np.repeat(np.arange(starts.size), lengths)
    hits = np.flatnonzero(seg_temp == peaks[run_of])
    first_hit = hits[np.concatenate(([True], run_of[hits[1:]] != run_of[hits[:-1]]))]
    peak_at = t[idx[first_hit]]

    start_t = t[starts]
    is_last = ends == n - 1
    open_run = is_last & (not trailing_gap)
    gap_closed = np.zeros(ends.size, dtype=bool)
    inner = ~is_last
    gap_closed[inner] = ~continues[ends[inner]]
    gap_closed[is_last] = trailing_gap
    end_t = t[ends] + hold[ends]

    delay_s = rule.delay_s
    if rule.kind == CONSECUTIVE:
        fired = durations >= delay_s
        found = []
        for s, e, d, p, pa, dm, op, gc, f in zip(
                start_t.tolist(), end_t.tolist(), durations.tolist(), peaks.tolist(),
                peak_at.tolist(), degree_min.tolist(), open_run.tolist(),
                gap_closed.tolist(), fired.tolist(), strict=True):
            found.append(Excursion(
                rule=rule, start=s, end=None if op else e, alarm_at=s + delay_s if f else None,
                duration_s=d, peak_c=p, peak_at=pa, degree_minutes=dm,
                closed_by=None if op else ("gap" if gc else "in_range")))
        return found

    cumulative = np.cumsum(durations)
    k = int(np.searchsorted(cumulative, delay_s, side="left"))
    alarm_at = None
    if k < cumulative.size:
        before = int(cumulative[k - 1]) if k else 0
        alarm_at = int(start_t[k]) + delay_s - before
    worst = int(np.argmax(peaks) if rule.direction == HOT else np.argmin(peaks))
    last_open = bool(open_run[-1])
    return [Excursion(
        rule=rule, start=int(start_t[0]), end=None if last_open else int(end_t[-1]),
        alarm_at=alarm_at, duration_s=int(cumulative[-1]), peak_c=float(peaks[worst]),
        peak_at=int(peak_at[worst]), degree_minutes=float(degree_min.sum()),
        closed_by=None if last_open else ("gap" if gap_closed[-1] else "in_range"),
        periods=int(starts.size))]
