"""Unordered readings on a logger's clock, evaluated without sorting them.

A logger samples on a fixed clock, so its readings are ``first + k·interval`` even when they
arrive shuffled or twice (a batch sent again). Each reading then has a slot ``k``, and which
slots hold a reading is one byte per slot: one scatter of every reading stands in for the
sort of all of them (an ``np.sort`` of 10 M times costs tens of numpy passes), and only the
out-of-range readings, a few percent, are looked at one by one.

The result is a short series in time order: every slot with an out-of-range reading and the
reading that follows each of them. ``series_scan.runs`` turns it into runs exactly as it does
a sorted series, since a run's hold times, breaks and gaps only need those readings.

Duplicates keep the highest temperature, as sorting does. Only the out-of-range readings'
values are kept, which is enough: if a slot's highest out-of-range value is above a hot
limit, it is the highest reading of the slot (every in-range value lies below it); if it is
only below cold limits and the slot also holds an in-range reading, that in-range reading is
higher, so the slot is in range for every limit and its exact value does not matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coldchain.analysis import series_scan
from coldchain.analysis.series_scan import Limit

#: A grid with more than this many empty slots per reading is sorted instead: the slot
#: arrays would outweigh the readings.
MAX_SLOTS_PER_READING = 2
#: Steps up to this many slots are looked up slot by slot; longer ones are listed while
#: counting the slots.
_NEAR = 4
_IN_RANGE = np.uint8(1)
_OUT_OF_RANGE = np.uint8(2)


@dataclass(frozen=True)
class GridScan:
    """The out-of-range readings and their successors in time order (``temps`` is NaN where
    the slot's kept reading is in range for every limit), and the whole series' counts and
    gaps."""

    times: np.ndarray
    temps: np.ndarray
    gap_after: np.ndarray
    gap_start: np.ndarray
    gap_end: np.ndarray
    readings: int
    duplicates: int
    first_at: int
    last_at: int


def grid_scan(t: np.ndarray, temps: np.ndarray, limits: list[Limit], interval_s: float,
              max_gap_s: float | None) -> GridScan | None:
    """The series of :class:`GridScan`, or ``None`` when the times are not all on one grid of
    ``interval_s`` from the first reading, the grid is too sparse, or every step is a gap (the
    caller then sorts). A temperature that is not a finite number raises ``ValueError``."""
    n = t.size
    if n < 2 or interval_s != int(interval_s) or interval_s < 1:
        return None
    step = int(interval_s)
    gap_slots = _gap_slots(step, max_gap_s)
    near = _NEAR if gap_slots is None else min(_NEAR, gap_slots)
    if near < 1:
        return None
    first, last = int(t.min()), int(t.max())
    slots = (last - first) // step + 1
    if slots > MAX_SLOTS_PER_READING * n + series_scan.CHUNK:
        return None
    marked = _mark_slots(t, temps, limits, first, step, slots)
    if marked is None:
        return None
    present, m_slot, m_temp = marked
    m_slot, m_temp = _highest_per_slot(present, m_slot, m_temp, slots)
    count, long_from, long_to = _count_and_long_steps(present, near)
    return _compact(present, m_slot, m_temp, limits, long_from, long_to, near, gap_slots,
                    first, step, count, n, last)


def _gap_slots(step: int, max_gap_s: float | None) -> int | None:
    """The longest step, in slots, that is not a gap (``None``: no step is)."""
    if max_gap_s is None or math.isinf(max_gap_s):
        return None
    k = math.floor(max_gap_s / step)
    # The division rounds; the comparison the scan makes is ``k * step > max_gap_s``.
    while (k + 1) * step <= max_gap_s:
        k += 1
    while k > 0 and k * step > max_gap_s:
        k -= 1
    return k


def _mark_slots(t, temps, limits, first, step, slots):
    """One pass in chunks: each in-range reading marks its slot; out-of-range readings are
    kept aside with their slots. ``None`` as soon as a time is off the grid."""
    n = t.size
    chunk = min(series_scan.CHUNK, n)
    present = np.zeros(slots, dtype=np.uint8)
    off = np.empty(chunk, dtype=np.int64)
    slot = np.empty(chunk, dtype=np.int64)
    rest = np.empty(chunk, dtype=np.int64)
    hit = np.empty(chunk, dtype=bool)
    mark = np.empty(chunk, dtype=bool)
    m_slot: list[np.ndarray] = []
    m_temp: list[np.ndarray] = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        w = hi - lo
        d = np.subtract(t[lo:hi], first, out=off[:w])
        s = np.floor_divide(d, step, out=slot[:w])
        # A remainder is never negative: the times are on the grid when the largest is 0.
        # (np.divmod and ``any`` cost three times as much as these four passes in cache.)
        r = np.subtract(d, np.multiply(s, step, out=rest[:w]), out=rest[:w])
        if r.max():
            return None
        c = temps[lo:hi]
        low, high = float(c.min()), float(c.max())
        if not (math.isfinite(low) and math.isfinite(high)):
            bad = lo + int(np.flatnonzero(~np.isfinite(c))[0])
            raise ValueError(f"temperature at index {bad} is not a finite number")
        tripping = [limit for limit in limits if limit.can_trip(low, high)]
        if not tripping:
            present[s] = _IN_RANGE
            continue
        h = tripping[0].mark(c, hit[:w])
        for limit in tripping[1:]:
            np.logical_or(h, limit.mark(c, mark[:w]), out=h)
        out = np.flatnonzero(h)
        m_slot.append(s.take(out))
        m_temp.append(c.take(out))
        present[s[np.logical_not(h, out=h)]] = _IN_RANGE
    if not m_slot:
        return present, np.empty(0, dtype=np.int64), np.empty(0)
    return present, np.concatenate(m_slot), np.concatenate(m_temp)


def _highest_per_slot(present, m_slot, m_temp, slots):
    """The out-of-range slots in time order, each with its highest out-of-range value; their
    slots are marked in ``present``."""
    if m_slot.size == 0:
        return m_slot, m_temp
    present[m_slot] |= _OUT_OF_RANGE
    marked = present >= _OUT_OF_RANGE
    order = np.flatnonzero(marked)
    rank = _ranks(marked, m_slot)
    # One writer wins per slot; the few readings that lost to a lower value raise it.
    best = np.empty(order.size)
    best[rank] = m_temp
    lost = np.flatnonzero(best[rank] < m_temp)
    if lost.size:
        np.maximum.at(best, rank[lost], m_temp[lost])
    return order, best


def _ranks(marked: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """Each slot's place among the marked ones, from a bit per slot and a count per 64 slots:
    arrays of 1/8 and 1/8 byte per slot, which stay in cache where an index per slot (4 bytes)
    would be looked up at random in memory."""
    bits = np.packbits(marked, bitorder="little")
    words = np.zeros(-(-bits.size // 8) * 8, dtype=np.uint8)
    words[:bits.size] = bits
    words = words.view("<u8")
    before = np.zeros(words.size + 1, dtype=np.int64)
    np.cumsum(np.bitwise_count(words), out=before[1:])
    w = slot >> 6
    below = np.left_shift(np.uint64(1), (slot & 63).astype(np.uint64)) - np.uint64(1)
    below &= words[w]
    return before[w] + np.bitwise_count(below)


def _count_and_long_steps(present: np.ndarray, near: int
                          ) -> tuple[int, np.ndarray, np.ndarray]:
    """How many slots hold a reading, and every step longer than ``near`` slots between
    consecutive ones (from, to). A chunk with every slot filled has no step inside it."""
    chunk = series_scan.CHUNK
    count, prev = 0, -1
    froms: list[np.ndarray] = []
    tos: list[np.ndarray] = []
    for lo in range(0, present.size, chunk):
        p = present[lo:lo + chunk]
        k = int(np.count_nonzero(p))
        if k == 0:
            continue
        count += k
        if k == p.size:
            if prev >= 0 and lo - prev > near:
                froms.append(np.array([prev]))
                tos.append(np.array([lo]))
            prev = lo + p.size - 1
            continue
        pos = np.flatnonzero(p) + lo
        if prev >= 0:
            pos = np.concatenate(([prev], pos))
        far = np.flatnonzero(np.diff(pos) > near)
        froms.append(pos[far])
        tos.append(pos[far + 1])
        prev = int(pos[-1])
    empty = np.empty(0, dtype=np.int64)
    return (count, np.concatenate(froms) if froms else empty,
            np.concatenate(tos) if tos else empty)


def _compact(present, m_slot, m_temp, limits, long_from, long_to, near, gap_slots, first,
             step, count, n, last) -> GridScan:
    gap = (long_to - long_from > gap_slots) if gap_slots is not None else np.zeros(
        long_from.size, dtype=bool)
    gap_start = first + long_from[gap] * step
    gap_end = first + long_to[gap] * step
    empty = np.empty(0, dtype=np.int64)
    whole = dict(gap_start=gap_start, gap_end=gap_end, readings=count, duplicates=n - count,
                 first_at=first, last_at=last)
    if m_slot.size == 0:
        return GridScan(times=empty, temps=np.empty(0), gap_after=empty, **whole)

    temps = m_temp.copy()
    shared = (present[m_slot] & _IN_RANGE) != 0
    if shared.any():
        hot = np.zeros(m_slot.size, dtype=bool)
        for limit in limits:
            if limit.hot:
                hot |= limit.mark(m_temp, np.empty(m_slot.size, dtype=bool))
        temps[shared & ~hot] = np.nan

    succ = _successors(present, m_slot, near, long_from, long_to)
    is_gap = (succ >= 0) & ((succ - m_slot > gap_slots) if gap_slots is not None else False)
    following = np.append(m_slot[1:], -1)
    extra = (succ >= 0) & (succ != following)
    at = np.arange(m_slot.size) + np.cumsum(extra) - extra
    size = m_slot.size + int(np.count_nonzero(extra))
    slot_of = np.empty(size, dtype=np.int64)
    slot_of[at] = m_slot
    slot_of[at[extra] + 1] = succ[extra]
    values = np.full(size, np.nan)
    values[at] = temps
    return GridScan(times=first + slot_of * step, temps=values, gap_after=at[is_gap], **whole)


def _successors(present, m_slot, near, long_from, long_to) -> np.ndarray:
    """The next slot holding a reading after each of ``m_slot`` (−1 after the last slot)."""
    succ = np.full(m_slot.size, -1, dtype=np.int64)
    todo = np.arange(m_slot.size)
    for k in range(1, near + 1):
        cand = m_slot[todo] + k
        found = np.zeros(todo.size, dtype=bool)
        inside = cand < present.size
        found[inside] = present[cand[inside]] != 0
        succ[todo[found]] = cand[found]
        todo = todo[~found]
        if not todo.size:
            return succ
    todo = todo[m_slot[todo] != present.size - 1]
    # Nothing within ``near`` slots: the step from here is one of the long steps listed.
    succ[todo] = long_to[np.searchsorted(long_from, m_slot[todo])]
    return succ
