"""A driver brings goods back from a route: off its truck, or collected again from one of
its pickup points, into the warehouse's quarantine (``wms.returns``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.dispatch.deliveries import vehicle_location_ids
from routing.dispatch.models import Route
from routing.dispatch.plans import route_for_update
from wms.errors import ValidationFailed
from wms.i18n import N_
from wms.models import (
    Location,
    LocationKind,
    PickupPoint,
    ReturnRequest,
    ReturnRequestStatus,
    StockBalance,
    StockMove,
)
from wms.returns import return_units


def _places(session: Session, route: Route) -> dict[str, Location]:
    ids = [*vehicle_location_ids(session, route),
           *(stop.pickup_point.location_id for stop in route.stops)]
    return {loc.code: loc for loc in session.scalars(select(Location).where(
        Location.id.in_(ids)))}


def _aboard(session: Session, route: Route, lot_id: int, where: str) -> Location:
    """The one truck location of the route holding the lot, when the driver names none."""
    found = session.scalars(select(Location).join(
        StockBalance, StockBalance.location_id == Location.id).where(
        StockBalance.lot_id == lot_id, StockBalance.on_hand > 0,
        Location.id.in_(vehicle_location_ids(session, route)))).all()
    if len(found) != 1:
        raise ValidationFailed({f"{where}.from": [
            N_("no units of lot {lot} are on the truck of route {route}; say where they "
               "come from", lot=lot_id, route=route.id) if not found else
            N_("the lot is in several compartments; say which one")]})
    return found[0]


def return_from_route(session: Session, route_id: int, lines: list[dict[str, Any]], *,
                      actor_id: int | None, idempotency_key: str | None = None
                      ) -> list[StockMove]:
    """Each line: ``lot_id``, ``quantity`` and optionally ``from`` (a location code of the
    route's truck or of one of its pickup points; default the truck)."""
    route = route_for_update(session, route_id)
    places = _places(session, route)
    moves = []
    for i, line in enumerate(lines):
        where = f"lines[{i}]"
        code = line.get("from")
        if code:
            src = places.get(code)
            if src is None:
                raise ValidationFailed({f"{where}.from": [
                    N_("{code} is neither the truck of route {route} nor one of its pickup "
                       "points", code=code, route=route.id)]})
        else:
            src = _aboard(session, route, line["lot_id"], where)
        try:
            moves.append(return_units(session, line["lot_id"], line["quantity"], src,
                                      actor_id=actor_id, route_id=route.id,
                                      reason=line.get("reason") or "",
                                      idempotency_key=idempotency_key))
        except ValidationFailed as exc:
            raise ValidationFailed({f"{where}.{k}": v for k, v in exc.errors.items()}
                                   ) from exc
        if src.kind == LocationKind.PICKUP_POINT:
            _requests_back(session, src, line["lot_id"], line["quantity"])
    return moves


def _requests_back(session: Session, place: Location, lot_id: int, quantity: int) -> None:
    """Return requests at the pickup point for the lot, oldest first, read ``returned`` as
    far as the units brought back cover them; later plans no longer fetch them."""
    pending = session.scalars(select(ReturnRequest).join(
        PickupPoint, PickupPoint.id == ReturnRequest.pickup_point_id).where(
        PickupPoint.location_id == place.id, ReturnRequest.lot_id == lot_id,
        ReturnRequest.status.in_([ReturnRequestStatus.OPEN, ReturnRequestStatus.PLANNED]))
        .order_by(ReturnRequest.id)).all()
    for request in pending:
        if quantity < request.quantity:
            break
        quantity -= request.quantity
        request.status = ReturnRequestStatus.RETURNED
