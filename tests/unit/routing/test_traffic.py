"""Rush hours: travel by time of day, the same in the optimiser's bound, the drivers'
schedule and the validator."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.engine.matrix import GreatCircleProvider, build_matrices
from routing.engine.model import (
    ClassLoad,
    Compartment,
    Depot,
    Problem,
    ProblemError,
    Stop,
    Vehicle,
)
from routing.engine.solver import SolveOptions, plan_from_sequences, solve
from routing.engine.traffic import RushHour, TrafficProfile
from routing.engine.validate import validate

H = 3600
CITY = TrafficProfile([RushHour(7 * H, 9 * H, 1.5), RushHour(17 * H, 19 * H, 1.4)])


def test_a_leg_is_slowed_only_for_its_part_inside_the_rush():
    assert CITY.arrive(5 * H, 600) == 5 * H + 600  # free flow
    assert CITY.arrive(7 * H, 600) == 7 * H + 900  # all inside: 1.5 times as long
    # Ten minutes of free flow up to 07:00, then the remaining 10 minutes at 1.5.
    assert CITY.arrive(7 * H - 600, 1200) == 7 * H + 900
    # Leaving the rush at 09:00: 20 min inside cover 800 s of free flow, 400 s remain.
    assert CITY.arrive(9 * H - 1200, 1200) == 9 * H + 400
    assert CITY.arrive_s(7 * H, 601) == 7 * H + 902  # rounded up
    assert CITY.max_factor == 1.5


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2 * 86_400 - 1), st.integers(0, 4 * H), st.integers(0, 7200),
       st.lists(st.tuples(st.integers(0, 23), st.integers(1, 6), st.floats(1.0, 3.0)),
                max_size=3))
def test_leaving_later_never_arrives_earlier_and_never_faster_than_free_flow(
        t, base, later, raw):
    periods, end = [], 0
    for start_h, length_h, factor in raw:
        start = max(end, start_h * H)
        stop = min(86_400, start + length_h * H)
        if stop > start:
            periods.append(RushHour(start, stop, factor))
            end = stop
    profile = TrafficProfile(periods)
    first = profile.arrive(t, base)
    assert base - 1e-6 <= first - t <= base * profile.max_factor + 1e-6
    assert profile.arrive(t + later, base) >= first - 1e-6
    assert profile.arrive_s(t, base) >= first - 1e-6


def line_day(traffic: TrafficProfile) -> Problem:
    """Four stops on a line east of the depot, each 07:30-09:30."""
    stops = [Stop(f"S{i}", 31.20, 121.45 + 0.03 * i, window=(7 * H + 1800, 9 * H + 1800),
                  service_fixed_s=300, demand={"chilled": ClassLoad(2, 10.0)})
             for i in range(1, 5)]
    vehicle = Vehicle("R1", "D", [Compartment("chilled", 20, 400.0)], shift_start=5 * H,
                      shift_end=14 * H)
    return Problem([Depot("D", 31.20, 121.45, open=5 * H, close=22 * H)], stops, [vehicle],
                   cold_chain_max_s={"chilled": 3 * H}, traffic=traffic)


def test_the_plan_is_timed_in_the_rush_and_passes_the_validator():
    problem = line_day(CITY)
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    assert validate(problem, solution) == []
    assert not solution.unassigned
    free = solve(line_day(TrafficProfile()), SolveOptions(time_limit_s=1.0))
    # The same route drives slower at 07:30-09:00: it is back later than in free flow.
    assert solution.routes[0].end > free.routes[0].end


def test_the_validator_rejects_a_plan_timed_as_if_the_roads_were_free():
    free = solve(line_day(TrafficProfile()), SolveOptions(time_limit_s=1.0))
    assert validate(line_day(TrafficProfile()), free) == []
    found = validate(line_day(CITY), free)
    assert any("cannot be there before" in v for v in found), found


def test_a_window_only_reachable_before_the_rush_is_reached_before_it():
    problem = line_day(CITY)
    far = problem.stops[-1]
    # 45 min before 07:00 the roads are free; in the rush the trip takes 1.5 times longer.
    far.window = (0, 7 * H)
    problem.stops = [far]
    problem.vehicles[0].shift_start = 6 * H
    solution = solve(problem, SolveOptions(time_limit_s=0.5))
    assert validate(problem, solution) == []
    assert not solution.unassigned
    assert solution.routes[0].stops[0].service_start <= 7 * H


def test_traffic_round_trips_and_bad_periods_are_named():
    problem = line_day(CITY)
    again = Problem.from_json(problem.to_json())
    assert again.traffic.to_list() == CITY.to_list()
    bad = problem.to_dict()
    bad["traffic"] = [{"start": "08:00", "end": "07:00", "factor": 1.2},
                      {"start": "10:00", "end": "11:00", "factor": 0.5}]
    with pytest.raises(ProblemError) as e:
        Problem.from_dict(bad)
    paths = {x["path"] for x in e.value.errors}
    assert {"traffic[0]", "traffic[1].factor"} <= paths


@settings(max_examples=30, deadline=None)
@given(st.permutations([0, 1, 2, 3]), st.integers(5 * H, 8 * H),
       st.floats(1.0, 2.5), st.integers(6 * H, 9 * H))
def test_the_schedule_and_the_validator_agree_on_every_leg(order, shift_start, factor,
                                                           rush_start):
    profile = TrafficProfile([RushHour(rush_start, rush_start + 2 * H, factor)])
    problem = line_day(profile)
    for s in problem.stops:
        s.window = (5 * H, 13 * H)
    problem.vehicles[0].shift_start = shift_start
    problem.cold_chain_max_s = {}
    plan = plan_from_sequences(problem, {"R1": [problem.stops[i].id for i in order]})
    assert validate(problem, plan) == []
    assert not plan.unassigned
    matrices = build_matrices(problem.points(), GreatCircleProvider(1.3, 30.0))
    nodes = {s.id: 1 + i for i, s in enumerate(problem.stops)}
    prev, t = 0, plan.routes[0].departure
    for visit in plan.routes[0].stops:
        exact = profile.arrive(t, float(matrices.time_s[prev, nodes[visit.stop]]))
        # Whole seconds, rounded up: never early; late by at most the second the leg's
        # free-flow time is rounded up to, slowed by the rush, and the final rounding.
        assert exact - 1e-6 <= visit.arrival <= exact + 1 + profile.max_factor
        prev, t = nodes[visit.stop], visit.departure
