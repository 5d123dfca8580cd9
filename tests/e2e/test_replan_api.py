"""Re-planning the rest of a published day over HTTP when a truck fails mid-route (jobs run
inline, without Redis): the new version is published, the old one superseded."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from routing.dispatch import plans
from routing.dispatch.models import PlanStatus, RoutePlan
from tests.integration.test_dispatch import DAY, add_truck, check_saved_plans, order, stock_up
from wms.db import transaction

ZONE = ZoneInfo("Asia/Shanghai")


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def plan_and_publish(api) -> dict:
    resp = api.as_("dispatcher").post("/api/route-plans", json={
        "warehouse": "SH1", "date": DAY.isoformat(), "time_limit_s": 1})
    assert resp.status_code == 202, resp.json
    assert resp.json["status"] == "finished", resp.json
    plan_id = resp.json["result"]["plan_id"]
    resp = api.as_("dispatcher").post(f"/api/route-plans/{plan_id}/publish", json={})
    assert resp.status_code == 200, resp.json
    return resp.json


def deliver_first_stop(api, route: dict) -> None:
    """Pick and load the route's orders, and confirm its first stop."""
    refs = sorted({ln["order"] for s in route["stops"] for ln in s["lines"]})
    for ref in refs:
        assert api.as_("staff").post(f"/api/orders/{ref}/pick",
                                     headers=key()).status_code == 201
        resp = api.as_("staff").post(f"/api/routes/{route['id']}/loading",
                                     json={"order": ref}, headers=key())
        assert resp.status_code == 201, resp.json
    resp = api.as_(route["driver"]).post(f"/api/routes/{route['id']}/stops/1/deliveries",
                                         json={}, headers=key())
    assert resp.status_code == 201, resp.json


def at_clock(clock: str, minutes: int = 5) -> str:
    h, m = (int(x) for x in clock.split(":")[:2])
    return (datetime.combine(DAY, time(h, m), ZONE) + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def day_under_way(api, sessions, world) -> dict:
    add_truck(sessions, world)
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 10})
    order(sessions, "O-2", "SH-P002", {"C00002": 10})
    order(sessions, "O-3", "SH-P003", {"C00002": 10})
    plan = plan_and_publish(api)
    route = max(plan["routes"], key=lambda r: len(r["stops"]))
    assert len(route["stops"]) >= 2, plan["routes"]
    deliver_first_stop(api, route)
    return {"plan": plan, "route": route}


def test_a_truck_failing_mid_route_is_replanned_as_a_new_version(api, sessions,
                                                                  day_under_way):
    old, failed = day_under_way["plan"], day_under_way["route"]
    served = failed["stops"][0]["stop_key"]
    left = [s["stop_key"] for s in failed["stops"][1:]]
    resp = api.as_("dispatcher").post(f"/api/route-plans/{old['id']}/replan", json={
        "failed_vehicles": [failed["vehicle"]], "at": at_clock(failed["stops"][0]["departure"]),
        "time_limit_s": 1})
    assert resp.status_code == 202, resp.json
    job = resp.json
    assert job["status"] == "finished" and job["progress"] == 100.0, job
    result = job["result"]
    assert result["replaces"] == old["id"] and result["served"] == [served]
    assert result["returned"] == sorted(left)

    new = api.as_("dispatcher").get(f"/api/route-plans/{result['plan_id']}").json
    assert (new["version"], new["status"], new["replaces"]) == (2, "published", old["id"])
    assert new["stats"]["replan"]["failed_vehicles"] == [failed["vehicle"]]
    planned = [s["stop_key"] for r in new["routes"] for s in r["stops"]]
    assert served not in planned
    assert failed["vehicle"] not in {r["vehicle"] for r in new["routes"]}
    remaining = {s["stop_key"] for r in old["routes"] for s in r["stops"]} - {served}
    assert sorted(planned) == sorted(remaining)  # every remaining stop, once
    assert new["unassigned"] == []
    # The remaining stops carry their order lines, for loading on the truck that takes them.
    for r in new["routes"]:
        for s in r["stops"]:
            assert s["lines"], s

    versions = api.as_("dispatcher").get("/api/route-plans", query_string={
        "warehouse": "SH1", "date": DAY.isoformat()}).json
    assert [(p["version"], p["status"]) for p in versions] == [(2, "published"),
                                                               (1, "superseded")]
    with transaction(sessions) as s:
        stored = s.get(RoutePlan, result["plan_id"])
        assert plans.check_plan(stored) == []
        assert stored.replaces_id == old["id"]
        assert s.get(RoutePlan, old["id"]).status == PlanStatus.SUPERSEDED
    assert check_saved_plans(sessions) == 2


def test_replan_refusals_are_problem_json_naming_the_field(api, sessions, day_under_way):
    old, failed = day_under_way["plan"], day_under_way["route"]
    url = f"/api/route-plans/{old['id']}/replan"
    dispatcher = api.as_("dispatcher")
    cases = [
        ({"failed_vehicles": ["SH1-T99"]}, 422, "failed_vehicles"),
        ({}, 422, "failed_vehicles"),
        ({"failed_vehicles": []}, 422, "failed_vehicles"),
        ({"failed_vehicles": [failed["vehicle"]], "positions": {"SH1-T99": [31.2, 121.4]}},
         422, "positions.SH1-T99"),
        ({"failed_vehicles": [failed["vehicle"]], "positions": {"SH1-T02": [191.0, 0]}},
         422, "positions.SH1-T02"),
        ({"failed_vehicles": [failed["vehicle"]], "at": "2026-01-01T08:00:00"}, 422, "at"),
        ({"failed_vehicles": [failed["vehicle"]],
          "at": (datetime.combine(DAY, time(8), ZONE) + timedelta(days=3)).isoformat()},
         422, "at"),
        ({"failed_vehicles": [failed["vehicle"]], "at": "9999-12-31T23:00:00-12:00"}, 422, "at"),
    ]
    for body, status, field in cases:
        resp = dispatcher.post(url, json=body)
        assert resp.status_code == status, (body, resp.json)
        assert resp.headers["Content-Type"].startswith("application/problem+json")
        assert field in str(resp.json), (body, resp.json)
    for role in ("staff", "driver", "buyer"):
        assert api.as_(role).post(url, json={"failed_vehicles": [failed["vehicle"]]}
                                  ).status_code == 403
    assert dispatcher.post(url, json={"failed_vehicles": [failed["vehicle"]],
                                      "time_limit_s": 1}).status_code == 202
    # The replaced version is superseded: it cannot be re-planned again.
    again = dispatcher.post(url, json={"failed_vehicles": [failed["vehicle"]]})
    assert again.status_code == 409 and "superseded" in again.json["detail"]
    with transaction(sessions) as s:
        assert len(s.scalars(select(RoutePlan)).all()) == 2


def test_nothing_left_to_replan_is_409(api, sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 10})
    plan = plan_and_publish(api)
    (route,) = plan["routes"]
    deliver_first_stop(api, route)
    resp = api.as_("dispatcher").post(f"/api/route-plans/{plan['id']}/replan",
                                      json={"failed_vehicles": [route["vehicle"]]})
    assert resp.status_code == 409, resp.json
    assert "nothing is left to re-plan" in resp.json["detail"]
    # A draft is not re-planned either.
    order(sessions, "O-2", "SH-P002", {"C00002": 10})
    draft = api.as_("dispatcher").post("/api/route-plans", json={
        "warehouse": "SH1", "date": DAY.isoformat(), "time_limit_s": 1}).json["result"]
    resp = api.as_("dispatcher").post(f"/api/route-plans/{draft['plan_id']}/replan",
                                      json={"failed_vehicles": [route["vehicle"]]})
    assert resp.status_code == 409 and "draft" in resp.json["detail"]


def test_a_working_truck_on_the_road_drives_on_with_its_goods_and_driver(api, sessions,
                                                                         world):
    add_truck(sessions, world)
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 150})
    order(sessions, "O-2", "SH-P002", {"F00001": 150})
    order(sessions, "O-3", "SH-P003", {"C00002": 10})
    plan = plan_and_publish(api)
    assert len(plan["routes"]) == 2
    out = max(plan["routes"], key=lambda r: len(r["stops"]))
    (broken,) = [r for r in plan["routes"] if r is not out]
    assert len(out["stops"]) >= 2
    deliver_first_stop(api, out)
    resp = api.as_("dispatcher").post(f"/api/route-plans/{plan['id']}/replan", json={
        "failed_vehicles": [broken["vehicle"]], "at": at_clock(out["stops"][0]["departure"]),
        "time_limit_s": 1})
    assert resp.status_code == 202 and resp.json["status"] == "finished", resp.json
    result = resp.json["result"]
    # The broken truck had not left: nothing of it comes back, its stops are free again.
    assert result["on_road"] == [out["vehicle"]] and result["returned"] == []
    new = api.as_("dispatcher").get(f"/api/route-plans/{result['plan_id']}").json
    (route,) = new["routes"]
    assert (route["vehicle"], route["driver"], route["status"]) == (
        out["vehicle"], out["driver"], "started")
    assert sorted(s["stop_key"] for s in route["stops"]) == sorted(
        s["stop_key"] for s in out["stops"][1:])
    # No truck is left at the warehouse for the broken truck's stop: unassigned, with why.
    assert [u["stop_key"] for u in new["unassigned"]] == [s["stop_key"]
                                                          for s in broken["stops"]]
    assert all(u["reason"] for u in new["unassigned"])
    # The driver confirms the next stop on the new version's route.
    resp = api.as_(out["driver"]).post(f"/api/routes/{route['id']}/stops/1/deliveries",
                                       json={}, headers=key())
    assert resp.status_code == 201, resp.json
    with transaction(sessions) as s:
        assert plans.check_plan(s.get(RoutePlan, result["plan_id"])) == []
