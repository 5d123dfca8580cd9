"""The group leader's side of the pickup point's stock: orders to hand out, handover by
pickup code, what is left at the end of the collection window (written off or sent back),
the day-end count and the day's report.

Every change of stock is a ledger move out of the pickup point's location: a handover to
the resident, a scrap for a write-off. Goods marked for return stay where they are, free of
their order, with a ``return_request`` that the dispatcher's next plan turns into a pickup.
These functions work in the caller's transaction.

Longer than 400 lines because the handover, what is left, write-offs, returns and the count
are one day at one pickup point, reading the same reservations: split, each part would
repeat the others' queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wms import outbox, picking, pickup_codes
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_
from wms.ledger import record_move
from wms.models import (
    CustomerOrder,
    LeaderPickupPoint,
    Location,
    Lot,
    MoveKind,
    OrderLine,
    OrderStatus,
    PickupCount,
    PickupPoint,
    PickupReceipt,
    Product,
    Reservation,
    ReturnRequest,
    ReturnRequestStatus,
    Role,
    StockBalance,
    StockMove,
    TempClass,
    User,
)
from wms.models.base import utcnow
from wms.reservations import refresh_status, unreserve


def leader_point_ids(session: Session, user: User) -> set[int]:
    return set(session.scalars(select(LeaderPickupPoint.pickup_point_id)
                               .where(LeaderPickupPoint.user_id == user.id)))


def points_of(session: Session, user: User) -> list[PickupPoint]:
    """The pickup points a leader runs (everyone else: none of their own)."""
    if user.role != Role.LEADER:
        return []
    return list(session.scalars(select(PickupPoint).join(
        LeaderPickupPoint, LeaderPickupPoint.pickup_point_id == PickupPoint.id)
        .where(LeaderPickupPoint.user_id == user.id).order_by(PickupPoint.code)))


def point_by_code(session: Session, code: str) -> PickupPoint:
    point = session.scalar(select(PickupPoint).where(PickupPoint.code == code))
    if point is None:
        raise NotFound(N_("no pickup point {code}", code=code))
    return point


# --- orders to hand out -------------------------------------------------------------------

def _at_point(session: Session, point: PickupPoint, order_ids: list[int]
              ) -> dict[int, int]:
    """Units reserved at the pickup point per order line."""
    rows = session.execute(
        select(Reservation.order_line_id, func.sum(Reservation.quantity))
        .where(Reservation.order_id.in_(order_ids),
               Reservation.location_id == point.location_id)
        .group_by(Reservation.order_line_id)).all()
    return {line_id: int(qty) for line_id, qty in rows}


def orders_to_hand_out(session: Session, point: PickupPoint, day: date) -> list[dict[str, Any]]:
    """The day's orders of the pickup point with their codes, lines and what is here."""
    orders = session.scalars(select(CustomerOrder).where(
        CustomerOrder.pickup_point_id == point.id, CustomerOrder.delivery_date == day,
        CustomerOrder.status != OrderStatus.CANCELLED)
        .order_by(CustomerOrder.external_ref)).all()
    here = _at_point(session, point, [o.id for o in orders])
    out = []
    for order in orders:
        lines = [{"line": ln.line_no, "sku": ln.product.sku, "product": ln.product.name,
                  "product_zh": ln.product.name_zh, "temp_class": ln.product.temp_class.value,
                  "quantity": ln.quantity, "here": here.get(ln.id, 0),
                  "handed_over": ln.handed_over} for ln in order.lines]
        out.append({"order": order.external_ref, "status": order.status.value,
                    "pickup_code": order.pickup_code.code if order.pickup_code else None,
                    "lines": lines, "here": sum(ln["here"] for ln in lines),
                    "handed_over": sum(ln["handed_over"] for ln in lines)})
    return out


def handover_by_code(session: Session, point: PickupPoint, code: str,
                     lines: dict[int, int] | None, *, actor_id: int | None,
                     idempotency_key: str | None = None
                     ) -> tuple[CustomerOrder, list[StockMove]]:
    """Hand a resident's order over against their pickup code; ``lines`` (line number →
    units) hands over part of it. The code stays valid while anything is left to collect."""
    order = pickup_codes.order_by_code(session, point, code)
    moves = picking.handover(session, order.id, actor_id=actor_id, lines=lines,
                             idempotency_key=idempotency_key)
    if order.status == OrderStatus.COLLECTED:
        pickup_codes.close(session, order)
    return order, moves


# --- what is left ---------------------------------------------------------------------------

@dataclass
class Left:
    order: CustomerOrder
    line: OrderLine
    lot: Lot
    quantity: int
    since: datetime | None


def _arrivals(session: Session, point: PickupPoint, lot_ids: set[int]) -> dict[int, datetime]:
    """When each lot last came into the pickup point's location."""
    if not lot_ids:
        return {}
    return dict(session.execute(
        select(StockMove.lot_id, func.max(StockMove.created_at))
        .where(StockMove.to_location_id == point.location_id, StockMove.lot_id.in_(lot_ids))
        .group_by(StockMove.lot_id)).all())


def left_at_point(session: Session, point: PickupPoint, day: date) -> list[Left]:
    """Reserved units still at the pickup point for orders delivered up to ``day``."""
    rows = session.execute(
        select(Reservation, CustomerOrder).join(
            CustomerOrder, CustomerOrder.id == Reservation.order_id)
        .where(Reservation.location_id == point.location_id,
               CustomerOrder.delivery_date <= day,
               CustomerOrder.status != OrderStatus.CANCELLED)
        .order_by(CustomerOrder.external_ref, Reservation.order_line_id, Reservation.lot_id)
    ).all()
    since = _arrivals(session, point, {r.lot_id for r, _ in rows})
    return [Left(order, r.line, r.lot, r.quantity, since.get(r.lot_id)) for r, order in rows]


def keeps_cold(location: Location, temp: TempClass) -> bool:
    """Whether the place keeps goods of ``temp`` at their temperature: a point without a
    fridge (an ambient location) keeps only ambient goods."""
    zone = location.temp_zone or TempClass.AMBIENT
    order = {TempClass.FROZEN: 0, TempClass.CHILLED: 1, TempClass.AMBIENT: 2}
    return order[zone] <= order[temp]


def storage(session: Session, point: PickupPoint, now: datetime | None = None
            ) -> list[dict[str, Any]]:
    """Every lot at the pickup point: how many, since when, and how long out of the cold."""
    now = now or utcnow()
    rows = session.execute(
        select(StockBalance, Lot, Product).join(Lot, Lot.id == StockBalance.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .where(StockBalance.location_id == point.location_id, StockBalance.on_hand > 0)
        .order_by(Product.temp_class, Product.sku, Lot.lot_code)).all()
    since = _arrivals(session, point, {lot.id for _, lot, _ in rows})
    out = []
    for balance, lot, product in rows:
        arrived = since.get(lot.id)
        cold = keeps_cold(point.location, product.temp_class)
        hours = (now - arrived).total_seconds() / 3600 if arrived else 0.0
        out.append({"lot_id": lot.id, "lot": lot.lot_code, "sku": product.sku,
                    "product": product.name, "product_zh": product.name_zh,
                    "temp_class": product.temp_class.value, "on_hand": balance.on_hand,
                    "reserved": balance.reserved, "since": arrived,
                    "kept_cold": cold,
                    "hours_out_of_cold": 0.0 if cold else round(hours, 2)})
    return out


def _pick_left(session: Session, point: PickupPoint, day: date,
               items: list[dict[str, Any]] | None) -> list[tuple[Left, int]]:
    """(what is left, units) for each requested ``{order, line, quantity?}``, or all."""
    left = left_at_point(session, point, day)
    if items is None:
        return [(entry, entry.quantity) for entry in left]
    out, errors = [], {}
    for i, item in enumerate(items):
        mine = [e for e in left if e.order.external_ref == item["order"]
                and e.line.line_no == item["line"]]
        total = sum(e.quantity for e in mine)
        want = item.get("quantity") or total
        if not mine:
            errors[f"lines[{i}]"] = [N_("nothing of order {order} line {line} is left at "
                                        "{point}", order=item["order"], line=item["line"],
                                        point=point.code)]
            continue
        if want > total:
            errors[f"lines[{i}].quantity"] = [N_("only {left} units of this line are left "
                                                 "here", left=total)]
            continue
        for e in mine:
            take = min(want, e.quantity)
            if take:
                out.append((e, take))
                want -= take
    if errors:
        raise ValidationFailed(errors)
    if not out:
        raise Conflict(N_("nothing is left at {point} to write off or send back",
                          point=point.code))
    return out


def write_off(session: Session, point: PickupPoint, day: date,
              items: list[dict[str, Any]], *, reason: str, witnessed_by: str,
              actor_id: int | None, idempotency_key: str | None = None) -> list[StockMove]:
    """Uncollected goods the leader cannot keep or send back: scrapped where they are, each
    move naming the order line, the reason and the leader as witness."""
    if not reason.strip():
        raise ValidationFailed({"reason": [N_("say why the goods are written off")]})
    moves, orders = [], {}
    for entry, qty in _pick_left(session, point, day, items):
        row = session.scalar(select(Reservation).where(
            Reservation.order_line_id == entry.line.id, Reservation.lot_id == entry.lot.id,
            Reservation.location_id == point.location_id))
        unreserve(session, row, qty)
        moves.append(record_move(
            session, kind=MoveKind.SCRAP, lot=entry.lot, quantity=qty,
            from_location=point.location, actor_id=actor_id,
            reason=N_("written off at pickup point {point}: {reason}", point=point.code,
                      reason=reason.strip()),
            witnessed_by=witnessed_by, order_id=entry.order.id, order_line_id=entry.line.id,
            idempotency_key=idempotency_key))
        orders[entry.order.id] = entry.order
        _uncollected(session, entry, qty, "written_off", reason)
    _settle(session, orders.values())
    return moves


def request_return(session: Session, point: PickupPoint, day: date,
                   items: list[dict[str, Any]] | None, *, reason: str,
                   actor_id: int | None) -> list[ReturnRequest]:
    """Mark uncollected goods (the listed lines, or all that is left) for the warehouse to
    fetch: they give up their order's reservation and wait at the point, recorded as
    ``return_request`` rows (pickup point, lot, units, temperature class)."""
    made, orders = [], {}
    for entry, qty in _pick_left(session, point, day, items):
        row = session.scalar(select(Reservation).where(
            Reservation.order_line_id == entry.line.id, Reservation.lot_id == entry.lot.id,
            Reservation.location_id == point.location_id))
        unreserve(session, row, qty)
        request = ReturnRequest(
            pickup_point_id=point.id, warehouse_id=point.warehouse_id, lot_id=entry.lot.id,
            product_id=entry.lot.product_id, quantity=qty,
            temp_class=entry.lot.product.temp_class, order_line_id=entry.line.id,
            delivery_date=entry.order.delivery_date, reason=reason.strip() or "uncollected",
            actor_id=actor_id)
        session.add(request)
        made.append(request)
        orders[entry.order.id] = entry.order
        _uncollected(session, entry, qty, "returned_to_warehouse", request.reason)
    session.flush()
    _settle(session, orders.values())
    return made


def _uncollected(session: Session, entry: Left, quantity: int, disposition: str,
                 reason: str) -> None:
    """Tell the storefront that a resident did not collect these units, and what became
    of them, in the same transaction as the move."""
    outbox.emit(session, entry.order, outbox.UNCOLLECTED, {
        "line": entry.line.line_no, "sku": entry.lot.product.sku, "units": quantity,
        "disposition": disposition, "reason": reason.strip()})


def _settle(session: Session, orders) -> None:
    """Orders with nothing left here are done at the point: their codes are closed."""
    session.flush()
    for order in orders:
        refresh_status(session, order)
        here = session.scalar(select(func.count()).select_from(Reservation).where(
            Reservation.order_id == order.id))
        if not here:
            pickup_codes.close(session, order)


def open_returns(session: Session, warehouse_ids: set[int] | None,
                 status: ReturnRequestStatus | None = None) -> list[ReturnRequest]:
    """What routes have yet to fetch from pickup points, planned or not (None: everywhere);
    with a ``status``, only those: open, taken up by a plan, back, or cancelled."""
    wanted = [status] if status else [ReturnRequestStatus.OPEN, ReturnRequestStatus.PLANNED]
    stmt = select(ReturnRequest).where(ReturnRequest.status.in_(wanted))
    if warehouse_ids is not None:
        stmt = stmt.where(ReturnRequest.warehouse_id.in_(warehouse_ids))
    return list(session.scalars(stmt.order_by(ReturnRequest.id)))


# --- the day's end --------------------------------------------------------------------------

def expected_stock(session: Session, point: PickupPoint) -> dict[int, int]:
    """Units per product the ledger says are at the pickup point now."""
    rows = session.execute(
        select(StockBalance.product_id, func.sum(StockBalance.on_hand))
        .where(StockBalance.location_id == point.location_id)
        .group_by(StockBalance.product_id)).all()
    return {pid: int(qty) for pid, qty in rows if qty}


def record_count(session: Session, point: PickupPoint, day: date,
                 counted: list[dict[str, Any]], *, actor_id: int | None
                 ) -> list[PickupCount]:
    """The leader's day-end count against the ledger, per product. Products the ledger
    expects and the count leaves out count as zero; differences are recorded as found."""
    expected = expected_stock(session, point)
    skus = {c["sku"] for c in counted}
    products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
    errors, by_product = {}, {}
    for i, item in enumerate(counted):
        product = products.get(item["sku"])
        if product is None:
            errors[f"lines[{i}].sku"] = [N_("no product {sku}", sku=item["sku"])]
        elif product.id in by_product:
            errors[f"lines[{i}].sku"] = [N_("this product is counted twice; give the total "
                                            "once")]
        else:
            by_product[product.id] = item["counted"]
    if errors:
        raise ValidationFailed(errors)
    rows = []
    for pid in sorted(set(expected) | set(by_product)):
        row = PickupCount(pickup_point_id=point.id, count_date=day, product_id=pid,
                          expected=expected.get(pid, 0), counted=by_product.get(pid, 0),
                          actor_id=actor_id)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def day_report(session: Session, point: PickupPoint, day: date) -> dict[str, Any]:
    """Per product, for the orders delivered to the pickup point on ``day``: delivered,
    received by the leader, collected, written off, sent back, still here; and the count."""
    order_ids = select(CustomerOrder.id).where(CustomerOrder.pickup_point_id == point.id,
                                               CustomerOrder.delivery_date == day)
    figures: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(
        ("delivered", "received", "collected", "written_off", "returned", "left"), 0))
    moves = session.execute(
        select(StockMove.product_id, StockMove.kind, StockMove.from_location_id,
               StockMove.to_location_id, func.sum(StockMove.quantity))
        .where(StockMove.order_id.in_(order_ids),
               (StockMove.from_location_id == point.location_id)
               | (StockMove.to_location_id == point.location_id))
        .group_by(StockMove.product_id, StockMove.kind, StockMove.from_location_id,
                  StockMove.to_location_id)).all()
    for pid, kind, src, dst, qty in moves:
        qty = int(qty)
        if kind == MoveKind.DELIVER and dst == point.location_id:
            figures[pid]["delivered"] += qty
        elif kind == MoveKind.HANDOVER:
            figures[pid]["collected"] += qty
        elif kind == MoveKind.SCRAP:
            figures[pid]["written_off"] += qty
        elif kind == MoveKind.RETURN and src == point.location_id:
            figures[pid]["disputed"] = figures[pid].get("disputed", 0) + qty
    for pid, qty in session.execute(
            select(ReturnRequest.product_id, func.sum(ReturnRequest.quantity))
            .where(ReturnRequest.pickup_point_id == point.id,
                   ReturnRequest.delivery_date == day,
                   ReturnRequest.status != ReturnRequestStatus.CANCELLED)
            .group_by(ReturnRequest.product_id)).all():
        figures[pid]["returned"] += int(qty)
    for pid, qty in session.execute(
            select(OrderLine.product_id, func.sum(Reservation.quantity))
            .join(OrderLine, OrderLine.id == Reservation.order_line_id)
            .where(Reservation.order_id.in_(order_ids),
                   Reservation.location_id == point.location_id)
            .group_by(OrderLine.product_id)).all():
        figures[pid]["left"] += int(qty)
    receipts = session.scalars(select(PickupReceipt).where(
        PickupReceipt.pickup_point_id == point.id, PickupReceipt.delivery_date == day)).all()
    for receipt in receipts:
        for rl in receipt.lines:
            figures[rl.line.product_id]["received"] += rl.received
    counts = session.scalars(select(PickupCount).where(
        PickupCount.pickup_point_id == point.id, PickupCount.count_date == day)
        .order_by(PickupCount.id)).all()
    last_count = {c.product_id: c for c in counts}  # a recount replaces the earlier one
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_(set(figures) | set(last_count))))}
    lines = []
    for pid in sorted(products, key=lambda p: products[p].sku):
        f = figures[pid]
        count = last_count.get(pid)
        lines.append({"sku": products[pid].sku, "product": products[pid].name,
                      "product_zh": products[pid].name_zh,
                      "delivered": f["delivered"], "received": f["received"],
                      "disputed": f.get("disputed", 0), "collected": f["collected"],
                      "written_off": f["written_off"], "returned": f["returned"],
                      "left": f["left"],
                      "counted": count.counted if count else None,
                      "expected": count.expected if count else None,
                      "difference": (count.counted - count.expected) if count else None})
    totals = {k: sum(ln[k] for ln in lines) for k in
              ("delivered", "received", "disputed", "collected", "written_off", "returned",
               "left")}
    return {"pickup_point": point.code, "date": day, "lines": lines, "totals": totals,
            "receipts": [{"route_id": r.route_id, "state": r.state.value} for r in receipts],
            "counted": bool(counts)}

