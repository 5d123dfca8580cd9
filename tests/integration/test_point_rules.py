"""What a pickup point allows, in the day's plan: cold storage decides when frozen and
chilled goods may arrive (or refuses them, per order), vans-only compounds get vans, and goods
to bring back ride as pickups on the route."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from routing.dispatch import manifests, problem_builder
from routing.dispatch.models import RoutePlan
from routing.dispatch.problem_builder import PickupLoad
from tests.integration.test_dispatch import DAY, check_saved_plans, order, plan, stock_up
from wms.db import transaction
from wms.models import PickupPoint, Vehicle

H = 3600


def set_point(sessions, world, code: str, **columns) -> None:
    with transaction(sessions) as s:
        point = s.get(PickupPoint, world.pickup_points[code])
        for k, v in columns.items():
            setattr(point, k, v)


def build(sessions, world, **kw):
    with transaction(sessions) as s:
        return problem_builder.build(s, world.warehouses["SH1"], DAY, **kw)


def test_frozen_goods_for_a_point_without_a_freezer_arrive_shortly_before_collection(
        sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 25})
    order(sessions, "O-2", "SH-P002", {"F00001": 25})
    set_point(sessions, world, "SH-P001", freezer_crates=0)
    set_point(sessions, world, "SH-P002", freezer_crates=3)  # keeps all 3 crates
    stops = {st.id: st for st in build(sessions, world).problem.stops}
    # Collection opens at 10:00 and frozen goods may wait 120 min without a freezer.
    assert stops["SH-P001"].window == (8 * H, 9 * H)
    assert stops["SH-P002"].window == (6 * H, 9 * H)
    result = plan(sessions, world)
    assert result["unassigned"] == 0
    with transaction(sessions) as s:
        route = s.get(RoutePlan, result["plan_id"]).routes[0]
        eta = {st.pickup_point.code: st.service_start_s for st in route.stops}
    assert eta["SH-P001"] >= 8 * H
    assert check_saved_plans(sessions) == 1


def test_goods_no_point_can_keep_in_time_are_refused_per_order_and_the_rest_delivered(
        sessions, world, monkeypatch):
    stock_up(sessions, world)
    first = order(sessions, "O-1", "SH-P001", {"F00001": 25, "C00002": 3})
    second = order(sessions, "O-2", "SH-P001", {"F00001": 5})
    set_point(sessions, world, "SH-P001", freezer_crates=1, fridge_crates=4)
    rules = replace(problem_builder.load_rules(), hold_without_storage_s={"frozen": 30 * 60})
    monkeypatch.setattr(problem_builder, "load_rules", lambda: rules)
    dp = build(sessions, world)
    assert [(st.id, sorted(st.demand)) for st in dp.problem.stops] == [
        ("SH-P001/chilled", ["chilled"])]
    [refused] = dp.refused
    assert (refused.stop, refused.reason) == ("SH-P001/frozen", "no_cold_storage")
    assert f"#{first}" in refused.message and f"#{second}" in refused.message
    assert "09:30" in refused.message  # the earliest they may arrive, after 09:00
    result = plan(sessions, world)
    assert (result["routes"], result["unassigned"]) == (1, 1)
    with transaction(sessions) as s:
        p = s.get(RoutePlan, result["plan_id"])
        [u] = p.unassigned
        assert (u.stop_key, u.reason) == ("SH-P001/frozen", "no_cold_storage")
        assert u.demand == {"frozen": {"crates": 3, "kg": 15.0}}
        assert p.solver_status == "partial"
    assert check_saved_plans(sessions) == 1


def test_a_vans_only_compound_is_not_served_by_the_truck(sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 5})
    order(sessions, "O-2", "SH-P002", {"C00002": 5})
    set_point(sessions, world, "SH-P002", vehicle_kinds=["ambient van"])
    result = plan(sessions, world)
    assert (result["routes"], result["unassigned"]) == (1, 1)
    with transaction(sessions) as s:
        p = s.get(RoutePlan, result["plan_id"])
        assert [(u.stop_key, u.reason) for u in p.unassigned] == [("SH-P002", "access")]
        assert [st.pickup_point.code for st in p.routes[0].stops] == ["SH-P001"]
    assert check_saved_plans(sessions) == 1


def test_goods_to_bring_back_ride_on_the_delivery_or_on_a_stop_of_their_own(
        sessions, world, monkeypatch):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 5})
    back = [PickupLoad(world.pickup_points["SH-P001"], "chilled", 2, 6.0, ref=11),
            PickupLoad(world.pickup_points["SH-P002"], "frozen", 1, 4.0, ref=12)]
    monkeypatch.setattr(problem_builder, "pending_pickups", lambda session, wid: back)
    dp = build(sessions, world)
    stops = {st.id: st for st in dp.problem.stops}
    assert sorted(stops) == ["SH-P001", "SH-P002/return"]
    assert stops["SH-P001"].pickup["chilled"].crates == 2
    assert stops["SH-P002/return"].demand == {} and stops["SH-P002/return"].pickup[
        "frozen"].crates == 1
    assert [ld.ref for ld in dp.stop_pickups["SH-P002/return"]] == [12]
    result = plan(sessions, world)
    assert result["unassigned"] == 0
    with transaction(sessions) as s:
        route = s.get(RoutePlan, result["plan_id"]).routes[0]
        picked = {st.stop_key: st.picked_up for st in route.stops}
    assert picked == {"SH-P001": {"chilled": {"crates": 2, "kg": 6.0}},
                      "SH-P002/return": {"frozen": {"crates": 1, "kg": 4.0}}}
    with transaction(sessions) as s:
        route = s.get(RoutePlan, result["plan_id"]).routes[0]
        sheet = manifests.manifest(s, route)
    assert {st["stop_key"]: st["collect"] for st in sheet["stops"]} == {
        "SH-P001": {"chilled": 2}, "SH-P002/return": {"frozen": 1}}
    assert check_saved_plans(sessions) == 1


def test_the_day_drives_in_its_city_s_rush_hours(sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 5})
    dp = build(sessions, world)
    assert dp.problem.traffic.to_list() == [
        {"start": 7 * H, "end": 9 * H, "factor": 1.4}, {"start": 17 * H, "end": 19 * H,
                                                        "factor": 1.4}]
    assert dp.full.traffic.to_list() == dp.problem.traffic.to_list()


def test_a_long_route_saves_the_driver_s_rest_and_passes_the_validator(sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 5})
    order(sessions, "O-2", "SH-P002", {"C00002": 5})
    # Two and a half hours at each point: the route is longer than four hours.
    for code in ("SH-P001", "SH-P002"):
        set_point(sessions, world, code, service_minutes=150, window_end=time(12))
    result = plan(sessions, world)
    assert result["unassigned"] == 0
    with transaction(sessions) as s:
        route = s.get(RoutePlan, result["plan_id"]).routes[0]
        assert route.end_s - route.departure_s > 4 * H
        assert route.rest["end"] - route.rest["start"] == 30 * 60
        assert route.rest["start"] - route.departure_s <= 4 * H
        sheet = manifests.manifest(s, route)
        assert sheet["rest"]["stop_key"] == route.rest["stop"]
        assert sheet["rest"]["from"] == manifests.clock(route.rest["start"])
    assert check_saved_plans(sessions) == 1


def test_a_truck_with_a_midday_wave_makes_two_trips_saved_as_two_routes(sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 5})
    order(sessions, "O-2", "SH-P002", {"C00002": 5})
    set_point(sessions, world, "SH-P002", window_start=time(11), window_end=time(12))
    with transaction(sessions) as s:
        s.get(Vehicle, world.vehicles["SH1-T01"]).waves = ["10:00"]
    result = plan(sessions, world)
    assert (result["routes"], result["unassigned"]) == (2, 0)
    with transaction(sessions) as s:
        routes = sorted(s.get(RoutePlan, result["plan_id"]).routes, key=lambda r: r.start_s)
        assert [r.vehicle.code for r in routes] == ["SH1-T01", "SH1-T01"]
        assert routes[1].start_s >= routes[0].end_s
        assert [st.pickup_point.code for r in routes for st in r.stops] == ["SH-P001",
                                                                            "SH-P002"]
    assert check_saved_plans(sessions) == 1
