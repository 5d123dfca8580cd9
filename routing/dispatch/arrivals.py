"""The pickup point's view of the day's routes: which trucks come, when (the ETA of the
published route) and how far each has got; and the group leader's receipt of what the
driver delivered, confirmed or disputed per line.

A dispute never edits a move: the units the leader did not find go back from the pickup
point to the truck compartment they came from by a ``return`` move carrying the route, free
of their order (the order line goes back on backorder), so the ledger says what is really
at the point and the driver's count on return settles the rest. These functions work in
the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing.dispatch import manifests
from routing.dispatch.models import Route, RouteStop, StopStatus
from routing.dispatch.plans import is_current
from wms import outbox
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_
from wms.ledger import record_move
from wms.models import (
    CustomerOrder,
    Location,
    MoveKind,
    OrderLine,
    PickupPoint,
    PickupReceipt,
    PickupReceiptLine,
    ReceiptState,
    Reservation,
    StockMove,
)
from wms.reservations import refresh_status, unreserve

PHOTO_MAX_CHARS = 1_500_000  # a phone photo scaled down by the page, as a data: URL


def delivered_here(session: Session, point: PickupPoint, route_id: int
                   ) -> dict[tuple[int, int, int], int]:
    """Units the route delivered to the point: (order line, lot, from-location) → units."""
    rows = session.execute(
        select(StockMove.order_line_id, StockMove.lot_id, StockMove.from_location_id,
               func.sum(StockMove.quantity))
        .where(StockMove.route_id == route_id, StockMove.kind == MoveKind.DELIVER,
               StockMove.to_location_id == point.location_id)
        .group_by(StockMove.order_line_id, StockMove.lot_id, StockMove.from_location_id)).all()
    return {(line, lot, src): int(qty) for line, lot, src, qty in rows if line is not None}


def arrivals(session: Session, point: PickupPoint, day: date) -> list[dict[str, Any]]:
    """The day's published routes that stop at the point, with the ETA and progress."""
    out = []
    for route in manifests.published_routes(session, day, warehouse_ids={point.warehouse_id}):
        for stop in route.stops:
            if stop.pickup_point_id != point.id:
                continue
            before = [s for s in route.stops if s.seq < stop.seq]
            here = delivered_here(session, point, route.id)
            per_line: dict[int, int] = defaultdict(int)
            for (line_id, _, _), qty in here.items():
                per_line[line_id] += qty
            delivered = sum(here.values())
            receipt = session.scalar(select(PickupReceipt).where(
                PickupReceipt.route_id == route.id,
                PickupReceipt.pickup_point_id == point.id))
            out.append({
                "route_id": route.id, "seq": stop.seq, "vehicle": route.vehicle.code,
                "plate": route.vehicle.plate,
                "driver": route.driver.display_name if route.driver else None,
                "eta": manifests.clock(stop.service_start_s),
                "window": f"{point.window_start:%H:%M}–{point.window_end:%H:%M}",
                "route_status": route.status.value, "stop_status": stop.status.value,
                "stops_before": len(before),
                "stops_done_before": sum(1 for s in before if s.status != StopStatus.PENDING),
                "planned": sum(ln.quantity for ln in stop.lines),
                "delivered": delivered,
                "receipt": receipt.state.value if receipt else None,
                "lines": [{"order": ln.order.external_ref, "line": ln.line.line_no,
                           "sku": ln.product.sku, "product": ln.product.name,
                           "product_zh": ln.product.name_zh, "temp_class": ln.temp_class,
                           "planned": ln.quantity,
                           "delivered": per_line.get(ln.order_line_id, 0)}
                          for ln in stop.lines]})
    return sorted(out, key=lambda a: (a["eta"], a["route_id"]))


def _stop_at(session: Session, point: PickupPoint, route_id: int) -> RouteStop:
    route = session.get(Route, route_id)
    stop = None if route is None else next(
        (s for s in route.stops if s.pickup_point_id == point.id), None)
    if route is None or stop is None or not is_current(session, route):
        raise ValidationFailed({"route_id": [N_("route {route} brings nothing to {point} in "
                                                "the published plan", route=route_id,
                                                point=point.code)]})
    return stop


def receive(session: Session, point: PickupPoint, route_id: int,
            lines: list[dict[str, Any]], *, note: str = "", photo: str | None = None,
            actor_id: int | None) -> PickupReceipt:
    """The leader's receipt of what a route delivered to the point, once per route.

    ``lines`` names only the order lines that came short: ``{"order", "line", "received",
    "note"?}``; every other delivered line is received in full.
    """
    stop = _stop_at(session, point, route_id)
    if session.scalar(select(PickupReceipt.id).where(
            PickupReceipt.route_id == route_id,
            PickupReceipt.pickup_point_id == point.id)) is not None:
        raise Conflict(N_("the delivery of route {route} at {point} is already received",
                          route=route_id, point=point.code))
    delivered = delivered_here(session, point, route_id)
    if not delivered:
        raise Conflict(N_("the driver has not delivered anything of route {route} at {point} "
                          "yet; confirm once the goods are here", route=route_id,
                          point=point.code))
    per_line: dict[int, int] = defaultdict(int)
    for (line_id, _, _), qty in delivered.items():
        per_line[line_id] += qty
    lines_by_ref = {(ln.order.external_ref, ln.line.line_no): ln.order_line_id
                    for ln in stop.lines}
    found, errors = {}, {}
    for i, item in enumerate(lines):
        line_id = lines_by_ref.get((item["order"], item["line"]))
        if line_id is None or line_id not in per_line:
            errors[f"lines[{i}]"] = [N_("order {order} line {line} was not delivered here",
                                        order=item["order"], line=item["line"])]
        elif line_id in found:
            errors[f"lines[{i}]"] = [N_("this order line is listed twice")]
        elif item["received"] > per_line[line_id]:
            errors[f"lines[{i}].received"] = [N_(
                "{delivered} units were delivered; more cannot be received",
                delivered=per_line[line_id])]
        else:
            found[line_id] = item
    if photo is not None and (not photo.startswith("data:image/")
                              or len(photo) > PHOTO_MAX_CHARS):
        errors["photo"] = [N_("a photo is a JPEG or PNG image as a data: URL, at most "
                              "{most} characters", most=PHOTO_MAX_CHARS)]
    if errors:
        raise ValidationFailed(errors)
    disputed = any(item["received"] < per_line[lid] for lid, item in found.items())
    receipt = PickupReceipt(pickup_point_id=point.id, warehouse_id=point.warehouse_id,
                            route_id=route_id, delivery_date=stop.route.delivery_date,
                            state=ReceiptState.DISPUTED if disputed else ReceiptState.CONFIRMED,
                            note=note.strip(), photo=photo, actor_id=actor_id)
    session.add(receipt)
    session.flush()
    orders = {}
    for line_id, qty in sorted(per_line.items()):
        item = found.get(line_id, {})
        received = item.get("received", qty)
        session.add(PickupReceiptLine(receipt_id=receipt.id, order_line_id=line_id,
                                      delivered=qty, received=received,
                                      note=(item.get("note") or "").strip()))
        if received < qty:
            line = session.get(OrderLine, line_id)
            _send_back(session, point, route_id, line, qty - received, delivered,
                       why=(item.get("note") or note or "").strip(), actor_id=actor_id)
            orders[line.order_id] = line.order
    session.flush()
    for order in orders.values():
        refresh_status(session, order)
        _tell_short(session, order, point)
    return receipt


def _tell_short(session: Session, order: CustomerOrder, point: PickupPoint) -> None:
    """The storefront hears which units did not reach the point: the order keeps its
    status (the rest is there), so no status change would say so."""
    outbox.emit(session, order, outbox.SHORT, {
        "pickup_point": point.code, "reason": "not received at the pickup point",
        "backorder": [{"line": ln.line_no, "sku": ln.product.sku, "units": ln.backorder}
                      for ln in order.lines if ln.backorder > 0]})


def _send_back(session: Session, point: PickupPoint, route_id: int, line: OrderLine,
               missing: int, delivered: dict[tuple[int, int, int], int], *, why: str,
               actor_id: int | None) -> None:
    """The correcting moves for units the leader did not find: back onto the truck."""
    sources = sorted((lot, src, qty) for (lid, lot, src), qty in delivered.items()
                     if lid == line.id)
    for lot_id, src, qty in sources:
        if not missing:
            break
        row = session.scalar(select(Reservation).where(
            Reservation.order_line_id == line.id, Reservation.lot_id == lot_id,
            Reservation.location_id == point.location_id))
        if row is None:
            continue  # already handed over: nothing of it is left to dispute
        take = min(missing, qty, row.quantity)
        lot = row.lot
        unreserve(session, row, take)
        record_move(session, kind=MoveKind.RETURN, lot=lot, quantity=take,
                    from_location=point.location, to_location=session.get(Location, src),
                    actor_id=actor_id, route_id=route_id, order_id=line.order_id,
                    order_line_id=line.id,
                    reason=(N_("disputed at receipt at {point}: not received ({why})",
                               point=point.code, why=why) if why else
                            N_("disputed at receipt at {point}: not received",
                               point=point.code)))
        missing -= take
    if missing:
        raise Conflict(N_("{missing} of the disputed units of order {order} line {line} were "
                          "already handed over", missing=missing,
                          order=line.order.external_ref, line=line.line_no))


def disputes(session: Session, warehouse_ids: set[int] | None, day: date | None
             ) -> list[PickupReceipt]:
    """Receipts a leader disputed: an exception for the warehouse to settle."""
    stmt = select(PickupReceipt).where(PickupReceipt.state == ReceiptState.DISPUTED)
    if warehouse_ids is not None:
        stmt = stmt.where(PickupReceipt.warehouse_id.in_(warehouse_ids))
    if day is not None:
        stmt = stmt.where(PickupReceipt.delivery_date == day)
    return list(session.scalars(stmt.order_by(PickupReceipt.id.desc())))


def receipt_or_404(session: Session, receipt_id: int) -> PickupReceipt:
    found = session.get(PickupReceipt, receipt_id)
    if found is None:
        raise NotFound(N_("no receipt {id}", id=receipt_id))
    return found
