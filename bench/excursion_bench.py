"""Excursion evaluation of one long sensor series, against one plain numpy pass.

A chilled room logged every minute for about 19 years' worth of readings (10 million by
default): a daily cycle, noise, defrost spikes above 4 °C, some cold dips, and a few dead
sensor gaps. The zone's rules (consecutive 30 min, cumulative 2 h, hot and cold) are
evaluated on ordered readings, then on the same readings shuffled with duplicates (the
sort-and-dedup path). The baseline is one vectorised pass over the same array
(``np.count_nonzero(temps > hi)`` and a min/max), timed in the same run.

Two figures per input: ``find`` (the detection, results as arrays) and ``evaluate`` (the
same plus one Python ``Excursion`` object per finding, about 23,000 here). The shuffled
readings are on the minute clock, so they take ``grid_scan`` and are not sorted; a plain
``np.sort`` of their times is printed as the floor of any evaluation that sorts them.
Everything is timed in turns (best of ``--repeat``), so each figure and the baseline see the
same load. Peak memory: the process's peak RSS, and the most memory the evaluation itself
held at once (tracemalloc, in a separate untimed run).

    python bench/excursion_bench.py              # 10 million readings
    python bench/excursion_bench.py --n 1000000 --repeat 5
    python bench/excursion_bench.py --searchsorted   # also the approach measured and left
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from coldchain.analysis.excursions import evaluate, find, zone_range, zone_rules


def make_series(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    times = 1_700_000_000 + np.arange(n, dtype=np.int64) * 60
    minute = np.arange(n)
    temps = 2.0 + 0.8 * np.sin(2 * np.pi * minute / 1440) + rng.normal(0, 0.3, n)
    # Defrost cycles: 20-40 minutes at 5-8 °C roughly every 8 hours.
    for start in range(300, n, 480):
        temps[start:start + rng.integers(20, 40)] += rng.uniform(3.0, 6.0)
    # Occasional cold dips (a door left open in winter).
    for start in rng.integers(0, n, n // 20_000):
        temps[start:start + rng.integers(5, 90)] -= 3.0
    # Dead sensor: a few multi-hour holes.
    keep = np.ones(n, dtype=bool)
    for start in rng.integers(0, n, max(1, n // 1_000_000)):
        keep[start:start + rng.integers(200, 2000)] = False
    return times[keep], np.round(temps[keep], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--searchsorted", action="store_true",
                        help="also time the placing of in-range readings among sorted "
                             "out-of-range ones (an approach tried and measured)")
    args = parser.parse_args()

    times, temps = make_series(args.n)
    rules = zone_rules("chilled", delay_min=30, cumulative_delay_min=120)
    lo, hi = zone_range("chilled")

    def baseline():
        return np.count_nonzero(temps > hi), temps.min(), temps.max()

    rng = np.random.default_rng(1)
    extra = rng.integers(0, times.size, times.size // 100)
    order = rng.permutation(times.size + extra.size)
    messy_t = np.concatenate([times, times[extra]])[order]
    messy_c = np.concatenate([temps, temps[extra]])[order]
    # Taken in turns, best of each: with other work on the machine, a figure and its
    # baseline measured minutes apart would see different loads.
    best = interleaved(args.repeat, {
        "base": baseline,
        "count": lambda: np.count_nonzero(temps > hi),
        "find": lambda: find(times, temps, rules, 60, 5),
        "eval": lambda: evaluate(times, temps, rules, 60, 5),
        "sort": lambda: np.sort(messy_t),
        "mfind": lambda: find(messy_t, messy_c, rules, 60, 5),
        "messy": lambda: evaluate(messy_t, messy_c, rules, 60, 5),
    })
    t_base, t_count, t_find, t_eval, t_sort, t_mfind, t_messy = (best[k][0] for k in (
        "base", "count", "find", "eval", "sort", "mfind", "messy"))
    found, ev, ev_messy = best["find"][1], best["eval"][1], best["messy"][1]
    assert found.count() == len(ev.excursions)
    assert ev_messy.to_dict()["excursions"] == ev.to_dict()["excursions"]
    assert ev_messy.gaps == ev.gaps and ev_messy.readings == ev.readings
    t_search = None
    if args.searchsorted:
        t_search = searchsorted_only(messy_t, messy_c, lo, hi)
    held_ordered = peak_held(lambda: evaluate(times, temps, rules, 60, 5))
    held_messy = peak_held(lambda: evaluate(messy_t, messy_c, rules, 60, 5))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def line(name: str, secs: float) -> str:
        return f"{name:<34}{secs * 1000:>10.1f} ms   ratio {secs / t_base:5.1f}x"

    alarmed = sum(e.alarmed for e in ev.excursions)
    print(f"readings                          {ev.readings:>12,}")
    print(f"excursions (alarmed)              {len(ev.excursions):>12,} ({alarmed:,})")
    print(f"gaps                              {len(ev.gaps):>12,}")
    print(f"baseline count>hi + min/max       {t_base * 1000:>10.1f} ms")
    print(f"(count>hi alone                   {t_count * 1000:>10.1f} ms)")
    print(line("find, ordered", t_find))
    print(line("evaluate, ordered", t_eval))
    print(line("np.sort of shuffled times alone", t_sort))
    print(line("find, shuffled + 1% dups", t_mfind))
    print(line("evaluate, shuffled + 1% dups", t_messy) + f"   ({messy_t.size:,} rows in)")
    print(f"peak RSS of the process           {rss:>10.0f} MiB "
          f"(input arrays {(times.nbytes + temps.nbytes) / 2**20:.0f} MiB ordered, "
          f"{(messy_t.nbytes + messy_c.nbytes) / 2**20:.0f} MiB shuffled)")
    print(f"held by evaluate at its peak      {held_ordered:>10.0f} MiB ordered, "
          f"{held_messy:.0f} MiB shuffled")
    if t_search is not None:
        print(line("searchsorted of in-range into out", t_search))


def interleaved(repeat: int, jobs: dict) -> dict[str, tuple[float, object]]:
    best = {name: (float("inf"), None) for name in jobs}
    for _ in range(repeat):
        for name, fn in jobs.items():
            began = time.perf_counter()
            result = fn()
            secs = time.perf_counter() - began
            if secs < best[name][0]:
                best[name] = (secs, result)
    return best


def searchsorted_only(t: np.ndarray, temps: np.ndarray, lo: float, hi: float) -> float:
    """The first step of sorting only the out-of-range readings: each in-range reading's
    place among the sorted out-of-range times (once, untimed preparation excluded)."""
    out = (temps > hi) | (temps < lo)
    keys = np.sort(t[out])
    inside = t[~out]
    began = time.perf_counter()
    np.searchsorted(keys, inside)
    return time.perf_counter() - began


def peak_held(fn) -> float:
    """The most memory (MiB) ``fn`` held at once beyond what existed before (numpy's
    arrays are traced)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


if __name__ == "__main__":
    main()
