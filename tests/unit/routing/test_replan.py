"""Re-planning from the live state: a truck fails mid-route, the rest of the day is planned
again from where the trucks are, and the goods already out keep their cold-chain clocks."""

from routing.engine.model import ClassLoad, Compartment, Depot, Problem, Stop, Vehicle
from routing.engine.replan import live_problem
from routing.engine.solver import SolveOptions, plan_from_sequences, solve
from routing.engine.validate import validate

H = 3600


def morning() -> Problem:
    stops = [Stop(f"A{i}", 31.22 + 0.01 * i, 121.50, window=(6 * H, 11 * H),
                  service_fixed_s=600, demand={"chilled": ClassLoad(3, 15.0)}) for i in range(3)]
    stops += [Stop(f"B{i}", 31.18 - 0.01 * i, 121.40, window=(6 * H, 11 * H),
                   service_fixed_s=600, demand={"chilled": ClassLoad(3, 15.0)}) for i in range(3)]
    trucks = [Vehicle(vid, "D", [Compartment("chilled", 12, 300.0)], shift_start=5 * H,
                      shift_end=14 * H, fixed_cost=100.0) for vid in ("TA", "TB", "TC")]
    return Problem([Depot("D", 31.20, 121.45, open=4 * H, close=22 * H, loading_s=900)], stops,
                   trucks, cold_chain_max_s={"chilled": 4 * H})


def first_plan(problem: Problem):
    plan = plan_from_sequences(problem, {"TA": ["A0", "A1", "A2"], "TB": ["B0", "B1", "B2"]})
    assert validate(problem, plan) == [] and not plan.unassigned
    return plan


def test_a_failed_truck_s_stops_go_to_a_truck_at_the_depot_and_the_others_drive_on():
    problem = morning()
    plan = first_plan(problem)
    ta, tb = plan.routes
    now = ta.stops[0].departure + 60  # TA's reefer fails after its first stop
    live = live_problem(problem, plan, now, failed={"TA"})
    assert sorted(live.served) == sorted(
        v.stop for r in plan.routes for v in r.stops if v.departure <= now)
    assert set(live.returned) == {"A1", "A2"}
    assert live.on_road == (["TB"] if any(v.departure > now for v in tb.stops) else [])
    again = solve(live.problem, SolveOptions(time_limit_s=1.0))
    assert validate(live.problem, again) == []
    assert not again.unassigned
    by_vehicle = {r.vehicle: r for r in again.routes}
    assert "TA" not in by_vehicle
    # The failed truck's stops are served by the spare truck, loaded afresh after now.
    served_a = {v.stop for r in again.routes for v in r.stops if v.stop.startswith("A")}
    assert served_a == {"A1", "A2"}
    assert {r.vehicle for r in again.routes for v in r.stops if v.stop.startswith("A")} == {"TC"}
    assert by_vehicle["TC"].departure >= now
    if "TB" in by_vehicle:
        b = by_vehicle["TB"]
        assert b.departure >= now and b.start == b.departure
        # TB's goods have been out since its first departure: their clocks kept running.
        for visit in b.stops:
            assert visit.since_departure_s == visit.service_start - tb.departure


def test_goods_on_a_truck_out_are_only_delivered_by_it():
    problem = morning()
    plan = first_plan(problem)
    tb = plan.routes[1]
    now = tb.stops[0].departure + 60
    live = live_problem(problem, plan, now, failed=set())
    pinned = {s.id: s.on_vehicle for s in live.problem.stops}
    assert pinned["B1"] == "TB" and pinned["B2"] == "TB"
    again = solve(live.problem, SolveOptions(time_limit_s=1.0))
    assert validate(live.problem, again) == []
    assert {r.vehicle for r in again.routes for v in r.stops if v.stop in ("B1", "B2")} == {
        "TB"}
    moved = Problem.from_dict(live.problem.to_dict())
    bad = plan_from_sequences(moved, {"TC": ["B1"], "TB": ["B2"]})
    # The planner will not put B1 on TC; forced by hand, the validator objects.
    assert "B1" in {u.stop for u in bad.unassigned}
    forged = again.to_dict()
    for r in forged["routes"]:
        if r["vehicle"] == "TB":
            r["vehicle"] = "TC"
    from routing.engine.model import Solution

    found = validate(live.problem, Solution.from_dict(forged))
    assert any("its goods are on TB" in v for v in found)


def test_a_cold_chain_clock_that_ran_too_long_on_the_road_is_reported():
    problem = morning()
    plan = first_plan(problem)
    tb = plan.routes[1]
    now = tb.stops[0].departure + 60
    live = live_problem(problem, plan, now, failed=set())
    # The reefer was stuck for three hours and a half: B2 can no longer be in time.
    for v in live.problem.vehicles:
        if v.on_road:
            v.on_road.at = tb.departure + int(3.9 * H)
    again = solve(live.problem, SolveOptions(time_limit_s=0.5))
    assert validate(live.problem, again) == []
    reasons = {u.stop: u.reason for u in again.unassigned}
    assert reasons.get("B2") == "cold_chain_unreachable"
