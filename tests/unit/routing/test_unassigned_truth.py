"""A stop reported unassigned really fits nowhere in the returned plan.

Each unassigned stop is put into every position of every vehicle's route (and on every idle
vehicle); the result is timed as a dispatcher's edit would be and handed to the independent
validator. Any insertion that comes back complete and valid disproves the reason given.
"""

from hypothesis import HealthCheck, given, settings

from routing.engine.diagnose import LEFT_OUT, NOT_WORTH_SERVING
from routing.engine.matrix import GreatCircleProvider, build_matrices
from routing.engine.model import ClassLoad, Problem, Solution
from routing.engine.solver import SolveOptions, plan_from_sequences, solve
from routing.engine.validate import validate

from .test_property import problems


def insertable(problem: Problem, solution: Solution, stop_id: str) -> list[str]:
    """Every (vehicle, position) at which ``stop_id`` can join the plan, by the validator."""
    matrices = build_matrices(problem.points(), GreatCircleProvider(problem.matrix.circuity,
                                                                    problem.matrix.speed_kmh))
    base = {r.vehicle: [v.stop for v in r.stops] for r in solution.routes}
    loads = {r.vehicle: r.load for r in solution.routes}
    stop = next(s for s in problem.stops if s.id == stop_id)
    fits = []
    for v in problem.vehicles:
        seq = base.get(v.id, [])
        if any(v.compartment(c) is None or loads.get(v.id, {}).get(c, ClassLoad()).crates
               + stop.demand[c].crates > v.compartment(c).crates for c in stop.classes):
            continue  # plainly over capacity or the wrong compartments: the validator agrees
        for pos in range(len(seq) + 1):
            trial = dict(base)
            trial[v.id] = seq[:pos] + [stop_id] + seq[pos:]
            plan = plan_from_sequences(problem, trial, matrices=matrices)
            served = {x.stop for r in plan.routes for x in r.stops}
            if served >= {s for q in trial.values() for s in q} and not validate(
                    problem, plan, matrices):
                fits.append(f"{v.id}@{pos}")
    return fits


def test_crowded_day_reports_only_stops_that_fit_nowhere(mk):
    from routing.engine.model import Depot

    depot = Depot("D1", 31.22, 121.48, open=5 * 3600, close=22 * 3600)
    stops = [mk.stop(f"s{i}", 31.20 + 0.01 * (i % 5), 121.45 + 0.01 * (i // 5),
                     window=(8 * 3600, 9 * 3600), chilled=(2, 10.0)) for i in range(15)]
    problem = Problem([depot], stops, [mk.reefer("R1"), mk.reefer("R2")])
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    assert validate(problem, solution) == []
    assert solution.unassigned, "the day was built to be too much for two trucks"
    for u in solution.unassigned:
        assert insertable(problem, solution, u.stop) == [], u


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_no_unassigned_stop_can_be_inserted_into_the_plan(problem):
    solution = solve(problem, SolveOptions(time_limit_s=0.3))
    assert validate(problem, solution) == []
    for u in solution.unassigned:
        if u.reason in (NOT_WORTH_SERVING, LEFT_OUT):
            continue
        assert insertable(problem, solution, u.stop) == [], u


def test_stops_left_when_the_search_stops_are_tried_against_the_final_plan():
    # 400 stops for 12 trucks: the search ends with stops out, some of which still fit.
    from .test_first_plan import busy_day

    problem = busy_day(400)
    problem.vehicles = problem.vehicles[:6] + problem.vehicles[20:26]
    solution = solve(problem, SolveOptions(time_limit_s=2.0))
    assert validate(problem, solution) == []
    assert solution.unassigned
    for u in solution.unassigned[:: max(1, len(solution.unassigned) // 3)]:
        assert insertable(problem, solution, u.stop) == [], u
