"""Planning without Redis (the job runs inline), from the command line, and the demo day."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from routing.dispatch import demo_day, plans
from routing.dispatch.models import PlanStatus, RoutePlan
from tests.integration.test_dispatch import DAY, check_saved_plans, order, stock_up
from wms.db import transaction


def test_without_redis_the_plan_job_runs_inline(api, sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 20, "C00002": 10})
    resp = api.as_("dispatcher").post("/api/route-plans", json={
        "warehouse": "SH1", "date": DAY.isoformat(), "time_limit_s": 1})
    assert resp.status_code == 202, resp.json
    assert resp.json["status"] == "finished" and resp.json["progress"] == 100.0
    plan_id = resp.json["result"]["plan_id"]
    plan = api.as_("dispatcher").get(f"/api/route-plans/{plan_id}").json
    assert (plan["version"], plan["status"], plan["stops_total"]) == (1, "draft", 1)
    (route,) = plan["routes"]
    assert route["vehicle"] == "SH1-T01" and route["driver"] == "driver"
    (stop,) = route["stops"]
    assert stop["pickup_point"] == "SH-P001" and "06:00" <= stop["eta"] <= "09:00"
    assert stop["delivered"] == {"frozen": {"crates": 2, "kg": 10.0},
                                 "chilled": {"crates": 1, "kg": 5.0}}
    assert {ln["sku"]: ln["quantity"] for ln in stop["lines"]} == {"F00001": 20, "C00002": 10}
    # A draft is not the driver's yet.
    assert api.as_("driver").get(f"/api/routes/{route['id']}").status_code == 403
    assert api.as_("driver").get("/api/manifests",
                                 query_string={"date": DAY.isoformat()}).json == []


def test_routes_plan_command_saves_and_publishes(sessions, world, database_url, monkeypatch):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P002", {"C00002": 10})
    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    runner = CliRunner()
    result = runner.invoke(main, ["routes", "plan", "--warehouse", "SH1", "--date",
                                  DAY.isoformat(), "--time-limit", "1", "--publish"])
    assert result.exit_code == 0, result.output
    assert "version 1: 1 stops on 1 routes, 0 unassigned" in result.output
    assert "published" in result.output
    missing = runner.invoke(main, ["routes", "plan", "--warehouse", "XX9", "--date",
                                   DAY.isoformat()])
    assert missing.exit_code != 0 and "XX9" in missing.output
    with transaction(sessions) as s:
        (plan,) = s.scalars(select(RoutePlan)).all()
        assert plan.status == PlanStatus.PUBLISHED


def test_demo_day_publishes_valid_plans(sessions, world):
    stock_up(sessions, world)
    result = demo_day.run(sessions, day=DAY, orders_per_city=12, time_limit_s=1)
    sh = result["warehouses"]["SH1"]
    assert sh["orders"] == 12 and sh["stops"] >= 1
    assert sh["routes"] >= 1
    assert result["warehouses"]["BJ1"]["orders"] == 0  # no stock there
    assert result["driver"]["username"] == "driver"
    with transaction(sessions) as s:
        saved = s.scalars(select(RoutePlan)).all()
        assert {p.status for p in saved} == {PlanStatus.PUBLISHED}
        for p in saved:
            assert plans.check_plan(p) == []
    assert check_saved_plans(sessions) == 2
