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
* **Order and duplicates do not matter.** Readings are taken in time order (placed on the
  logger's clock when they are all on it, sorted otherwise); for several readings with the
  same timestamp, the highest temperature is kept (the same choice whatever order they
  arrived in, and on either path).

Longer than 400 lines because the conventions above are the contract of every function
below (rules, results, the sample-and-hold evaluation), and splitting the rule types from
the evaluation would separate a rule from the only code that interprets it. The array
kernels that touch every reading (order, gaps, out-of-range runs, sorting) are in
``series_scan``, and unordered readings on the logger's clock are evaluated without a sort by
``grid_scan``; :func:`find` gives their results as arrays, :func:`evaluate` as objects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from coldchain.analysis.grid_scan import GridScan, grid_scan
from coldchain.analysis.series_scan import Limit, Runs, runs, scan, sort_unique
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


def _checked(times, temps_c) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The series as int64 seconds and float64 °C, with its lowest and highest value."""
    t = as_epoch_seconds(times)
    temps = np.asarray(temps_c, dtype=np.float64)
    if t.ndim != 1 or temps.shape != t.shape:
        raise ValueError("times and temperatures must be 1-d arrays of the same length")
    if not temps.size:
        return t, temps, math.inf, -math.inf
    # min and max propagate NaN and show ±inf: two passes that check every value and also
    # tell which limits can trip at all.
    lowest, highest = float(temps.min()), float(temps.max())
    if not (math.isfinite(lowest) and math.isfinite(highest)):
        bad = int(np.flatnonzero(~np.isfinite(temps))[0])
        raise ValueError(f"temperature at index {bad} is not a finite number")
    return t, temps, lowest, highest


def clean_series(times, temps_c) -> tuple[np.ndarray, np.ndarray, int]:
    """Sort by time and keep one reading per timestamp (the highest temperature).

    Returns ``(times, temps, duplicates_dropped)``; already clean input is returned uncopied.
    """
    t, temps, lowest, highest = _checked(times, temps_c)
    if t.size < 2 or bool(np.all(t[1:] > t[:-1])):
        return t, temps, 0
    return sort_unique(t, temps, lowest, highest)


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
    return find(times, temps_c, rules, sampling_interval_s, max_gap_intervals,
                end_time=end_time).evaluation()


@dataclass(frozen=True)
class Found:
    """What :func:`find` found, as arrays: per rule its runs (``None``: no reading out of
    range), the gaps by their start and end times. :meth:`evaluation` turns it into
    :class:`Evaluation`; a caller that only counts or charts can stay with the arrays."""

    rules: tuple[AlarmRule, ...]
    runs: tuple[Runs | None, ...]
    readings: int
    first_at: int | None
    last_at: int | None
    gap_start: np.ndarray
    gap_end: np.ndarray
    trailing_gap_s: int | None
    duplicates: int

    def count(self) -> int:
        """How many excursions :meth:`evaluation` lists (a cumulative rule gives one)."""
        return sum(0 if r is None else (1 if rule.kind == CUMULATIVE else int(r.start.size))
                   for rule, r in zip(self.rules, self.runs, strict=True))

    def evaluation(self) -> Evaluation:
        if self.readings == 0:
            return Evaluation(duplicates=self.duplicates)
        found = [(k, rule, r) for k, (rule, r) in enumerate(zip(self.rules, self.runs,
                                                                 strict=True)) if r is not None]
        parts = [_excursions(rule, r) for _, rule, r in found]
        excursions = [e for part in parts for e in part]
        # The order of the rules' excursions by (start, direction, kind), ties in rule
        # order: a stable sort of the columns, not of 20,000 tuples built in Python.
        if len(parts) > 1:
            starts = [r.start if rule.kind == CONSECUTIVE else r.start[:1]
                      for _, rule, r in found]
            sizes = [s.size for s in starts]
            key_dir = np.repeat([rule.direction == HOT for _, rule, _ in found], sizes)
            key_kind = np.repeat([rule.kind == CUMULATIVE for _, rule, _ in found], sizes)
            order = np.lexsort((key_kind, key_dir, np.concatenate(starts)))
            excursions = [excursions[i] for i in order.tolist()]
        gaps = [Gap(s, e, e - s)
                for s, e in zip(self.gap_start.tolist(), self.gap_end.tolist(), strict=True)]
        if self.trailing_gap_s is not None:
            gaps.append(Gap(self.last_at, None, self.trailing_gap_s))
        return Evaluation(excursions, gaps, self.readings, self.duplicates, self.first_at,
                          self.last_at)


def find(times, temps_c, rules: Sequence[AlarmRule], sampling_interval_s: float,
         max_gap_intervals: float | None = 3, *, end_time: int | None = None) -> Found:
    """The excursions and gaps of :func:`evaluate`, as arrays (same arguments)."""
    if not sampling_interval_s or sampling_interval_s <= 0:
        raise ValueError("sampling_interval_s must be > 0")
    rules = tuple(rules)
    t = as_epoch_seconds(times)
    temps = np.asarray(temps_c, dtype=np.float64)
    if t.ndim != 1 or temps.shape != t.shape:
        raise ValueError("times and temperatures must be 1-d arrays of the same length")
    max_gap_s = None if max_gap_intervals is None else max_gap_intervals * sampling_interval_s
    # Rules that share a limit (a consecutive and a cumulative rule on the same bound) share
    # its out-of-range readings.
    limits = sorted({Limit(r.direction == HOT, r.threshold_c, r.inclusive) for r in rules},
                    key=lambda x: (x.hot, x.threshold_c, x.inclusive))
    dropped, scanned = 0, None
    if t.size:
        scanned = scan(t, temps, limits, max_gap_s)
        if scanned is None:
            grid = grid_scan(t, temps, limits, sampling_interval_s, max_gap_s)
            if grid is not None:
                return _found_on_grid(rules, limits, grid, end_time, max_gap_s)
            t, temps, lowest, highest = _checked(t, temps)
            t, temps, dropped = sort_unique(t, temps, lowest, highest)
            scanned = scan(t, temps, limits, max_gap_s)
    if t.size == 0 or scanned is None:
        empty = np.empty(0, dtype=np.int64)
        return Found(rules, (None,) * len(rules), 0, None, None, empty, empty, None, dropped)
    gap_after, out = scanned
    first, last = int(t[0]), int(t[-1])
    tail, trailing_gap = _tail(last, end_time, max_gap_s)
    by_limit = {limit: runs(limit, t, temps, idx, gap_after, tail, trailing_gap)
                for limit, idx in zip(limits, out, strict=True)}
    return Found(rules, _per_rule(rules, by_limit), int(t.size), first, last, t[gap_after],
                 t[gap_after + 1], int(end_time) - last if trailing_gap else None, dropped)


def _per_rule(rules, by_limit) -> tuple[Runs | None, ...]:
    return tuple(by_limit.get(Limit(r.direction == HOT, r.threshold_c, r.inclusive))
                 for r in rules)


def _found_on_grid(rules, limits, grid: GridScan, end_time, max_gap_s) -> Found:
    """Runs of unordered readings on a logger's clock, from the short series of
    ``grid_scan`` (the out-of-range readings and the reading after each)."""
    tail, trailing_gap = _tail(grid.last_at, end_time, max_gap_s)
    marks = np.empty(grid.temps.size, dtype=bool)
    by_limit = {limit: runs(limit, grid.times, grid.temps,
                            np.flatnonzero(limit.mark(grid.temps, marks)), grid.gap_after,
                            tail, trailing_gap) for limit in limits}
    return Found(rules, _per_rule(rules, by_limit), grid.readings, grid.first_at,
                 grid.last_at, grid.gap_start, grid.gap_end,
                 int(end_time) - grid.last_at if trailing_gap else None, grid.duplicates)


def _tail(last: int, end_time: int | None, max_gap_s: float | None) -> tuple[int, bool]:
    """How long the last reading holds, and whether the silence after it is a gap."""
    if end_time is None:
        return 0, False
    tail = int(end_time) - last
    if tail < 0:
        raise ValueError("end_time is before the last reading")
    if max_gap_s is not None and tail > max_gap_s:
        return 0, True
    return tail, False


def _excursions(rule: AlarmRule, r: Runs) -> list[Excursion]:
    delay_s = rule.delay_s
    # Two constant strings rather than a numpy string array turned into 23,000 new ones.
    closed = ["gap" if g else "in_range" for g in r.ended_by_gap.tolist()]
    if rule.kind == CONSECUTIVE:
        fired = r.duration_s >= delay_s
        # A frozen dataclass's __init__ sets each field through object.__setattr__: 23,000
        # excursions took 40-60 ms that way, and 15 ms with their attribute dictionaries
        # given whole. They are the same objects (equal, hashable, frozen).
        new, give = object.__new__, object.__setattr__
        out = []
        for s, e, d, p, pa, dm, op, cb, f in zip(
                r.start.tolist(), r.end.tolist(), r.duration_s.tolist(), r.peak_c.tolist(),
                r.peak_at.tolist(), r.degree_minutes.tolist(), r.open.tolist(),
                closed, fired.tolist(), strict=True):
            exc = new(Excursion)
            give(exc, "__dict__", {
                "rule": rule, "start": s, "end": None if op else e,
                "alarm_at": s + delay_s if f else None, "duration_s": d, "peak_c": p,
                "peak_at": pa, "degree_minutes": dm, "closed_by": None if op else cb,
                "periods": 1})
            out.append(exc)
        return out

    cumulative = np.cumsum(r.duration_s)
    k = int(np.searchsorted(cumulative, delay_s, side="left"))
    alarm_at = None
    if k < cumulative.size:
        before = int(cumulative[k - 1]) if k else 0
        alarm_at = int(r.start[k]) + delay_s - before
    worst = int(np.argmax(r.peak_c) if rule.direction == HOT else np.argmin(r.peak_c))
    last_open = bool(r.open[-1])
    return [Excursion(
        rule=rule, start=int(r.start[0]), end=None if last_open else int(r.end[-1]),
        alarm_at=alarm_at, duration_s=int(cumulative[-1]), peak_c=float(r.peak_c[worst]),
        peak_at=int(r.peak_at[worst]), degree_minutes=float(r.degree_minutes.sum()),
        closed_by=None if last_open else closed[-1],
        periods=int(r.start.size))]
