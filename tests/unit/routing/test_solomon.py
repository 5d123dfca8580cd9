from pathlib import Path

import pytest

from routing.engine.solomon import (
    distance_matrix,
    read_instance,
    read_solution,
    route_distance,
    to_problem,
)
from routing.engine.solver import SolveOptions, plan_from_sequences, solve
from routing.engine.validate import validate

SOLOMON = Path(__file__).resolve().parents[2] / "data" / "solomon"


def test_reader_parses_c101():
    inst = read_instance(SOLOMON / "C101.txt")
    assert inst.customers == 100 and inst.vehicles == 25 and inst.capacity == 200
    assert inst.demand[1] == 10 and inst.ready[1] == 912 and inst.service[1] == 90


def test_every_known_optimum_reproduces_under_truncated_distances():
    for sol_path in sorted(SOLOMON.glob("*.sol")):
        inst = read_instance(sol_path.with_suffix(".txt"))
        routes, cost = read_solution(sol_path)
        assert route_distance(routes, distance_matrix(inst)) == round(cost * 10), sol_path.stem


@pytest.mark.parametrize("name", ["R102", "RC105"])
def test_known_optima_pass_the_validator(name):
    # These route sets are only feasible with truncated travel times, so they check that the
    # conversion keeps the convention exactly.
    inst = read_instance(SOLOMON / f"{name}.txt")
    problem, matrices = to_problem(inst)
    routes, cost = read_solution(SOLOMON / f"{name}.sol")
    sequences = {f"v{k}": [str(c) for c in r] for k, r in enumerate(routes)}
    solution = plan_from_sequences(problem, sequences, matrices=matrices)
    assert validate(problem, solution, matrices) == []
    assert solution.unassigned == []
    assert solution.total_distance_km * 100 == pytest.approx(cost)


def test_planner_reaches_the_c101_optimum():
    # A solution count, not the clock, ends this search, so the result does not depend on how
    # busy the machine is; the time limit is only a safety net. Ruin and recreate, which
    # runs on the clock, is left out for the same reason.
    def stop_after_100_solutions(params) -> None:
        params.solution_limit = 100

    inst = read_instance(SOLOMON / "C101.txt")
    problem, matrices = to_problem(inst)
    solution = solve(problem, SolveOptions(time_limit_s=120, tune=stop_after_100_solutions,
                                           ruin_recreate_share=0.0), matrices=matrices)
    assert validate(problem, solution, matrices) == []
    assert solution.unassigned == []
    assert solution.total_distance_km * 100 == pytest.approx(827.3, abs=0.05)


@pytest.mark.parametrize(("name", "expected"), [("R101", "PARALLEL_CHEAPEST_INSERTION"),
                                                ("R201", "PATH_CHEAPEST_ARC")])
def test_first_plan_heuristic_follows_route_length(name, expected):
    inst = read_instance(SOLOMON / f"{name}.txt")
    problem, matrices = to_problem(inst)
    solution = solve(problem, SolveOptions(time_limit_s=0.5), matrices=matrices)
    assert solution.stats["first_solution_strategy"] == expected
    assert validate(problem, solution, matrices) == []


def test_ruin_and_recreate_runs_and_keeps_the_plan_valid():
    inst = read_instance(SOLOMON / "R101.txt")
    problem, matrices = to_problem(inst)
    solution = solve(problem, SolveOptions(time_limit_s=2.0), matrices=matrices)
    assert validate(problem, solution, matrices) == []
    assert solution.unassigned == []
    loop = solution.stats["ruin_recreate"]
    assert loop["iterations"] > 0 and loop["accepted"] > 0
    # The loop hands back its best, never worse than the plan guided local search gave it.
    assert loop["best_cost"] <= loop["start_cost"]
    assert solution.total_cost == pytest.approx(loop["best_cost"], abs=0.01 * len(
        solution.routes) + 0.01)
