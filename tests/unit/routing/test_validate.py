import copy
import subprocess
import sys

import pytest

from routing.engine.model import ClassLoad, Unassigned
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate


@pytest.fixture
def solved(city):
    solution = solve(city, SolveOptions(time_limit_s=1.0))
    assert validate(city, solution) == []
    return city, solution


def broken(solution, change):
    s = copy.deepcopy(solution)
    change(s)
    return s


def route_with(solution, stop_id):
    return next(r for r in solution.routes if any(v.stop == stop_id for v in r.stops))


def test_validator_never_imports_the_optimiser():
    code = ("import sys, routing.engine.validate; "
            "sys.exit(any(m.startswith('ortools') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_arrival_earlier_than_travel_allows(solved):
    problem, sol = solved

    def change(s):
        v = s.routes[0].stops[0]
        v.arrival = s.routes[0].departure + 1
    out = validate(problem, broken(sol, change))
    assert any("cannot be there before" in v for v in out)


def test_service_outside_window(solved):
    problem, sol = solved

    def change(s):
        v = route_with(s, "f").stops[[x.stop for x in route_with(s, "f").stops].index("f")]
        v.service_start = 11 * 3600
        v.departure = v.service_start + 10_000
    assert any("outside window" in v for v in validate(problem, broken(sol, change)))


def test_cold_chain_overrun_detected(solved):
    problem, sol = solved

    def change(s):
        r = route_with(s, "a")
        r.departure -= 2 * 3600
        r.start -= 2 * 3600
    out = validate(problem, broken(sol, change))
    assert any("cold-chain limit" in v for v in out)


def test_capacity_per_compartment(solved):
    problem, sol = solved
    problem = copy.deepcopy(problem)
    problem.stops[0].demand["frozen"] = ClassLoad(11, 20.0)  # reefers hold 10 frozen crates

    def change(s):
        r = route_with(s, "a")
        v = next(x for x in r.stops if x.stop == "a")
        v.delivered["frozen"] = ClassLoad(11, 20.0)
        r.load["frozen"].crates += 9
    assert any("over capacity" in v for v in validate(problem, broken(sol, change)))


def test_frozen_goods_on_an_ambient_van(solved):
    problem, sol = solved

    def change(s):
        r = route_with(s, "a")
        r.vehicle = "V1" if r.depot == "D1" else "V2"
    out = validate(problem, broken(sol, change))
    assert any("without a frozen compartment" in v for v in out)


def test_stop_missing_duplicated_or_vehicle_reused(solved):
    problem, sol = solved
    out = validate(problem, broken(sol, lambda s: s.routes[0].stops.pop()))
    assert any("neither served nor listed" in v for v in out)
    out = validate(problem, broken(sol, lambda s: s.routes.append(copy.deepcopy(s.routes[0]))))
    assert any("served 2 times" in v for v in out)
    assert any("used by 2 routes" in v for v in out)


def test_unassigned_and_served_at_once(solved):
    problem, sol = solved
    out = validate(problem, broken(sol, lambda s: s.unassigned.append(
        Unassigned("a", "no_room", "x"))))
    assert any("both served and listed" in v for v in out)
    out = validate(problem, broken(sol, lambda s: s.unassigned.append(
        Unassigned("zzz", "because", "x"))))
    assert any("not in the problem" in v for v in out)
    assert any("unknown reason" in v for v in out)


def test_reported_distance_cost_and_shift(solved):
    problem, sol = solved

    def change(s):
        s.routes[0].distance_km += 1
        s.routes[0].end = 23 * 3600
    out = validate(problem, broken(sol, change))
    assert any("reports" in v and "km" in v for v in out)
    assert any("after shift end" in v for v in out)
