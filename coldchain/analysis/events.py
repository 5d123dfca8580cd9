"""What a person calls one excursion, and how much of a lot's time was measured.

A place's out-of-range period is found once per alarm rule and once per sensor hanging
there: a warm truck with two loggers and a "warm 30 min" and a "warm severe" rule gives four
findings for what the driver saw as one event. For a chart and its table they are merged:
the findings of one place and direction whose periods overlap or touch are one event, with
the worst severity, the extreme peak and every rule that fired.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

SEVERITY_ORDER = {"severe": 3, "major": 2, "minor": 1}


@dataclass(frozen=True)
class Span:
    """One finding, on plain data: times in epoch seconds, ``end`` ``None`` while it lasts."""

    place: str
    direction: str
    start: int
    end: int | None
    peak_c: float | None
    severity: str
    rule: str
    sensor: str = ""


@dataclass(frozen=True)
class Event:
    place: str
    direction: str
    start: int
    end: int | None
    peak_c: float | None
    severity: str
    rules: tuple[str, ...]
    sensors: tuple[str, ...]
    findings: int

    def duration_s(self, now: int) -> int:
        return max(0, (now if self.end is None else self.end) - self.start)


def _worse(a: str, b: str) -> str:
    return a if SEVERITY_ORDER.get(a, 0) >= SEVERITY_ORDER.get(b, 0) else b


def _peak(direction: str, a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return a if b is None else b
    return min(a, b) if direction == "cold" else max(a, b)


def merge_events(spans: Iterable[Span]) -> list[Event]:
    """One event per place, direction and overlapping (or touching) period, in time order."""
    groups: dict[tuple[str, str], list[Span]] = {}
    for s in spans:
        groups.setdefault((s.place, s.direction), []).append(s)
    out: list[Event] = []
    for (place, direction), found in groups.items():
        found.sort(key=lambda s: s.start)
        current: list[Span] = []
        reach: int | None = None  # the end of the event being built; None: still going
        for s in found:
            if current and (reach is None or s.start <= reach):
                current.append(s)
                reach = None if (reach is None or s.end is None) else max(reach, s.end)
                continue
            if current:
                out.append(_event(place, direction, current, reach))
            current, reach = [s], s.end
        if current:
            out.append(_event(place, direction, current, reach))
    return sorted(out, key=lambda e: (e.start, e.place))


def _event(place: str, direction: str, spans: Sequence[Span], end: int | None) -> Event:
    severity, peak = spans[0].severity, spans[0].peak_c
    for s in spans[1:]:
        severity, peak = _worse(severity, s.severity), _peak(direction, peak, s.peak_c)
    return Event(place, direction, spans[0].start, end, peak, severity,
                 tuple(sorted({s.rule for s in spans})),
                 tuple(sorted({s.sensor for s in spans if s.sensor})), len(spans))


def union_length(intervals: Iterable[tuple[int, int]]) -> int:
    """Seconds covered by at least one ``(from, to)`` interval; overlaps count once."""
    total, reach = 0, None
    for lo, hi in sorted(i for i in intervals if i[1] > i[0]):
        if reach is None or lo > reach:
            total += hi - lo
            reach = hi
        elif hi > reach:
            total += hi - reach
            reach = hi
    return total


def measured_pieces(times: Sequence[int] | np.ndarray, until: int, hold_steps: float = 3.0
                    ) -> list[tuple[int, int]]:
    """The periods a sensor's readings ``times`` (sorted, epoch s) speak for, up to
    ``until``: each reading holds until the next one, but for no more than ``hold_steps``
    of the sensor's usual interval (a longer silence is unmeasured time).

    In arrays: a lot that sat weeks under a logger reading every minute has tens of
    thousands of readings, and its trace computes this for each of them."""
    at = np.asarray(times, dtype=np.int64)
    if not at.size:
        return []
    steps = np.diff(at)
    steps = steps[steps > 0]
    # The upper median, as a sorted list's middle element is.
    usual = int(np.partition(steps, steps.size // 2)[steps.size // 2]) if steps.size else 0
    longest = hold_steps * usual
    nxt = np.empty(at.size, dtype=np.int64)
    nxt[:-1] = at[1:]
    nxt[-1] = min(until, int(at[-1]) + usual)
    hi = np.minimum(np.minimum(nxt, at + longest), until)
    keep = hi > at
    return list(zip(at[keep].tolist(), hi[keep].astype(np.int64).tolist(), strict=True))
