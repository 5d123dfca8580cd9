"""Distance and time matrices from coordinates: how long 2,000 points take.

Baseline in the same run: one plain numpy pass over the same pairs (the outer difference of
the latitudes), so the figure reads as "so many plain passes".

    .venv/bin/python bench/matrix_bench.py [--points 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from routing.engine.matrix import GreatCircleProvider, build_matrices


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    pts = np.column_stack([31 + rng.random(args.points) * 0.5,
                           121 + rng.random(args.points) * 0.5])
    base = best_of(args.repeat, lambda: np.subtract.outer(pts[:, 0], pts[:, 0]))
    matrix = best_of(args.repeat, lambda: build_matrices(pts.tolist(), GreatCircleProvider()))
    print(f"{args.points} points: distance + time matrices {matrix * 1000:.0f} ms "
          f"(best of {args.repeat}); one plain numpy pass {base * 1000:.1f} ms; "
          f"ratio {matrix / base:.1f}x")


if __name__ == "__main__":
    main()
