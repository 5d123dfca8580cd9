"""Planning a warehouse's day as a background job, saving plans, publishing and re-planning.

The job reads the day's problem in a short transaction, solves it with no transaction open
(on SQLite an open transaction holds the write lock other users are waiting for), checks
the result with the independent validator and saves the whole plan in one transaction.
A plan the validator rejects is never saved: the job fails with the violations.

Versions are numbered per (warehouse, date) under a unique constraint. Two plans requested
at once both solve; if both try to take the same number, the loser's transaction is rolled
back and it saves again under the next number, so both finish as separate versions.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from routing.dispatch import problem_builder
from routing.dispatch.models import (
    PlanStatus,
    Route,
    RoutePlan,
    RoutePlanRoute,
    RouteStatus,
    RouteStop,
    RouteStopLine,
    UnassignedStop,
)
from routing.engine.model import ClassLoad, Problem, Solution, Unassigned, Visit
from routing.engine.model import Route as PlanRoute
from routing.engine.solver import SolveOptions, solve
from routing.engine.validate import validate
from wms.db import transaction
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_, adopt
from wms.models import ReturnRequest, ReturnRequestStatus, Role, User, Vehicle, Warehouse
from wms.models.base import utcnow

log = logging.getLogger(__name__)

JOB_KIND = "routing.dispatch.plans:plan_job"
SAVE_ATTEMPTS = 5


class InvalidPlan(RuntimeError):
    """The solver's plan broke a rule; it is not saved."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        shown = "; ".join(violations[:10])
        more = f" (+{len(violations) - 10} more)" if len(violations) > 10 else ""
        super().__init__(f"the plan breaks {len(violations)} rule(s) and was not saved: "
                         f"{shown}{more}")


def _loads(d: dict[str, Any]) -> dict[str, ClassLoad]:
    return {c: ClassLoad(v["crates"], v["kg"]) for c, v in d.items()}


def _loads_json(loads: dict[str, ClassLoad]) -> dict[str, Any]:
    return {c: {"crates": v.crates, "kg": round(v.kg, 3)} for c, v in loads.items()}


def as_plan_route(route: Route) -> PlanRoute:
    """A stored route in the routing model's terms, for the validator."""
    return PlanRoute(
        vehicle=route.vehicle.code, depot=route.warehouse.code, start=route.start_s,
        departure=route.departure_s, end=route.end_s, distance_km=route.distance_km,
        duration_s=route.duration_s, cost=route.cost, load=_loads(route.loads),
        stops=[Visit(s.stop_key, s.arrival_s, s.service_start_s, s.departure_s,
                     s.since_departure_s, _loads(s.delivered), _loads(s.picked_up or {}))
               for s in route.stops], rest=route.rest)


def stored_solution(plan: RoutePlan) -> Solution:
    routes = [as_plan_route(r) for r in plan.routes]
    return Solution(routes=routes,
                    unassigned=[Unassigned(u.stop_key, u.reason, u.message)
                                for u in plan.unassigned],
                    total_cost=sum(r.cost for r in routes),
                    total_distance_km=sum(r.distance_km for r in routes),
                    vehicles_used=len(routes), status=plan.solver_status)


def check_plan(plan: RoutePlan) -> list[str]:
    """Violations of a stored plan against the problem it was made for (empty: valid)."""
    return validate(Problem.from_dict(plan.problem), stored_solution(plan))


def plan_job(factory: sessionmaker[Session], params: dict[str, Any], progress) -> dict[str, Any]:
    """Job: plan ``params["warehouse_id"]``'s ``params["date"]`` and save a draft version."""
    return plan_day(factory, int(params["warehouse_id"]), date.fromisoformat(params["date"]),
                    time_limit_s=float(params.get("time_limit_s", 10)),
                    created_by=params.get("created_by"), progress=progress)


def plan_day(factory: sessionmaker[Session], warehouse_id: int, day: date, *,
             time_limit_s: float = 10.0, created_by: int | None = None,
             progress=None) -> dict[str, Any]:
    say = progress or (lambda _p, _m="": None)
    t0 = time.monotonic()
    say(0, "reading the day's orders")
    with transaction(factory) as session:
        day_problem = problem_builder.build(session, warehouse_id, day)
        carried = [_carry(session.get(Route, rid)) for rid in day_problem.locked_route_ids]
    problem = day_problem.problem

    def solver_progress(percent: float, message: str) -> None:
        say(2 + percent * 0.93, message)

    if problem.stops and problem.vehicles:
        solution = solve(problem, SolveOptions(time_limit_s=time_limit_s),
                         progress=solver_progress)
    else:
        solution = _nothing_to_optimise(problem)
    say(96, "checking the plan")
    # Goods refused before planning (no cold storage at the point in time) join the
    # solver's unassigned stops, with their own reason.
    unassigned = solution.unassigned + day_problem.refused
    status = solution.status
    if day_problem.refused and status == "ok":
        status = "partial"
    full = Solution(routes=carried + solution.routes, unassigned=unassigned,
                    total_cost=solution.total_cost + sum(r.cost for r in carried),
                    total_distance_km=solution.total_distance_km
                    + sum(r.distance_km for r in carried),
                    vehicles_used=solution.vehicles_used + len(carried),
                    status=status, stats=dict(solution.stats))
    violations = validate(day_problem.full, full)
    if violations:
        raise InvalidPlan(violations)
    full.stats.update(carried_routes=len(carried), plan_wall_time_s=round(
        time.monotonic() - t0, 3))
    say(98, "saving the plan")
    for attempt in range(SAVE_ATTEMPTS):
        try:
            with transaction(factory) as session:
                plan = _save(session, day_problem, full, time_limit_s, created_by)
                result = {"plan_id": plan.id, "version": plan.version,
                          "warehouse": plan.warehouse.code, "date": day.isoformat(),
                          "routes": len(full.routes), "stops": len(day_problem.full.stops),
                          "unassigned": len(full.unassigned),
                          "carried_routes": len(carried),
                          "total_cost": round(full.total_cost, 2),
                          "total_distance_km": round(full.total_distance_km, 3),
                          "wall_time_s": full.stats["plan_wall_time_s"]}
            return result
        except IntegrityError:
            # Another plan of the same day took this version number first.
            log.info("plan version taken for warehouse %s %s; retrying", warehouse_id, day)
            if attempt == SAVE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _nothing_to_optimise(problem: Problem) -> Solution:
    unassigned = [Unassigned(s.id, "no_compatible_vehicle",
                             N_("no vehicle is free: every vehicle of the warehouse is on a "
                                "route that has already started")) for s in problem.stops]
    return Solution(routes=[], unassigned=unassigned, total_cost=0.0, total_distance_km=0.0,
                    vehicles_used=0, status="no_routes" if unassigned else "ok",
                    stats={"stops": len(problem.stops)})


def _carry(route: Route | None) -> PlanRoute:
    assert route is not None
    return as_plan_route(route)


def _save(session: Session, day_problem: problem_builder.DayProblem, solution: Solution,
          time_limit_s: float, created_by: int | None) -> RoutePlan:
    wid, day = day_problem.warehouse_id, day_problem.day
    # A route may have started while the solver ran; its stops would then be planned twice.
    started = {r.id for r in problem_builder.locked_routes(session, wid, day)}
    late = started - set(day_problem.locked_route_ids)
    if late:
        raise Conflict(N_("route(s) {routes} started while this plan was being made; plan "
                          "again to keep them", routes=str(sorted(late))))
    version = (session.scalar(select(func.max(RoutePlan.version)).where(
        RoutePlan.warehouse_id == wid, RoutePlan.delivery_date == day)) or 0) + 1
    plan = RoutePlan(warehouse_id=wid, delivery_date=day, version=version,
                     status=PlanStatus.DRAFT, created_by=created_by, created_at=utcnow(),
                     time_limit_s=time_limit_s, solver_status=solution.status,
                     stops_total=len(day_problem.full.stops),
                     total_cost=solution.total_cost,
                     total_distance_km=solution.total_distance_km,
                     vehicles_used=solution.vehicles_used, stats=solution.stats,
                     problem=day_problem.full.to_dict())
    session.add(plan)
    session.flush()
    position = 0
    for route_id in day_problem.locked_route_ids:
        position += 1
        session.add(RoutePlanRoute(plan_id=plan.id, route_id=route_id, position=position))
    drivers = _default_drivers(session, wid)
    new_routes = solution.routes[len(day_problem.locked_route_ids):]
    for planned in new_routes:
        position += 1
        vehicle_id = day_problem.vehicle_ids[planned.vehicle]
        route = Route(plan_id=plan.id, warehouse_id=wid, delivery_date=day,
                      vehicle_id=vehicle_id, driver_id=drivers.get(vehicle_id),
                      start_s=planned.start, departure_s=planned.departure, end_s=planned.end,
                      distance_km=planned.distance_km, duration_s=planned.duration_s,
                      cost=planned.cost, loads=_loads_json(planned.load),
                      rest=planned.rest, status=RouteStatus.PLANNED)
        session.add(route)
        session.flush()
        session.add(RoutePlanRoute(plan_id=plan.id, route_id=route.id, position=position))
        add_stops(session, route, planned, day_problem.stop_points, day_problem.stop_lines)
    _mark_planned(session, day_problem, new_routes)
    add_unassigned(session, plan, solution.unassigned, day_problem.full,
                   day_problem.stop_points)
    session.flush()
    return plan


def add_stops(session: Session, route: Route, planned, stop_points: dict[str, int],
              stop_lines: dict[str, list]) -> None:
    """A stored route's stops as the solver timed them, each with the order lines it
    delivers (``stop_lines`` by stop id)."""
    for seq, visit in enumerate(planned.stops, start=1):
        stop = RouteStop(route_id=route.id, seq=seq, stop_key=visit.stop,
                         pickup_point_id=stop_points[visit.stop],
                         arrival_s=visit.arrival, service_start_s=visit.service_start,
                         departure_s=visit.departure,
                         since_departure_s=visit.since_departure_s,
                         delivered=_loads_json(visit.delivered),
                         picked_up=_loads_json(visit.picked_up) or None)
        session.add(stop)
        session.flush()
        for line in stop_lines.get(visit.stop, []):
            session.add(RouteStopLine(stop_id=stop.id, order_id=line.order_id,
                                      order_line_id=line.order_line_id,
                                      product_id=line.product_id,
                                      temp_class=line.temp_class, quantity=line.quantity))


def add_unassigned(session: Session, plan: RoutePlan, unassigned, problem,
                   stop_points: dict[str, int]) -> None:
    """The plan's unserved stops with their reasons and what they would have carried."""
    stops = {s.id: s for s in problem.stops}
    for u in unassigned:
        session.add(UnassignedStop(plan_id=plan.id, stop_key=u.stop,
                                   pickup_point_id=stop_points[u.stop],
                                   reason=u.reason, message=adopt(u.message),
                                   demand=_loads_json(stops[u.stop].demand
                                                      or stops[u.stop].pickup)))


def _mark_planned(session: Session, day_problem, routes) -> None:
    """Return requests whose pickup is on one of the plan's routes read ``planned``."""
    refs = [load.ref for planned in routes for visit in planned.stops
            for load in day_problem.stop_pickups.get(visit.stop, []) if load.ref is not None]
    if refs:
        session.execute(update(ReturnRequest).where(
            ReturnRequest.id.in_(refs), ReturnRequest.status == ReturnRequestStatus.OPEN)
            .values(status=ReturnRequestStatus.PLANNED))


def _default_drivers(session: Session, warehouse_id: int) -> dict[int, int]:
    """Vehicle id -> the driver user attached to it (the longest-standing one)."""
    rows = session.execute(
        select(User.vehicle_id, User.id).join(Vehicle, Vehicle.id == User.vehicle_id)
        .where(Vehicle.warehouse_id == warehouse_id, User.role == Role.DRIVER,
               User.active.is_(True)).order_by(User.id.desc())).all()
    return {vehicle_id: user_id for vehicle_id, user_id in rows}


def get_plan(session: Session, plan_id: int, *, lock: bool = False) -> RoutePlan:
    stmt = select(RoutePlan).where(RoutePlan.id == plan_id)
    if lock:
        stmt = stmt.with_for_update()
    plan = session.scalar(stmt)
    if plan is None:
        raise NotFound(N_("no route plan with id {id}", id=plan_id))
    return plan


def publish(session: Session, plan_id: int, *, actor_id: int | None,
            drivers: dict[str, str] | None = None) -> RoutePlan:
    """Publish a draft: its routes go to their drivers; the plan it replaces is superseded.

    ``drivers`` maps vehicle code to a driver's username, for routes whose vehicle has no
    driver attached or that another driver takes today.
    """
    plan = get_plan(session, plan_id)
    # Lock every version of the day so that two publications of one day queue.
    session.scalars(select(RoutePlan.id).where(
        RoutePlan.warehouse_id == plan.warehouse_id,
        RoutePlan.delivery_date == plan.delivery_date).order_by(RoutePlan.id).with_for_update()
    ).all()
    session.refresh(plan)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(N_("plan version {version} is {status}; only a draft can be "
                          "published", version=plan.version, status=plan.status))
    current = problem_builder.current_plan(session, plan.warehouse_id, plan.delivery_date)
    if current is not None:
        kept = {r.id for r in plan.routes}
        lost = [r for r in current.routes if r.locked and r.id not in kept]
        if lost:
            raise Conflict(
                N_("route(s) {routes} of the published version {current} started after "
                   "version {version} was made; plan again so that they are kept",
                   routes=", ".join(str(r.id) for r in lost), current=current.version,
                   version=plan.version), routes=[r.id for r in lost])
    errors: dict[str, list[str]] = {}
    by_vehicle = {r.vehicle.code: r for r in plan.routes}
    for code, username in (drivers or {}).items():
        route = by_vehicle.get(code)
        user = session.scalar(select(User).where(User.username == username))
        if route is None:
            errors[f"drivers.{code}"] = [N_("no route of this plan uses vehicle {code}",
                                                   code=repr(code))]
        elif route.locked:
            errors[f"drivers.{code}"] = [N_("this route has started; its driver stays")]
        elif user is None or user.role != Role.DRIVER or not user.active:
            errors[f"drivers.{code}"] = [N_("{username} is not an active driver",
                                                   username=repr(username))]
        else:
            route.driver_id = user.id
    for route in plan.routes:
        if route.driver_id is None and f"drivers.{route.vehicle.code}" not in errors:
            errors[f"drivers.{route.vehicle.code}"] = [
                N_("no driver is attached to this vehicle; choose one")]
    if errors:
        raise ValidationFailed(errors)
    if current is not None:
        current.status = PlanStatus.SUPERSEDED
        session.flush()
    plan.status = PlanStatus.PUBLISHED
    plan.published_by = actor_id
    plan.published_at = utcnow()
    session.flush()
    return plan


def route_for_update(session: Session, route_id: int) -> Route:
    route = session.scalar(select(Route).where(Route.id == route_id).with_for_update())
    if route is None:
        raise NotFound(N_("no route with id {id}", id=route_id))
    return route


def is_current(session: Session, route: Route) -> bool:
    """Whether the route belongs to its day's published plan."""
    plan = problem_builder.current_plan(session, route.warehouse_id, route.delivery_date)
    return plan is not None and session.get(RoutePlanRoute, (plan.id, route.id)) is not None


def require_current(session: Session, route: Route) -> None:
    if not is_current(session, route):
        raise Conflict(N_("route {route} is not in the published plan of {day}; use the "
                          "current manifest", route=route.id, day=route.delivery_date))


def warehouse_id_of(session: Session, code: str) -> int:
    wid = session.scalar(select(Warehouse.id).where(Warehouse.code == code))
    if wid is None:
        raise NotFound(N_("no warehouse {code}", code=repr(code)))
    return wid
