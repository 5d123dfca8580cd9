"""Orders per pickup point and delivery date; allocation of stock to them.

Allocation runs one order per transaction. It locks the candidate balance rows
(``SELECT … FOR UPDATE``, always in location/lot order, so concurrent runs queue
instead of deadlocking), lets the strategy order them, and reserves with guarded
updates: the database refuses ``reserved > on_hand``, so no interleaving can
oversell. On SQLite the write lock taken at BEGIN gives the same guarantee.

Longer than 400 lines because the three ways stock reaches an order share their rules
here: one order (``allocate_order``), a flash-sale order placed with its stock
(``place_reserved``) and the set-based whole day (``allocate_day``), which must give exactly
what allocating order by order gives, and reads best next to it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, any_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, attributes, sessionmaker

from wms import allocation, move_rules, outbox, pickup_codes
from wms.cutoff import Cutoff
from wms.db import transaction
from wms.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wms.i18n import N_, Msg
from wms.lot_state import lot_status
from wms.models import (
    CustomerOrder,
    DeliveryStatus,
    Location,
    LocationKind,
    Lot,
    LotStatus,
    OrderLine,
    OrderStatus,
    OutboxEvent,
    PickupPoint,
    Product,
    Reservation,
    StockBalance,
    Warehouse,
    WebhookDelivery,
    WebhookSubscription,
)
from wms.models.base import utcnow
from wms.reservations import (
    NOT_ALLOCATABLE,
    USE_BY,
    derive_status,
    refresh_status,
    reserve,
    reserve_first,
    unreserve,
)

IN_THE_FIELD = (LocationKind.VEHICLE, LocationKind.PICKUP_POINT)
OPEN = (OrderStatus.PLACED, OrderStatus.PARTIAL)
# Orders that may still take stock: open ones, and those allocated or picked in part whose
# other lines wait on a backorder (a line released from a held lot, say). Loaded orders are
# on their way; what they lack is reported short at the stop.
ALLOCATABLE = (*OPEN, OrderStatus.ALLOCATED, OrderStatus.PICKED)
CANCELLABLE = (OrderStatus.PLACED, OrderStatus.PARTIAL, OrderStatus.ALLOCATED,
               OrderStatus.PICKED)


@dataclass
class LineReport:
    line: int
    sku: str
    quantity: int
    allocated: int
    backorder: int
    reservations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class OrderReport:
    order: str
    status: str
    lines: list[LineReport]
    error: str | None = None


def place_order(session: Session, data: dict[str, Any], *, actor_id: int | None,
                warehouse_ids: set[int] | None = None, now: datetime | None = None,
                enforce_cutoff: bool = False) -> CustomerOrder:
    """Validate and store an order; errors name the field (``lines[2].sku``).

    With ``enforce_cutoff`` (orders arriving from the storefront and dispatchers, not the
    demo's or a backfill's), an order placed at or after the cut-off of the date it asks
    for (the warehouse's, ``wms.cutoff``) goes out on the first date it still makes:
    ``delivery_date`` is that date, ``requested_date`` the one asked, ``moved_by_cutoff``
    true. Only a masked form of ``contact_phone`` is kept (``customer_contact``).
    """
    order, events = _place(session, data, actor_id=actor_id, warehouse_ids=warehouse_ids,
                           now=now, enforce_cutoff=enforce_cutoff)
    outbox.emit_new(session, order, events)
    return order


@dataclass
class _Known:
    """What the flash-sale check read already, so placing the order need not read it again."""
    point: PickupPoint
    products: dict[str, Product]
    ref_taken: bool


Events = list[tuple[str, OrderStatus, dict[str, Any] | None]]


def _place(session: Session, data: dict[str, Any], *, actor_id: int | None,
           warehouse_ids: set[int] | None, now: datetime | None, enforce_cutoff: bool,
           status: OrderStatus = OrderStatus.PLACED, known: _Known | None = None
           ) -> tuple[CustomerOrder, Events]:
    """``place_order`` up to its events, which are returned for the caller to emit with
    any of its own in one go. ``status`` is the one the order is stored with (its
    ``accepted`` event says ``placed`` either way)."""
    errors: dict[str, Any] = {}
    point = (known.point if known is not None else session.scalar(
        select(PickupPoint).where(PickupPoint.code == data["pickup_point"])))
    if point is None:
        errors["pickup_point"] = [N_("no pickup point {code}",
                                      code=repr(data["pickup_point"]))]
    elif not point.active:
        errors["pickup_point"] = [N_("pickup point {code} is closed", code=point.code)]
    elif warehouse_ids is not None and point.warehouse_id not in warehouse_ids:
        raise Forbidden(N_("pickup point {code} is served by another warehouse",
                           code=point.code), field="pickup_point")
    skus = {ln["sku"] for ln in data["lines"]}
    products = (known.products if known is not None else {
        p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))})
    seen: dict[str, int] = {}
    for i, ln in enumerate(data["lines"]):
        product = products.get(ln["sku"])
        if product is None:
            errors[f"lines[{i}].sku"] = [N_("no product {sku}", sku=repr(ln["sku"]))]
        elif not product.active:
            errors[f"lines[{i}].sku"] = [N_("{sku} is no longer sold", sku=product.sku)]
        elif ln["sku"] in seen:
            errors[f"lines[{i}].sku"] = [N_("{sku} is already on line {earlier}; put the "
                                            "whole quantity on one line", sku=ln["sku"],
                                            earlier=seen[ln["sku"]])]
        seen.setdefault(ln["sku"], i)
    if errors:
        raise ValidationFailed(errors)
    if (known.ref_taken if known is not None else session.scalar(select(CustomerOrder.id).where(
            CustomerOrder.external_ref == data["external_ref"])) is not None):
        raise Conflict(N_("order {ref} already exists", ref=data["external_ref"]),
                       field="external_ref")
    assert point is not None
    placed_at = now or utcnow()
    requested = data["delivery_date"]
    day = requested
    if enforce_cutoff:
        day = cutoff_of(point.warehouse).delivery_date(
            requested, placed_at.astimezone(ZoneInfo(point.warehouse.timezone)))
    order = CustomerOrder(external_ref=data["external_ref"], pickup_point=point,
                          warehouse_id=point.warehouse_id, delivery_date=day,
                          requested_date=requested, moved_by_cutoff=day != requested,
                          customer_ref=data.get("customer_ref") or "",
                          customer_contact=mask_phone(data.get("contact_phone") or ""),
                          status=status, created_by=actor_id,
                          created_at=placed_at)
    # Lines set on the order and products on the lines: whoever allocates the order next
    # in this transaction finds them loaded instead of selecting them again.
    order.lines = [OrderLine(line_no=i, product=products[ln["sku"]], quantity=ln["quantity"],
                             allocated=0, handed_over=0)
                   for i, ln in enumerate(data["lines"], start=1)]
    session.add(order)
    session.flush()
    # The code is the order's too, as loaded (its answer shows it).
    attributes.set_committed_value(order, "pickup_code", pickup_codes.issue(session, order))
    events: Events = [(outbox.ACCEPTED, OrderStatus.PLACED, {
        "pickup_point": point.code,
        "lines": [{"line": i, "sku": ln["sku"], "quantity": ln["quantity"]}
                  for i, ln in enumerate(data["lines"], start=1)]})]
    if order.moved_by_cutoff:
        events.append((outbox.MOVED_BY_CUTOFF, OrderStatus.PLACED, {
            "requested_date": requested, "delivery_date": day,
            "cutoff": cutoff_of(point.warehouse).deadline(requested).isoformat()}))
    return order, events


def cutoff_of(warehouse: Warehouse) -> Cutoff:
    return Cutoff(at=warehouse.order_cutoff, days_before=warehouse.cutoff_days_before)


def cutoff_note(order: CustomerOrder) -> Msg | None:
    """What to tell whoever placed an order that missed its date's cut-off."""
    if not order.moved_by_cutoff or order.requested_date is None:
        return None
    deadline = cutoff_of(order.pickup_point.warehouse).deadline(order.requested_date)
    return N_("placed after the cut-off for {requested} ({deadline}): it goes out on {day}",
              requested=order.requested_date.isoformat(),
              deadline=deadline.strftime("%Y-%m-%d %H:%M"), day=order.delivery_date.isoformat())


def mask_phone(phone: str) -> str:
    """The first three and last four digits of a phone number (138****5678): enough for a
    group leader to tell two residents apart, useless to anyone who copies the list."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def get_order(session: Session, ref: str, *, lock: bool = False) -> CustomerOrder:
    stmt = select(CustomerOrder).where(CustomerOrder.external_ref == ref)
    if lock:
        stmt = stmt.with_for_update()
    order = session.scalar(stmt)
    if order is None:
        raise NotFound(N_("no order {ref}", ref=repr(ref)))
    return order


# Strategies that need facts the ledger does not hold (a lot's remaining shelf life from
# its temperature history) register a function here that fills ``Candidate.extra``.
CandidateFacts = Callable[[Session, list[allocation.Candidate]], list[allocation.Candidate]]
CANDIDATE_FACTS: dict[str, CandidateFacts] = {}


def _candidates(session: Session, order: CustomerOrder, product_id: int
                ) -> tuple[list[allocation.Candidate], dict[tuple[int, int], tuple[Lot, Location]]]:
    rows = session.execute(
        select(StockBalance.lot_id, StockBalance.location_id, StockBalance.on_hand,
               StockBalance.reserved, Lot, Location)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.product_id == product_id,
               StockBalance.warehouse_id == order.warehouse_id,
               StockBalance.on_hand > StockBalance.reserved,
               Lot.status == LotStatus.AVAILABLE,
               Location.kind.not_in(NOT_ALLOCATABLE), Location.active.is_(True))
        .order_by(StockBalance.location_id, StockBalance.lot_id)
        .with_for_update(of=StockBalance)
    ).all()
    cands, objects = [], {}
    for lot_id, loc_id, on_hand, reserved, lot, loc in rows:
        cands.append(allocation.Candidate(
            lot_id=lot_id, location_id=loc_id, available=on_hand - reserved,
            lot_code=lot.lot_code, location_code=loc.code,
            expiry=lot.expiry_date or lot.best_before, received_at=lot.received_at))
        objects[(lot_id, loc_id)] = (lot, loc)
    return cands, objects


def allocate_order(session: Session, order_id: int, *,
                   strategy: str = allocation.DEFAULT) -> OrderReport:
    """Reserve stock for every line's backorder; report allocated and backorder per line."""
    allocation.get_strategy(strategy)
    order = session.scalar(
        select(CustomerOrder).where(CustomerOrder.id == order_id).with_for_update())
    if order is None:
        raise NotFound(N_("no order with id {id}", id=order_id))
    if order.status in ALLOCATABLE:
        before = order.status
        # Lines in product order: every allocation then locks balances in one order (a
        # product's rows before the next product's), so two orders listing the same
        # products in opposite order queue instead of deadlocking.
        for line in sorted(order.lines, key=lambda ln: (ln.product_id, ln.id)):
            if line.backorder > 0:
                allocate_line(session, order, line, strategy)
        refresh_status(session, order)
        _emit_short(session, order, before)
    return report(session, order)


def allocate_line(session: Session, order: CustomerOrder, line: OrderLine,
                  strategy: str = allocation.DEFAULT) -> None:
    """Reserve what the strategy gives the line's backorder, as far as stock goes.

    FEFO on PostgreSQL first tries the single guarded statement of ``reserve_first``: a
    one-unit flash-sale order, and most lines, are served by the first lot FEFO takes, and
    that statement never waits on more than the one balance row it changes. When that lot
    cannot serve the whole line (or another order emptied it meanwhile), the candidates are
    locked and planned as below, which gives the same reservations.
    """
    ctx = allocation.Context(delivery_date=order.delivery_date,
                             min_remaining_days=line.product.min_remaining_days)
    if (strategy == "fefo" and "fefo" not in CANDIDATE_FACTS
            and session.get_bind().dialect.name == "postgresql"):
        last = ctx.must_last_until
        # A lot past its date is refused by the status rule, not skipped: an order
        # delivered before today (a backfill) takes the planned path, which says so.
        if last >= _warehouse_today(session, order.warehouse_id, last) and reserve_first(
                session, line, order.warehouse_id, last, line.backorder):
            return
    cands, objects = _candidates(session, order, line.product_id)
    facts = CANDIDATE_FACTS.get(strategy)
    if facts is not None:
        cands = facts(session, cands)
    for cand, qty in allocation.plan(cands, line.backorder, ctx, strategy):
        lot, loc = objects[(cand.lot_id, cand.location_id)]
        reserve(session, line, lot, loc, qty)


def _warehouse_today(session: Session, warehouse_id: int, last: date) -> date:
    """Today at the warehouse, as far as comparing it with ``last`` needs: no time zone is
    more than a day ahead of UTC, so the warehouse is only looked up when ``last`` is
    today in UTC or before."""
    utc_today = datetime.now(UTC).date()
    if last > utc_today:
        return utc_today
    warehouse = session.get(Warehouse, warehouse_id)
    return datetime.now(ZoneInfo(warehouse.timezone if warehouse else "UTC")).date()


class SoldOut(Conflict):
    """A line of an order that must be reserved in full at once finds fewer units free."""

    def __init__(self, *, sku: str, requested: int, available: int) -> None:
        super().__init__(N_("only {available} of {sku} left; {requested} requested",
                            available=available, sku=sku, requested=requested),
                         sku=sku, requested=requested, available=available)


def free_units(session: Session, warehouse_id: int, product_id: int, last: date) -> int:
    """Units of a product free for allocation at a warehouse in lots lasting until ``last``
    (what a refused flash-sale order is told is left)."""
    return session.scalar(
        select(func.coalesce(func.sum(StockBalance.on_hand - StockBalance.reserved), 0))
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.product_id == product_id,
               StockBalance.warehouse_id == warehouse_id,
               StockBalance.on_hand > StockBalance.reserved,
               Lot.status == LotStatus.AVAILABLE,
               Location.kind.not_in(NOT_ALLOCATABLE), Location.active.is_(True),
               or_(USE_BY.is_(None), last <= USE_BY))) or 0


def place_reserved(session: Session, data: dict[str, Any], *, actor_id: int | None,
                   warehouse_ids: set[int] | None = None, now: datetime | None = None,
                   enforce_cutoff: bool = False) -> CustomerOrder:
    """Place an order and reserve every line in full (FEFO) in the caller's transaction,
    or refuse it with ``SoldOut`` (409, the units left), leaving the caller to roll back:
    a flash sale's storefront tells a resident at once whether the order is taken, and
    an order taken is an order with its stock.
    """
    known = _refuse_sold_out(session, data, warehouse_ids)
    # The order is stored as allocated before its stock is reserved, and the reservation
    # is the last statement before the caller commits: every order of a flash sale waits
    # on the same balance row, which stays locked from its reservation to the commit.
    # Any line left short raises, and the caller's rollback takes the order back too.
    order, events = _place(session, data, actor_id=actor_id, warehouse_ids=warehouse_ids,
                           now=now, enforce_cutoff=enforce_cutoff,
                           status=OrderStatus.ALLOCATED, known=known)
    events.append((outbox.ALLOCATED, OrderStatus.ALLOCATED,
                   {"previous_status": OrderStatus.PLACED.value}))
    outbox.emit_new(session, order, events)
    for line in sorted(order.lines, key=lambda ln: (ln.product_id, ln.id)):
        allocate_line(session, order, line)
        if line.backorder > 0:
            last = allocation.Context(
                delivery_date=order.delivery_date,
                min_remaining_days=line.product.min_remaining_days).must_last_until
            raise SoldOut(sku=line.product.sku, requested=line.quantity,
                          available=line.allocated + free_units(
                              session, order.warehouse_id, line.product_id, last))
    return order


def _look_up(pg: bool) -> Any:
    """The statement of ``_refuse_sold_out``, built once: a point, its warehouse and each
    product asked for, with the units free for it and whether the reference is taken."""
    day = bindparam("day", type_=Date)
    # The date a lot must last until (``allocation.Context.must_last_until``), in SQL.
    last = (day + Product.min_remaining_days if pg
            else func.date(func.julianday(day) + Product.min_remaining_days))
    free = (
        select(func.coalesce(func.sum(StockBalance.on_hand - StockBalance.reserved), 0))
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.product_id == Product.id,
               StockBalance.warehouse_id == PickupPoint.warehouse_id,
               StockBalance.on_hand > StockBalance.reserved,
               Lot.status == LotStatus.AVAILABLE,
               Location.kind.not_in(NOT_ALLOCATABLE), Location.active.is_(True),
               or_(USE_BY.is_(None), last <= USE_BY))
        .correlate(Product, PickupPoint).scalar_subquery())
    taken = select(CustomerOrder.id).where(
        CustomerOrder.external_ref == bindparam("ref")).exists()
    return (select(PickupPoint, Warehouse, Product, free, taken)
            .join(Warehouse, Warehouse.id == PickupPoint.warehouse_id)
            .join(Product, Product.sku.in_(bindparam("skus", expanding=True)))
            .where(PickupPoint.code == bindparam("point_code")))


_LOOK_UP_PG, _LOOK_UP = _look_up(True), _look_up(False)


def _refuse_sold_out(session: Session, data: dict[str, Any],
                     warehouse_ids: set[int] | None) -> _Known | None:
    """Refuse at once an order a line of which asks for more than is free at all, before
    anything is written: once a flash sale is sold out most orders are of this kind.
    (Free stock only grows by receipts, so a shortage read here is real; plenty read here
    may be gone by the reservation, which then refuses the order itself.)

    The same statement reads the pickup point, its warehouse, the products and whether the
    reference is taken, for placing the order: None when the point or every product is
    unknown, and placing the order reads them itself to say what is wrong.
    """
    wanted = {ln["sku"]: ln["quantity"] for ln in data["lines"]}
    pg = session.get_bind().dialect.name == "postgresql"
    rows = session.execute(_LOOK_UP_PG if pg else _LOOK_UP, {
        "day": data["delivery_date"], "ref": data["external_ref"],
        "point_code": data["pickup_point"], "skus": list(wanted)}).all()
    # What is wrong with the order itself (a closed point, a product no longer sold, a
    # point of a warehouse the user does not work for) is for placing the order to say:
    # the units left in another warehouse are not the user's to know.
    left = {product.sku: units for point, _, product, units, _ in rows
            if point.active and product.active
            and (warehouse_ids is None or point.warehouse_id in warehouse_ids)}
    for sku, quantity in wanted.items():
        if sku in left and left[sku] < quantity:
            raise SoldOut(sku=sku, requested=quantity, available=left[sku])
    if not rows:
        return None
    point, warehouse = rows[0][0], rows[0][1]
    # Held by the point: the answer, made after the commit, shows the warehouse's code,
    # and the session keeps only weak references to what it read.
    attributes.set_committed_value(point, "warehouse", warehouse)
    return _Known(point=point, products={row[2].sku: row[2] for row in rows},
                  ref_taken=bool(rows[0][4]))


def _emit_short(session: Session, order: CustomerOrder, before: OrderStatus) -> None:
    """Tell the storefront what stays on backorder: when the order is first allocated
    (a change to ``partial`` says so itself) and nothing could be reserved at all."""
    if order.status != OrderStatus.PLACED or before != OrderStatus.PLACED:
        return
    if any(e.kind == outbox.SHORT for e in outbox.events_of(session, order.external_ref)):
        return
    outbox.emit(session, order, outbox.SHORT, {
        "backorder": [{"line": ln.line_no, "sku": ln.product.sku, "units": ln.backorder}
                      for ln in order.lines if ln.backorder > 0]})


def report(session: Session, order: CustomerOrder) -> OrderReport:
    rows = session.execute(
        select(Reservation.order_line_id, Reservation.quantity, Lot.lot_code,
               Lot.expiry_date, Location.code)
        .join(Lot, Lot.id == Reservation.lot_id)
        .join(Location, Location.id == Reservation.location_id)
        .where(Reservation.order_id == order.id)
        .order_by(Reservation.order_line_id, Lot.expiry_date, Location.code)).all()
    by_line: dict[int, list[dict[str, Any]]] = {}
    for line_id, qty, lot_code, expiry, loc in rows:
        by_line.setdefault(line_id, []).append(
            {"lot": lot_code, "expiry": expiry, "location": loc, "quantity": qty})
    return OrderReport(
        order=order.external_ref, status=order.status.value,
        lines=[LineReport(line=ln.line_no, sku=ln.product.sku, quantity=ln.quantity,
                          allocated=ln.allocated + ln.handed_over, backorder=ln.backorder,
                          reservations=by_line.get(ln.id, []))
               for ln in order.lines])


_has_backorder = (
    select(OrderLine.id).where(OrderLine.order_id == CustomerOrder.id,
                               OrderLine.quantity > OrderLine.allocated + OrderLine.handed_over)
    .exists())


def allocate_day(factory: sessionmaker[Session], warehouse_id: int, day: date, *,
                 strategy: str = allocation.DEFAULT) -> list[OrderReport]:
    """Allocate every order of a warehouse and delivery date that waits on a backorder
    (open, or allocated or picked in part), oldest first.

    Set-based, in one transaction: the day's orders, lines and candidate balances are read
    with a few queries (the balances locked, in location/lot order), planned in memory by
    ``allocation.plan_day`` exactly as allocating the orders one after the other would,
    and written with a few bulk statements. An order that fails (a lot past its date,
    reported in its ``error``) gets nothing and never undoes another's reservations.
    """
    allocation.get_strategy(strategy)
    with transaction(factory) as session:
        return _allocate_set(session, warehouse_id, day, strategy)


def allocate_day_by_order(factory: sessionmaker[Session], warehouse_id: int, day: date, *,
                 strategy: str = allocation.DEFAULT) -> list[OrderReport]:
    """``allocate_day`` one order at a time, one transaction each, through
    ``allocate_order``: the reference the set-based run is held to (tests compare them)."""
    allocation.get_strategy(strategy)
    with transaction(factory) as session:
        rows = session.execute(
            select(CustomerOrder.id, CustomerOrder.status)
            .where(CustomerOrder.warehouse_id == warehouse_id,
                   CustomerOrder.delivery_date == day,
                   CustomerOrder.status.in_(ALLOCATABLE), _has_backorder)
            .order_by(CustomerOrder.created_at, CustomerOrder.id)).all()
    out = []
    for order_id, status in rows:
        try:
            with transaction(factory) as session:
                before = session.scalar(
                    select(func.sum(OrderLine.quantity - OrderLine.allocated
                                    - OrderLine.handed_over))
                    .where(OrderLine.order_id == order_id))
                done = allocate_order(session, order_id, strategy=strategy)
                # An order already on its way is reported only when it got more stock:
                # one that no stock fits yet is not news at every run.
                if status in OPEN or sum(ln.backorder for ln in done.lines) < (before or 0):
                    out.append(done)
        except Conflict as exc:
            with transaction(factory) as session:
                order = session.get(CustomerOrder, order_id)
                assert order is not None
                out.append(OrderReport(order=order.external_ref, status=order.status.value,
                                       lines=[], error=exc.detail))
    return out


def _allocate_set(session: Session, warehouse_id: int, day: date, strategy: str
                  ) -> list[OrderReport]:
    """``allocate_day``'s work in the caller's transaction (see there)."""
    pg = session.get_bind().dialect.name == "postgresql"
    waiting = (CustomerOrder.warehouse_id == warehouse_id, CustomerOrder.delivery_date == day,
               CustomerOrder.status.in_(ALLOCATABLE), _has_backorder)
    day_ids = select(CustomerOrder.id).where(*waiting)
    orders_ = session.execute(
        select(CustomerOrder.id, CustomerOrder.external_ref, CustomerOrder.status,
               CustomerOrder.delivery_date)
        .where(*waiting).order_by(CustomerOrder.created_at, CustomerOrder.id)
        .with_for_update(of=CustomerOrder)).all()
    if not orders_:
        return []
    lines: dict[int, list[Any]] = {}
    for row in session.execute(
            select(OrderLine.id, OrderLine.order_id, OrderLine.line_no, OrderLine.product_id,
                   OrderLine.quantity, OrderLine.allocated, OrderLine.handed_over, Product.sku,
                   Product.min_remaining_days)
            .join(Product, Product.id == OrderLine.product_id)
            .where(OrderLine.order_id.in_(day_ids)).order_by(OrderLine.line_no)):
        lines.setdefault(row.order_id, []).append(row)
    wanted_products = {ln.product_id for lns in lines.values() for ln in lns
                       if ln.quantity > ln.allocated + ln.handed_over}
    cands, kinds_at, reason_of_lot = _day_candidates(session, warehouse_id, wanted_products,
                                                     strategy)
    held: dict[int, list[Any]] = {}  # the orders' reservation rows as they are
    for row in session.execute(
            select(Reservation.id, Reservation.order_id, Reservation.order_line_id,
                   Reservation.lot_id, Reservation.location_id, Reservation.quantity,
                   Location.kind, Location.code, Lot.lot_code, Lot.expiry_date)
            .join(Location, Location.id == Reservation.location_id)
            .join(Lot, Lot.id == Reservation.lot_id)
            .where(Reservation.order_id.in_(day_ids))):
        held.setdefault(row.order_id, []).append(row)

    wants = []
    for order_id, _ref, _status, delivery in orders_:
        wants.append((order_id, [
            allocation.Want(line=ln.id, product_id=ln.product_id,
                            quantity=ln.quantity - ln.allocated - ln.handed_over,
                            context=allocation.Context(delivery_date=delivery,
                                                       min_remaining_days=ln.min_remaining_days))
            for ln in sorted(lines.get(order_id, []), key=lambda ln: (ln.product_id, ln.id))
            if ln.quantity > ln.allocated + ln.handed_over]))
    plans = allocation.plan_day(wants, cands, strategy,
                                _date_rule(session, warehouse_id, reason_of_lot))

    now = utcnow()
    new_rows: list[tuple[int, int, int, int, int]] = []
    grown: list[dict[str, int]] = []
    balances: dict[tuple[int, int], int] = {}
    counted: list[dict[str, int]] = []
    statuses: dict[OrderStatus, list[int]] = {}
    events: list[tuple[int, str, str, dict[str, Any]]] = []
    shorted = _orders_with_event(session, day_ids, outbox.SHORT)
    out: list[OrderReport] = []
    for order_id, ref, before, _delivery in orders_:
        result = plans[order_id]
        if result.error is not None:
            out.append(OrderReport(order=ref, status=before.value, lines=[],
                                   error=result.error.detail))
            continue
        rows = {(r.order_line_id, r.lot_id, r.location_id): r for r in held.get(order_id, [])}
        kinds = [r.kind for r in rows.values()]
        got: dict[int, int] = {}
        shown: dict[int, list[tuple[Any, str, dict[str, Any]]]] = {}
        for r in rows.values():
            shown.setdefault(r.order_line_id, []).append(
                (r.expiry_date, r.code, {"lot": r.lot_code, "expiry": r.expiry_date,
                                         "location": r.code, "quantity": r.quantity}))
        for line_id, cand, qty in result.takes:
            key = (line_id, cand.lot_id, cand.location_id)
            got[line_id] = got.get(line_id, 0) + qty
            where = (cand.location_id, cand.lot_id)
            balances[where] = balances.get(where, 0) + qty
            if key in rows:
                grown.append({"row": rows[key].id, "more": qty})
                for entry in shown[line_id]:
                    if entry[2]["lot"] == cand.lot_code and entry[1] == cand.location_code:
                        entry[2]["quantity"] += qty
            else:
                new_rows.append((line_id, order_id, cand.lot_id, cand.location_id, qty))
                kinds.append(kinds_at[cand.location_id])
                expiry = cand.extra.get("expiry_date")
                shown.setdefault(line_id, []).append(
                    (expiry, cand.location_code, {"lot": cand.lot_code, "expiry": expiry,
                                                  "location": cand.location_code,
                                                  "quantity": qty}))
        order_lines = lines.get(order_id, [])
        counted.extend({"line": line_id, "more": qty} for line_id, qty in got.items())
        after = {ln.id: ln.allocated + got.get(ln.id, 0) for ln in order_lines}
        status = derive_status(sum(ln.quantity for ln in order_lines), sum(after.values()),
                               sum(ln.handed_over for ln in order_lines), kinds)
        if status != before:
            statuses.setdefault(status, []).append(order_id)
            kind = outbox.STATUS_EVENTS.get(status)
            if kind is not None:
                events.append((order_id, ref, kind, {"status": status.value,
                                                     "previous_status": before.value}))
        backorders = [(ln, ln.quantity - after[ln.id] - ln.handed_over) for ln in order_lines]
        if status == OrderStatus.PLACED and before == OrderStatus.PLACED \
                and order_id not in shorted:
            events.append((order_id, ref, outbox.SHORT, {"status": status.value, "backorder": [
                {"line": ln.line_no, "sku": ln.sku, "units": units}
                for ln, units in backorders if units > 0]}))
        owed = sum(ln.quantity - ln.allocated - ln.handed_over for ln in order_lines)
        if before in OPEN or sum(units for _, units in backorders) < owed:
            out.append(OrderReport(order=ref, status=status.value, lines=[
                LineReport(line=ln.line_no, sku=ln.sku, quantity=ln.quantity,
                           allocated=after[ln.id] + ln.handed_over, backorder=units,
                           reservations=_report_order(shown.get(ln.id, []), pg))
                for ln, units in backorders]))
    _write_day(session, now, new_rows, grown, balances, counted, statuses)
    _emit_day(session, now, {o.id: o.delivery_date for o in orders_}, events)
    return out


def _day_candidates(session: Session, warehouse_id: int, products: set[int], strategy: str
                    ) -> tuple[dict[int, list[allocation.Candidate]], dict[int, LocationKind],
                               dict[int, str]]:
    """Every allocatable balance of the products at the warehouse, locked (location/lot
    order, as ``_candidates`` locks them), as candidates per product; the kind of each
    location and the stored status reason of each lot."""
    cands: dict[int, list[allocation.Candidate]] = {}
    kinds: dict[int, LocationKind] = {}
    reasons: dict[int, str] = {}
    if not products:
        return cands, kinds, reasons
    rows = session.execute(
        select(StockBalance.lot_id, StockBalance.location_id, StockBalance.product_id,
               StockBalance.on_hand, StockBalance.reserved, Lot.lot_code, Lot.expiry_date,
               Lot.best_before, Lot.received_at, Lot.status_reason, Location.code,
               Location.kind)
        .join(Lot, Lot.id == StockBalance.lot_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(_among(StockBalance.product_id, sorted(products),
                      session.get_bind().dialect.name == "postgresql"),
               StockBalance.warehouse_id == warehouse_id,
               StockBalance.on_hand > StockBalance.reserved,
               Lot.status == LotStatus.AVAILABLE,
               Location.kind.not_in(NOT_ALLOCATABLE), Location.active.is_(True))
        .order_by(StockBalance.location_id, StockBalance.lot_id)
        .with_for_update(of=StockBalance))
    for r in rows:
        cands.setdefault(r.product_id, []).append(allocation.Candidate(
            lot_id=r.lot_id, location_id=r.location_id, available=r.on_hand - r.reserved,
            lot_code=r.lot_code, location_code=r.code, expiry=r.expiry_date or r.best_before,
            received_at=r.received_at, extra={"expiry_date": r.expiry_date}))
        kinds[r.location_id] = r.kind
        reasons[r.lot_id] = r.status_reason
    facts = CANDIDATE_FACTS.get(strategy)
    if facts is not None:
        cands = {pid: facts(session, cs) for pid, cs in cands.items()}
    return cands, kinds, reasons


def _date_rule(session: Session, warehouse_id: int, reasons: dict[int, str]
               ) -> Callable[[allocation.Candidate], None]:
    """The status rule a reservation asks (``ledger.check_step``) for the candidates of
    ``_day_candidates``, all of available lots: one past its date is refused."""
    utc_today = datetime.now(UTC).date()
    local = _warehouse_today(session, warehouse_id, utc_today)

    def check(cand: allocation.Candidate) -> None:
        use_by = cand.expiry
        # As ``lot_state.local_today``: the warehouse's date decides only near the date.
        today = local if use_by is not None and \
            utc_today - timedelta(days=1) <= use_by <= utc_today else utc_today
        status = move_rules.status_of(LotStatus.AVAILABLE, use_by, today)
        move_rules.check(status, move_rules.Step.ALLOCATE, lot=cand.lot_code,
                         reason=move_rules.reason_of(status, reasons[cand.lot_id], use_by))

    return check


def _orders_with_event(session: Session, day_ids: Any, kind: str) -> set[int]:
    return set(session.scalars(
        select(OutboxEvent.order_id).where(OutboxEvent.kind == kind,
                                           OutboxEvent.order_id.in_(day_ids)).distinct()))


def _report_order(entries: list[tuple[Any, str, dict[str, Any]]], nulls_last: bool
                  ) -> list[dict[str, Any]]:
    """Reservations in ``report``'s order: by expiry date, then location code, with the
    undated where the database puts NULL (last on PostgreSQL, first on SQLite)."""
    if len(entries) < 2:
        return [entry for _, _, entry in entries]
    return [entry for _, _, entry in sorted(entries, key=lambda e: (
        (e[0] is None) == nulls_last, e[0] or date.min, e[1]))]


def _write_day(session: Session, now: datetime, new_rows: list[tuple[int, int, int, int, int]],
               grown: list[dict[str, int]], balances: dict[tuple[int, int], int],
               counted: list[dict[str, int]], statuses: dict[OrderStatus, list[int]]) -> None:
    """The day's plan in bulk: reservation rows (COPY on PostgreSQL), then one statement
    each for balances, line counters and statuses. The balances' guard (``reserved <=
    on_hand``, a check constraint) still refuses any oversold row."""
    res, bal, line = Reservation.__table__, StockBalance.__table__, OrderLine.__table__
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    if new_rows and pg:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(
                "COPY reservation (order_line_id, order_id, lot_id, location_id, quantity, "
                "created_at) FROM STDIN") as copy:
            for row in new_rows:
                copy.write_row((*row, now))
    elif new_rows:
        conn.execute(insert(res), [
            {"order_line_id": a, "order_id": b, "lot_id": c, "location_id": d,
             "quantity": q, "created_at": now} for a, b, c, d, q in new_rows])
    if grown:
        conn.execute(update(res).where(res.c.id == bindparam("row"))
                     .values(quantity=res.c.quantity + bindparam("more")), grown)
    if balances:
        locs, lots, more = zip(*((loc, lot, q) for (loc, lot), q in balances.items()),
                               strict=True)
        if pg:
            # Arrays unnested into rows: three parameters however many balances there are
            # (a VALUES list of tens of thousands of parameters costs seconds to build).
            conn.execute(text(
                "UPDATE stock_balance b SET reserved = b.reserved + v.more, updated_at = :now "
                "FROM unnest(CAST(:locs AS integer[]), CAST(:lots AS integer[]), "
                "CAST(:more AS integer[])) AS v(loc, lot, more) "
                "WHERE b.location_id = v.loc AND b.lot_id = v.lot"),
                {"locs": list(locs), "lots": list(lots), "more": list(more), "now": now})
        else:
            conn.execute(update(bal).where(bal.c.location_id == bindparam("loc"),
                                           bal.c.lot_id == bindparam("lot"))
                         .values(reserved=bal.c.reserved + bindparam("more"), updated_at=now),
                         [{"loc": a, "lot": b, "more": q}
                          for a, b, q in zip(locs, lots, more, strict=True)])
    if counted:
        if pg:
            conn.execute(text(
                "UPDATE order_line l SET allocated = l.allocated + v.more "
                "FROM unnest(CAST(:ids AS integer[]), CAST(:more AS integer[])) AS v(id, more) "
                "WHERE l.id = v.id"),
                {"ids": [c["line"] for c in counted], "more": [c["more"] for c in counted]})
        else:
            conn.execute(update(line).where(line.c.id == bindparam("line"))
                         .values(allocated=line.c.allocated + bindparam("more")), counted)
    for status, ids in statuses.items():
        conn.execute(update(CustomerOrder.__table__)
                     .where(_among(CustomerOrder.__table__.c.id, ids, pg))
                     .values(status=status))


def _among(col: Any, ids: Any, pg: bool) -> Any:
    """``col IN ids``; on PostgreSQL one array parameter instead of one per id."""
    ids = list(ids)
    if pg:
        return col == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return col.in_(ids)


def _emit_day(session: Session, now: datetime, delivery: dict[int, date],
              events: list[tuple[int, str, str, dict[str, Any]]]) -> None:
    """The day's outbox events in bulk, each as ``outbox.emit`` writes it: numbered after
    the order's last event, with a delivery per subscription that wants its kind."""
    if not events:
        return
    ids = sorted({order_id for order_id, *_ in events})
    last = dict(session.execute(
        select(OutboxEvent.order_id, func.max(OutboxEvent.sequence))
        .where(_among(OutboxEvent.order_id, ids,
                      session.get_bind().dialect.name == "postgresql"))
        .group_by(OutboxEvent.order_id)).all())
    subs = session.execute(select(WebhookSubscription.id, WebhookSubscription.kinds,
                                  WebhookSubscription.active)
                           .order_by(WebhookSubscription.id)).all()
    rows = []
    for order_id, ref, kind, payload in events:
        body: dict[str, Any] = {"status": payload["status"],
                                "delivery_date": delivery[order_id].isoformat()}
        if outbox.PAYLOAD_FACTS.get(kind):
            order = session.get(CustomerOrder, order_id)
            for facts in outbox.PAYLOAD_FACTS[kind]:
                body.update(facts(session, order))
        body.update({k: v for k, v in payload.items() if k != "status"})
        last[order_id] = (last.get(order_id) or 0) + 1
        rows.append({"event_id": str(uuid.uuid4()), "order_id": order_id, "order_ref": ref,
                     "sequence": last[order_id], "kind": kind, "payload": body,
                     "created_at": now})
    table = OutboxEvent.__table__
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # Ids drawn from the table's own sequence in one query, then the rows by COPY:
        # a row-by-row INSERT … RETURNING of a day's events costs several times as much.
        ids = sorted(conn.scalars(text(
            "SELECT nextval(pg_get_serial_sequence('outbox_event', 'id')) "
            "FROM generate_series(1, :n)"), {"n": len(rows)}))
        with conn.connection.driver_connection.cursor() as cur, cur.copy(
                "COPY outbox_event (id, event_id, order_id, order_ref, sequence, kind, "
                "payload, created_at) FROM STDIN") as copy:
            for event_id, row in zip(ids, rows, strict=True):
                copy.write_row((event_id, row["event_id"], row["order_id"], row["order_ref"],
                                row["sequence"], row["kind"], json.dumps(row["payload"]),
                                row["created_at"]))
        made = [(event_id, row["kind"], row["order_ref"], row["sequence"])
                for event_id, row in zip(ids, rows, strict=True)]
    else:
        made = session.execute(insert(table).returning(
            table.c.id, table.c.kind, table.c.order_ref, table.c.sequence,
            sort_by_parameter_order=True), rows).all()
    deliveries = []
    for event_id, kind, ref, sequence in made:
        for sub_id, kinds, active in subs:
            if not kinds or kind in kinds:
                session.info[outbox.EMITTED] = session.info.get(outbox.EMITTED, False) or active
                deliveries.append({"event_id": event_id, "subscription_id": sub_id,
                                   "order_ref": ref, "sequence": sequence,
                                   "status": DeliveryStatus.PENDING, "attempts": 0,
                                   "next_attempt_at": now, "last_error": ""})
    if deliveries:
        session.execute(insert(WebhookDelivery.__table__), deliveries)


def cancel_order(session: Session, ref: str) -> CustomerOrder:
    """Cancel an order not yet loaded; its reservations are released.

    An order whose units on a truck or at a pickup point are all of lots that may no longer
    be handed over (held, recalled, spoiled, expired) can be cancelled too: those units stay
    where they are, no longer reserved, until they are returned or scrapped there
    (``wms.returns``). The ledger then still says where the goods physically are.
    """
    order = get_order(session, ref, lock=True)
    if order.status == OrderStatus.CANCELLED:
        raise Conflict(N_("order {ref} is already cancelled", ref=ref))
    rows = session.scalars(select(Reservation).where(Reservation.order_id == order.id)
                           .order_by(Reservation.location_id, Reservation.lot_id)).all()
    if order.status not in CANCELLABLE and not _only_blocked_in_field(session, rows):
        raise Conflict(N_("order {ref} is {status}; it can no longer be cancelled", ref=ref,
                          status=order.status))
    for row in rows:
        unreserve(session, row)
    order.status = OrderStatus.CANCELLED
    session.flush()
    outbox.emit(session, order, outbox.CANCELLED)
    return order


def _only_blocked_in_field(session: Session, rows: list[Reservation]) -> bool:
    field = [r for r in rows if r.location.kind in IN_THE_FIELD]
    return bool(field) and not any(
        move_rules.allowed(lot_status(session, r.lot, r.location), move_rules.Step.HANDOVER)
        for r in field)
