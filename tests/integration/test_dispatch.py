"""Route plans from the database: the problem built from allocated orders, plans saved as
versions by the job (inline and on a real rq worker), validated, published and re-planned."""

from __future__ import annotations

import threading
from datetime import date, time, timedelta

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from routing.dispatch import plans, problem_builder
from routing.dispatch.models import PlanStatus, Route, RoutePlan, RouteStatus, RouteStop
from tests.factories import ZONES, location, receive
from wms import accounts, jobs, orders, picking
from wms.db import transaction
from wms.errors import Conflict, ValidationFailed
from wms.models import Job, JobStatus, LocationKind, TempClass, Vehicle, Warehouse

DAY = date.today() + timedelta(days=1)
EXPIRY = date.today() + timedelta(days=300)


# --- helpers shared with the API tests ---------------------------------------------------------

def add_truck(sessions, world, code: str = "SH1-T02", driver: str | None = "driver-2",
              warehouse: str = "SH1") -> int:
    """Another reefer (frozen and chilled compartments), with its own driver."""
    with transaction(sessions) as s:
        wh = s.get(Warehouse, world.warehouses[warehouse])
        loc = location(s, world, wh, code, LocationKind.VEHICLE, TempClass.CHILLED)
        for zone in (TempClass.FROZEN, TempClass.CHILLED):
            location(s, world, wh, f"{code}-{ZONES[zone]}", LocationKind.VEHICLE, zone, code)
        v = Vehicle(code=code, plate=f"TEST-{code}", kind="refrigerated truck",
                    warehouse_id=wh.id, location_id=loc.id, frozen_crates=20, frozen_kg=400,
                    chilled_crates=50, chilled_kg=900, cost_per_km=4.5, fixed_cost=300,
                    shift_start=time(5), shift_end=time(13))
        s.add(v)
        s.flush()
        world.vehicles[code] = v.id
        if driver:
            user = accounts.create_user(s, username=driver, role="driver", vehicle_code=code)
            world.users[driver] = user.id
            world.tokens[driver] = accounts.issue_token(s, user, name="test")[1]
        return v.id


def stock_up(sessions, world, amounts: dict[str, int] | None = None) -> dict[str, int]:
    """One lot of each test product in a bin of its zone; returns lot ids by SKU."""
    amounts = amounts or {"F00001": 400, "C00002": 400, "A00003": 100}
    bins = {"F00001": "SH1-F-A01-01", "C00002": "SH1-C-A01-01", "A00003": "SH1-A-A01-01"}
    return {sku: receive(sessions, world, sku, f"L-{sku}", bins[sku], n, expiry=EXPIRY)
            for sku, n in amounts.items()}


def order(sessions, ref: str, point: str, lines: dict[str, int], day: date = DAY) -> int:
    """Place and allocate an order; returns its id."""
    with transaction(sessions) as s:
        o = orders.place_order(s, {"external_ref": ref, "pickup_point": point,
                                   "delivery_date": day,
                                   "lines": [{"sku": k, "quantity": v} for k, v in lines.items()]},
                               actor_id=None)
        orders.allocate_order(s, o.id)
        return o.id


def plan(sessions, world, day: date = DAY, limit: float = 1.0) -> dict:
    return plans.plan_day(sessions, world.warehouses["SH1"], day, time_limit_s=limit,
                          created_by=world.users["dispatcher"])


def check_saved_plans(sessions) -> int:
    """Every stored plan passes the routing validator; returns how many were checked."""
    with transaction(sessions) as s:
        saved = s.scalars(select(RoutePlan)).all()
        for p in saved:
            assert plans.check_plan(p) == [], f"plan {p.id} v{p.version}"
        return len(saved)


# --- the problem -------------------------------------------------------------------------------

def test_problem_has_allocated_demand_per_point_and_class(sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 25, "C00002": 3})
    order(sessions, "O-2", "SH-P001", {"C00002": 4})
    order(sessions, "O-3", "SH-P003", {"C00002": 10, "A00003": 1})
    with transaction(sessions) as s:
        dp = problem_builder.build(s, world.warehouses["SH1"], DAY)
    stops = {st.id: st for st in dp.problem.stops}
    # SH-P002 has nothing to deliver; SH-P003's ambient goods need another vehicle than the
    # chilled ones (the truck has no ambient compartment), so it becomes two stops.
    assert sorted(stops) == ["SH-P001", "SH-P003/ambient", "SH-P003/chilled"]
    p1 = stops["SH-P001"]
    # 25 frozen units at 10 a crate: 3 crates; 3 + 4 chilled units of one product share a crate.
    assert (p1.demand["frozen"].crates, p1.demand["frozen"].kg) == (3, 12.5)
    assert (p1.demand["chilled"].crates, p1.demand["chilled"].kg) == (1, 3.5)
    assert p1.window == (6 * 3600, 9 * 3600) and p1.service_fixed_s == 300
    assert {ln.order_line_id for ln in dp.stop_lines["SH-P001"]} and len(
        dp.stop_lines["SH-P001"]) == 3
    assert dp.problem.cold_chain_max_s == {"frozen": 180 * 60, "chilled": 240 * 60}
    assert dp.problem.depots[0].loading_s == 20 * 60 and dp.problem.depots[0].open == 3 * 3600
    truck = dp.problem.vehicles[0]
    assert [c.temperature for c in truck.compartments] == ["frozen", "chilled"]
    assert (truck.shift_start, truck.shift_end) == (5 * 3600, 13 * 3600)


def test_unallocated_and_cancelled_orders_are_not_demand(sessions, world):
    stock_up(sessions, world, {"C00002": 5})
    order(sessions, "O-1", "SH-P001", {"C00002": 5})
    order(sessions, "O-2", "SH-P002", {"C00002": 5})  # nothing left to allocate
    with transaction(sessions) as s:
        orders.cancel_order(s, "O-1")
    with transaction(sessions) as s:
        dp = problem_builder.build(s, world.warehouses["SH1"], DAY)
    assert dp.problem.stops == []


def test_class_groups_split_only_when_no_vehicle_carries_all():
    reefer, van = frozenset({"frozen", "chilled"}), frozenset({"ambient"})
    assert problem_builder.class_groups(["frozen", "chilled"], [reefer, van]) == [
        ["frozen", "chilled"]]
    assert problem_builder.class_groups(["frozen", "chilled", "ambient"], [reefer, van]) == [
        ["frozen", "chilled"], ["ambient"]]
    assert problem_builder.class_groups(["chilled", "ambient"], [
        frozenset({"frozen", "chilled", "ambient"})]) == [["chilled", "ambient"]]


# --- plans ---------------------------------------------------------------------------------------

def test_a_plan_is_saved_whole_and_passes_the_validator(sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 30, "C00002": 20})
    order(sessions, "O-2", "SH-P002", {"C00002": 12})
    order(sessions, "O-3", "SH-P003", {"A00003": 5})
    result = plan(sessions, world)
    assert (result["version"], result["routes"], result["unassigned"]) == (1, 1, 1)
    with transaction(sessions) as s:
        p = s.get(RoutePlan, result["plan_id"])
        assert p.status == PlanStatus.DRAFT and p.stops_total == 3
        route = p.routes[0]
        assert route.driver_id == world.users["driver"]
        assert [st.pickup_point.code for st in route.stops] in (["SH-P001", "SH-P002"],
                                                                ["SH-P002", "SH-P001"])
        assert route.loads["frozen"] == {"crates": 3, "kg": 15.0}
        assert sum(ln.quantity for st in route.stops for ln in st.lines) == 62
        for st in route.stops:
            assert 6 * 3600 <= st.service_start_s <= 9 * 3600
            assert st.since_departure_s == st.service_start_s - route.departure_s
        (u,) = p.unassigned
        assert (u.stop_key, u.reason) == ("SH-P003", "no_compatible_vehicle")
        assert "ambient" in u.message
    assert check_saved_plans(sessions) == 1


def test_an_invalid_plan_is_not_saved_and_the_job_fails(sessions, world, database_url,
                                                         monkeypatch):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 10})
    monkeypatch.setattr(plans, "validate", lambda problem, solution: [
        "route 0 (SH1-T01): cold-chain limit exceeded"])
    job_id = jobs.enqueue(sessions, plans.JOB_KIND, {
        "warehouse_id": world.warehouses["SH1"], "date": DAY.isoformat(), "time_limit_s": 1},
        database_url=database_url, redis_url=None)
    with transaction(sessions) as s:
        job = s.get(Job, job_id)
        assert job.status == JobStatus.FAILED
        assert "cold-chain limit exceeded" in job.error
        assert s.scalar(select(func.count()).select_from(RoutePlan)) == 0
        assert s.scalar(select(func.count()).select_from(Route)) == 0


def test_two_plans_of_the_same_day_at_once_finish_as_separate_versions(sessions, world):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 10})
    order(sessions, "O-2", "SH-P002", {"F00001": 10})
    results, errors = [], []

    def run():
        try:
            results.append(plan(sessions, world))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r["version"] for r in results) == [1, 2]
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(Route)) == 2
        for p in s.scalars(select(RoutePlan)):
            assert len(p.routes) == 1 and len(p.routes[0].stops) == 2
    assert check_saved_plans(sessions) == 2


def test_saving_retries_under_the_next_version_when_one_is_taken(sessions, world, monkeypatch):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 10})
    first = plan(sessions, world)
    real_func = plans.func
    attempts = []

    def save_as_if_racing(session, *args, **kwargs):
        # The first attempt reads the highest version as it was before the first plan.
        attempts.append(1)
        plans.func = _StaleMax(0) if len(attempts) == 1 else real_func
        try:
            return real_save(session, *args, **kwargs)
        finally:
            plans.func = real_func

    real_save = plans._save
    monkeypatch.setattr(plans, "_save", save_as_if_racing)
    second = plan(sessions, world)
    assert (first["version"], second["version"], len(attempts)) == (1, 2, 2)


class _StaleMax:
    """Stands in for ``sqlalchemy.func`` so that ``max(version)`` reads an old value."""

    def __init__(self, value: int):
        self.value = value

    def max(self, _column):
        from sqlalchemy import literal

        return func.coalesce(literal(self.value), 0)


def test_publishing_supersedes_and_needs_a_driver_for_each_route(sessions, world):
    add_truck(sessions, world, driver=None)
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 150})
    order(sessions, "O-2", "SH-P002", {"F00001": 150})  # 30 crates: two trucks
    v1 = plan(sessions, world)
    with transaction(sessions) as s:
        with pytest.raises(ValidationFailed) as err:
            plans.publish(s, v1["plan_id"], actor_id=None)
        assert list(err.value.errors) == ["drivers.SH1-T02"]
    with transaction(sessions) as s:
        with transaction(sessions) as s2:
            accounts.create_user(s2, username="relief", role="driver")
        plans.publish(s, v1["plan_id"], actor_id=None, drivers={"SH1-T02": "relief"})
    v2 = plan(sessions, world)
    with transaction(sessions) as s:
        plans.publish(s, v2["plan_id"], actor_id=None, drivers={"SH1-T02": "relief"})
    with transaction(sessions) as s:
        statuses = {p.version: p.status for p in s.scalars(select(RoutePlan))}
        assert statuses == {1: PlanStatus.SUPERSEDED, 2: PlanStatus.PUBLISHED}
        with pytest.raises(Conflict):
            plans.publish(s, v1["plan_id"], actor_id=None)


def _start_route(sessions, world, route_id: int) -> None:
    """Pick and load the first order of a route: its first loading scan."""
    with transaction(sessions) as s:
        route = s.get(Route, route_id)
        order_id = route.stops[0].lines[0].order_id
        picking.pick(s, order_id, actor_id=None)
    from routing.dispatch import deliveries

    with transaction(sessions) as s:
        deliveries.load(s, route_id, actor_id=None,
                        order_ref=s.get(Route, route_id).stops[0].lines[0].order.external_ref)


def test_replanning_keeps_a_started_route(sessions, world):
    add_truck(sessions, world)
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 150})
    order(sessions, "O-2", "SH-P002", {"F00001": 150})
    v1 = plan(sessions, world)
    assert v1["routes"] == 2
    with transaction(sessions) as s:
        plans.publish(s, v1["plan_id"], actor_id=None)
        first = s.get(RoutePlan, v1["plan_id"]).routes[0]
        started_id, started_vehicle = first.id, first.vehicle_id
        started_stops = [(st.stop_key, st.service_start_s) for st in first.stops]
    _start_route(sessions, world, started_id)
    with transaction(sessions) as s:
        assert s.get(Route, started_id).status == RouteStatus.LOADING

    order(sessions, "O-3", "SH-P003", {"C00002": 30})
    v2 = plan(sessions, world)
    assert (v2["version"], v2["carried_routes"]) == (2, 1)
    with transaction(sessions) as s:
        p2 = s.get(RoutePlan, v2["plan_id"])
        kept = [r for r in p2.routes if r.id == started_id]
        assert len(kept) == 1
        assert [(st.stop_key, st.service_start_s) for st in kept[0].stops] == started_stops
        others = [r for r in p2.routes if r.id != started_id]
        assert all(r.vehicle_id != started_vehicle for r in others)
        keys = [st.stop_key for r in p2.routes for st in r.stops]
        assert len(keys) == len(set(keys)) == 3 and not p2.unassigned
        plans.publish(s, p2.id, actor_id=None)
    assert check_saved_plans(sessions) == 2


def test_a_draft_made_before_a_route_started_cannot_be_published(sessions, world):
    add_truck(sessions, world)
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 150})
    order(sessions, "O-2", "SH-P002", {"F00001": 150})
    v1 = plan(sessions, world)
    with transaction(sessions) as s:
        plans.publish(s, v1["plan_id"], actor_id=None)
        route_id = s.get(RoutePlan, v1["plan_id"]).routes[0].id
    v2 = plan(sessions, world)  # made while nothing had started
    _start_route(sessions, world, route_id)
    with transaction(sessions) as s, pytest.raises(Conflict, match="started after"):
        plans.publish(s, v2["plan_id"], actor_id=None)


# --- on a real rq worker --------------------------------------------------------------------------

@pytest.mark.redis
def test_plan_job_on_an_rq_worker(sessions, world, database_url, redis_url, queue_name):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 30, "C00002": 20})
    order(sessions, "O-2", "SH-P002", {"C00002": 12})
    job_id = jobs.enqueue(sessions, plans.JOB_KIND, {
        "warehouse_id": world.warehouses["SH1"], "date": DAY.isoformat(), "time_limit_s": 1},
        database_url=database_url, redis_url=redis_url, queue_name=queue_name,
        warehouse_id=world.warehouses["SH1"])
    with transaction(sessions) as s:
        assert s.get(Job, job_id).status == JobStatus.QUEUED
        assert s.scalar(select(func.count()).select_from(RoutePlan)) == 0
    conn = Redis.from_url(redis_url)
    SimpleWorker([Queue(queue_name, connection=conn)], connection=conn).work(burst=True)
    with transaction(sessions) as s:
        job = s.get(Job, job_id)
        assert job.status == JobStatus.FINISHED, job.error
        assert job.progress == 100.0
        p = s.get(RoutePlan, job.result["plan_id"])
        assert len(p.routes) == 1
        assert sorted(st.pickup_point.code for st in p.routes[0].stops) == ["SH-P001",
                                                                             "SH-P002"]
        assert s.scalar(select(func.count()).select_from(RouteStop)) == 2
    assert check_saved_plans(sessions) == 1


@pytest.mark.redis
def test_a_failing_plan_job_on_a_worker_leaves_no_plan(sessions, world, database_url,
                                                       redis_url, queue_name, monkeypatch):
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"C00002": 10})

    real_save = plans._save

    def broken_save(session, *args, **kwargs):
        real_save(session, *args, **kwargs)  # the whole plan is written...
        raise RuntimeError("disk full")  # ...and the commit never comes

    monkeypatch.setattr(plans, "_save", broken_save)
    job_id = jobs.enqueue(sessions, plans.JOB_KIND, {
        "warehouse_id": world.warehouses["SH1"], "date": DAY.isoformat(), "time_limit_s": 1},
        database_url=database_url, redis_url=redis_url, queue_name=queue_name)
    conn = Redis.from_url(redis_url)
    SimpleWorker([Queue(queue_name, connection=conn)], connection=conn).work(burst=True)
    with transaction(sessions) as s:
        job = s.get(Job, job_id)
        assert job.status == JobStatus.FAILED and "disk full" in job.error
        assert s.scalar(select(func.count()).select_from(RoutePlan)) == 0
