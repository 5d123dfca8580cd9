"""Drivers' rest: no stretch of a route longer than the rule allows without a rest."""

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.engine.model import ClassLoad, Compartment, Depot, Problem, RestRule, Stop, Vehicle
from routing.engine.solver import SolveOptions, plan_from_sequences, solve
from routing.engine.validate import validate

H = 3600
RULE = RestRule(length_s=1800, max_stretch_s=4 * H)


def long_day(rule: RestRule | None = RULE, windows=None) -> Problem:
    """Six stops of 40 minutes' service each: the route takes well over four hours."""
    stops = [Stop(f"S{i}", 31.20 + 0.01 * i, 121.45 + 0.01 * (i % 2),
                  window=(windows or {}).get(i, (6 * H, 16 * H)), service_fixed_s=2400,
                  demand={"chilled": ClassLoad(2, 10.0)}) for i in range(6)]
    vehicle = Vehicle("R1", "D", [Compartment("chilled", 40, 800.0)], shift_start=6 * H,
                      shift_end=18 * H)
    return Problem([Depot("D", 31.19, 121.44, open=5 * H, close=22 * H)], stops, [vehicle],
                   rest=rule)


def stretches(route) -> tuple[int, int]:
    return route.rest["start"] - route.departure, route.end - route.rest["end"]


def test_a_long_route_rests_and_no_stretch_exceeds_the_rule():
    problem = long_day()
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    assert validate(problem, solution) == []
    assert not solution.unassigned
    [route] = solution.routes
    assert route.end - route.departure > 4 * H
    assert route.rest["end"] - route.rest["start"] == 1800
    before, after = stretches(route)
    assert before <= 4 * H and after <= 4 * H
    # Taken after the stop's service, so the driver leaves that stop 30 min later.
    visit = next(v for v in route.stops if v.stop == route.rest["stop"])
    assert visit.departure == route.rest["end"]


def test_without_a_rule_the_same_day_has_no_rest_and_ends_earlier():
    plain = solve(long_day(None), SolveOptions(time_limit_s=1.0))
    rested = solve(long_day(), SolveOptions(time_limit_s=1.0))
    assert plain.routes[0].rest is None
    assert rested.routes[0].end >= plain.routes[0].end + 1800 - 600


def test_a_wait_for_a_window_is_used_for_the_rest():
    # The first stop must be served by 07:00 and the last opens at 13:00, long after the
    # others are done: the driver waits there, and rests while waiting.
    windows = {0: (6 * H, 7 * H), 5: (13 * H, 14 * H)}
    problem = long_day(windows=windows)
    order = [f"S{i}" for i in range(6)]
    plan = plan_from_sequences(problem, {"R1": order})
    assert validate(problem, plan) == []
    [route] = plan.routes
    assert route.rest["stop"] == "S5"
    s5 = route.stops[-1]
    assert s5.arrival <= route.rest["start"] and route.rest["end"] <= s5.service_start
    unrested = plan_from_sequences(long_day(None, windows=windows), {"R1": order})
    assert unrested.routes[0].end == route.end  # the rest cost no time


def test_the_validator_catches_a_missing_or_misplaced_rest():
    problem = long_day()
    plan = solve(problem, SolveOptions(time_limit_s=0.5))
    route = plan.routes[0]
    rest = dict(route.rest)
    route.rest = None
    assert any("without a rest" in v for v in validate(problem, plan))
    visit = next(v for v in route.stops if v.stop == rest["stop"])
    route.rest = {"stop": rest["stop"], "start": visit.service_start,
                  "end": visit.service_start + 1800}
    assert any("overlaps its service" in v for v in validate(problem, plan))


def test_rest_round_trips_through_json():
    problem = long_day()
    again = Problem.from_json(problem.to_json())
    assert again.rest == RULE
    solution = solve(problem, SolveOptions(time_limit_s=0.5))
    from routing.engine.model import Solution

    assert Solution.from_json(solution.to_json()).routes[0].rest == solution.routes[0].rest


@settings(max_examples=20, deadline=None)
@given(st.permutations(list(range(6))), st.integers(900, 3600), st.integers(2 * H, 5 * H))
def test_any_order_comes_back_rested_and_valid(order, length, stretch):
    problem = long_day(RestRule(length, stretch))
    plan = plan_from_sequences(problem, {"R1": [f"S{i}" for i in order]})
    assert validate(problem, plan) == []
    for route in plan.routes:
        if route.end - route.departure > stretch:
            before, after = stretches(route)
            assert before <= stretch and after <= stretch
