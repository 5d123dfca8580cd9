"""Loading a route's vehicle against its manifest, and drivers' delivery confirmations.

Every unit that moves is a ledger move carrying the route's id. A confirmation accounts
for every planned unit of each order line at the stop: delivered to the pickup point,
short (missing), refused by the group leader (stays on the vehicle, no longer reserved,
to be returned) or damaged (moved to the warehouse's quarantine with the reason).
These functions work in the caller's transaction.

Longer than 400 lines because a driver's refusals are spelled out as whole sentences, one
message each, so that they read right in Chinese too; the rules themselves are one piece.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from routing.dispatch.models import Route, RouteStatus, RouteStop, StopDelivery, StopStatus
from routing.dispatch.plans import require_current, route_for_update
from wms import picking
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_, listed
from wms.ledger import record_move
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    MoveKind,
    Reservation,
    StockMove,
    TempClass,
)
from wms.models.base import utcnow
from wms.move_rules import MoveRefused
from wms.reservations import move_reserved, refresh_status, unreserve

EXCEPTION_KINDS = ("short", "refused", "damaged")


def vehicle_location_ids(session: Session, route: Route) -> list[int]:
    own = route.vehicle.location_id
    parts = session.scalars(select(Location.id).where(Location.parent_id == own)).all()
    return [own, *parts]


# --- loading ---------------------------------------------------------------------------------

def _route_orders(route: Route) -> list[tuple[RouteStop, int]]:
    """(stop, order id) in reverse stop order: the last stop's goods go in first."""
    seen, out = set(), []
    for stop in reversed(route.stops):
        for line in stop.lines:
            if line.order_id not in seen:
                seen.add(line.order_id)
                out.append((stop, line.order_id))
    return out


def load(session: Session, route_id: int, *, actor_id: int | None, order_ref: str | None = None,
         lot_code: str | None = None, quantity: int | None = None,
         idempotency_key: str | None = None, raw_scan: str | None = None) -> list[StockMove]:
    """Load staged goods of the route's orders onto its vehicle.

    With an order reference: that order (or ``quantity`` units of ``lot_code`` of it).
    With a lot code only: ``quantity`` units of that lot, taken from the route's orders in
    loading order (last stop first).
    """
    route = route_for_update(session, route_id)
    require_current(session, route)
    if route.status == RouteStatus.COMPLETED:
        raise Conflict(N_("route {route} is completed", route=route.id))
    orders = _route_orders(route)
    order_ids = [oid for _, oid in orders]
    # Only what rides on this route: another vehicle may carry the order's other classes.
    line_ids = {ln.order_line_id for stop in route.stops for ln in stop.lines}
    moves: list[StockMove] = []
    if order_ref is not None:
        order = session.scalar(select(CustomerOrder).where(
            CustomerOrder.external_ref == order_ref))
        if order is None or order.id not in order_ids:
            raise ValidationFailed({"order": [N_("order {ref} is not on route {route}",
                                                 ref=repr(order_ref), route=route.id)]})
        lot_id = _lot_id(session, lot_code, [order.id]) if lot_code else None
        moves = picking.load(session, order.id, route.vehicle_id, actor_id=actor_id,
                             route_id=route.id, lot_id=lot_id, quantity=quantity,
                             idempotency_key=idempotency_key, raw_scan=raw_scan,
                             line_ids=line_ids)
    else:
        assert lot_code is not None and quantity is not None
        lot_id = _lot_id(session, lot_code, order_ids)
        left = quantity
        staged = dict(session.execute(
            select(Reservation.order_id, func.sum(Reservation.quantity))
            .join(Location, Location.id == Reservation.location_id)
            .where(Reservation.order_id.in_(order_ids), Reservation.lot_id == lot_id,
                   Reservation.order_line_id.in_(line_ids),
                   Location.kind.in_((LocationKind.STAGING, LocationKind.DOCK)))
            .group_by(Reservation.order_id)).all())
        for order_id in order_ids:
            take = min(left, int(staged.get(order_id) or 0))
            if take <= 0:
                continue
            moves += picking.load(session, order_id, route.vehicle_id, actor_id=actor_id,
                                  route_id=route.id, lot_id=lot_id, quantity=take,
                                  idempotency_key=idempotency_key, raw_scan=raw_scan,
                                  line_ids=line_ids)
            left -= take
            if not left:
                break
        if left:
            raise Conflict(N_("only {count} units of lot {lot} of this route's orders are "
                              "picked and waiting to be loaded", count=quantity - left,
                              lot=lot_code),
                           available=quantity - left, requested=quantity)
    if route.status == RouteStatus.PLANNED:
        route.status = RouteStatus.LOADING
        route.started_at = utcnow()
    session.flush()
    return moves


def _lot_id(session: Session, lot_code: str, order_ids: list[int]) -> int:
    """The lot with this code reserved for one of the orders (codes are unique per product)."""
    ids = session.scalars(select(Lot.id).join(Reservation, Reservation.lot_id == Lot.id)
                          .where(Lot.lot_code == lot_code, Reservation.order_id.in_(order_ids))
                          .distinct()).all()
    if not ids:
        raise ValidationFailed({"lot": [N_("no goods of lot {lot} are reserved for this "
                                           "route's orders", lot=repr(lot_code))]})
    if len(ids) > 1:
        raise ValidationFailed({"lot": [N_("lot code {lot} is used by several products on "
                                           "this route; give the order as well",
                                           lot=repr(lot_code))]})
    return ids[0]


def loaded_by_line(session: Session, route: Route) -> dict[int, int]:
    """Units loaded for the route per order line: load moves minus their reversals."""
    reversal = aliased(StockMove)
    rows = session.execute(
        select(StockMove.order_line_id, func.sum(StockMove.quantity))
        .outerjoin(reversal, reversal.reverses_id == StockMove.id)
        .where(StockMove.route_id == route.id, StockMove.kind == MoveKind.LOAD,
               reversal.id.is_(None))
        .group_by(StockMove.order_line_id)).all()
    return {line_id: int(qty) for line_id, qty in rows if line_id is not None}


def _reserved_by_line(session: Session, route: Route, *where) -> dict[int, int]:
    line_ids = [ln.order_line_id for stop in route.stops for ln in stop.lines]
    rows = session.execute(
        select(Reservation.order_line_id, func.sum(Reservation.quantity))
        .join(Location, Location.id == Reservation.location_id)
        .where(Reservation.order_line_id.in_(line_ids), *where)
        .group_by(Reservation.order_line_id)).all()
    return {line_id: int(qty) for line_id, qty in rows}


def staged_by_line(session: Session, route: Route) -> dict[int, int]:
    """Units of the route's order lines picked and waiting at staging or the dock."""
    return _reserved_by_line(session, route,
                             Location.kind.in_((LocationKind.STAGING, LocationKind.DOCK)))


def aboard_by_line(session: Session, route: Route) -> dict[int, int]:
    """Units of the route's order lines on its vehicle now, however they were loaded."""
    return _reserved_by_line(session, route,
                             Location.id.in_(vehicle_location_ids(session, route)))


def _compartment_codes(session: Session, route: Route) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for c in _CLASS_ORDER:
        try:
            out[c] = picking.compartment(session, route.vehicle, TempClass(c)).code
        except Conflict:
            out[c] = None
    return out


def loading_status(session: Session, route: Route) -> dict[str, Any]:
    """Planned against loaded units per stop and compartment (temperature class), and per
    order line: what the loading dock loads and what the driver may hand over."""
    loaded = loaded_by_line(session, route)
    staged = staged_by_line(session, route)
    aboard = aboard_by_line(session, route)
    codes = _compartment_codes(session, route)
    stops, totals = [], defaultdict(lambda: {"planned": 0, "loaded": 0})
    for stop in route.stops:
        per_class: dict[str, dict[str, int]] = defaultdict(lambda: {"planned": 0, "loaded": 0})
        lines = []
        for line in stop.lines:
            got = loaded.get(line.order_line_id, 0)
            per_class[line.temp_class]["planned"] += line.quantity
            per_class[line.temp_class]["loaded"] += got
            totals[line.temp_class]["planned"] += line.quantity
            totals[line.temp_class]["loaded"] += got
            lines.append({
                "order": line.order.external_ref, "line": line.line.line_no,
                "sku": line.product.sku, "product": line.product.name,
                "temp_class": line.temp_class, "compartment": codes.get(line.temp_class),
                "planned": line.quantity, "loaded": got,
                "picked": staged.get(line.order_line_id, 0),
                "aboard": aboard.get(line.order_line_id, 0),
                "order_status": line.order.status.value})
        lines.sort(key=lambda ln: (_CLASS_ORDER[ln["temp_class"]], ln["order"], ln["line"]))
        stops.append({
            "seq": stop.seq, "pickup_point": stop.pickup_point.code,
            "name": stop.pickup_point.name, "status": stop.status.value,
            "compartments": [{"temp_class": c, **v} for c, v in sorted(
                per_class.items(), key=lambda kv: _CLASS_ORDER[kv[0]])],
            "lines": lines,
            "complete": all(v["loaded"] >= v["planned"] for v in per_class.values())})
    compartments = [{"temp_class": c, "compartment": codes.get(c), **v,
                     "missing": max(0, v["planned"] - v["loaded"])}
                    for c, v in sorted(totals.items(), key=lambda kv: _CLASS_ORDER[kv[0]])]
    return {"route_id": route.id, "status": route.status.value,
            "vehicle": route.vehicle.code, "stops": stops,
            "compartments": compartments,
            "complete": all(s["complete"] for s in stops)}


_CLASS_ORDER = {TempClass.FROZEN.value: 0, TempClass.CHILLED.value: 1, TempClass.AMBIENT.value: 2}


# --- delivery ----------------------------------------------------------------------------------

@dataclass
class LineOutcome:
    order: str
    line: int
    sku: str
    planned: int
    delivered: int
    short: int
    refused: int
    damaged: int
    reasons: dict[str, str]


def _quarantine(session: Session, route: Route, temp: TempClass) -> Location:
    rows = session.scalars(select(Location).where(
        Location.warehouse_id == route.warehouse_id, Location.kind == LocationKind.QUARANTINE,
        Location.active.is_(True)).order_by(Location.code)).all()
    for loc in rows:
        if loc.temp_zone == temp:
            return loc
    if not rows:
        raise Conflict(N_("warehouse {warehouse} has no quarantine location for damaged "
                          "goods", warehouse=route.warehouse.code))
    return rows[0]


def _take(rows: list[Reservation], quantity: int) -> list[tuple[Reservation, int]]:
    out, left = [], quantity
    for row in rows:
        if not left:
            break
        take = min(left, row.quantity)
        out.append((row, take))
        left -= take
    return out


def confirm_stop(session: Session, route_id: int, seq: int, lines: list[dict[str, Any]] | None,
                 *, actor_id: int | None, idempotency_key: str | None = None
                 ) -> tuple[RouteStop, list[LineOutcome], list[StockMove]]:
    """Record what was handed over at a stop; each stop is confirmed once.

    ``lines`` items: ``{"order", "line", "delivered"?, "exceptions": [{"kind", "quantity",
    "reason"}]}``. A line not listed, or listed without ``delivered``, is delivered in full
    apart from its exceptions.
    """
    route = route_for_update(session, route_id)
    require_current(session, route)
    stop = next((s for s in route.stops if s.seq == seq), None)
    if stop is None:
        raise NotFound(N_("route {route} has no stop {seq}", route=route.id, seq=seq))
    if stop.status != StopStatus.PENDING:
        raise Conflict(N_("stop {seq} of route {route} was already confirmed at {at}",
                          seq=seq, route=route.id, at=f"{stop.confirmed_at:%H:%M}"),
                       field="seq")
    wanted = _requested(stop, lines or [])
    on_vehicle = vehicle_location_ids(session, route)
    outcomes, moves, orders = [], [], {}
    for route_line in stop.lines:
        spec = wanted.get(route_line.order_line_id, {"path": None, "exceptions": {}})
        path, exc = spec["path"], spec["exceptions"]
        counts = {k: exc.get(k, (0, ""))[0] for k in EXCEPTION_KINDS}
        delivered = spec.get("delivered")
        if delivered is None:
            delivered = route_line.quantity - sum(counts.values())
        where = path or f"lines[{route_line.order.external_ref}:{route_line.line.line_no}]"
        if delivered < 0 or delivered + sum(counts.values()) != route_line.quantity:
            raise ValidationFailed({where: [
                N_("{planned} units were planned; delivered, short, refused and damaged "
                   "must add up to that (got {delivered} delivered, {others})",
                   planned=route_line.quantity, delivered=max(delivered, 0),
                   others=listed([N_("{count} short", count=counts["short"]),
                                  N_("{count} refused", count=counts["refused"]),
                                  N_("{count} damaged", count=counts["damaged"])]))]})
        def aboard_rows(line_id: int = route_line.order_line_id) -> list[Reservation]:
            return list(session.scalars(select(Reservation).where(
                Reservation.order_line_id == line_id,
                Reservation.location_id.in_(on_vehicle)).order_by(Reservation.id)))

        rows = aboard_rows()
        aboard = sum(r.quantity for r in rows)
        physical = delivered + counts["refused"] + counts["damaged"]
        if physical > aboard:
            values = dict(product=route_line.product.name, ref=route_line.order.external_ref,
                          line=route_line.line.line_no, aboard=aboard, physical=physical)
            raise ValidationFailed({where: [
                N_("{product} (order {ref} line {line}): only {aboard} of the {physical} "
                   "units you deliver, refuse or bring back damaged are on the truck. Nothing "
                   "has been loaded for this route yet. Have the warehouse load them before "
                   "you leave; units that are really missing are reported as short.",
                   **values) if route.status == RouteStatus.PLANNED else
                N_("{product} (order {ref} line {line}): only {aboard} of the {physical} "
                   "units you deliver, refuse or bring back damaged are on the truck. Have "
                   "the warehouse load them before you leave; units that are really missing "
                   "are reported as short.", **values)]})
        point = stop.pickup_point.location
        for row, qty in _take(rows, delivered):
            try:
                moves.append(move_reserved(session, row, point, MoveKind.DELIVER,
                                           actor_id=actor_id, quantity=qty, route_id=route.id,
                                           idempotency_key=idempotency_key))
            except MoveRefused as exc:
                raise MoveRefused(
                    N_("{refusal}. Report order {ref} line {line} as refused ({quantity} "
                       "units) and bring them back", refusal=exc.detail,
                       ref=route_line.order.external_ref, line=route_line.line.line_no,
                       quantity=qty), **exc.extra) from exc
        rows = aboard_rows()
        for row, qty in _take(rows, counts["damaged"]):
            lot, src = row.lot, row.location
            unreserve(session, row, qty)
            moves.append(record_move(
                session, kind=MoveKind.HOLD, lot=lot, quantity=qty, from_location=src,
                to_location=_quarantine(session, route, lot.product.temp_class),
                actor_id=actor_id, reason=N_("damaged on delivery at {point}: {why}",
                                             point=stop.pickup_point.code,
                                             why=exc["damaged"][1]),
                order_id=route_line.order_id,
                order_line_id=route_line.order_line_id, route_id=route.id,
                idempotency_key=idempotency_key))
        rows = aboard_rows()
        # Refused goods ride back unreserved; short ones are missing from what the ledger
        # says is aboard, so they are released too and a count on return settles them.
        release = counts["refused"] + min(counts["short"], aboard - physical)
        for row, qty in _take(rows, release):
            unreserve(session, row, qty)
        session.add(StopDelivery(stop_id=stop.id, route_id=route.id,
                                 order_line_id=route_line.order_line_id, delivered=delivered,
                                 short=counts["short"], refused=counts["refused"],
                                 damaged=counts["damaged"],
                                 reasons={k: v[1] for k, v in exc.items()}, actor_id=actor_id))
        orders[route_line.order_id] = route_line.order
        outcomes.append(LineOutcome(
            order=route_line.order.external_ref, line=route_line.line.line_no,
            sku=route_line.product.sku, planned=route_line.quantity, delivered=delivered,
            short=counts["short"], refused=counts["refused"], damaged=counts["damaged"],
            reasons={k: v[1] for k, v in exc.items()}))
    session.flush()
    for order in orders.values():
        refresh_status(session, order)
    now = utcnow()
    exceptions = any(o.short or o.refused or o.damaged for o in outcomes)
    stop.status = StopStatus.EXCEPTIONS if exceptions else StopStatus.DELIVERED
    stop.confirmed_at = now
    if route.status in (RouteStatus.PLANNED, RouteStatus.LOADING):
        route.status = RouteStatus.STARTED
        route.started_at = route.started_at or now
    if all(s.status != StopStatus.PENDING for s in route.stops):
        route.status = RouteStatus.COMPLETED
        route.completed_at = now
    session.flush()
    return stop, outcomes, moves


def _requested(stop: RouteStop, lines: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The request's lines keyed by order line id; errors name the field."""
    by_ref = {(ln.order.external_ref, ln.line.line_no): ln for ln in stop.lines}
    out: dict[int, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    for i, item in enumerate(lines):
        route_line = by_ref.get((item["order"], item["line"]))
        if route_line is None:
            errors[f"lines[{i}]"] = [N_("order {order} line {line} is not delivered at stop "
                                        "{seq}", order=item["order"], line=item["line"],
                                        seq=stop.seq)]
            continue
        if route_line.order_line_id in out:
            errors[f"lines[{i}]"] = [N_("this order line is listed twice")]
            continue
        exceptions: dict[str, tuple[int, str]] = {}
        for j, e in enumerate(item.get("exceptions") or []):
            if e["kind"] in exceptions:
                errors[f"lines[{i}].exceptions[{j}].kind"] = [
                    N_("{kind} is listed twice; give the total once", kind=e["kind"])]
            exceptions[e["kind"]] = (e["quantity"], e["reason"].strip())
        out[route_line.order_line_id] = {"path": f"lines[{i}]", "exceptions": exceptions,
                                         "delivered": item.get("delivered")}
    if errors:
        raise ValidationFailed(errors)
    return out
