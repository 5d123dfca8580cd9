"""A plan always comes back: a short time limit still yields valid routes serving stops."""

import numpy as np

from routing.engine.model import ClassLoad, Compartment, Depot, Problem, Stop, Vehicle
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate

H = 3600


def busy_day(n_stops: int, seed: int = 7) -> Problem:
    """Pickup points around two Shanghai depots, cold and ambient, for 40 vehicles."""
    rng = np.random.default_rng(seed)
    centres = [("D1", 31.22, 121.54), ("D2", 31.11, 121.38)]
    depots = [Depot(i, lat, lon, open=5 * H, close=21 * H, loading_s=900)
              for i, lat, lon in centres]
    stops = []
    for k in range(n_stops):
        _, lat, lon = centres[k % 2]
        opens = int(rng.integers(14, 22)) * H // 2
        demand = ({"chilled": ClassLoad(int(rng.integers(1, 5)), 20.0)} if k % 2
                  else {"ambient": ClassLoad(int(rng.integers(1, 6)), 25.0)})
        stops.append(Stop(f"P{k}", lat + rng.uniform(-0.06, 0.06),
                          lon + rng.uniform(-0.06, 0.06), window=(opens, opens + 3 * H),
                          service_fixed_s=240, service_per_crate_s=15, demand=demand))
    vehicles = [Vehicle(f"T{i}", centres[i % 2][0],
                        [Compartment("chilled", 80, 1000.0)] if i < 20
                        else [Compartment("ambient", 100, 1000.0)],
                        shift_start=6 * H, shift_end=16 * H, fixed_cost=200.0)
                for i in range(40)]
    return Problem(depots, stops, vehicles, cold_chain_max_s={"chilled": 4 * H})


def test_one_second_on_a_400_stop_day_serves_every_stop():
    problem = busy_day(400)
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    assert validate(problem, solution) == []
    assert sum(len(r.stops) for r in solution.routes) == 400
    assert solution.stats["first_solution_s"] is not None


def test_a_limit_too_short_for_the_search_still_gives_routes():
    # Shorter than OR-Tools needs to build its model and a first solution for 400 stops.
    problem = busy_day(400)
    solution = solve(problem, SolveOptions(time_limit_s=0.3))
    assert validate(problem, solution) == []
    assert solution.routes and solution.status != "no_routes"
    served = sum(len(r.stops) for r in solution.routes)
    assert served >= 100
    assert {u.reason for u in solution.unassigned} <= {"no_plan_in_time"}
    assert served + len(solution.unassigned) == 400


def test_progress_moves_during_the_search():
    problem = busy_day(60)
    seen: list[float] = []
    solve(problem, SolveOptions(time_limit_s=1.0), progress=lambda pct, msg: seen.append(pct))
    during = [p for p in seen if 0 < p < 100]
    assert len(set(during)) >= 5
    assert seen == sorted(seen) and seen[-1] == 100.0
