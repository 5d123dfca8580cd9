import numpy as np
import pytest

from routing.engine import diagnose
from routing.engine.matrix import GreatCircleProvider, Matrices
from routing.engine.model import Depot, Problem
from routing.engine.schedule import RouteTimer
from routing.engine.solver import SolveOptions, plan_from_sequences, solve
from routing.engine.validate import validate

FAST = SolveOptions(time_limit_s=1.0)


def served_by(solution):
    return {v.stop: r.vehicle for r in solution.routes for v in r.stops}


def test_city_plan_serves_every_stop_and_validates(city):
    solution = solve(city, FAST)
    assert validate(city, solution) == []
    assert solution.unassigned == []
    where = served_by(solution)
    assert set(where) == {s.id for s in city.stops}
    # Frozen and chilled goods can only ride on the refrigerated trucks.
    for sid in ("a", "b", "d", "f"):
        assert where[sid] in {"R1", "R2"}
    assert solution.vehicles_used == len(solution.routes) <= 4
    assert solution.total_cost == pytest.approx(sum(r.cost for r in solution.routes))


def test_route_loads_and_times_are_reported(city):
    solution = solve(city, FAST)
    assert validate(city, solution) == []
    for r in solution.routes:
        assert r.start == r.departure - 600  # loading time of both depots
        assert r.end >= r.stops[-1].departure
        for v in r.stops:
            assert v.arrival <= v.service_start < v.departure
            assert v.since_departure_s == v.service_start - r.departure
        total = sum(v.delivered[c].crates for v in r.stops for c in v.delivered)
        assert total == sum(q.crates for q in r.load.values())


def test_progress_is_reported_from_zero_to_hundred(city):
    calls = []
    solution = solve(city, FAST, progress=lambda pct, msg: calls.append((pct, msg)))
    assert validate(city, solution) == []
    pcts = [p for p, _ in calls]
    assert pcts[0] == 0.0 and pcts[-1] == 100.0
    assert pcts == sorted(pcts)
    assert any("best cost" in m for _, m in calls)


def test_invalid_options_are_rejected(city):
    with pytest.raises(ValueError):
        solve(city, SolveOptions(first_solution="TELEPATHY"))
    with pytest.raises(ValueError):
        solve(city, SolveOptions(metaheuristic="HOPE"))


def test_each_unservable_stop_gets_its_reason(mk):
    depot = Depot("D1", 31.22, 121.48, open=5 * 3600, close=22 * 3600)
    stops = [
        mk.stop("frozen_no_reefer", 31.23, 121.47, frozen=(1, 5.0)),
        mk.stop("too_big", 31.23, 121.49, ambient=(50, 100.0)),
        mk.stop("too_early", 31.24, 121.48, window=(4 * 3600, 4 * 3600 + 1800), ambient=(1, 1.0)),
        # ~40 km away: fine for ambient, but chilled goods may only travel 30 min.
        mk.stop("too_far_for_chilled", 31.58, 121.48, chilled=(1, 1.0)),
        mk.stop("fine", 31.21, 121.47, ambient=(2, 2.0)),
    ]
    vehicles = [mk.van("V1"), mk.van("V2"),
                mk.van("C1")]
    vehicles[2].compartments[0].temperature = "chilled"
    problem = Problem([depot], stops, vehicles, cold_chain_max_s={"chilled": 1800})
    solution = solve(problem, FAST)
    assert validate(problem, solution) == []
    reasons = {u.stop: u.reason for u in solution.unassigned}
    assert reasons == {
        "frozen_no_reefer": diagnose.NO_COMPATIBLE_VEHICLE,
        "too_big": diagnose.OVER_CAPACITY,
        "too_early": diagnose.WINDOW_UNREACHABLE,
        "too_far_for_chilled": diagnose.COLD_CHAIN_UNREACHABLE,
    }
    assert "fine" in served_by(solution)


def test_stops_competing_for_one_window_name_the_window(mk):
    depot = Depot("D1", 31.22, 121.48, open=5 * 3600, close=22 * 3600)
    same_slot = (8 * 3600, 8 * 3600 + 300)
    stops = [mk.stop("x", 31.30, 121.48, window=same_slot, ambient=(1, 1.0)),
             mk.stop("y", 31.14, 121.48, window=same_slot, ambient=(1, 1.0))]
    problem = Problem([depot], stops, [mk.van("V1")])
    solution = solve(problem, FAST)
    assert validate(problem, solution) == []
    assert len(solution.routes) == 1 and len(solution.unassigned) == 1
    assert solution.unassigned[0].reason == diagnose.WINDOW_UNREACHABLE
    assert "1 of 1 vehicle(s) would reach it after its window closes" in (
        solution.unassigned[0].message)


def test_stop_left_out_for_a_full_compartment_says_which(mk):
    depot = Depot("D1", 31.22, 121.48, open=5 * 3600, close=22 * 3600)
    stops = [mk.stop("big", 31.23, 121.49, chilled=(8, 50.0)),
             mk.stop("more", 31.24, 121.49, chilled=(4, 20.0))]
    problem = Problem([depot], stops, [mk.reefer("R1")])
    solution = solve(problem, FAST)
    assert validate(problem, solution) == []
    [left] = solution.unassigned
    assert left.reason == diagnose.COMPARTMENT_FULL
    assert "chilled compartment is full" in left.message


def test_optional_stop_dropped_when_not_worth_its_penalty(mk):
    depot = Depot("D1", 31.22, 121.48)
    stops = [mk.stop("near", 31.221, 121.481, ambient=(1, 1.0)),
             mk.stop("remote", 31.60, 121.90, ambient=(1, 1.0))]
    stops[1].drop_penalty = 1.0
    problem = Problem([depot], stops, [mk.van("V1", cost_per_km=2.0)])
    solution = solve(problem, FAST)
    assert validate(problem, solution) == []
    assert [u.stop for u in solution.unassigned] == ["remote"]
    assert solution.unassigned[0].reason == diagnose.NOT_WORTH_SERVING


def line_of_frozen_stops(mk, limit_s):
    depot = Depot("D1", 31.0, 121.0, open=5 * 3600, close=22 * 3600)
    # Six frozen stops about 2 km apart heading north; 10 min service each.
    stops = [mk.stop(f"s{i}", 31.0 + 0.015 * (i + 1), 121.0, window=(6 * 3600, 13 * 3600),
                     frozen=(1, 5.0)) for i in range(6)]
    for s in stops:
        s.service_fixed_s = 600
    vehicles = [mk.reefer(f"R{i}", fixed_cost=500) for i in range(4)]
    return Problem([depot], stops, vehicles, cold_chain_max_s={"frozen": limit_s})


def test_cold_chain_limit_forces_extra_routes(mk):
    loose = line_of_frozen_stops(mk, 24 * 3600)
    tight = line_of_frozen_stops(mk, 45 * 60)
    sol_loose = solve(loose, FAST)
    sol_tight = solve(tight, FAST)
    assert validate(loose, sol_loose) == [] and validate(tight, sol_tight) == []
    assert sol_loose.unassigned == [] and sol_tight.unassigned == []
    # With a day's allowance one truck does everything; with 45 minutes it cannot.
    assert len(sol_loose.routes) == 1
    assert max(v.since_departure_s for r in sol_loose.routes for v in r.stops) > 45 * 60
    assert len(sol_tight.routes) >= 2
    assert max(v.since_departure_s for r in sol_tight.routes for v in r.stops) <= 45 * 60


def test_truck_waits_at_the_depot_rather_than_at_a_late_stop(mk):
    depot = Depot("D1", 31.0, 121.0, open=5 * 3600, close=22 * 3600, loading_s=900)
    late = mk.stop("late", 31.05, 121.0, window=(11 * 3600, 11 * 3600 + 1800), frozen=(1, 1.0))
    problem = Problem([depot], [late], [mk.reefer("R1")], cold_chain_max_s={"frozen": 1800})
    solution = solve(problem, FAST)
    assert validate(problem, solution) == []
    route = solution.routes[0]
    assert route.departure > 10 * 3600  # shift starts at 06:00, but goods leave late
    assert route.stops[0].since_departure_s <= 1800
    assert route.start == route.departure - 900


def test_max_duration_and_shift_end_are_respected(mk):
    depot = Depot("D1", 31.0, 121.0)
    stops = [mk.stop(f"s{i}", 31.0 + 0.01 * i, 121.0 + 0.01 * (i % 3), ambient=(1, 1.0))
             for i in range(1, 9)]
    for s in stops:
        s.service_fixed_s = 1200
    vehicles = [mk.van(f"V{i}", max_duration_s=2 * 3600) for i in range(4)]
    problem = Problem([depot], stops, vehicles)
    solution = solve(problem, FAST)
    assert validate(problem, solution) == []
    assert solution.unassigned == []
    assert all(r.duration_s <= 2 * 3600 for r in solution.routes)
    assert len(solution.routes) >= 3  # 8 x 20 min of service alone is 160 min


def test_fixed_cost_favours_fewer_vehicles(mk):
    depot = Depot("D1", 31.0, 121.0)
    stops = [mk.stop(f"s{i}", 31.0 + 0.01 * i, 121.01, ambient=(1, 1.0)) for i in range(1, 6)]
    vehicles = [mk.van(f"V{i}", fixed_cost=1000) for i in range(5)]
    problem = Problem([depot], stops, vehicles)
    solution = solve(problem, FAST)
    assert validate(problem, solution) == []
    assert solution.vehicles_used == 1


def test_multi_depot_vehicles_start_and_end_at_home(city):
    solution = solve(city, FAST)
    assert validate(city, solution) == []
    homes = {v.id: v.depot for v in city.vehicles}
    for r in solution.routes:
        assert r.depot == homes[r.vehicle]


def test_travel_times_are_rounded_up_never_down(mk):
    depot = Depot("D1", 31.0, 121.0)
    stops = [mk.stop(f"s{i}", 31.0 + 0.0137 * i, 121.0 + 0.0071 * i, ambient=(1, 1.0))
             for i in range(1, 6)]
    problem = Problem([depot], stops, [mk.van("V1", speed_factor=1.07)])
    _dist, secs = GreatCircleProvider(problem.matrix.circuity,
                                     problem.matrix.speed_kmh).matrices(problem.points())
    solution = solve(problem, FAST)
    assert validate(problem, solution) == []
    route = solution.routes[0]
    node = {s.id: i + 1 for i, s in enumerate(stops)}
    prev_node, prev_time = 0, route.departure
    for v in route.stops:
        assert v.arrival - prev_time >= secs[prev_node, node[v.stop]] * 1.07
        prev_node, prev_time = node[v.stop], v.departure


def test_custom_matrix_provider_is_used(city):
    calls = []

    class Doubled:
        def matrices(self, points):
            calls.append(len(points))
            d, t = GreatCircleProvider().matrices(points)
            return 2 * d, 2 * t

    solution = solve(city, FAST, provider=Doubled())
    assert calls == [len(city.depots) + len(city.stops)]
    d, t = Doubled().matrices(city.points())
    assert validate(city, solution, Matrices(d, t)) == []


def test_plan_from_sequences_times_and_trims_given_routes(city):
    solution = plan_from_sequences(city, {"R1": ["a", "b", "f"], "V2": ["e", "c"],
                                          "V1": ["a"]})  # V1 cannot carry frozen goods
    assert validate(city, solution) == []
    assert {v.stop for r in solution.routes for v in r.stops} == {"a", "b", "f", "e", "c"}
    assert [u.stop for u in solution.unassigned] == ["d"]


def test_schedule_leaves_to_arrive_without_waiting(city):
    timer = RouteTimer(city, Matrices(*GreatCircleProvider().matrices(city.points())))
    sched = timer.schedule(city.vehicles[0], [5])  # stop f opens at 09:00
    # Leaves so as to arrive at the opening: no waiting at the door, and the whole window
    # left as slack for delays.
    assert sched.starts[0] == sched.arrivals[0] == 9 * 3600
    assert np.all(np.diff([sched.departure, *sched.starts]) >= 0)
