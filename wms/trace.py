"""Where a lot came from and where it went: questions the ledger answers.

Forward, from a lot: every move (where, when, who) and every order, vehicle, route and
pickup point its units reached, with quantities. Backward, from a delivery (a move),
an order, or a pickup point and day: the lots delivered and handed over there, each with
its origin. Everything is read from the ledger; nothing here writes.

A reversed move and its reversal cancel each other: the quantities count what stands,
while the list of moves shows both, so the correction stays visible.

Longer than 400 lines because forward and backward traces share the move reader
(``_moves``, reversals marked), ``places`` and ``quantities`` that are most of the module;
each direction on its own is under 150 lines. A package (shared readers, forward,
backward) is the next step if either direction grows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from wms.errors import NotFound
from wms.i18n import N_
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    MoveKind,
    PickupPoint,
    ReceiptProbe,
    StockMove,
    User,
    Vehicle,
    Warehouse,
)

IN_WAREHOUSE = frozenset({LocationKind.WAREHOUSE, LocationKind.ZONE, LocationKind.RECEIVING,
                          LocationKind.STORAGE, LocationKind.STAGING, LocationKind.DOCK})


@dataclass(frozen=True)
class Place:
    """A location as a person reads it: which warehouse, which truck, which pickup point."""

    id: int
    code: str
    name: str
    kind: str
    warehouse: str
    vehicle: str | None = None
    pickup_point: str | None = None

    @property
    def area(self) -> str:
        """Where the stock is, in the words of a recall: warehouse, quarantine, vehicle or
        pickup point."""
        if self.kind == LocationKind.QUARANTINE:
            return "quarantine"
        if self.vehicle:
            return "vehicle"
        if self.pickup_point:
            return "pickup_point"
        return "warehouse"


@dataclass
class TraceMove:
    id: int
    kind: str
    at: datetime
    quantity: int
    from_: Place | None
    to: Place | None
    actor: str | None
    order: str | None
    order_pickup_point: str | None
    route_id: int | None
    reason: str
    reverses_id: int | None
    reversed_by: int | None = None
    probe_temp_c: float | None = None  # measured at receipt

    @property
    def stands(self) -> bool:
        """False for a reversal and for the move it reversed: together they cancel."""
        return self.reverses_id is None and self.reversed_by is None


@dataclass
class Quantities:
    received: int = 0
    adjusted_in: int = 0
    adjusted_out: int = 0
    scrapped: int = 0
    delivered: int = 0
    handed_over: int = 0
    repacked_out: int = 0  # consumed by repacks (the goods went into other lots)
    repacked_in: int = 0  # produced by a repack (this lot was made of others)
    on_hand: int = 0
    in_warehouse: int = 0
    in_quarantine: int = 0
    on_vehicles: int = 0
    at_pickup_points: int = 0

    @property
    def balanced(self) -> bool:
        """Everything that came in is either still here or left by handover, scrap or
        repacking."""
        came = self.received + self.adjusted_in + self.repacked_in
        left = self.handed_over + self.scrapped + self.adjusted_out + self.repacked_out
        return came - left == self.on_hand

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "balanced": self.balanced}


@dataclass
class Forward:
    lot_id: int
    moves: list[TraceMove]
    quantities: Quantities
    stock: list[tuple[Place, int]]
    orders: list[dict[str, Any]] = field(default_factory=list)
    vehicles: list[dict[str, Any]] = field(default_factory=list)
    routes: list[dict[str, Any]] = field(default_factory=list)
    pickup_points: list[dict[str, Any]] = field(default_factory=list)


def get_lot(session: Session, lot_id: int) -> Lot:
    lot = session.scalar(select(Lot).where(Lot.id == lot_id).options(
        joinedload(Lot.product), joinedload(Lot.supplier), joinedload(Lot.origin)))
    if lot is None:
        raise NotFound(N_("no lot with id {id}", id=lot_id), field="lot")
    return lot


def places(session: Session, ids: set[int]) -> dict[int, Place]:
    """Locations by id, each with the vehicle or pickup point it belongs to."""
    if not ids:
        return {}
    rows = session.execute(
        select(Location.id, Location.code, Location.name, Location.kind, Location.parent_id,
               Warehouse.code).join(Warehouse, Warehouse.id == Location.warehouse_id)
        .where(Location.id.in_(ids))).all()
    # A compartment is a child of its vehicle's location; either one names the vehicle.
    owners = {r[0] for r in rows} | {r[4] for r in rows if r[4] is not None}
    vehicles = dict(session.execute(select(Vehicle.location_id, Vehicle.code)
                                    .where(Vehicle.location_id.in_(owners))).all())
    points = dict(session.execute(select(PickupPoint.location_id, PickupPoint.code)
                                  .where(PickupPoint.location_id.in_(ids))).all())
    out = {}
    for loc_id, code, name, kind, parent_id, warehouse in rows:
        vehicle = vehicles.get(loc_id) or (vehicles.get(parent_id)
                                           if kind == LocationKind.VEHICLE else None)
        out[loc_id] = Place(loc_id, code, name, kind.value, warehouse, vehicle,
                            points.get(loc_id))
    return out


def _moves(session: Session, *where: Any) -> list[TraceMove]:
    rows = session.execute(
        select(StockMove.id, StockMove.kind, StockMove.created_at, StockMove.quantity,
               StockMove.from_location_id, StockMove.to_location_id, User.username,
               CustomerOrder.external_ref, PickupPoint.code, StockMove.route_id,
               StockMove.reason, StockMove.reverses_id, ReceiptProbe.probe_temp_c)
        .outerjoin(User, User.id == StockMove.actor_id)
        .outerjoin(ReceiptProbe, ReceiptProbe.move_id == StockMove.id)
        .outerjoin(CustomerOrder, CustomerOrder.id == StockMove.order_id)
        .outerjoin(PickupPoint, PickupPoint.id == CustomerOrder.pickup_point_id)
        .where(*where).order_by(StockMove.created_at, StockMove.id)).all()
    located = places(session, {r[4] for r in rows if r[4]} | {r[5] for r in rows if r[5]})
    moves = [TraceMove(id=r[0], kind=r[1].value, at=r[2], quantity=r[3],
                       from_=located.get(r[4]) if r[4] else None,
                       to=located.get(r[5]) if r[5] else None, actor=r[6], order=r[7],
                       order_pickup_point=r[8], route_id=r[9], reason=r[10],
                       reverses_id=r[11], probe_temp_c=r[12]) for r in rows]
    _mark_reversed(session, moves)
    return moves


def _mark_reversed(session: Session, moves: list[TraceMove]) -> None:
    by_id = {m.id: m for m in moves}
    for m in moves:
        if m.reverses_id in by_id:
            by_id[m.reverses_id].reversed_by = m.id
    # A reversal may lie outside the rows asked for (another day at a pickup point).
    unknown = [m.id for m in moves if m.reversed_by is None and m.reverses_id is None]
    if unknown:
        for rev_id, original in session.execute(
                select(StockMove.id, StockMove.reverses_id)
                .where(StockMove.reverses_id.in_(unknown))):
            by_id[original].reversed_by = rev_id


def quantities(moves: list[TraceMove]) -> tuple[Quantities, dict[int, int], dict[int, Place]]:
    """Net quantities by kind of event, and units on hand per location, from moves."""
    q = Quantities()
    here: dict[int, int] = defaultdict(int)
    seen: dict[int, Place] = {}
    for m in moves:
        # Balances per place include reversals (they move stock back); the counts by
        # kind leave out a reversed move together with its reversal.
        if m.from_ is not None:
            here[m.from_.id] -= m.quantity
            seen[m.from_.id] = m.from_
        if m.to is not None:
            here[m.to.id] += m.quantity
            seen[m.to.id] = m.to
        if not m.stands:
            continue
        if m.kind == MoveKind.RECEIPT:
            q.received += m.quantity
        elif m.kind == MoveKind.ADJUST:
            if m.to is not None:
                q.adjusted_in += m.quantity
            else:
                q.adjusted_out += m.quantity
        elif m.kind == MoveKind.SCRAP:
            q.scrapped += m.quantity
        elif m.kind == MoveKind.DELIVER:
            q.delivered += m.quantity
        elif m.kind == MoveKind.HANDOVER:
            q.handed_over += m.quantity
        elif m.kind == MoveKind.REPACK_CONSUME:
            q.repacked_out += m.quantity
        elif m.kind == MoveKind.REPACK_PRODUCE:
            q.repacked_in += m.quantity
    for loc_id, n in here.items():
        if n <= 0:
            continue
        area = seen[loc_id].area
        q.on_hand += n
        if area == "quarantine":
            q.in_quarantine += n
        elif area == "vehicle":
            q.on_vehicles += n
        elif area == "pickup_point":
            q.at_pickup_points += n
        else:
            q.in_warehouse += n
    return q, {k: v for k, v in here.items() if v > 0}, seen


def forward(session: Session, lot_id: int) -> Forward:
    """Every move of the lot and every order, vehicle, route and pickup point it reached."""
    get_lot(session, lot_id)
    moves = _moves(session, StockMove.lot_id == lot_id)
    q, here, seen = quantities(moves)
    out = Forward(lot_id=lot_id, moves=moves, quantities=q,
                  stock=sorted(((seen[k], n) for k, n in here.items()),
                               key=lambda pn: pn[0].code))
    standing = [m for m in moves if m.stands]
    out.orders = _orders(session, standing)
    out.vehicles, out.routes = _vehicles(standing)
    out.pickup_points = _pickup_points(standing, here, seen)
    return out


def _orders(session: Session, moves: list[TraceMove]) -> list[dict[str, Any]]:
    refs = sorted({m.order for m in moves if m.order})
    if not refs:
        return []
    info = {o.external_ref: o for o in session.scalars(
        select(CustomerOrder).where(CustomerOrder.external_ref.in_(refs)))}
    out = []
    for ref in refs:
        mine = [m for m in moves if m.order == ref]
        order = info[ref]
        out.append({
            "order": ref, "pickup_point": mine[0].order_pickup_point,
            "delivery_date": order.delivery_date, "status": order.status.value,
            "picked": sum(m.quantity for m in mine if m.kind == MoveKind.PICK),
            "loaded": sum(m.quantity for m in mine if m.kind == MoveKind.LOAD),
            "delivered": sum(m.quantity for m in mine if m.kind == MoveKind.DELIVER),
            "handed_over": sum(m.quantity for m in mine if m.kind == MoveKind.HANDOVER),
            "first_at": mine[0].at, "last_at": mine[-1].at,
        })
    return out


def _vehicles(moves: list[TraceMove]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_vehicle: dict[str, dict[str, Any]] = {}
    by_route: dict[int, dict[str, Any]] = {}
    for m in moves:
        if m.kind != MoveKind.LOAD or m.to is None or m.to.vehicle is None:
            continue
        v = by_vehicle.setdefault(m.to.vehicle, {
            "vehicle": m.to.vehicle, "loaded": 0, "first_loaded_at": m.at,
            "last_loaded_at": m.at, "compartments": set(), "routes": set()})
        v["loaded"] += m.quantity
        v["last_loaded_at"] = m.at
        v["compartments"].add(m.to.code)
        if m.route_id is not None:
            v["routes"].add(m.route_id)
            r = by_route.setdefault(m.route_id, {"route_id": m.route_id,
                                                 "vehicle": m.to.vehicle, "loaded": 0})
            r["loaded"] += m.quantity
    for v in by_vehicle.values():
        v["compartments"] = sorted(v["compartments"])
        v["routes"] = sorted(v["routes"])
    return (sorted(by_vehicle.values(), key=lambda v: v["vehicle"]),
            sorted(by_route.values(), key=lambda r: r["route_id"]))


def _pickup_points(moves: list[TraceMove], here: dict[int, int], seen: dict[int, Place]
                   ) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def row(code: str) -> dict[str, Any]:
        return out.setdefault(code, {"pickup_point": code, "delivered": 0, "handed_over": 0,
                                     "on_hand": 0, "orders": set()})

    for m in moves:
        if m.kind == MoveKind.DELIVER and m.to is not None and m.to.pickup_point:
            r = row(m.to.pickup_point)
            r["delivered"] += m.quantity
        elif m.kind == MoveKind.HANDOVER and m.from_ is not None and m.from_.pickup_point:
            r = row(m.from_.pickup_point)
            r["handed_over"] += m.quantity
        else:
            continue
        if m.order:
            r["orders"].add(m.order)
    for loc_id, n in here.items():
        if seen[loc_id].pickup_point:
            row(seen[loc_id].pickup_point)["on_hand"] += n
    for r in out.values():
        r["orders"] = sorted(r["orders"])
    return sorted(out.values(), key=lambda r: r["pickup_point"])


# --- backward ------------------------------------------------------------------------


@dataclass
class Backward:
    """Lots that reached a point of delivery, each with where it came from."""

    subject: dict[str, Any]
    lots: list[dict[str, Any]]
    moves: list[TraceMove]


def origin_of(lot: Lot) -> dict[str, Any]:
    sup, org = lot.supplier, lot.origin
    return {
        "supplier": None if sup is None else {
            "code": sup.code, "name": sup.name, "kind": sup.kind.value, "region": sup.region,
            "country": sup.country, "lat": sup.lat, "lon": sup.lon},
        "origin": None if org is None else {
            "code": org.code, "name": org.name, "kind": org.kind, "region": org.region,
            "country": org.country, "lat": org.lat, "lon": org.lon,
            "certifications": org.certifications},
        "harvest_date": lot.harvest_date, "production_date": lot.production_date,
        "received_at": lot.received_at, "purchase_order": lot.purchase_order,
        "country_of_origin": lot.country_of_origin, "certifications": lot.certifications,
    }


def _lots_of(session: Session, moves: list[TraceMove], lot_ids: dict[int, int]
             ) -> list[dict[str, Any]]:
    lots = {lot.id: lot for lot in session.scalars(
        select(Lot).where(Lot.id.in_(set(lot_ids.values()))).options(
            joinedload(Lot.product), joinedload(Lot.supplier), joinedload(Lot.origin)))}
    per: dict[int, dict[str, Any]] = {}
    for m in moves:
        if not m.stands:
            continue
        lot = lots[lot_ids[m.id]]
        r = per.setdefault(lot.id, {
            "lot_id": lot.id, "lot_code": lot.lot_code, "sku": lot.product.sku,
            "gtin": lot.product.gtin, "product": lot.product.name, "unit": lot.product.unit,
            "expiry_date": lot.expiry_date, "status": lot.status.value,
            "delivered": 0, "handed_over": 0, "orders": set(), **origin_of(lot)})
        if m.kind == MoveKind.DELIVER:
            r["delivered"] += m.quantity
        elif m.kind == MoveKind.HANDOVER:
            r["handed_over"] += m.quantity
        if m.order:
            r["orders"].add(m.order)
    for r in per.values():
        r["orders"] = sorted(r["orders"])
    return sorted(per.values(), key=lambda r: (r["sku"], r["lot_code"]))


def _backward(session: Session, subject: dict[str, Any], *where: Any) -> Backward:
    lot_ids = dict(session.execute(select(StockMove.id, StockMove.lot_id).where(*where)).all())
    moves = _moves(session, StockMove.id.in_(lot_ids)) if lot_ids else []
    return Backward(subject=subject, lots=_lots_of(session, moves, lot_ids), moves=moves)


DELIVERY_KINDS = (MoveKind.DELIVER, MoveKind.HANDOVER)


def from_move(session: Session, move_id: int) -> Backward:
    """The lot a delivery or handover move carried, and where that lot came from."""
    move = session.get(StockMove, move_id)
    if move is None:
        raise NotFound(N_("no move with id {id}", id=move_id), field="move")
    return _backward(session, {"move": move_id, "kind": move.kind.value},
                     StockMove.id == move_id)


def from_order(session: Session, ref: str) -> Backward:
    order = session.scalar(select(CustomerOrder).where(CustomerOrder.external_ref == ref))
    if order is None:
        raise NotFound(N_("no order {ref}", ref=repr(ref)), field="order")
    return _backward(session, {"order": ref, "pickup_point": order.pickup_point.code,
                               "delivery_date": order.delivery_date,
                               "status": order.status.value},
                     StockMove.order_id == order.id, StockMove.kind.in_(DELIVERY_KINDS))


def day_window(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The UTC bounds of a local calendar day."""
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def from_pickup_point(session: Session, code: str, day: date) -> Backward:
    """Lots delivered to and handed over at a pickup point on a local day."""
    point = session.scalar(select(PickupPoint).where(PickupPoint.code == code))
    if point is None:
        raise NotFound(N_("no pickup point {code}", code=repr(code)), field="pickup_point")
    start, end = day_window(day, point.warehouse.timezone)
    loc = point.location_id
    # Two indexed range scans (into and out of the point) rather than one OR.
    into = session.scalars(select(StockMove.id).where(
        StockMove.to_location_id == loc, StockMove.created_at >= start,
        StockMove.created_at < end, StockMove.kind == MoveKind.DELIVER)).all()
    out = session.scalars(select(StockMove.id).where(
        StockMove.from_location_id == loc, StockMove.created_at >= start,
        StockMove.created_at < end, StockMove.kind == MoveKind.HANDOVER)).all()
    return _backward(session, {"pickup_point": code, "date": day, "name": point.name,
                               "address": point.address},
                     StockMove.id.in_([*into, *out]))


def facts(session: Session, lot_id: int) -> dict[str, Any]:
    """A lot's page of facts: what, from where, bought by whom, and where its units are."""
    lot = get_lot(session, lot_id)
    q, _, _ = quantities(_moves(session, StockMove.lot_id == lot_id))
    buyer = session.get(User, lot.buyer_id) if lot.buyer_id else None
    p = lot.product
    return {
        "id": lot.id, "lot_code": lot.lot_code,
        "product": {"sku": p.sku, "gtin": p.gtin, "name": p.name, "name_en": p.name,
                    "name_zh": p.name_zh, "category": p.category,
                    "temp_class": p.temp_class.value, "unit": p.unit,
                    "shelf_life_days": p.shelf_life_days},
        **origin_of(lot),
        "buyer": None if buyer is None else {"username": buyer.username,
                                             "name": buyer.display_name},
        "expiry_date": lot.expiry_date, "best_before": lot.best_before,
        "status": lot.status.value, "status_reason": lot.status_reason,
        "quantities": q.as_dict(),
        "receipt_probes": [
            {"move_id": r.move_id, "probe_temp_c": r.probe_temp_c, "limit_c": r.limit_c,
             "outcome": r.outcome, "note": r.note, "measured_at": r.measured_at}
            for r in session.scalars(select(ReceiptProbe).where(ReceiptProbe.lot_id == lot_id)
                                     .order_by(ReceiptProbe.id))],
    }
