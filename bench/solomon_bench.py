"""Solomon VRPTW benchmark for the route planner.

Convention (CVRPLIB/DIMACS "distance only"): Euclidean distances truncated to one decimal,
used for distance and travel time; 25 vehicles; minimise total distance. Each instance is
turned into an ordinary routing problem and solved by ``routing.engine.solver.solve``, then checked
by ``routing.engine.validate.validate``. The gap is measured against the optimal ``.sol`` routes.

    python bench/solomon_bench.py --time 10                   # all 56 instances
    python bench/solomon_bench.py --time 5 --only C101,R101 --pyvrp
    python bench/solomon_bench.py --time 10 --pyvrp --dir "$VRPTW/homberger_200"

Instances without a ``.sol`` file (Gehring-Homberger) are measured against the distance in
``bks.csv`` next to their folder. Those best-known values follow the hierarchical convention
(fewest vehicles first, exact Euclidean distances), so that gap is indicative only; the
PyVRP column, solved on the same truncated data in the same run, is the like-for-like one.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import re
import statistics
import sys
import time
from pathlib import Path

from routing.engine.solomon import (
    distance_matrix,
    read_instance,
    read_solution,
    route_distance,
    to_problem,
)
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "solomon"
FAMILIES = ("C1", "C2", "R1", "R2", "RC1", "RC2")
# Gehring-Homberger names (C1_2_1) belong to the same six families.


def family(name: str) -> str:
    m = re.match(r"([A-Z]+)(\d)", name.upper())
    return f"{m.group(1)}{m.group(2)}"


def run_ours(path: Path, options: SolveOptions) -> dict:
    inst = read_instance(path)
    problem, matrices = to_problem(inst)
    t0 = time.monotonic()
    solution = solve(problem, options, matrices=matrices)
    elapsed = time.monotonic() - t0
    violations = validate(problem, solution, matrices)
    routes = [[int(v.stop) for v in r.stops] for r in solution.routes]
    dist = route_distance(routes, distance_matrix(inst))
    return {"distance": dist / 10, "vehicles": len(routes), "unassigned": len(solution.unassigned),
            "violations": len(violations), "first_s": solution.stats.get("first_solution_s"),
            "seconds": elapsed,
            "rr_iterations": solution.stats.get("ruin_recreate", {}).get("iterations")}


def run_pyvrp(path: Path, seconds: float) -> dict:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    inst = read_instance(path)
    dist = distance_matrix(inst)
    m = Model()
    locs = [m.add_location(float(x), float(y)) for x, y in inst.xy]
    depot = m.add_depot(locs[0], tw_early=int(inst.ready[0]) * 10,
                        tw_late=int(inst.due[0]) * 10)
    m.add_vehicle_type(num_available=inst.vehicles, capacity=inst.capacity,
                       start_depot=depot, end_depot=depot,
                       tw_early=int(inst.ready[0]) * 10, tw_late=int(inst.due[0]) * 10)
    for i in range(1, len(locs)):
        m.add_client(locs[i], delivery=int(inst.demand[i]),
                     service_duration=int(inst.service[i]) * 10,
                     tw_early=int(inst.ready[i]) * 10, tw_late=int(inst.due[i]) * 10)
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            if i != j:
                m.add_edge(a, b, distance=int(dist[i, j]), duration=int(dist[i, j]))
    result = m.solve(stop=MaxRuntime(seconds), seed=1, display=False)
    best = result.best
    return {"distance": best.distance() / 10, "vehicles": best.num_routes(),
            "feasible": best.is_feasible()}


def bench_one(args: tuple[Path, SolveOptions, bool]) -> dict:
    path, options, with_pyvrp = args
    inst = read_instance(path)
    if path.with_suffix(".sol").exists():
        bks_routes, _ = read_solution(path.with_suffix(".sol"))
        bks = route_distance(bks_routes, distance_matrix(inst)) / 10
        bks_vehicles = len(bks_routes)
    else:
        bks, bks_vehicles = _bks_csv(path)
    row = {"name": path.stem, "bks": bks, "bks_vehicles": bks_vehicles,
           **run_ours(path, options)}
    row["gap"] = (100 * (row["distance"] / bks - 1) if row["unassigned"] == 0 else None)
    if with_pyvrp:
        p = run_pyvrp(path, options.time_limit_s)
        row["pyvrp"] = p["distance"]
        row["pyvrp_gap"] = 100 * (p["distance"] / bks - 1) if p["feasible"] else None
    return row


def _bks_csv(path: Path) -> tuple[float, int]:
    for parent in path.parents:
        table = parent / "bks.csv"
        if table.exists():
            with table.open() as f:
                for row in csv.DictReader(f):
                    if row["instance"].upper() == path.stem.upper():
                        return float(row["distance"]), int(row["vehicles"])
    raise SystemExit(f"no .sol file and no bks.csv entry for {path.stem}")


def fmt(x, spec: str = ".2f") -> str:
    return "—" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--time", type=float, default=10.0, help="seconds per instance")
    ap.add_argument("--only", default="", help="comma-separated instance names")
    ap.add_argument("--pyvrp", action="store_true", help="also run PyVRP with the same time")
    ap.add_argument("--jobs", type=int, default=1, help="instances solved in parallel")
    ap.add_argument("--first-solution", default=SolveOptions.first_solution)
    ap.add_argument("--metaheuristic", default=SolveOptions.metaheuristic)
    ap.add_argument("--gls-lambda", type=float, default=SolveOptions.gls_lambda)
    ap.add_argument("--rr-share", type=float, default=SolveOptions.ruin_recreate_share,
                    help="share of the search time for ruin and recreate")
    ap.add_argument("--anneal-start", type=float, default=SolveOptions.anneal_start)
    ap.add_argument("--anneal-end", type=float, default=SolveOptions.anneal_end)
    args = ap.parse_args(argv)

    names = [n.strip().upper() for n in args.only.split(",") if n.strip()]
    paths = sorted(args.dir.glob("*.txt"))
    if names:
        paths = [p for p in paths if p.stem.upper() in names]
    if not paths:
        print("no instances found", file=sys.stderr)
        return 2
    options = SolveOptions(time_limit_s=args.time, first_solution=args.first_solution,
                           metaheuristic=args.metaheuristic, gls_lambda=args.gls_lambda,
                           ruin_recreate_share=args.rr_share, anneal_start=args.anneal_start,
                           anneal_end=args.anneal_end)
    print(f"# {len(paths)} instances, {args.time:g} s each, first solution "
          f"{options.first_solution}, {options.metaheuristic} (lambda {options.gls_lambda}), "
          f"ruin and recreate {options.ruin_recreate_share:g} of the time, annealing "
          f"{options.anneal_start:g} to {options.anneal_end:g}")
    header = "| instance | distance | vehicles | optimum | gap % |"
    sep = "|---|---:|---:|---:|---:|"
    if args.pyvrp:
        header += " PyVRP | PyVRP gap % |"
        sep += "---:|---:|"
    header += " valid |"
    sep += "---|"
    print(header)
    print(sep)
    work = [(p, options, args.pyvrp) for p in paths]
    rows = []
    if args.jobs > 1:
        with multiprocessing.Pool(args.jobs) as pool:
            results = pool.imap(bench_one, work)
            rows = list(_print_rows(results, args.pyvrp))
    else:
        rows = list(_print_rows(map(bench_one, work), args.pyvrp))

    print()
    print("| family | instances | mean gap % | solved |" + (" PyVRP mean gap % |"
                                                          if args.pyvrp else ""))
    print("|---|---:|---:|---:|" + ("---:|" if args.pyvrp else ""))
    for fam in (*FAMILIES, "all"):
        sel = [r for r in rows if fam == "all" or family(r["name"]) == fam]
        if not sel:
            continue
        gaps = [r["gap"] for r in sel if r["gap"] is not None]
        line = (f"| {fam} | {len(sel)} | {fmt(statistics.mean(gaps) if gaps else None)} | "
                f"{len(gaps)}/{len(sel)} |")
        if args.pyvrp:
            pg = [r["pyvrp_gap"] for r in sel if r.get("pyvrp_gap") is not None]
            line += f" {fmt(statistics.mean(pg) if pg else None)} |"
        print(line)
    invalid = [r["name"] for r in rows if r["violations"]]
    unsolved = [r["name"] for r in rows if r["unassigned"]]
    print(f"\ninstances with unserved customers: {unsolved or 'none'}; "
          f"validator violations: {invalid or 'none'}")
    return 1 if invalid else 0


def _print_rows(results, with_pyvrp: bool):
    for r in results:
        line = (f"| {r['name']} | {r['distance']:.1f} | {r['vehicles']} | {r['bks']:.1f} | "
                f"{fmt(r['gap'])} |")
        if with_pyvrp:
            line += f" {r['pyvrp']:.1f} | {fmt(r['pyvrp_gap'])} |"
        line += " yes |" if not r["violations"] else f" NO ({r['violations']}) |"
        if r["unassigned"]:
            line += f" {r['unassigned']} unserved"
        if r.get("rr_iterations"):
            line += f" {r['rr_iterations']} rounds"
        print(line, flush=True)
        yield r


if __name__ == "__main__":
    sys.exit(main())
