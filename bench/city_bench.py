"""Synthetic city benchmark: a delivery day in Shanghai with cold-chain rules.

1,000 community pickup points around three depots (Pudong, Minhang, Baoshan); each receives
either a cold delivery (frozen and/or chilled crates) or an ambient one. 60 vehicles: 30
refrigerated trucks with frozen and chilled compartments and 30 ambient vans. Frozen goods
may spend at most 3 h and chilled goods 4 h between leaving the depot and delivery.
Prints the time to the first feasible plan, the cost after the time limit, what was served
or explained, and the independent validator's verdict.

    python bench/city_bench.py --time 30
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

import numpy as np

from routing.engine.matrix import GreatCircleProvider, build_matrices
from routing.engine.model import ClassLoad, Compartment, Depot, Problem, Stop, Vehicle
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate

H = 3600
DEPOTS = [("DC-PUDONG", 31.2200, 121.5450), ("DC-MINHANG", 31.1120, 121.3820),
          ("DC-BAOSHAN", 31.4050, 121.4890)]


def city_problem(n_stops: int = 1000, seed: int = 2026) -> Problem:
    rng = np.random.default_rng(seed)
    depots = [Depot(i, lat, lon, open=5 * H, close=21 * H, loading_s=1200)
              for i, lat, lon in DEPOTS]
    stops = []
    for k in range(n_stops):
        d = DEPOTS[rng.integers(len(DEPOTS))]
        # Pickup points cluster around the depots, up to about 8 km out.
        r_km, angle = 8 * np.sqrt(rng.random()), 2 * np.pi * rng.random()
        lat = d[1] + r_km / 111.0 * np.sin(angle)
        lon = d[2] + r_km / (111.0 * np.cos(np.radians(d[1]))) * np.cos(angle)
        open_ = int(rng.integers(7 * 2, 11 * 2 + 1)) * H // 2  # opens 07:00 .. 11:00
        demand = {}
        if rng.random() < 0.5:
            if rng.random() < 0.6:
                n = int(rng.integers(1, 4))
                demand["frozen"] = ClassLoad(n, round(n * rng.uniform(8, 14), 1))
            n = int(rng.integers(1, 6))
            demand["chilled"] = ClassLoad(n, round(n * rng.uniform(6, 12), 1))
        else:
            n = int(rng.integers(1, 8))
            demand["ambient"] = ClassLoad(n, round(n * rng.uniform(5, 10), 1))
        stops.append(Stop(f"P{k:04d}", round(float(lat), 6), round(float(lon), 6),
                          window=(open_, open_ + 3 * H), service_fixed_s=300,
                          service_per_crate_s=20, demand=demand))
    vehicles = []
    for i in range(60):
        depot = DEPOTS[i % 3][0]
        if i < 30:
            vehicles.append(Vehicle(
                f"REEFER-{i:02d}", depot,
                [Compartment("frozen", 40, 600.0), Compartment("chilled", 80, 1000.0)],
                shift_start=6 * H, shift_end=16 * H, max_duration_s=10 * H,
                fixed_cost=300.0, cost_per_km=4.0, speed_factor=1.15))
        else:
            vehicles.append(Vehicle(
                f"VAN-{i:02d}", depot, [Compartment("ambient", 100, 1000.0)],
                shift_start=6 * H, shift_end=16 * H, max_duration_s=10 * H,
                fixed_cost=150.0, cost_per_km=2.0))
    problem = Problem(depots, stops, vehicles,
                      cold_chain_max_s={"frozen": 3 * H, "chilled": 4 * H},
                      name="shanghai-1000")
    problem.matrix.speed_kmh = 25.0
    problem.matrix.circuity = 1.35
    return problem


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time", type=float, default=30.0, help="search time in seconds")
    ap.add_argument("--stops", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--first-solution", default=SolveOptions.first_solution)
    ap.add_argument("--metaheuristic", default=SolveOptions.metaheuristic)
    args = ap.parse_args(argv)

    problem = city_problem(args.stops, args.seed)
    t0 = time.monotonic()
    matrices = build_matrices(problem.points(), GreatCircleProvider(problem.matrix.circuity,
                                                                    problem.matrix.speed_kmh))
    matrix_s = time.monotonic() - t0
    options = SolveOptions(time_limit_s=args.time, first_solution=args.first_solution,
                           metaheuristic=args.metaheuristic)
    solution = solve(problem, options, matrices=matrices)
    total_s = time.monotonic() - t0
    violations = validate(problem, solution, matrices)
    stats = solution.stats
    first = stats.get("first_solution_s")
    served = sum(len(r.stops) for r in solution.routes)
    reasons = Counter(u.reason for u in solution.unassigned)
    kinds = Counter(r.vehicle.split("-")[0] for r in solution.routes)
    print(f"problem: {len(problem.stops)} stops, {len(problem.vehicles)} vehicles, "
          f"{len(problem.depots)} depots")
    print(f"options: {stats.get('first_solution_strategy')} + {options.metaheuristic}, "
          f"{args.time:g} s")
    print(f"matrix: {matrix_s:.2f} s")
    print(f"first feasible plan after: {first if first is None else f'{first:.2f}'} s "
          f"(model build {stats.get('build_s')} s)")
    print(f"cost after {total_s:.1f} s: {solution.total_cost:.2f} "
          f"({solution.total_distance_km:.1f} km, {solution.vehicles_used} vehicles: "
          f"{dict(kinds)})")
    print(f"served: {served}/{len(problem.stops)}; unassigned: {dict(reasons) or 'none'}")
    longest = max((v.since_departure_s for r in solution.routes for v in r.stops
                   if "frozen" in v.delivered), default=0)
    print(f"longest frozen time since departure: {longest / 60:.0f} min "
          f"(limit {problem.cold_chain_max_s['frozen'] / 60:.0f})")
    print(f"routes trimmed after search: {stats.get('trimmed_after_search')}; "
          f"solutions found: {stats.get('solutions_found')}")
    print(f"validator: {'valid' if not violations else f'{len(violations)} violations'}")
    for v in violations[:10]:
        print(f"  - {v}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
