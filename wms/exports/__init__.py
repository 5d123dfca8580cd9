"""Critical tracking events from the ledger, for traceability exports (FSMA 204, EPCIS).

Four kinds of move are events another business or an authority cares about:

- ``receipt`` → *receiving*: the lot arrives from its supplier at a warehouse;
- ``load`` → *shipping*: it leaves the warehouse on one of our trucks for a pickup point;
- ``deliver`` → *delivery*: it is unloaded at the pickup point (received there);
- ``handover`` → *handover*: residents collect it (it leaves the chain).

Moves inside a warehouse (put away, pick, hold) are not events of this kind, and the
warehouse transforms nothing (no repacking or processing), so there are no transformation
events. A reversed move and its reversal are both left out: the export shows what stands.
Each event carries the key data elements both formats need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.models import (
    CustomerOrder,
    Location,
    Lot,
    MoveKind,
    Origin,
    PickupPoint,
    Product,
    StockMove,
    Supplier,
    User,
    Warehouse,
)
from wms.trace import places

CTE = {MoveKind.RECEIPT: "receiving", MoveKind.LOAD: "shipping",
       MoveKind.DELIVER: "delivery", MoveKind.HANDOVER: "handover"}


@dataclass(frozen=True)
class Party:
    """Someone or somewhere an event comes from or goes to, as the exports describe it."""

    kind: str  # supplier, origin, warehouse, vehicle, pickup_point, consumer
    code: str
    name: str
    address: str = ""

    @property
    def description(self) -> str:
        return ", ".join(part for part in (self.name, self.address) if part)


@dataclass(frozen=True)
class CriticalEvent:
    move_id: int
    cte: str
    at: datetime
    timezone: str
    lot_id: int
    lot_code: str
    sku: str
    gtin: str
    product: str
    unit: str
    quantity: int
    where: Party
    source: Party
    destination: Party
    tlc_source: Party
    reference_type: str
    reference_number: str
    read_point: str  # code of the location where the event was observed
    harvest_date: date | None
    production_date: date | None
    expiry_date: date | None
    country_of_origin: str
    order: str | None
    vehicle: str | None
    route_id: int | None
    actor: str | None

    @property
    def local_time(self) -> datetime:
        return self.at.astimezone(ZoneInfo(self.timezone))


def critical_events(session: Session, *, lot_id: int | None = None,
                    product_id: int | None = None, start: date | None = None,
                    end: date | None = None) -> list[CriticalEvent]:
    """The lot's, the product's or the period's events, in time order. ``start`` and
    ``end`` are local calendar days of the warehouse where each event happened."""
    stmt = (select(StockMove, Lot, Product, User.username, CustomerOrder.external_ref,
                   CustomerOrder.pickup_point_id)
            .join(Lot, Lot.id == StockMove.lot_id)
            .join(Product, Product.id == StockMove.product_id)
            .outerjoin(User, User.id == StockMove.actor_id)
            .outerjoin(CustomerOrder, CustomerOrder.id == StockMove.order_id)
            .where(StockMove.kind.in_(list(CTE)))
            .order_by(StockMove.created_at, StockMove.id))
    if lot_id is not None:
        stmt = stmt.where(StockMove.lot_id == lot_id)
    if product_id is not None:
        stmt = stmt.where(StockMove.product_id == product_id)
    # Local days differ from UTC days by at most 14 hours either way: fetch a little
    # more and keep each event by its own warehouse's calendar below.
    if start is not None:
        stmt = stmt.where(StockMove.created_at >= datetime.combine(start, datetime.min.time(),
                                                                   tzinfo=UTC)
                          - timedelta(hours=14))
    if end is not None:
        stmt = stmt.where(StockMove.created_at < datetime.combine(end, datetime.min.time(),
                                                                  tzinfo=UTC)
                          + timedelta(days=1, hours=14))
    rows = session.execute(stmt).all()
    if not rows:
        return []
    reversed_ids = set(session.scalars(select(StockMove.reverses_id).where(
        StockMove.reverses_id.in_([r[0].id for r in rows]))))
    rows = [r for r in rows if r[0].id not in reversed_ids]
    loc_ids = ({r[0].from_location_id for r in rows} | {r[0].to_location_id for r in rows}) - {None}
    located = places(session, loc_ids)  # type: ignore[arg-type]
    warehouses = {w.id: w for w in session.scalars(select(Warehouse))}
    loc_warehouse = dict(session.execute(select(Location.id, Location.warehouse_id)
                                         .where(Location.id.in_(loc_ids))).all())
    point_ids = {r[5] for r in rows if r[5]}
    points = {p.id: p for p in session.scalars(
        select(PickupPoint).where(PickupPoint.id.in_(point_ids)))} if point_ids else {}
    suppliers = _by_id(session, Supplier, {r[1].supplier_id for r in rows})
    origins = _by_id(session, Origin, {r[1].origin_id for r in rows})
    out = []
    for move, lot, product, actor, order_ref, point_id in rows:
        home = warehouses[loc_warehouse[move.from_location_id or move.to_location_id]]
        if not _within(move.created_at, home.timezone, start, end):
            continue
        dc = Party("warehouse", home.code, home.name, f"{home.address}, {home.city}".strip(", "))
        point = points.get(point_id) if point_id else None
        pp = (Party("pickup_point", point.code, point.name, point.address) if point
              else Party("pickup_point", "", "pickup point"))
        src_place = located.get(move.from_location_id) if move.from_location_id else None
        dst_place = located.get(move.to_location_id) if move.to_location_id else None
        vehicle = ((dst_place.vehicle if dst_place else None)
                   or (src_place.vehicle if src_place else None))
        supplier, origin = suppliers.get(lot.supplier_id), origins.get(lot.origin_id)
        grower = _grower(supplier, origin)
        truck = Party("vehicle", vehicle or "", f"vehicle {vehicle}" if vehicle else "vehicle")
        consumer = Party("consumer", order_ref or "", f"residents collecting order {order_ref}"
                         if order_ref else "residents")
        if move.kind == MoveKind.RECEIPT:
            where, source, dest = dc, _seller(supplier, origin), dc
            ref = (("Purchase order", lot.purchase_order) if lot.purchase_order
                   else ("Receiving record", f"MOVE-{move.id}"))
        elif move.kind == MoveKind.LOAD:
            where, source, dest = dc, dc, pp
            ref = ("Customer order", order_ref or f"MOVE-{move.id}")
        elif move.kind == MoveKind.DELIVER:
            where, source, dest = pp, truck, pp
            ref = ("Customer order", order_ref or f"MOVE-{move.id}")
        else:
            where, source, dest = pp, pp, consumer
            ref = ("Customer order", order_ref or f"MOVE-{move.id}")
        out.append(CriticalEvent(
            move_id=move.id, cte=CTE[move.kind], at=move.created_at, timezone=home.timezone,
            lot_id=lot.id, lot_code=lot.lot_code, sku=product.sku, gtin=product.gtin,
            product=product.name, unit=product.unit, quantity=move.quantity, where=where,
            source=source, destination=dest, tlc_source=grower, reference_type=ref[0],
            reference_number=ref[1], read_point=_read_point(move, src_place, dst_place),
            harvest_date=lot.harvest_date,
            production_date=lot.production_date, expiry_date=lot.expiry_date or lot.best_before,
            country_of_origin=lot.country_of_origin or (origin.country if origin else ""),
            order=order_ref, vehicle=vehicle, route_id=move.route_id, actor=actor))
    return out


def _read_point(move: StockMove, src, dst) -> str:
    """Receipts and deliveries are seen where the goods arrive; loads and handovers where
    they leave."""
    place = dst if move.kind in (MoveKind.RECEIPT, MoveKind.DELIVER) else src
    return place.code if place is not None else ""


def _by_id(session: Session, model, ids: set[int | None]) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


def _within(at: datetime, timezone: str, start: date | None, end: date | None) -> bool:
    day = at.astimezone(ZoneInfo(timezone)).date()
    return (start is None or day >= start) and (end is None or day <= end)


def _seller(supplier: Supplier | None, origin: Origin | None) -> Party:
    if supplier is None:
        return Party("supplier", "", "unknown supplier")
    return Party("supplier", supplier.code, supplier.name,
                 f"{supplier.region}, {supplier.country}")


def _grower(supplier: Supplier | None, origin: Origin | None) -> Party:
    """Where the traceability lot code was assigned: the farm or base the lot comes from,
    else its supplier (an importer or wholesaler labels the lot)."""
    if origin is not None:
        return Party("origin", origin.code, origin.name, f"{origin.region}, {origin.country}")
    return _seller(supplier, None)
