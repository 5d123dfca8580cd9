"""Re-planning the rest of a published day from the live state, as a new plan version.

When a truck's reefer fails or a truck breaks down mid-route, the dispatcher names the failed
truck(s); the rest of the day is planned again from where everything is (see
:mod:`routing.engine.replan`):

- what the ledger says is served (a stop confirmed, delivered or with exceptions) drops out;
- a route that has started is out: a working truck drives on with the goods of its remaining
  stops (from its last confirmed stop, or a position the dispatcher gives), and their
  cold-chain clocks keep running from its departure;
- a failed truck's remaining stops are reported as ``returned`` (its goods go back to the
  warehouse) and are planned again from the depot on the trucks that are there;
- a route not started yet (planned or still loading) is free to be planned again.

The problem is the one the published plan solves (as ``problem_builder`` built it), so the
re-plan never adds or drops orders on its own; stops the published plan could not serve
stay unassigned with their reasons. The new version is saved published, linked to the one
it replaces (``replaces_id``), which is kept, superseded. Its routes are new rows: a
working truck's continuing route keeps its driver and reads ``started``. As in
:mod:`routing.dispatch.plans`, the state is read in a short transaction, solved with none
open, checked by the validator and saved in one transaction; if a stop was confirmed or a
route started meanwhile, the save is refused and the dispatcher re-plans again.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from routing.dispatch import plans
from routing.dispatch.models import (
    PlanStatus,
    Route,
    RoutePlan,
    RoutePlanRoute,
    RouteStatus,
    StopStatus,
)
from routing.dispatch.problem_builder import StopLine
from routing.engine.model import MAX_TIME_S, Problem, Solution, Unassigned
from routing.engine.replan import live_problem
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate
from wms.db import transaction
from wms.errors import Conflict, ValidationFailed
from wms.i18n import N_
from wms.models import Vehicle
from wms.models.base import utcnow

JOB_KIND = "routing.dispatch.replan_live:replan_job"
GONE = (RouteStatus.STARTED, RouteStatus.COMPLETED)


def seconds_of_day(day: date, at: datetime, zone: str) -> int:
    """``at`` as seconds since midnight of ``day`` in the warehouse's zone."""
    tz = ZoneInfo(zone)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return int((at.astimezone(tz) - midnight) / timedelta(seconds=1))


class _Read:
    """What the re-plan needs of the published plan, read in one short transaction."""

    def __init__(self, session: Session, plan_id: int, failed: list[str],
                 positions: dict[str, tuple[float, float]], at: datetime | None):
        plan = plans.get_plan(session, plan_id)
        if plan.status != PlanStatus.PUBLISHED:
            raise Conflict(N_("plan version {version} is {status}; only the published plan "
                              "of a day can be re-planned", version=plan.version,
                              status=plan.status))
        self.plan_id, self.warehouse_id, self.day = plan.id, plan.warehouse_id, plan.delivery_date
        self.problem = Problem.from_dict(plan.problem)
        known = {v.id for v in self.problem.vehicles}
        errors: dict[str, list[Any]] = {}
        for code in failed:
            if code not in known:
                errors.setdefault("failed_vehicles", []).append(
                    N_("no vehicle {code} in this plan", code=repr(code)))
        for code in positions:
            if code not in known:
                errors[f"positions.{code}"] = [N_("no vehicle {code} in this plan",
                                                  code=repr(code))]
            elif code in failed:
                errors[f"positions.{code}"] = [N_("this vehicle is declared failed")]
        try:
            now = seconds_of_day(plan.delivery_date, at or utcnow(), plan.warehouse.timezone)
        except OverflowError:
            now = MAX_TIME_S + 1
        if now > MAX_TIME_S:
            errors["at"] = [N_("the plan's day {day} is over", day=plan.delivery_date)]
        if errors:
            raise ValidationFailed(errors)
        # Before the day starts nothing is under way: the re-plan is from its beginning.
        self.now = max(now, 0)
        routes = list(plan.routes)
        self.snapshot = _snapshot(routes)
        self.stop_points: dict[str, int] = {}
        self.stop_lines: dict[str, list[StopLine]] = {}
        self.drivers: dict[str, int | None] = {}
        self.started_at: dict[str, datetime | None] = {}
        self.vehicle_ids: dict[str, int] = {}
        served: set[str] = set()
        live_routes = []
        stored = plans.stored_solution(plan)
        for route, planned in zip(routes, stored.routes, strict=True):
            code = route.vehicle.code
            self.vehicle_ids[code] = route.vehicle_id
            self.drivers.setdefault(code, route.driver_id)
            if route.status in GONE:
                self.started_at[code] = route.started_at
            for stop in route.stops:
                self.stop_points[stop.stop_key] = stop.pickup_point_id
                self.stop_lines[stop.stop_key] = [
                    StopLine(ln.order_id, ln.order_line_id, ln.product_id, ln.temp_class,
                             ln.quantity) for ln in stop.lines]
                if stop.status != StopStatus.PENDING:
                    served.add(stop.stop_key)
            live_routes.append(_as_of(planned, route.status in GONE, served, self.now))
        self.carried = [Unassigned(u.stop_key, u.reason, u.message) for u in plan.unassigned]
        for u in plan.unassigned:
            self.stop_points[u.stop_key] = u.pickup_point_id
            self.stop_lines.setdefault(u.stop_key, [])
        live = live_problem(self.problem, replace(stored, routes=live_routes), self.now,
                            set(failed), positions)
        self.live = live
        self.failed = sorted(set(failed))
        self.failed_routes = [r.id for r in routes if r.vehicle.code in failed
                              and r.status in GONE]
        carried = {u.stop for u in self.carried}
        self.to_plan = [s for s in live.problem.stops if s.id not in carried]
        if not self.to_plan:
            raise Conflict(N_("nothing is left to re-plan: every stop of plan version "
                              "{version} is served or could not be planned",
                              version=plan.version))


def _as_of(route, gone: bool, served: set[str], now: int):
    """The stored route with its times moved so that, at ``now``, exactly the stops the
    ledger has confirmed are behind it: what the engine reads as done is what is done."""
    if not gone:
        later = now + 1
        return replace(route, departure=max(route.departure, later),
                       stops=[replace(v, departure=max(v.departure, later))
                              for v in route.stops])
    return replace(route, departure=min(route.departure, now),
                   stops=[replace(v, departure=min(v.departure, now) if v.stop in served
                                  else max(v.departure, now + 1)) for v in route.stops])


def _snapshot(routes: list[Route]) -> list[tuple[int, str, list[str]]]:
    return [(r.id, str(r.status), [str(s.status) for s in r.stops]) for r in routes]


def check_request(session: Session, plan_id: int, *, failed: list[str],
                  positions: dict[str, tuple[float, float]] | None = None,
                  at: datetime | None = None) -> None:
    """Refuse a re-plan that cannot run (not published, unknown vehicles, nothing left)
    before a job is started; raises as :func:`replan` would."""
    _Read(session, plan_id, failed, positions or {}, at)


def replan_job(factory: sessionmaker[Session], params: dict[str, Any], progress
               ) -> dict[str, Any]:
    """Job: re-plan ``params["plan_id"]`` with ``params["failed_vehicles"]`` out of service."""
    at = params.get("at")
    return replan(factory, int(params["plan_id"]), failed=list(params["failed_vehicles"]),
                  positions={k: (float(v[0]), float(v[1]))
                             for k, v in (params.get("positions") or {}).items()},
                  at=datetime.fromisoformat(at) if at else None,
                  time_limit_s=float(params.get("time_limit_s", 10)),
                  created_by=params.get("created_by"), progress=progress)


def replan(factory: sessionmaker[Session], plan_id: int, *, failed: list[str],
           positions: dict[str, tuple[float, float]] | None = None,
           at: datetime | None = None, time_limit_s: float = 10.0,
           created_by: int | None = None, progress=None) -> dict[str, Any]:
    """Re-plan the rest of the day of published plan ``plan_id``; returns a summary of the
    new version (published, the old one superseded)."""
    say = progress or (lambda _p, _m="": None)
    t0 = time.monotonic()
    say(0, "reading the live state")
    with transaction(factory) as session:
        read = _Read(session, plan_id, failed, positions or {}, at)
    live = read.live
    problem = replace(live.problem, stops=read.to_plan)

    def solver_progress(percent: float, message: str) -> None:
        say(2 + percent * 0.93, message)

    if problem.vehicles:
        solution = solve(problem, SolveOptions(time_limit_s=time_limit_s),
                         progress=solver_progress)
    else:
        solution = plans._nothing_to_optimise(problem)
    say(96, "checking the plan")
    status = solution.status
    if read.carried and status == "ok":
        status = "partial"
    full = Solution(routes=solution.routes, unassigned=solution.unassigned + read.carried,
                    total_cost=solution.total_cost,
                    total_distance_km=solution.total_distance_km,
                    vehicles_used=solution.vehicles_used, status=status,
                    stats=dict(solution.stats))
    violations = validate(live.problem, full)
    if violations:
        raise plans.InvalidPlan(violations)
    summary = {"replaces": read.plan_id, "at_s": read.now, "failed_vehicles": read.failed,
               "failed_routes": read.failed_routes, "served": sorted(live.served),
               "returned": sorted(live.returned), "on_road": live.on_road}
    full.stats.update(replan=summary, plan_wall_time_s=round(time.monotonic() - t0, 3))
    say(98, "saving the plan")
    for attempt in range(plans.SAVE_ATTEMPTS):
        try:
            with transaction(factory) as session:
                plan = _save(session, read, full, time_limit_s, created_by)
                return {"plan_id": plan.id, "version": plan.version, "replaces": read.plan_id,
                        "warehouse": plan.warehouse.code, "date": read.day.isoformat(),
                        "routes": len(full.routes), "stops": len(live.problem.stops),
                        "unassigned": len(full.unassigned), "returned": summary["returned"],
                        "served": summary["served"], "on_road": live.on_road,
                        "total_cost": round(full.total_cost, 2),
                        "total_distance_km": round(full.total_distance_km, 3),
                        "wall_time_s": full.stats["plan_wall_time_s"]}
        except IntegrityError:
            if attempt == plans.SAVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _save(session: Session, read: _Read, solution: Solution, time_limit_s: float,
          created_by: int | None) -> RoutePlan:
    wid, day = read.warehouse_id, read.day
    # Lock every version of the day, as publishing does, so a publication cannot slip in.
    session.scalars(select(RoutePlan.id).where(
        RoutePlan.warehouse_id == wid, RoutePlan.delivery_date == day)
        .order_by(RoutePlan.id).with_for_update()).all()
    old = plans.get_plan(session, read.plan_id)
    session.refresh(old)
    if old.status != PlanStatus.PUBLISHED:
        raise Conflict(N_("plan version {version} was replaced while the re-plan was being "
                          "made; re-plan the published version", version=old.version))
    if _snapshot(list(old.routes)) != read.snapshot:
        raise Conflict(N_("a stop was confirmed or a route started while the re-plan was "
                          "being made; re-plan again"))
    version = (session.scalar(select(func.max(RoutePlan.version)).where(
        RoutePlan.warehouse_id == wid, RoutePlan.delivery_date == day)) or 0) + 1
    old.status = PlanStatus.SUPERSEDED
    session.flush()
    now = utcnow()
    plan = RoutePlan(warehouse_id=wid, delivery_date=day, version=version,
                     status=PlanStatus.PUBLISHED, created_by=created_by, created_at=now,
                     published_by=created_by, published_at=now, time_limit_s=time_limit_s,
                     solver_status=solution.status, stops_total=len(read.live.problem.stops),
                     total_cost=solution.total_cost,
                     total_distance_km=solution.total_distance_km,
                     vehicles_used=solution.vehicles_used, stats=solution.stats,
                     problem=read.live.problem.to_dict(), replaces_id=old.id)
    session.add(plan)
    session.flush()
    defaults = plans._default_drivers(session, wid)
    on_road = set(read.live.on_road)
    for position, planned in enumerate(solution.routes, start=1):
        code = planned.vehicle
        vehicle_id = read.vehicle_ids.get(code) or _vehicle_id(session, wid, code)
        driving_on = code in on_road
        route = Route(plan_id=plan.id, warehouse_id=wid, delivery_date=day,
                      vehicle_id=vehicle_id,
                      driver_id=read.drivers.get(code) or defaults.get(vehicle_id),
                      start_s=planned.start, departure_s=planned.departure, end_s=planned.end,
                      distance_km=planned.distance_km, duration_s=planned.duration_s,
                      cost=planned.cost, loads=plans._loads_json(planned.load),
                      rest=planned.rest,
                      status=RouteStatus.STARTED if driving_on else RouteStatus.PLANNED,
                      started_at=read.started_at.get(code) if driving_on else None)
        session.add(route)
        session.flush()
        session.add(RoutePlanRoute(plan_id=plan.id, route_id=route.id, position=position))
        plans.add_stops(session, route, planned, read.stop_points, read.stop_lines)
    plans.add_unassigned(session, plan, solution.unassigned, read.live.problem,
                         read.stop_points)
    session.flush()
    return plan


def _vehicle_id(session: Session, warehouse_id: int, code: str) -> int:
    vid = session.scalar(select(Vehicle.id).where(Vehicle.warehouse_id == warehouse_id,
                                                  Vehicle.code == code))
    assert vid is not None, code
    return vid
