"""A lot's time out of range over its own journey, counted the way a shipment logger
travelling with it would count it.

A lot stays in one place after another (a room, a staging area, a truck compartment). Each
stay is judged with the readings of the sensor that measures that place, sample and hold
as in ``excursions`` (a reading holds until the next one, for no time across a gap), clipped
to the time the lot was there. A *cumulative* rule adds up the lot's out-of-range time over
every stay; it never resets for the lot, and the place's history before the lot arrived
does not count against it.

A stay shorter than the minimum dwell time does not count at all: goods carried through a
warm staging area in a few minutes do not warm up with the air around them (and a ledger
that records a move and its undo 40 ms apart must not hold anything). Where a lot is in two
places at once (split across them), overlapping out-of-range time counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coldchain.analysis.excursions import HOT, AlarmRule, clean_series, hold_durations


@dataclass(frozen=True)
class Stay:
    """A lot's stay in a place: ``start``..``end`` (epoch s) and the readings of the sensor
    measuring it, from early enough before ``start`` to know what held when it arrived."""

    place: int
    start: int
    end: int
    times: np.ndarray
    temps: np.ndarray
    sensor: int | None = None
    #: the measuring sensor's allowed gap; ``None``: the one ``journey_alarms`` is given
    max_gap_s: float | None = None

    @property
    def dwell_s(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class JourneyAlarm:
    """What a cumulative rule counted for a lot, and when and where it reached its delay.

    ``stay`` is the index of the stay in which the delay was reached; ``run_start`` the
    start of that place's out-of-range period then (from its sensor's readings, also before
    the lot arrived), which names the place's excursion the lot is held by.
    """

    rule: AlarmRule
    counted_s: int
    per_stay_s: tuple[int, ...]
    alarm_at: int | None = None
    stay: int | None = None
    run_start: int | None = None
    peak_c: float | None = None

    @property
    def alarmed(self) -> bool:
        return self.alarm_at is not None


@dataclass
class _Judged:
    t: np.ndarray
    c: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    continues: np.ndarray


def _judge(stay: Stay, max_gap_s: float | None) -> _Judged | None:
    t, c, _ = clean_series(stay.times, stay.temps)
    if t.size == 0:
        return None
    hold, gap_after, _ = hold_durations(t, end_time=max(stay.end, int(t[-1])),
                                        max_gap_s=max_gap_s)
    lo = np.maximum(t, stay.start)
    hi = np.minimum(t + hold, stay.end)
    return _Judged(t, c, lo, np.maximum(hi, lo), ~gap_after)


def journey_alarms(stays: Sequence[Stay], rules: Sequence[AlarmRule], *,
                   min_dwell_s: float, max_gap_s: float | None) -> list[JourneyAlarm]:
    """Per cumulative rule, the lot's out-of-range time over its stays and its alarm."""
    judged = [(_judge(s, s.max_gap_s if s.max_gap_s is not None else max_gap_s)
               if s.dwell_s >= min_dwell_s else None) for s in stays]
    out = []
    for rule in rules:
        if rule.kind != "cumulative":
            continue
        out.append(_count(rule, stays, judged))
    return out


def _count(rule: AlarmRule, stays: Sequence[Stay], judged: list[_Judged | None]
           ) -> JourneyAlarm:
    pieces = []  # (from, to, stay, reading) of out-of-range time while the lot was there
    per_stay = [0] * len(stays)
    for k, j in enumerate(judged):
        if j is None:
            continue
        hit = rule.violated(j.c) & (j.hi > j.lo)
        for i in np.flatnonzero(hit).tolist():
            pieces.append((int(j.lo[i]), int(j.hi[i]), k, i))
            per_stay[k] += int(j.hi[i] - j.lo[i])
    pieces.sort()
    total, covered, alarm = 0, None, None
    delay = rule.delay_s
    for lo, hi, k, i in pieces:
        start = lo if covered is None else max(lo, covered)
        if hi > start:
            add = hi - start
            if alarm is None and total + add >= delay:
                alarm = (start + (delay - total), k, i)
            total += add
        covered = hi if covered is None else max(covered, hi)
    if alarm is None:
        return JourneyAlarm(rule, total, tuple(per_stay))
    at, k, i = alarm
    run_start, peak = _run(rule, judged[k], i)
    return JourneyAlarm(rule, total, tuple(per_stay), alarm_at=at, stay=k,
                        run_start=run_start, peak_c=peak)


def _run(rule: AlarmRule, j: _Judged, i: int) -> tuple[int, float]:
    """Start and peak of the place's out-of-range period around reading ``i``."""
    out = rule.violated(j.c)
    first = i
    while first > 0 and out[first - 1] and j.continues[first - 1]:
        first -= 1
    last = i
    while last + 1 < j.t.size and out[last + 1] and j.continues[last]:
        last += 1
    seg = j.c[first:last + 1]
    peak = float(seg.max() if rule.direction == HOT else seg.min())
    return int(j.t[first]), peak
