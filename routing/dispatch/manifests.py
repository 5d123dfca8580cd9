"""Driver manifests: a published route's stops in order with what to hand over at each, and
the loading list (last stop first, per compartment) derived from them.

Lots come from the live reservations, so a manifest printed after picking shows the lots
actually picked for each line.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.dispatch.models import PlanStatus, Route, RoutePlan, RoutePlanRoute
from routing.dispatch.plans import is_current
from routing.dispatch.problem_builder import seconds
from routing.engine.model import format_clock
from wms import move_rules, picking
from wms.errors import Conflict
from wms.lot_state import check_step, lot_status
from wms.models import Location, Lot, Reservation, TempClass

CLASS_ORDER = (TempClass.FROZEN.value, TempClass.CHILLED.value, TempClass.AMBIENT.value)


def clock(s: int) -> str:
    return format_clock(s)[:5]


def published_routes(session: Session, day: date, *, driver_id: int | None = None,
                     warehouse_ids: set[int] | None = None) -> list[Route]:
    """Routes of the day's published plans, for one driver or some warehouses."""
    stmt = (select(Route).join(RoutePlanRoute, RoutePlanRoute.route_id == Route.id)
            .join(RoutePlan, RoutePlan.id == RoutePlanRoute.plan_id)
            .where(RoutePlan.status == PlanStatus.PUBLISHED, Route.delivery_date == day)
            .order_by(Route.warehouse_id, RoutePlanRoute.position))
    if driver_id is not None:
        stmt = stmt.where(Route.driver_id == driver_id)
    if warehouse_ids is not None:
        stmt = stmt.where(Route.warehouse_id.in_(warehouse_ids))
    return list(session.scalars(stmt))


def _lots(session: Session, line_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    rows = session.execute(
        select(Reservation.order_line_id, Lot, Reservation.quantity, Location)
        .join(Lot, Lot.id == Reservation.lot_id)
        .join(Location, Location.id == Reservation.location_id)
        .where(Reservation.order_line_id.in_(line_ids))
        .order_by(Reservation.order_line_id, Lot.lot_code)).all()
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line_id, lot, qty, where in rows:
        status = lot_status(session, lot, where)
        refusal = None
        try:
            check_step(session, lot, where, move_rules.Step.HANDOVER)
        except move_rules.MoveRefused as exc:
            refusal = exc.detail
        out[line_id].append({"lot": lot.lot_code,
                             "expiry": lot.expiry_date.isoformat() if lot.expiry_date else None,
                             "quantity": qty, "location": where.code, "status": status.value,
                             "do_not_hand_over": refusal is not None, "reason": refusal})
    return out


def _marker(lots: list[dict[str, Any]]) -> dict[str, Any]:
    """A line is not handed over if any of its lots may not be: the driver brings it back."""
    reasons = [lot["reason"] for lot in lots if lot["do_not_hand_over"]]
    return {"do_not_hand_over": bool(reasons), "reason": "; ".join(reasons) or None}


def manifest(session: Session, route: Route) -> dict[str, Any]:
    """Everything a driver needs for one route, as plain data."""
    compartments: dict[str, str | None] = {}
    for c in CLASS_ORDER:
        try:
            compartments[c] = picking.compartment(session, route.vehicle, TempClass(c)).code
        except Conflict:
            compartments[c] = None
    line_ids = [ln.order_line_id for s in route.stops for ln in s.lines]
    lots = _lots(session, line_ids)
    stops = []
    for stop in route.stops:
        point = stop.pickup_point
        lines = [{
            "order": ln.order.external_ref, "line": ln.line.line_no, "sku": ln.product.sku,
            "product": ln.product.name, "product_zh": ln.product.name_zh,
            "unit": ln.product.unit, "quantity": ln.quantity,
            "temp_class": ln.temp_class, "compartment": compartments.get(ln.temp_class),
            "lots": lots.get(ln.order_line_id, []),
            **_marker(lots.get(ln.order_line_id, []))}
            for ln in sorted(stop.lines, key=lambda ln: (CLASS_ORDER.index(ln.temp_class),
                                                          ln.order.external_ref, ln.line.line_no))]
        stops.append({
            "seq": stop.seq, "stop_key": stop.stop_key, "pickup_point": point.code,
            "name": point.name, "address": point.address, "district": point.district,
            "lat": point.lat, "lon": point.lon,
            "window": [clock(seconds(point.window_start)), clock(seconds(point.window_end))],
            "arrival": clock(stop.arrival_s), "eta": clock(stop.service_start_s),
            "departure": clock(stop.departure_s),
            "minutes_since_departure": round(stop.since_departure_s / 60),
            "leader": {"name": point.leader_name, "phone": point.leader_phone},
            "crates": {c: v["crates"] for c, v in stop.delivered.items()},
            # Crates to take back on board there (returns, empty crates), per class.
            "collect": {c: v["crates"] for c, v in (stop.picked_up or {}).items()},
            "status": stop.status.value, "lines": lines})
    loading: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stop in reversed(stops):
        for ln in stop["lines"]:
            loading[ln["temp_class"]].append({
                "seq": stop["seq"], "pickup_point": stop["pickup_point"], "order": ln["order"],
                "line": ln["line"], "sku": ln["sku"], "product": ln["product"],
                "product_zh": ln["product_zh"],
                "quantity": ln["quantity"], "lots": [lot["lot"] for lot in ln["lots"]],
                "do_not_hand_over": ln["do_not_hand_over"]})
    warehouse = route.warehouse
    return {
        "route_id": route.id, "date": route.delivery_date, "plan_version": route.plan.version,
        "current": is_current(session, route), "status": route.status.value,
        "warehouse": {"code": warehouse.code, "name": warehouse.name,
                      "address": warehouse.address},
        "vehicle": {"code": route.vehicle.code, "plate": route.vehicle.plate},
        "driver": route.driver.display_name if route.driver else None,
        "loading_starts": clock(route.start_s), "departure": clock(route.departure_s),
        "return": clock(route.end_s), "distance_km": round(route.distance_km, 1),
        "loads": route.loads, "stops": stops,
        "rest": None if not route.rest else {
            "stop_key": route.rest["stop"], "from": clock(route.rest["start"]),
            "to": clock(route.rest["end"])},
        "loading_list": [{"temp_class": c, "compartment": compartments.get(c),
                          "items": loading[c]} for c in CLASS_ORDER if loading.get(c)],
    }
