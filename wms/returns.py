"""Goods coming back from the field, and goods written off where they are.

A ``return`` move brings units from a truck or a pickup point to the quarantine location
of their warehouse for the goods' temperature class; from there they are released or
scrapped. A scrap outside the warehouse names who witnessed it. Units of a lot that may
no longer reach a resident give up their order's reservation as they come back (the order
line goes back on backorder); units of a good lot must be free (refused, or of a cancelled
order), since they still belong to an order's delivery.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms import move_rules, outbox
from wms.errors import Conflict, ValidationFailed
from wms.i18n import N_
from wms.ledger import InsufficientStock, balance, record_move
from wms.lot_state import lot_status
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
from wms.reservations import refresh_status, unreserve

FIELD = frozenset({LocationKind.VEHICLE, LocationKind.PICKUP_POINT})


def quarantine_for(session: Session, warehouse_id: int, temp: TempClass) -> Location:
    """The warehouse's quarantine location for goods of ``temp``."""
    found = session.scalar(select(Location).where(
        Location.warehouse_id == warehouse_id, Location.kind == LocationKind.QUARANTINE,
        Location.temp_zone == temp, Location.active.is_(True)).order_by(Location.code).limit(1))
    if found is None:
        raise Conflict(N_("the warehouse has no {temp} quarantine location to take the goods "
                          "back into; create one first", temp=temp), temp_class=temp.value)
    return found


def _free_units(session: Session, lot: Lot, location: Location, quantity: int
                ) -> list[CustomerOrder]:
    """Make ``quantity`` units at ``location`` free to move, giving up the reservations of
    a lot that may no longer be handed over."""
    on_hand, reserved = balance(session, location.id, lot.id)
    if quantity > on_hand:
        raise InsufficientStock(available=on_hand, requested=quantity, sku=lot.product.sku,
                                lot_code=lot.lot_code, location_code=location.code)
    need = quantity - (on_hand - reserved)
    if need <= 0:
        return []
    if move_rules.allowed(lot_status(session, lot, location), move_rules.Step.HANDOVER):
        raise Conflict(N_("{reserved} of the {on_hand} units of lot {lot} at {location} are "
                          "still to be delivered for orders; only {free} can come back",
                          reserved=reserved, on_hand=on_hand, lot=lot.lot_code,
                          location=location.code, free=on_hand - reserved),
                       available=on_hand - reserved,
                       requested=quantity)
    # Orders first, in id order, then their rows: the order in which picking and
    # allocation lock them, so that this cannot deadlock with them.
    order_ids = session.scalars(select(Reservation.order_id).where(
        Reservation.lot_id == lot.id, Reservation.location_id == location.id).distinct()).all()
    orders = session.scalars(select(CustomerOrder).where(CustomerOrder.id.in_(order_ids))
                             .order_by(CustomerOrder.id).with_for_update()).all()
    rows = session.scalars(select(Reservation).where(
        Reservation.lot_id == lot.id, Reservation.location_id == location.id)
        .order_by(Reservation.order_id, Reservation.id)
        .execution_options(populate_existing=True)).all()
    for row in rows:
        if need <= 0:
            break
        take = min(need, row.quantity)
        unreserve(session, row, take)
        need -= take
    for order in orders:
        refresh_status(session, order)
    return list(orders)


def _lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise ValidationFailed({"lot_id": [N_("no lot with id {id}", id=lot_id)]})
    return lot


def return_units(session: Session, lot_id: int, quantity: int, from_location: Location, *,
                 actor_id: int | None, reason: str = "", route_id: int | None = None,
                 idempotency_key: str | None = None) -> StockMove:
    """Bring ``quantity`` units of a lot back from a truck or pickup point to quarantine."""
    lot = _lot(session, lot_id)
    if from_location.kind not in FIELD:
        raise ValidationFailed({"from": [
            N_("{location} is not a truck or a pickup point; goods inside the warehouse go "
               "to quarantine by a move scan", location=from_location.code)]})
    dest = quarantine_for(session, from_location.warehouse_id, lot.product.temp_class)
    given_up = _free_units(session, lot, from_location, quantity)
    move = record_move(session, kind=MoveKind.RETURN, lot=lot, quantity=quantity,
                       from_location=from_location, to_location=dest, actor_id=actor_id,
                       reason=reason.strip() or N_("returned from {place}",
                                                     place=from_location.code),
                       route_id=route_id, idempotency_key=idempotency_key)
    for order in given_up:
        outbox.emit(session, order, outbox.RETURNED, {
            "lot": lot.lot_code, "sku": lot.product.sku, "from": from_location.code})
    return move


def scrap_units(session: Session, lot_id: int, quantity: int, location: Location, *,
                reason: str, witnessed_by: str, actor_id: int | None,
                idempotency_key: str | None = None) -> StockMove:
    """Write off units where they are (a truck, a pickup point, quarantine), witnessed."""
    errors = {}
    if not reason.strip():
        errors["reason"] = ["say why the goods are scrapped"]
    if not witnessed_by.strip():
        errors["witnessed_by"] = ["name who saw the goods written off"]
    if errors:
        raise ValidationFailed(errors)
    lot = _lot(session, lot_id)
    _free_units(session, lot, location, quantity)
    return record_move(session, kind=MoveKind.SCRAP, lot=lot, quantity=quantity,
                       from_location=location, actor_id=actor_id, reason=reason.strip(),
                       witnessed_by=witnessed_by.strip(), idempotency_key=idempotency_key)
