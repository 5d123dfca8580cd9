"""Pickups: stops that send goods back (returns from pickup points, empty crates).

The vehicle leaves with every delivery of its route and collects on the way, so the order of
stops decides whether the load fits; the solver, the drivers' schedule and the validator
must agree on that.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.engine.diagnose import ACCESS, COMPARTMENT_FULL, LEFT_OUT
from routing.engine.insertion import Inserter
from routing.engine.matrix import GreatCircleProvider, build_matrices
from routing.engine.model import ClassLoad, Compartment, Depot, Problem, Solution, Stop, Vehicle
from routing.engine.schedule import Infeasible, RouteTimer
from routing.engine.solver import SolveOptions, _optimise, plan_from_sequences, solve
from routing.engine.validate import validate

from .test_unassigned_truth import insertable

H = 3600


def van(vid="V1", crates=12, kind="van", **kw) -> Vehicle:
    return Vehicle(vid, "D", [Compartment("ambient", crates, 500.0)], shift_start=6 * H,
                   shift_end=16 * H, kind=kind, **kw)


def point(sid, lat, lon, deliver=0, collect=0, **kw) -> Stop:
    return Stop(sid, lat, lon, window=(7 * H, 14 * H), service_fixed_s=300,
                demand={"ambient": ClassLoad(deliver, 2.0 * deliver)} if deliver else {},
                pickup={"ambient": ClassLoad(collect, 1.0 * collect)} if collect else {}, **kw)


def deliveries_far_pickups_near(crates=12) -> Problem:
    """Three deliveries of 4 crates far east, three pickups of 4 crates near the depot: with
    12 crates of room, every delivery must come before any pickup."""
    stops = [point(f"far{i}", 31.20 + 0.01 * i, 121.60, deliver=4) for i in range(3)]
    stops += [point(f"near{i}", 31.20 + 0.01 * i, 121.42, collect=4) for i in range(3)]
    return Problem([Depot("D", 31.21, 121.40, open=5 * H, close=22 * H)], stops,
                   [van(crates=crates)])


def test_collected_goods_ride_back_and_every_leg_fits():
    problem = deliveries_far_pickups_near()
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    assert validate(problem, solution) == []
    assert not solution.unassigned
    [route] = solution.routes
    order = [v.stop for v in route.stops]
    assert all(s.startswith("far") for s in order[:3]), order
    assert {c: q.crates for v in route.stops for c, q in v.picked_up.items()} == {"ambient": 4}
    assert sum(v.picked_up["ambient"].crates for v in route.stops if v.picked_up) == 12


def test_the_optimiser_model_itself_keeps_every_leg_within_the_compartment():
    problem = deliveries_far_pickups_near()
    matrices = build_matrices(problem.points(), GreatCircleProvider(1.3, 30.0))
    timer = RouteTimer(problem, matrices)
    servable = list(range(len(problem.stops)))
    allowed = [[0] for _ in servable]
    found, _ = _optimise(problem, timer, allowed, servable,
                         SolveOptions(time_limit_s=1.0, ruin_recreate_share=0.0),
                         lambda p, m: None, __import__("time").monotonic(), {})
    assert found and sorted(found[0]) == servable
    profile = timer.load_profile(found[0])
    assert profile.max(axis=0)[2] <= 12  # ambient crates on every leg


def test_the_schedule_refuses_an_order_that_overflows_and_names_the_stop():
    problem = deliveries_far_pickups_near()
    matrices = build_matrices(problem.points(), GreatCircleProvider(1.3, 30.0))
    timer = RouteTimer(problem, matrices)
    result = timer.schedule(problem.vehicles[0], [3, 0, 1, 2, 4, 5])
    assert isinstance(result, Infeasible) and result.reason == "capacity"
    assert result.position == 0 and "near0" in result.message
    assert not isinstance(timer.schedule(problem.vehicles[0], [0, 1, 2, 3, 4, 5]), Infeasible)


def test_a_given_order_that_overflows_is_cut_until_it_fits_and_the_plan_is_valid():
    problem = deliveries_far_pickups_near()
    plan = plan_from_sequences(problem, {"V1": ["near0", "far0", "far1", "far2", "near1",
                                                "near2"]})
    assert validate(problem, plan) == []
    # Cut where it overflowed; at the end of the route it would have fitted, and says so.
    assert [(u.stop, u.reason) for u in plan.unassigned] == [("near0", LEFT_OUT)]


def test_the_validator_catches_a_leg_over_capacity():
    problem = deliveries_far_pickups_near()
    plan = plan_from_sequences(problem, {"V1": ["far0", "far1", "far2", "near0", "near1",
                                                "near2"]})
    assert validate(problem, plan) == []
    smaller = Problem.from_dict(problem.to_dict())
    smaller.vehicles[0].compartments[0].crates = 11
    # 12 crates leave the depot and 12 come back: both legs are over 11.
    found = validate(smaller, Solution.from_dict(plan.to_dict()))
    assert any("ambient load 12 crates" in v and "over capacity 11" in v for v in found)


def test_the_validator_catches_a_pickup_left_behind():
    problem = deliveries_far_pickups_near()
    plan = plan_from_sequences(problem, {"V1": ["far0", "far1", "far2", "near0", "near1",
                                                "near2"]})
    plan.routes[0].stops[3].picked_up = {}
    assert any("collects None of ambient" in v for v in validate(problem, plan))


def test_a_stop_that_sends_back_more_than_any_compartment_holds_is_over_capacity():
    problem = deliveries_far_pickups_near()
    problem.stops[3].pickup["ambient"] = ClassLoad(13, 13.0)
    solution = solve(problem, SolveOptions(time_limit_s=0.5))
    assert validate(problem, solution) == []
    assert {u.stop: u.reason for u in solution.unassigned} == {"near0": "over_capacity"}


def test_pickup_round_trips_through_json():
    problem = deliveries_far_pickups_near()
    again = Problem.from_json(problem.to_json())
    assert again.stops[3].pickup == {"ambient": ClassLoad(4, 4.0)}
    bad = problem.to_dict()
    bad["stops"][3]["pickup"] = {"ambient": {"crates": -1, "kg": 0}}
    try:
        Problem.from_dict(bad)
    except ValueError as e:
        assert "stops[3].pickup.ambient.crates" in str(e)
    else:
        raise AssertionError("a negative pickup was accepted")


# -- access: residential compounds let vans in only -----------------------------------------


def test_a_vans_only_compound_is_served_by_the_van_and_never_by_the_truck():
    problem = deliveries_far_pickups_near()
    problem.vehicles = [van("T1", crates=40, kind="truck", fixed_cost=1.0),
                        van("V1", crates=12, kind="van", fixed_cost=50.0)]
    problem.stops[0].vehicle_kinds = ["van"]
    solution = solve(problem, SolveOptions(time_limit_s=1.0))
    assert validate(problem, solution) == []
    assert not solution.unassigned
    served_by = {v.stop: r.vehicle for r in solution.routes for v in r.stops}
    assert served_by["far0"] == "V1"


def test_access_is_the_reason_when_no_admitted_vehicle_exists():
    problem = deliveries_far_pickups_near()
    problem.stops[0].vehicle_kinds = ["tricycle"]
    solution = solve(problem, SolveOptions(time_limit_s=0.5))
    assert validate(problem, solution) == []
    assert {u.stop: u.reason for u in solution.unassigned} == {"far0": ACCESS}


def test_the_validator_catches_a_truck_in_a_vans_only_compound():
    problem = deliveries_far_pickups_near()
    plan = plan_from_sequences(problem, {"V1": ["far0", "far1", "far2", "near0", "near1",
                                                "near2"]})
    problem.stops[0].vehicle_kinds = ["bike"]
    assert any("kind 'van' calls" in v for v in validate(problem, plan))


# -- properties -------------------------------------------------------------------------------


@st.composite
def pickup_days(draw):
    n = draw(st.integers(1, 7))
    stops = []
    for i in range(n):
        stops.append(point(f"S{i}", 31.20 + draw(st.floats(0, 0.1)),
                           121.40 + draw(st.floats(0, 0.1)),
                           deliver=draw(st.integers(0, 8)),
                           collect=draw(st.integers(0 if i else 1, 8))))
    vehicles = [van(f"V{k}", crates=draw(st.integers(4, 16)))
                for k in range(draw(st.integers(1, 2)))]
    problem = Problem([Depot("D", 31.25, 121.45, open=5 * H, close=22 * H)], stops, vehicles)
    order = draw(st.permutations(list(range(n))))
    return problem, order


@settings(max_examples=60, deadline=None)
@given(pickup_days())
def test_inserting_by_running_maxima_agrees_with_the_load_on_every_leg(day):
    problem, order = day
    matrices = build_matrices(problem.points(), GreatCircleProvider(1.3, 30.0))
    timer = RouteTimer(problem, matrices)
    inserter = Inserter(problem, timer, [[0] for _ in problem.stops])
    route = [si for si in order[:-1] if timer.overload(problem.vehicles[0], [si]) is None]
    if timer.overload(problem.vehicles[0], route) is not None:
        return
    inserter.set_routes({0: route})
    si = order[-1]
    room = inserter._room(0, si)
    cap = timer.capacity(problem.vehicles[0])
    for p in range(len(route) + 1):
        seq = route[:p] + [si] + route[p:]
        assert bool(room[p]) == bool(np.all(timer.load_profile(seq) <= cap))


@settings(max_examples=25, deadline=None)
@given(pickup_days())
def test_any_given_order_comes_back_as_a_valid_plan(day):
    problem, order = day
    names = [problem.stops[i].id for i in order]
    plan = plan_from_sequences(problem, {problem.vehicles[0].id: names})
    assert validate(problem, plan) == []
    served = {v.stop for r in plan.routes for v in r.stops}
    assert served | {u.stop for u in plan.unassigned} == set(names)


def test_a_full_compartment_on_the_way_back_is_the_reason_given():
    problem = deliveries_far_pickups_near()
    problem.stops.append(point("near3", 31.23, 121.42, collect=4))
    solution = solve(problem, SolveOptions(time_limit_s=0.5))
    assert validate(problem, solution) == []
    [miss] = solution.unassigned
    assert miss.reason == COMPARTMENT_FULL and "ambient" in miss.message


@settings(max_examples=15, deadline=None)
@given(pickup_days())
def test_no_stop_left_out_of_a_pickup_day_fits_into_its_plan(day):
    problem, _ = day
    solution = solve(problem, SolveOptions(time_limit_s=0.5))
    assert validate(problem, solution) == []
    for u in solution.unassigned:
        if u.reason == "no_plan_in_time":
            continue  # the machine was too busy to try it: no claim about room is made
        assert insertable(problem, solution, u.stop) == [], u
