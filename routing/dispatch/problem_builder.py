"""A routing problem for one warehouse and delivery date, built from the database.

Demand is what is allocated: the units reserved for the day's orders that have not reached
their pickup point yet, summed per pickup point and temperature class. Crates are counted
per stop and class, ``ceil(sum(units / units_per_crate))``: a pickup point's goods of one
class are packed together, so part-filled crates of different products are shared, and
only the last crate of each class is part-filled.

A pickup point whose classes no single vehicle can carry (frozen and ambient goods, with a
fleet of reefers without an ambient compartment and ambient vans) becomes one stop per group
of classes that some vehicle carries together; two vehicles then call at the same point.

Routes that have started (see :mod:`routing.dispatch`) keep their vehicle and stops: both
are left out of the problem to solve, and put back into the full problem that a saved plan
is checked against.

A pickup point's cold storage (freezer and fridge crates) decides when frozen and chilled
goods may arrive: if the point can keep them, any time in its delivery window; if not (or
not all of them), no earlier than ``hold_without_storage_minutes`` before collection opens,
so they wait in the shop no longer than the rules allow. The stop's window is tightened to
that; when the tightened window is empty, the class's goods are refused before planning and
reported per order with the reason ``no_cold_storage``. A point may let in only some kinds
of vehicle (a residential compound: vans only); the stop says so and the planner keeps to it.

Goods to bring back from a pickup point (uncollected orders, empty crates) are pickups: they
ride on the stop that delivers to the point when a vehicle can carry both, else on a stop
of their own at the point.

Longer than 400 lines because demand, cold storage, vehicle access and pickups shape the
same stops: each rule needs the others' view of a point's classes and fleet.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing.dispatch import point_rules
from routing.dispatch.models import PlanStatus, Route, RoutePlan, RouteStop, RouteStopLine
from routing.engine.model import (
    TEMPERATURE_CLASSES,
    ClassLoad,
    Compartment,
    Depot,
    MatrixSettings,
    Problem,
    ProblemError,
    RestRule,
    Stop,
    Unassigned,
    parse_clock,
)
from routing.engine.model import Vehicle as PlanVehicle
from routing.engine.traffic import RushHour, TrafficProfile
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    OrderLine,
    OrderStatus,
    PickupPoint,
    Product,
    Reservation,
    ReturnRequest,
    ReturnRequestStatus,
    Vehicle,
    Warehouse,
)
from wms.settings import PROJECT_ROOT, Settings

DEFAULT_RULES = PROJECT_ROOT / "data" / "dispatch_rules.json"
# Orders in these states have nothing left to carry.
DONE = (OrderStatus.CANCELLED, OrderStatus.DELIVERED, OrderStatus.COLLECTED)


@dataclass(frozen=True)
class DispatchRules:
    cold_chain_max_s: dict[str, int]
    service_per_crate_s: float = 0.0
    # Longest wait at a pickup point without room in its freezer/fridge, per class, before
    # collection opens; a class missing here must be kept cold at the point.
    hold_without_storage_s: dict[str, int] = field(default_factory=dict)
    rest: RestRule | None = None
    # Rush hours per city ("default" for cities not named).
    rush_hours: dict[str, tuple[RushHour, ...]] = field(default_factory=dict)

    def traffic(self, city: str) -> TrafficProfile:
        return TrafficProfile(list(self.rush_hours.get(city, self.rush_hours.get("default", ()))))


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> DispatchRules:
    """Rules from ``data/dispatch_rules.json`` (or the file named by WMS_DISPATCH_RULES)."""
    raw = json.loads(Path(path or os.environ.get("WMS_DISPATCH_RULES") or DEFAULT_RULES)
                     .read_text(encoding="utf-8"))
    limits = {c: int(m * 60) for c, m in raw.get("cold_chain_max_minutes", {}).items()
              if m is not None}
    unknown = set(limits) - set(TEMPERATURE_CLASSES)
    if unknown:
        raise ValueError(f"dispatch rules name unknown temperature classes: {sorted(unknown)}")
    hold = {c: int(m * 60) for c, m in raw.get("hold_without_storage_minutes", {}).items()
            if m is not None}
    unknown = set(hold) - {"frozen", "chilled"}
    if unknown:
        raise ValueError(f"hold_without_storage_minutes names classes without cold storage: "
                         f"{sorted(unknown)}")
    rush = {city: tuple(RushHour(parse_clock(p["start"]), parse_clock(p["end"]),
                                 float(p["factor"])) for p in periods)
            for city, periods in raw.get("rush_hours", {}).items()}
    for city, periods in rush.items():
        # The planner's own check of periods and factors, with the city named.
        try:
            Problem([], [], [], traffic=TrafficProfile(list(periods))).validate()
        except ProblemError as e:
            bad = [x for x in e.errors if x["path"].startswith("traffic")]
            if bad:
                raise ValueError(f"dispatch rules, rush hours of {city}: {bad}") from e
    return DispatchRules(cold_chain_max_s=limits,
                         service_per_crate_s=float(raw.get("service_per_crate_s", 0)),
                         hold_without_storage_s=hold, rush_hours=rush,
                         rest=_rest_rule(raw.get("driver_rest")))


def _rest_rule(raw: dict | None) -> RestRule | None:
    if not raw:
        return None
    return RestRule(length_s=int(raw["length_minutes"] * 60),
                    max_stretch_s=int(raw["max_stretch_minutes"] * 60))


@dataclass(frozen=True)
class StopLine:
    """Units of one order line to bring to a stop."""

    order_id: int
    order_line_id: int
    product_id: int
    temp_class: str
    quantity: int


@dataclass(frozen=True)
class PickupLoad:
    """Goods to collect at a pickup point and bring back to the warehouse."""

    pickup_point_id: int
    temp_class: str
    crates: int
    kg: float
    ref: int | None = None  # the return request it comes from


@dataclass
class DayProblem:
    """``problem`` is what the solver gets; ``full`` adds the locked routes' vehicles and
    stops, and is what a saved plan must satisfy."""

    warehouse_id: int
    day: date
    problem: Problem
    full: Problem
    stop_points: dict[str, int] = field(default_factory=dict)  # stop id -> pickup point id
    stop_lines: dict[str, list[StopLine]] = field(default_factory=dict)
    vehicle_ids: dict[str, int] = field(default_factory=dict)  # code -> id
    locked_route_ids: list[int] = field(default_factory=list)
    stop_pickups: dict[str, list[PickupLoad]] = field(default_factory=dict)
    # Stops refused before planning (in ``full`` only), with their reasons.
    refused: list[Unassigned] = field(default_factory=list)


def seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def depot_for(warehouse: Warehouse) -> Depot:
    return Depot(id=warehouse.code, lat=warehouse.lat, lon=warehouse.lon,
                 open=seconds(warehouse.opens_at), close=seconds(warehouse.closes_at),
                 loading_s=warehouse.loading_minutes * 60)


def vehicle_for(v: Vehicle, depot: str) -> PlanVehicle:
    compartments = [Compartment(c, getattr(v, f"{c}_crates"), getattr(v, f"{c}_kg"))
                    for c in TEMPERATURE_CLASSES
                    if getattr(v, f"{c}_crates") > 0 and getattr(v, f"{c}_kg") > 0]
    return PlanVehicle(id=v.code, depot=depot, compartments=compartments,
                       shift_start=seconds(v.shift_start), shift_end=seconds(v.shift_end),
                       max_duration_s=v.max_route_minutes * 60, fixed_cost=v.fixed_cost,
                       cost_per_km=v.cost_per_km, speed_factor=v.speed_factor, kind=v.kind,
                       waves=[parse_clock(w, f"vehicle {v.code} waves") for w in v.waves or []])


def current_plan(session: Session, warehouse_id: int, day: date) -> RoutePlan | None:
    """The published plan of a warehouse's day, if any."""
    return session.scalar(select(RoutePlan).where(
        RoutePlan.warehouse_id == warehouse_id, RoutePlan.delivery_date == day,
        RoutePlan.status == PlanStatus.PUBLISHED))


def locked_routes(session: Session, warehouse_id: int, day: date) -> list[Route]:
    plan = current_plan(session, warehouse_id, day)
    return [r for r in plan.routes if r.locked] if plan is not None else []


def class_groups(classes: list[str], fleet: list[frozenset[str]]) -> list[list[str]]:
    """Split a stop's classes into groups that some vehicle carries together."""
    if not classes or any(set(classes) <= carried for carried in fleet):
        return [classes]
    groups: list[list[str]] = []
    for c in classes:
        for g in groups:
            if any({*g, c} <= carried for carried in fleet):
                g.append(c)
                break
        else:
            groups.append([c])
    return groups


def _demand_lines(session: Session, warehouse_id: int, day: date, skip_lines: set[int]):
    """(pickup point, StopLine, crate size, unit kg) for every line with units to carry."""
    rows = session.execute(
        select(CustomerOrder.pickup_point_id, OrderLine.order_id, OrderLine.id,
               Product.id, Product.temp_class, Product.units_per_crate, Product.unit_weight_kg,
               func.sum(Reservation.quantity))
        .join(OrderLine, OrderLine.id == Reservation.order_line_id)
        .join(CustomerOrder, CustomerOrder.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .join(Location, Location.id == Reservation.location_id)
        .where(CustomerOrder.warehouse_id == warehouse_id, CustomerOrder.delivery_date == day,
               CustomerOrder.status.not_in(DONE),
               Location.kind != LocationKind.PICKUP_POINT)
        .group_by(CustomerOrder.pickup_point_id, OrderLine.order_id, OrderLine.id, Product.id,
                  Product.temp_class, Product.units_per_crate, Product.unit_weight_kg)
        .order_by(CustomerOrder.pickup_point_id, OrderLine.order_id, OrderLine.id)).all()
    for point_id, order_id, line_id, product_id, temp, per_crate, kg, qty in rows:
        if line_id in skip_lines or not qty:
            continue
        yield point_id, StopLine(order_id, line_id, product_id, temp.value, int(qty)), \
            per_crate, kg


def _locked_part(session: Session, routes: list[Route], warehouse_id: int, day: date
                 ) -> tuple[list[PlanVehicle], list[Stop], set[int]]:
    """The locked routes' vehicles and stops, as the plan that made them saw them."""
    if not routes:
        return [], [], set()
    plan = current_plan(session, warehouse_id, day)
    assert plan is not None
    stops_by_id = {s["id"]: s for s in plan.problem["stops"]}
    vehicles_by_id = {v["id"]: v for v in plan.problem["vehicles"]}
    vehicles, stops = [], []
    for route in routes:
        vehicles.append(PlanVehicle.from_dict(vehicles_by_id[route.vehicle.code]))
        stops.extend(Stop.from_dict(stops_by_id[s.stop_key]) for s in route.stops)
    lines = set(session.scalars(
        select(RouteStopLine.order_line_id).join(RouteStop, RouteStop.id == RouteStopLine.stop_id)
        .where(RouteStop.route_id.in_([r.id for r in routes]))))
    return vehicles, stops, lines


def _demand(lines: list[tuple[StopLine, int, float]], group: list[str]) -> dict[str, ClassLoad]:
    demand: dict[str, ClassLoad] = {}
    for c in group:
        of_c = [(ln, pc, kg) for ln, pc, kg in lines if ln.temp_class == c]
        crates = math.ceil(sum(ln.quantity / pc for ln, pc, _ in of_c) - 1e-9)
        weight = round(sum(ln.quantity * kg for ln, _, kg in of_c), 3)
        demand[c] = ClassLoad(crates=crates, kg=weight)
    return demand


def _stop(stop_id: str, point: PickupPoint, rules: DispatchRules,
          demand: dict[str, ClassLoad], window: tuple[int, int] | None = None) -> Stop:
    return Stop(id=stop_id, lat=point.lat, lon=point.lon,
                window=window or (seconds(point.window_start), seconds(point.window_end)),
                service_fixed_s=point.service_minutes * 60,
                service_per_crate_s=rules.service_per_crate_s, demand=demand,
                vehicle_kinds=None if point.vehicle_kinds is None else list(point.vehicle_kinds))


def pending_pickups(session: Session, warehouse_id: int) -> list[PickupLoad]:
    """Goods group leaders sent back (``return_request``) that are not back yet: each is a
    pickup at its point on the next plan, in whole crates of its product. A request stays
    pending while it is only planned, so a new plan version still fetches it."""
    rows = session.execute(
        select(ReturnRequest, Product.units_per_crate, Product.unit_weight_kg)
        .join(Product, Product.id == ReturnRequest.product_id)
        .where(ReturnRequest.warehouse_id == warehouse_id,
               ReturnRequest.status.in_([ReturnRequestStatus.OPEN,
                                         ReturnRequestStatus.PLANNED]))
        .order_by(ReturnRequest.id)).all()
    return [PickupLoad(pickup_point_id=req.pickup_point_id, temp_class=str(req.temp_class),
                       crates=math.ceil(req.quantity / per_crate),
                       kg=round(req.quantity * kg, 3), ref=req.id)
            for req, per_crate, kg in rows]


def build(session: Session, warehouse_id: int, day: date, *,
          settings: Settings | None = None, rules: DispatchRules | None = None,
          pickups: list[PickupLoad] | None = None) -> DayProblem:
    """The day's problem for a warehouse, leaving out routes that have started.

    ``pickups`` are the goods to bring back; by default the open return requests."""
    settings = settings or Settings.from_env()
    rules = rules or load_rules()
    warehouse = session.get(Warehouse, warehouse_id)
    if warehouse is None:
        raise LookupError(f"no warehouse with id {warehouse_id}")
    depot = depot_for(warehouse)
    locked = locked_routes(session, warehouse_id, day)
    locked_vehicle_ids = {r.vehicle_id for r in locked}
    fleet_rows = session.scalars(select(Vehicle).where(
        Vehicle.warehouse_id == warehouse_id, Vehicle.active.is_(True))
        .order_by(Vehicle.code)).all()
    free = [v for v in fleet_rows if v.id not in locked_vehicle_ids]
    vehicles = [vehicle_for(v, depot.id) for v in free]
    held_vehicles, held_stops, held_lines = _locked_part(session, locked, warehouse_id, day)
    taken_ids = {s.id for s in held_stops}

    per_point: dict[int, list[tuple[StopLine, int, float]]] = {}
    for point_id, line, per_crate, kg in _demand_lines(session, warehouse_id, day, held_lines):
        per_point.setdefault(point_id, []).append((line, per_crate, kg))
    returns = pending_pickups(session, warehouse_id) if pickups is None else pickups
    per_point_back: dict[int, list[PickupLoad]] = {}
    for load in returns:
        per_point_back.setdefault(load.pickup_point_id, []).append(load)
    points = {p.id: p for p in session.scalars(
        select(PickupPoint).where(PickupPoint.id.in_([*per_point, *per_point_back])))}
    fleet = [frozenset(c.temperature for c in v.compartments) for v in vehicles]
    kinds = [v.kind for v in vehicles]

    out = DayProblem(warehouse_id=warehouse_id, day=day, problem=None, full=None,  # type: ignore[arg-type]
                     vehicle_ids={v.code: v.id for v in fleet_rows},
                     locked_route_ids=[r.id for r in locked])

    def new_id(base: str) -> str:
        stop_id, n = base, 1
        while stop_id in taken_ids:
            n += 1
            stop_id = f"{base}#{n}"
        taken_ids.add(stop_id)
        return stop_id

    stops: list[Stop] = []
    refused_stops: list[Stop] = []
    for point_id in sorted(points, key=lambda pid: points[pid].code):
        point, lines = points[point_id], per_point.get(point_id, [])
        let_in = point_rules.admitted_fleet(point, fleet, kinds)
        classes = [c for c in TEMPERATURE_CLASSES if any(ln.temp_class == c for ln, _, _ in lines)]
        groups = class_groups(classes, let_in) if classes else []
        mine_stops: list[Stop] = []
        for group in groups:
            base = point.code if len(groups) == 1 else f"{point.code}/{'+'.join(group)}"
            mine = [(ln, per_crate, kg) for ln, per_crate, kg in lines if ln.temp_class in group]
            demand = _demand(mine, group)
            verdict = point_rules.cold_window(point, demand, rules.hold_without_storage_s)
            if verdict.refused:
                gone = [c for c in group if c in verdict.refused]
                stop_id = new_id(f"{base}/{'+'.join(gone)}" if gone != group else base)
                refused_stops.append(_stop(stop_id, point, rules, {c: demand.pop(c)
                                                                    for c in gone}))
                lost = [ln for ln, _, _ in mine if ln.temp_class in gone]
                out.refused.append(point_rules.refusal(stop_id, verdict,
                                                       [ln.order_id for ln in lost]))
                out.stop_points[stop_id] = point_id
                out.stop_lines[stop_id] = lost
                mine = [(ln, pc, kg) for ln, pc, kg in mine if ln.temp_class not in gone]
                if not demand:
                    continue
                base = f"{base}/{'+'.join(c for c in group if c not in gone)}"
            stop_id = new_id(base)
            stop = _stop(stop_id, point, rules, demand, window=verdict.window)
            stops.append(stop)
            mine_stops.append(stop)
            out.stop_points[stop_id] = point_id
            out.stop_lines[stop_id] = [ln for ln, _, _ in mine]
        for load in per_point_back.get(point_id, []):
            # On a stop that delivers to the point, when some vehicle let in carries both.
            host = next((st for st in mine_stops
                         if any({*st.carried_classes, load.temp_class} <= carried
                                for carried in let_in)), None)
            if host is None:
                host = _stop(new_id(f"{point.code}/return"), point, rules, {})
                stops.append(host)
                mine_stops.append(host)
                out.stop_points[host.id] = point_id
                out.stop_lines[host.id] = []
            got = host.pickup.setdefault(load.temp_class, ClassLoad(0, 0.0))
            got.crates += load.crates
            got.kg = round(got.kg + load.kg, 3)
            out.stop_pickups.setdefault(host.id, []).append(load)
    matrix = MatrixSettings(circuity=settings.road_circuity, speed_kmh=settings.truck_speed_kmh)
    name = f"{warehouse.code} {day.isoformat()}"
    traffic = rules.traffic(warehouse.city)
    out.problem = Problem(depots=[depot], stops=stops, vehicles=vehicles,
                          cold_chain_max_s=dict(rules.cold_chain_max_s), matrix=matrix, name=name,
                          traffic=traffic, rest=rules.rest)
    out.full = Problem(depots=[depot], stops=held_stops + stops + refused_stops,
                       vehicles=held_vehicles + vehicles,
                       cold_chain_max_s=dict(rules.cold_chain_max_s), matrix=matrix, name=name,
                       traffic=traffic, rest=rules.rest)
    return out
