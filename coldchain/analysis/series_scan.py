"""Array kernels of excursion detection: what one sensor's series needs from every reading.

A year of minute readings is 0.5 M values and a sensor's whole life tens of millions, so each
reading is touched as few times as possible: one pass in cache-sized chunks checks the order,
finds the gaps and the out-of-range readings of every distinct limit at once, and everything
after that works on the out-of-range readings alone (a few percent of a healthy series).
Unordered input off the logger's clock is sorted once (on it, ``grid_scan`` needs no sort).
Plain numpy on plain arrays; ``excursions`` gives the results their meaning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Readings per chunk of the scan: two 512 KiB slices (times, temperatures) stay in cache
#: while every limit is compared, instead of streaming the arrays from memory once per limit.
CHUNK = 1 << 15
#: Packed sort keys: 16 low bits for the temperature in hundredths of a degree (±90 °C is
#: 18,001 codes), the 47 bits above for seconds since the first reading (4 million years).
_TEMP_BITS = 16
_TEMP_OFFSET = 9000
_MAX_SPAN_S = 1 << 46


@dataclass(frozen=True)
class Limit:
    """A comparison that marks readings out of range: ``hot`` is ``>`` (or ``>=``)."""

    hot: bool
    threshold_c: float
    inclusive: bool

    def mark(self, temps: np.ndarray, out: np.ndarray) -> np.ndarray:
        if self.hot:
            op = np.greater_equal if self.inclusive else np.greater
        else:
            op = np.less_equal if self.inclusive else np.less
        return op(temps, self.threshold_c, out=out)

    def can_trip(self, lowest: float, highest: float) -> bool:
        """Whether any value in [lowest, highest] can be out of range (else skip the pass)."""
        if self.hot:
            return highest >= self.threshold_c if self.inclusive else highest > self.threshold_c
        return lowest <= self.threshold_c if self.inclusive else lowest < self.threshold_c


def scan(t: np.ndarray, temps: np.ndarray, limits: list[Limit], max_gap_s: float | None
         ) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """One chunked pass over a series: ``(gap_after, out_of_range per limit)`` as indices.

    ``gap_after`` holds each ``i`` whose step to ``i + 1`` is longer than ``max_gap_s``.
    Returns ``None`` as soon as the times are found not strictly increasing (the caller sorts
    and de-duplicates, then scans again). A temperature that is not a finite number raises
    ``ValueError`` naming its index.
    """
    n = t.size
    gap_limit = math.inf if max_gap_s is None else max_gap_s
    steps = np.empty(min(CHUNK, n), dtype=np.int64)
    marks = np.empty(min(CHUNK, n), dtype=bool)
    gaps: list[np.ndarray] = []
    found: list[list[np.ndarray]] = [[] for _ in limits]
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        m = min(hi, n - 1) - lo  # steps that start in this chunk (the last reading has none)
        if m > 0:
            d = np.subtract(t[lo + 1:lo + 1 + m], t[lo:lo + m], out=steps[:m])
            if d.min() <= 0:
                return None
            if d.max() > gap_limit:
                gaps.append(np.flatnonzero(d > gap_limit) + lo)
        chunk = temps[lo:hi]
        # min and max propagate NaN and show ±inf, and a limit neither reaches is not
        # compared at all: in a healthy series most chunks trip no limit.
        low, high = float(chunk.min()), float(chunk.max())
        if not (math.isfinite(low) and math.isfinite(high)):
            bad = lo + int(np.flatnonzero(~np.isfinite(chunk))[0])
            raise ValueError(f"temperature at index {bad} is not a finite number")
        for k, limit in enumerate(limits):
            if not limit.can_trip(low, high):
                continue
            hit = np.flatnonzero(limit.mark(chunk, marks[:hi - lo]))
            if hit.size:
                found[k].append(hit + lo)
    return _joined(gaps), [_joined(parts) for parts in found]


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def sort_unique(t: np.ndarray, temps: np.ndarray, lowest: float, highest: float
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """Sorted by time, one reading per timestamp (the highest temperature); and how many
    were dropped. The result does not depend on the order the readings came in."""
    packed = _sort_packed(t, temps, lowest, highest)
    if packed is not None:
        return packed
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


def _sort_packed(t: np.ndarray, temps: np.ndarray, lowest: float, highest: float
                 ) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Readings at 0.01 °C (as stored) sorted as one int64 key each: time above, temperature
    below. A plain sort of int64 is several times faster than an argsort plus two gathers,
    and among equal times the last key holds the highest temperature. ``None`` when a value
    is not exactly a hundredth of a degree within ±90 °C (bit for bit: −0.0 included), or
    the series spans too long: the caller then sorts the general way."""
    first = int(t.min())
    if int(t.max()) - first >= _MAX_SPAN_S or lowest < -90.0 or highest > 90.0:
        return None
    # Packed chunk by chunk: the temporaries stay in cache and only the keys take memory.
    key = np.empty(t.size, dtype=np.int64)
    codes = np.empty(min(CHUNK, t.size))
    back = np.empty(min(CHUNK, t.size))
    for lo in range(0, t.size, CHUNK):
        hi = min(t.size, lo + CHUNK)
        c, k = codes[:hi - lo], key[lo:hi]
        np.multiply(temps[lo:hi], 100.0, out=c)
        np.rint(c, out=c)
        np.divide(c, 100.0, out=back[:hi - lo])
        if not np.array_equal(back[:hi - lo].view(np.int64), temps[lo:hi].view(np.int64)):
            return None
        np.subtract(t[lo:hi], first, out=k)
        k <<= _TEMP_BITS
        k += c.astype(np.int64)
        k += _TEMP_OFFSET
    key.sort()
    last = np.empty(key.size, dtype=bool)
    last[-1] = True
    times = key >> _TEMP_BITS
    np.not_equal(times[1:], times[:-1], out=last[:-1])
    dropped = int(key.size - np.count_nonzero(last))
    if dropped:
        key = key[last]
        times = times[last]
    times += first
    key &= (1 << _TEMP_BITS) - 1
    key -= _TEMP_OFFSET
    return times, key / 100.0, dropped


@dataclass(frozen=True)
class Runs:
    """The out-of-range runs of one limit, one entry per run (all numpy arrays).

    A run is broken by an in-range reading or by a gap; ``end`` is the time the last reading
    of the run holds until; ``ended_by_gap`` and ``open`` say how it ended."""

    start: np.ndarray
    end: np.ndarray
    duration_s: np.ndarray
    peak_c: np.ndarray
    peak_at: np.ndarray
    degree_minutes: np.ndarray
    ended_by_gap: np.ndarray
    open: np.ndarray


def runs(limit: Limit, t: np.ndarray, temps: np.ndarray, out: np.ndarray,
         gap_after: np.ndarray, tail_s: int, trailing_gap: bool) -> Runs | None:
    """The runs of the out-of-range readings ``out`` (sorted indices into ``t``).

    Each reading holds until the next one, for no time before a gap (``gap_after``, from
    :func:`scan`), and the last reading for ``tail_s``. Only the out-of-range readings are
    read, so the cost follows them, not the length of the series.
    """
    if out.size == 0:
        return None
    n = t.size
    at_end = bool(out[-1] == n - 1)
    inner = out[:-1] if at_end else out
    hold = np.empty(out.size, dtype=np.int64)
    # np.take: plain gathers, without fancy indexing's general machinery.
    np.subtract(np.take(t, inner + 1), np.take(t, inner), out=hold[:inner.size])
    if at_end:
        hold[-1] = tail_s
    # A run breaks where the next out-of-range reading is not the next reading, or at a gap.
    breaks = np.empty(out.size, dtype=bool)
    breaks[0] = True
    np.not_equal(np.diff(out), 1, out=breaks[1:])
    gap = np.zeros(out.size, dtype=bool)
    if gap_after.size:
        # Gaps are few: find the out-of-range readings they follow instead of testing all.
        at = np.searchsorted(out, gap_after)
        inside = at < out.size
        at = at[inside]
        at = at[out[at] == gap_after[inside]]
        gap[at] = True
        hold[at] = 0
        breaks[at[at + 1 < out.size] + 1] = True
    pos = np.flatnonzero(breaks)
    last = np.append(pos[1:] - 1, out.size - 1)

    seg_temp = np.take(temps, out)
    durations = np.add.reduceat(hold, pos)
    if limit.hot:
        excess = seg_temp - limit.threshold_c
        peaks = np.maximum.reduceat(seg_temp, pos)
    else:
        excess = limit.threshold_c - seg_temp
        peaks = np.minimum.reduceat(seg_temp, pos)
    excess *= hold
    degree_min = np.add.reduceat(excess, pos) / 60.0
    # The first reading of each run at its peak: the first position holding its run's
    # peak at or after the run's start (every run holds its own peak).
    hits = np.flatnonzero(seg_temp == np.repeat(peaks, np.diff(np.append(pos, out.size))))
    first_hit = hits[np.searchsorted(hits, pos)]

    ended_by_gap = gap[last]
    is_open = np.zeros(pos.size, dtype=bool)
    if at_end:
        ended_by_gap[-1] = trailing_gap
        is_open[-1] = not trailing_gap
    return Runs(start=t[out[pos]], end=t[out[last]] + hold[last], duration_s=durations,
                peak_c=peaks, peak_at=t[out[first_hit]], degree_minutes=degree_min,
                ended_by_gap=ended_by_gap, open=is_open)
