"""Reservations: stock held for order lines, following the stock through the day.

Every function changes the reservation row, the order line's counters and the
balance's ``reserved`` together, in the caller's transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session, attributes

from wms import outbox
from wms.ledger import change_reserved, record_move
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    LotStatus,
    MoveKind,
    OrderLine,
    OrderStatus,
    Reservation,
    StockBalance,
    StockMove,
)
from wms.models.base import utcnow

# Stock in these places is not for allocation: quarantined, or already on its way.
NOT_ALLOCATABLE = (LocationKind.QUARANTINE, LocationKind.VEHICLE, LocationKind.PICKUP_POINT)

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


BALANCE = StockBalance.__table__
USE_BY = func.coalesce(Lot.expiry_date, Lot.best_before)
# The candidate FEFO takes first (``wms.allocation.fefo``'s sort key, in SQL): among every
# allocatable balance with a free unit, not only those with enough, so that the reservation
# below is the one the per-order plan would make or none at all.
_FIRST = (
    select(StockBalance.location_id, StockBalance.lot_id)
    .join(Lot, Lot.id == StockBalance.lot_id)
    .join(Location, Location.id == StockBalance.location_id)
    .where(StockBalance.product_id == bindparam("of_product"),
           StockBalance.warehouse_id == bindparam("at_warehouse"),
           StockBalance.on_hand > StockBalance.reserved,
           Lot.status == LotStatus.AVAILABLE,
           Location.kind.not_in(NOT_ALLOCATABLE), Location.active.is_(True),
           or_(USE_BY.is_(None), bindparam("last", type_=Lot.expiry_date.type) <= USE_BY))
    .order_by(USE_BY.is_(None), USE_BY, Lot.received_at.is_(None), Lot.received_at,
              StockBalance.on_hand - StockBalance.reserved, StockBalance.lot_id,
              StockBalance.location_id)
    .limit(1)
    .subquery("first")
)
# One statement: the guarded update takes the units from that balance only while it still
# has them (a concurrent reservation that got there first makes it match nothing, never
# oversell), and the reservation row and the line's counter are written from what it
# returned. The balance row stays locked for the fewest statements there can be. (No
# parameter is named like a column: an UPDATE given such a key would also SET it.)
_TAKEN = (
    update(BALANCE)
    .where(BALANCE.c.location_id == _FIRST.c.location_id, BALANCE.c.lot_id == _FIRST.c.lot_id,
           BALANCE.c.on_hand - BALANCE.c.reserved >= bindparam("qty", type_=Integer))
    .values(reserved=BALANCE.c.reserved + bindparam("qty", type_=Integer),
            updated_at=bindparam("now", type_=StockBalance.updated_at.type))
    .returning(BALANCE.c.location_id, BALANCE.c.lot_id)
    .cte("taken")
)
_ROW = (
    insert(Reservation)
    .from_select(["order_line_id", "order_id", "lot_id", "location_id", "quantity",
                  "created_at"],
                 select(bindparam("for_line", type_=Integer), bindparam("for_order", type_=Integer),
                        _TAKEN.c.lot_id, _TAKEN.c.location_id,
                        bindparam("qty", type_=Integer),
                        bindparam("now", type_=Reservation.created_at.type)))
    .returning(Reservation.location_id, Reservation.lot_id)
    .cte("row")
)
_COUNTED = (
    update(OrderLine.__table__)
    .where(OrderLine.__table__.c.id == bindparam("for_line", type_=Integer),
           select(_ROW.c.lot_id).exists())
    .values(allocated=OrderLine.__table__.c.allocated + bindparam("qty", type_=Integer))
    .returning(literal(1))
    .cte("counted")
)
RESERVE_FIRST = select(_ROW.c.location_id, _ROW.c.lot_id, select(func.count())
                       .select_from(_COUNTED).scalar_subquery())


def reserve_first(session: Session, line: OrderLine, warehouse_id: int, last: date,
                  quantity: int) -> bool:
    """Reserve ``quantity`` units of the line's product from the one balance FEFO takes
    first, if it holds them all, in a single statement (PostgreSQL only: data-modifying
    CTEs). ``last`` is the date a lot must last until (delivery date plus the product's
    minimum remaining days, and never before today). False when nothing was reserved:
    the caller then plans over every candidate, as a flash sale's last units or a line
    spread over several lots need.
    """
    now = utcnow()
    row = session.execute(RESERVE_FIRST, {
        "of_product": line.product_id, "at_warehouse": warehouse_id, "last": last,
        "qty": quantity, "for_line": line.id, "for_order": line.order_id, "now": now}).first()
    if row is None:
        return False
    # The statement counted the units on the line itself; the loaded line learns it
    # without another round trip (and without the session writing it a second time).
    attributes.set_committed_value(line, "allocated", line.allocated + quantity)
    return True


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
    status = derive_status(sum(ln.quantity for ln in lines),
                           sum(ln.allocated for ln in lines),
                           sum(ln.handed_over for ln in lines), kinds)
    order.status = status
    outbox.emit_status_change(session, order, before)
    return status


def derive_status(wanted: int, allocated: int, collected: int, kinds: list[LocationKind]
                  ) -> OrderStatus:
    """An open order's status from its units wanted, reserved and collected, and the kinds
    of the locations its reservation rows are at (one entry per row)."""
    stages = [ON_THE_WAY.get(k) for k in kinds]
    if collected == wanted:
        return OrderStatus.COLLECTED
    if kinds and all(stages):
        # The order is as far along as its least advanced reserved units.
        return min(stages, key=_STAGE_ORDER.index)  # type: ignore[arg-type]
    if collected and not kinds:
        return OrderStatus.DELIVERED
    if allocated + collected == wanted:
        return OrderStatus.ALLOCATED
    if allocated + collected > 0:
        return OrderStatus.PARTIAL
    return OrderStatus.PLACED
