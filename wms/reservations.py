"""Reservations: stock held for order lines, following the stock through the day.

Every function changes the reservation row, the order line's counters and the
balance's ``reserved`` together, in the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms import outbox
from wms.ledger import change_reserved, record_move
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    MoveKind,
    OrderLine,
    OrderStatus,
    Reservation,
    StockMove,
)

ON_THE_WAY = {
    LocationKind.STAGING: OrderStatus.PICKED,
    LocationKind.DOCK: OrderStatus.PICKED,
    LocationKind.VEHICLE: OrderStatus.LOADED,
    LocationKind.PICKUP_POINT: OrderStatus.DELIVERED,
}
_STAGE_ORDER = [OrderStatus.PICKED, OrderStatus.LOADED, OrderStatus.DELIVERED]


def _add_to_row(session: Session, line: OrderLine, lot: Lot, location: Location,
                quantity: int) -> Reservation:
    row = session.scalar(select(Reservation).where(
        Reservation.order_line_id == line.id, Reservation.lot_id == lot.id,
        Reservation.location_id == location.id))
    if row is None:
        row = Reservation(order_line_id=line.id, order_id=line.order_id, lot_id=lot.id,
                          location_id=location.id, quantity=quantity)
        session.add(row)
    else:
        row.quantity += quantity
    return row


def _take_from_row(session: Session, row: Reservation, quantity: int) -> None:
    if quantity == row.quantity:
        session.delete(row)
    else:
        row.quantity -= quantity
    session.flush()


def reserve(session: Session, line: OrderLine, lot: Lot, location: Location,
            quantity: int) -> Reservation:
    change_reserved(session, location, lot, quantity)
    line.allocated += quantity
    row = _add_to_row(session, line, lot, location, quantity)
    session.flush()
    return row


def unreserve(session: Session, row: Reservation, quantity: int | None = None) -> None:
    quantity = row.quantity if quantity is None else quantity
    change_reserved(session, row.location, row.lot, -quantity)
    row.line.allocated -= quantity
    _take_from_row(session, row, quantity)


def move_reserved(session: Session, row: Reservation, to_location: Location, kind: MoveKind,
                  *, actor_id: int | None, quantity: int | None = None,
                  route_id: int | None = None, idempotency_key: str | None = None,
                  raw_scan: str | None = None, override_reason: str | None = None,
                  reverses_id: int | None = None, reason: str = "") -> StockMove:
    """Move reserved units with a ledger move; the reservation goes with them."""
    quantity = row.quantity if quantity is None else quantity
    line, lot, src = row.line, row.lot, row.location
    move = record_move(session, kind=kind, lot=lot, quantity=quantity, from_location=src,
                       to_location=to_location, actor_id=actor_id, reserved=True,
                       order_id=line.order_id, order_line_id=line.id, route_id=route_id,
                       idempotency_key=idempotency_key, raw_scan=raw_scan,
                       override_reason=override_reason, reverses_id=reverses_id,
                       reason=reason)
    _take_from_row(session, row, quantity)
    _add_to_row(session, line, lot, to_location, quantity)
    session.flush()
    return move


def consume_reserved(session: Session, row: Reservation, *, actor_id: int | None,
                     quantity: int | None = None, idempotency_key: str | None = None
                     ) -> StockMove:
    """Hand reserved units over to the customer: they leave stock."""
    quantity = row.quantity if quantity is None else quantity
    line = row.line
    move = record_move(session, kind=MoveKind.HANDOVER, lot=row.lot, quantity=quantity,
                       from_location=row.location, actor_id=actor_id, reserved=True,
                       order_id=line.order_id, order_line_id=line.id,
                       idempotency_key=idempotency_key)
    line.allocated -= quantity
    line.handed_over += quantity
    _take_from_row(session, row, quantity)
    return move


def unconsume(session: Session, line: OrderLine, lot: Lot, location: Location, quantity: int,
              *, actor_id: int | None, reverses_id: int, reason: str) -> StockMove:
    """Take back units handed over by mistake: they return reserved to the pickup point."""
    move = record_move(session, kind=MoveKind.REVERSAL, lot=lot, quantity=quantity,
                       to_location=location, actor_id=actor_id, reserved=True,
                       order_id=line.order_id, order_line_id=line.id,
                       reverses_id=reverses_id, reason=reason)
    line.handed_over -= quantity
    line.allocated += quantity
    _add_to_row(session, line, lot, location, quantity)
    session.flush()
    return move


def refresh_status(session: Session, order: CustomerOrder) -> OrderStatus:
    """Derive the order's status from its lines and where its reserved units are."""
    if order.status == OrderStatus.CANCELLED:
        return order.status
    before = order.status
    session.flush()
    lines = session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    kinds = session.scalars(
        select(Location.kind).join(Reservation, Reservation.location_id == Location.id)
        .where(Reservation.order_id == order.id)).all()
    wanted = sum(ln.quantity for ln in lines)
    allocated = sum(ln.allocated for ln in lines)
    collected = sum(ln.handed_over for ln in lines)
    stages = [ON_THE_WAY.get(k) for k in kinds]
    if collected == wanted:
        status = OrderStatus.COLLECTED
    elif kinds and all(stages):
        # The order is as far along as its least advanced reserved units.
        status = min(stages, key=_STAGE_ORDER.index)  # type: ignore[arg-type]
    elif collected and not kinds:
        status = OrderStatus.DELIVERED
    elif allocated + collected == wanted:
        status = OrderStatus.ALLOCATED
    elif allocated + collected > 0:
        status = OrderStatus.PARTIAL
    else:
        status = OrderStatus.PLACED
    order.status = status
    outbox.emit_status_change(session, order, before)
    return status
