"""Pick lists and the day's journey of reserved stock: bin → staging → vehicle →
pickup point → the resident.

Each step is a ledger move linked to the order (and optionally to a route); the
reservation follows the units. These functions are the interface the dispatch
feature calls; they work in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms import outbox
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_
from wms.lot_state import check_step
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    MoveKind,
    OrderLine,
    OrderStatus,
    PickupPoint,
    Product,
    Reservation,
    StockMove,
    TempClass,
    Vehicle,
)
from wms.move_rules import Step
from wms.reservations import consume_reserved, move_reserved, refresh_status
from wms.stock import sibling

PICKABLE = frozenset({LocationKind.WAREHOUSE, LocationKind.ZONE, LocationKind.RECEIVING,
                      LocationKind.STORAGE, LocationKind.DOCK})
_ZONE_ORDER = {TempClass.FROZEN: 0, TempClass.CHILLED: 1, TempClass.AMBIENT: 2}


@dataclass(frozen=True)
class PickLine:
    temp_zone: str
    bin: str
    sku: str
    product: str
    lot: str
    expiry: date | None
    quantity: int
    order: str
    pickup_point: str
    reservation_id: int
    product_zh: str | None = None


def pick_list(session: Session, warehouse_id: int, day: date) -> dict[str, list[PickLine]]:
    """What to pick for a warehouse's delivery date, by temperature zone, in bin order."""
    rows = session.execute(
        select(Reservation.id, Reservation.quantity, Location.code, Location.temp_zone,
               Product.sku, Product.name, Product.name_zh, Product.temp_class, Lot.lot_code,
               Lot.expiry_date, CustomerOrder.external_ref, PickupPoint.code)
        .join(Location, Location.id == Reservation.location_id)
        .join(Lot, Lot.id == Reservation.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .join(CustomerOrder, CustomerOrder.id == Reservation.order_id)
        .join(PickupPoint, PickupPoint.id == CustomerOrder.pickup_point_id)
        .where(CustomerOrder.warehouse_id == warehouse_id, CustomerOrder.delivery_date == day,
               CustomerOrder.status != OrderStatus.CANCELLED, Location.kind.in_(PICKABLE))
        .order_by(Location.code, Product.sku, Lot.lot_code, CustomerOrder.external_ref)
    ).all()
    groups: dict[str, list[PickLine]] = {}
    for rid, qty, bin_code, zone, sku, name, name_zh, temp, lot, expiry, ref, point in rows:
        key = (zone or temp).value
        groups.setdefault(key, []).append(PickLine(
            temp_zone=key, bin=bin_code, sku=sku, product=name, lot=lot, expiry=expiry,
            quantity=qty, order=ref, pickup_point=point, reservation_id=rid,
            product_zh=name_zh))
    return dict(sorted(groups.items(), key=lambda kv: _ZONE_ORDER[TempClass(kv[0])]))


def _rows(session: Session, order: CustomerOrder, kinds, lot_id: int | None = None,
          location_id: int | None = None) -> list[Reservation]:
    stmt = (select(Reservation).join(Location, Location.id == Reservation.location_id)
            .where(Reservation.order_id == order.id, Location.kind.in_(kinds))
            .order_by(Reservation.location_id, Reservation.lot_id, Reservation.id))
    if lot_id is not None:
        stmt = stmt.where(Reservation.lot_id == lot_id)
    if location_id is not None:
        stmt = stmt.where(Reservation.location_id == location_id)
    return list(session.scalars(stmt))


def _locked(session: Session, order_id: int) -> CustomerOrder:
    order = session.scalar(
        select(CustomerOrder).where(CustomerOrder.id == order_id).with_for_update())
    if order is None:
        raise NotFound(N_("no order with id {id}", id=order_id))
    if order.status == OrderStatus.CANCELLED:
        raise Conflict(N_("order {ref} is cancelled", ref=order.external_ref))
    return order


def _take_units(rows: list[Reservation], quantity: int | None, what: str
                ) -> list[tuple[Reservation, int]]:
    total = sum(r.quantity for r in rows)
    if not rows:
        raise Conflict(N_("nothing of this order is waiting to be {what} here", what=what))
    if quantity is None:
        return [(r, r.quantity) for r in rows]
    if quantity > total:
        raise Conflict(N_("only {total} reserved units of this order are waiting to be {what} "
                          "here", total=total, what=what), available=total,
                       requested=quantity)
    out, left = [], quantity
    for r in rows:
        take = min(left, r.quantity)
        if take:
            out.append((r, take))
            left -= take
    return out


def pick(session: Session, order_id: int, *, actor_id: int | None, lot_id: int | None = None,
         from_location_id: int | None = None, quantity: int | None = None,
         idempotency_key: str | None = None, raw_scan: str | None = None) -> list[StockMove]:
    """Confirm picking: reserved units go from their bin to the zone's staging location.

    Without ``lot_id``/``from_location_id``/``quantity`` the whole order is picked.
    """
    order = _locked(session, order_id)
    rows = _rows(session, order, PICKABLE, lot_id, from_location_id)
    moves = []
    for row, qty in _take_units(rows, quantity, N_("picked")):
        staging = sibling(session, row.location, LocationKind.STAGING,
                          row.location.temp_zone or row.lot.product.temp_class)
        if staging is None:
            raise Conflict(N_("no staging location serves {code}", code=row.location.code))
        moves.append(move_reserved(session, row, staging, MoveKind.PICK, actor_id=actor_id,
                                   quantity=qty, idempotency_key=idempotency_key,
                                   raw_scan=raw_scan))
    refresh_status(session, order)
    return moves


def compartment(session: Session, vehicle: Vehicle, temp: TempClass) -> Location:
    """The vehicle location that carries goods of ``temp``: the compartment of that class
    when the vehicle has compartments, else the vehicle itself if its zone is cold enough."""
    parts = session.scalars(select(Location).where(
        Location.parent_id == vehicle.location_id, Location.kind == LocationKind.VEHICLE)).all()
    if parts:
        for part in parts:
            if part.temp_zone == temp:
                return part
        raise Conflict(N_("vehicle {code} has no {temp} compartment", code=vehicle.code,
                          temp=temp), field="vehicle")
    own = vehicle.location
    if _ZONE_ORDER[own.temp_zone or TempClass.AMBIENT] > _ZONE_ORDER[temp]:
        raise Conflict(N_("vehicle {code} cannot carry {temp} goods", code=vehicle.code,
                          temp=temp), field="vehicle")
    return own


def load(session: Session, order_id: int, vehicle_id: int, *, actor_id: int | None,
         route_id: int | None = None, lot_id: int | None = None,
         quantity: int | None = None, idempotency_key: str | None = None,
         raw_scan: str | None = None, line_ids: set[int] | None = None) -> list[StockMove]:
    """Load picked units onto a vehicle, each into the compartment of its class; with
    ``line_ids``, only the units of those order lines (an order split over two vehicles,
    its chilled goods in a reefer and its ambient goods in a van)."""
    order = _locked(session, order_id)
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound(N_("no vehicle with id {id}", id=vehicle_id))
    if vehicle.warehouse_id != order.warehouse_id:
        raise ValidationFailed({"vehicle": [N_("vehicle {code} belongs to another warehouse",
                                               code=vehicle.code)]})
    rows = _rows(session, order, {LocationKind.STAGING, LocationKind.DOCK}, lot_id)
    if line_ids is not None:
        rows = [row for row in rows if row.order_line_id in line_ids]
    moves = []
    for row, qty in _take_units(rows, quantity, N_("loaded")):
        dest = compartment(session, vehicle, row.lot.product.temp_class)
        moves.append(move_reserved(session, row, dest, MoveKind.LOAD, actor_id=actor_id,
                                   quantity=qty, route_id=route_id,
                                   idempotency_key=idempotency_key, raw_scan=raw_scan))
    refresh_status(session, order)
    return moves


def deliver(session: Session, order_id: int, *, actor_id: int | None,
            route_id: int | None = None, idempotency_key: str | None = None
            ) -> list[StockMove]:
    """Unload the order's units at its pickup point."""
    order = _locked(session, order_id)
    point_location = order.pickup_point.location
    rows = _rows(session, order, {LocationKind.VEHICLE})
    moves = [move_reserved(session, row, point_location, MoveKind.DELIVER, actor_id=actor_id,
                           quantity=qty, route_id=route_id, idempotency_key=idempotency_key)
             for row, qty in _take_units(rows, None, N_("delivered"))]
    refresh_status(session, order)
    return moves


def handover(session: Session, order_id: int, *, actor_id: int | None,
             lines: dict[int, int] | None = None, idempotency_key: str | None = None
             ) -> list[StockMove]:
    """Residents collect their goods at the pickup point: the units leave stock.

    ``lines`` maps line number to units collected; without it everything delivered
    is handed over.
    """
    order = _locked(session, order_id)
    rows = _rows(session, order, {LocationKind.PICKUP_POINT})
    moves = []
    if lines is None:
        taken = _take_units(rows, None, N_("handed over"))
    else:
        taken = []
        by_no = {ln.line_no: ln for ln in order.lines}
        for no, qty in sorted(lines.items()):
            line = by_no.get(no)
            if line is None:
                raise ValidationFailed({f"lines.{no}": [N_("order {ref} has no line {no}",
                                                           ref=order.external_ref, no=no)]})
            mine = [r for r in rows if r.order_line_id == line.id]
            taken.extend(_take_units(mine, qty, N_("handed over for line {no}", no=no)))
    for row, _ in taken:
        # Every line is checked before any leaves stock, so a refusal names the first bad
        # lot and hands over nothing.
        check_step(session, row.lot, row.location, Step.HANDOVER)
    units: dict[int, int] = {}
    for row, qty in taken:
        units[row.order_line_id] = units.get(row.order_line_id, 0) + qty
        moves.append(consume_reserved(session, row, actor_id=actor_id, quantity=qty,
                                      idempotency_key=idempotency_key))
    refresh_status(session, order)
    if units:
        outbox.emit(session, order, outbox.COLLECTED, {
            "partial": order.status != OrderStatus.COLLECTED,
            "lines": [{"line": ln.line_no, "sku": ln.product.sku, "units": units[ln.id],
                       "collected": ln.handed_over, "quantity": ln.quantity}
                      for ln in order.lines if ln.id in units]})
    return moves


def order_lines(session: Session, order_id: int) -> list[OrderLine]:
    return list(session.scalars(select(OrderLine).where(OrderLine.order_id == order_id)
                                .order_by(OrderLine.line_no)))
