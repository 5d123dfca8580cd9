"""Critical tracking events from the ledger, for traceability exports (FSMA 204, EPCIS).

These kinds of move are events another business or an authority cares about:

- ``receipt`` → *receiving*: the lot arrives from its supplier at a warehouse;
- ``load`` → *shipping*: it leaves the warehouse on one of our trucks for a pickup point;
- ``deliver`` → *delivery*: it is unloaded at the pickup point (received there);
- ``handover`` → *handover*: residents collect it (it leaves the chain);
- ``repack_consume`` / ``repack_produce`` → *transformation* (input and output): a repack
  turns input lots into new lots with their own code; a repack of kind
  ``initial_packing`` (a raw commodity packed for the first time) makes *initial
  packing* events of its outputs instead;
- ``hold`` (to quarantine, or by a recall), ``release`` and ``scrap`` → *hold*,
  *recall*, *release* and *destroy*: what EPCIS reports with a disposition (FSMA 204
  does not ask for them, so the spreadsheet leaves them out).

Moves inside a warehouse (put away, pick) are not events of this kind. A reversed move
and its reversal are both left out: the export shows what stands. Each event carries the
key data elements both formats need. The traceability lot code source is where the lot
code was assigned: the farm or base of a received lot (else its supplier), our warehouse
for a lot we repacked or packed. Country codes become ISO 3166 names (``wms.countries``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from wms import countries
from wms.models import (
    CustomerOrder,
    Location,
    Lot,
    MoveKind,
    Origin,
    PickupPoint,
    Product,
    Repack,
    RepackKind,
    RepackLine,
    StockMove,
    Supplier,
    User,
    Warehouse,
)
from wms.trace import places

CTE = {MoveKind.RECEIPT: "receiving", MoveKind.LOAD: "shipping",
       MoveKind.DELIVER: "delivery", MoveKind.HANDOVER: "handover",
       MoveKind.REPACK_CONSUME: "transformation_input",
       MoveKind.REPACK_PRODUCE: "transformation_output",
       MoveKind.HOLD: "hold", MoveKind.RELEASE: "release", MoveKind.SCRAP: "destroy"}
# The events FSMA 204 lists as critical tracking events; the others are for EPCIS only.
FSMA_CTES = frozenset({"receiving", "shipping", "delivery", "handover",
                       "transformation_input", "transformation_output", "initial_packing"})


@dataclass(frozen=True)
class Party:
    """Someone or somewhere an event comes from or goes to, as the exports describe it."""

    kind: str  # supplier, origin, warehouse, vehicle, pickup_point, consumer
    code: str
    name: str
    address: str = ""
    gln: str | None = None

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
    farm: Party | None = None  # the origin (farm, base) of the goods, for lot master data
    repack_id: int | None = None  # the repack a transformation or packing event belongs to
    repack_ref: str | None = None
    reason: str = ""
    # The read point's GS1 location: its own GLN, else its warehouse's with its code as
    # the extension; None when no GLN is configured.
    read_point_gln: str | None = None
    read_point_extension: str = "0"

    @property
    def local_time(self) -> datetime:
        return self.at.astimezone(ZoneInfo(self.timezone))

    @property
    def country_name(self) -> str:
        return countries.name(self.country_of_origin)


def _repacks(session: Session, move_ids: list[int], lot_ids: set[int]
             ) -> tuple[dict[int, Repack], dict[int, Repack]]:
    """The repack of each repack move, and the repack that made each lot made here."""
    if not move_ids and not lot_ids:
        return {}, {}
    rows = session.execute(
        select(RepackLine.move_id, RepackLine.lot_id, RepackLine.role, Repack)
        .join(Repack, Repack.id == RepackLine.repack_id)
        .where(RepackLine.move_id.in_(move_ids) | (RepackLine.lot_id.in_(lot_ids)
                                                  & (RepackLine.role == "output")))).all()
    by_move = {r[0]: r[3] for r in rows}
    made = {r[1]: r[3] for r in rows if r[2] == "output"}
    return by_move, made


def _statement(lot_id: int | None, product_id: int | None, start: date | None,
               end: date | None, move_ids: list[int] | None = None) -> Select:
    stmt = (select(StockMove, Lot, Product, User.username, CustomerOrder.external_ref,
                   CustomerOrder.pickup_point_id)
            .join(Lot, Lot.id == StockMove.lot_id)
            .join(Product, Product.id == StockMove.product_id)
            .outerjoin(User, User.id == StockMove.actor_id)
            .outerjoin(CustomerOrder, CustomerOrder.id == StockMove.order_id)
            .where(StockMove.kind.in_(list(CTE))))
    if lot_id is not None:
        stmt = stmt.where(StockMove.lot_id == lot_id)
    if product_id is not None:
        stmt = stmt.where(StockMove.product_id == product_id)
    if move_ids is not None:
        stmt = stmt.where(StockMove.id.in_(move_ids))
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
    return stmt


def critical_events(session: Session, *, lot_id: int | None = None,
                    product_id: int | None = None, start: date | None = None,
                    end: date | None = None, move_ids: list[int] | None = None
                    ) -> list[CriticalEvent]:
    """The lot's, the product's or the period's events, in time order. ``start`` and
    ``end`` are local calendar days of the warehouse where each event happened;
    ``move_ids`` keeps only those moves' events (the moves of one repack)."""
    stmt = _statement(lot_id, product_id, start, end, move_ids).order_by(StockMove.created_at,
                                                               StockMove.id)
    return _events(session, session.execute(stmt).all(), start, end, {})


def stream_events(session: Session, *, lot_id: int | None = None,
                  product_id: int | None = None, start: date | None = None,
                  end: date | None = None, by_lot: bool = False,
                  batch: int = 2000) -> Iterator[CriticalEvent]:
    """The same events as ``critical_events``, read through a server-side cursor
    ``batch`` rows at a time, so a month of a busy year never sits in memory at once.
    In time order, or with ``by_lot`` in the spreadsheet's order (lot code, SKU, time)."""
    stmt = _statement(lot_id, product_id, start, end)
    if by_lot:
        # Byte order, as Python sorts strings: a database collation would put "a" and "B"
        # the other way round from the non-streamed spreadsheet.
        code, sku = Lot.lot_code, Product.sku
        if session.get_bind().dialect.name == "postgresql":
            code, sku = code.collate("C"), sku.collate("C")
        stmt = stmt.order_by(code, sku, StockMove.created_at, StockMove.id)
    else:
        stmt = stmt.order_by(StockMove.created_at, StockMove.id)
    cache: dict[str, Any] = {}
    result = session.execute(stmt, execution_options={"yield_per": batch})
    try:
        for rows in result.partitions():
            yield from _events(session, rows, start, end, cache)
    finally:
        result.close()


def _events(session: Session, rows: Sequence[Row], start: date | None, end: date | None,
            cache: dict[str, Any]) -> list[CriticalEvent]:
    """Events of ledger rows (move, lot, product, actor, order ref, pickup point id), in
    the rows' order; ``cache`` keeps what every batch of one export shares."""
    if not rows:
        return []
    reversed_ids = set(session.scalars(select(StockMove.reverses_id).where(
        StockMove.reverses_id.in_([r[0].id for r in rows]))))
    rows = [r for r in rows if r[0].id not in reversed_ids]
    loc_ids = ({r[0].from_location_id for r in rows} | {r[0].to_location_id for r in rows}) - {None}
    located = places(session, loc_ids)  # type: ignore[arg-type]
    if "warehouses" not in cache:
        cache["warehouses"] = {w.id: w for w in session.scalars(select(Warehouse))}
    warehouses = cache["warehouses"]
    loc_rows = {row.id: row for row in session.scalars(
        select(Location).where(Location.id.in_(loc_ids)))}
    point_ids = {r[5] for r in rows if r[5]}
    points = {p.id: p for p in session.scalars(
        select(PickupPoint).where(PickupPoint.id.in_(point_ids)))} if point_ids else {}
    point_glns = dict(session.execute(select(PickupPoint.id, Location.gln).join(
        Location, Location.id == PickupPoint.location_id)
        .where(PickupPoint.id.in_(point_ids))).all()) if point_ids else {}
    suppliers = _by_id(session, Supplier, {r[1].supplier_id for r in rows})
    origins = _by_id(session, Origin, {r[1].origin_id for r in rows})
    by_move, made_here = _repacks(
        session, [r[0].id for r in rows if r[0].kind in (MoveKind.REPACK_CONSUME,
                                                         MoveKind.REPACK_PRODUCE)],
        {r[1].id for r in rows})
    out = []
    for move, lot, product, actor, order_ref, point_id in rows:
        home_loc = loc_rows[move.from_location_id or move.to_location_id]
        home = warehouses[home_loc.warehouse_id]
        if not _within(move.created_at, home.timezone, start, end):
            continue
        dc = _warehouse(home)
        point = points.get(point_id) if point_id else None
        pp = (Party("pickup_point", point.code, point.name, point.address,
                    point_glns.get(point.id)) if point
              else Party("pickup_point", "", "pickup point"))
        src_place = located.get(move.from_location_id) if move.from_location_id else None
        dst_place = located.get(move.to_location_id) if move.to_location_id else None
        vehicle = ((dst_place.vehicle if dst_place else None)
                   or (src_place.vehicle if src_place else None))
        supplier, origin = suppliers.get(lot.supplier_id), origins.get(lot.origin_id)
        made = made_here.get(lot.id)
        tlc = (_warehouse(warehouses[made.warehouse_id]) if made is not None
               else _grower(supplier, origin))
        truck = Party("vehicle", vehicle or "", f"vehicle {vehicle}" if vehicle else "vehicle")
        consumer = Party("consumer", order_ref or "", f"residents collecting order {order_ref}"
                         if order_ref else "residents")
        cte = CTE[move.kind]
        repack = by_move.get(move.id)
        ref = ("Move record", f"MOVE-{move.id}")
        where, source, dest = dc, dc, dc
        if move.kind == MoveKind.RECEIPT:
            source = _seller(supplier, origin)
            ref = (("Purchase order", lot.purchase_order) if lot.purchase_order
                   else ("Receiving record", f"MOVE-{move.id}"))
        elif move.kind == MoveKind.LOAD:
            dest = pp
            ref = ("Customer order", order_ref or f"MOVE-{move.id}")
        elif move.kind == MoveKind.DELIVER:
            where, source, dest = pp, truck, pp
            ref = ("Customer order", order_ref or f"MOVE-{move.id}")
        elif move.kind == MoveKind.HANDOVER:
            where, source, dest = pp, pp, consumer
            ref = ("Customer order", order_ref or f"MOVE-{move.id}")
        elif repack is not None:
            ref = ("Repack record", repack.ref)
            if (move.kind == MoveKind.REPACK_PRODUCE
                    and repack.kind == RepackKind.INITIAL_PACKING):
                cte = "initial_packing"
        elif move.kind == MoveKind.HOLD and move.reason.startswith("recall"):
            cte = "recall"
        read_loc = _read_location(move, loc_rows)
        gln, extension = _gln_of(read_loc, home)
        out.append(CriticalEvent(
            move_id=move.id, cte=cte, at=move.created_at, timezone=home.timezone,
            lot_id=lot.id, lot_code=lot.lot_code, sku=product.sku, gtin=product.gtin,
            product=product.name, unit=product.unit, quantity=move.quantity, where=where,
            source=source, destination=dest, tlc_source=tlc, reference_type=ref[0],
            reference_number=ref[1], read_point=_read_point(move, src_place, dst_place),
            harvest_date=lot.harvest_date,
            production_date=lot.production_date, expiry_date=lot.expiry_date or lot.best_before,
            country_of_origin=lot.country_of_origin or (origin.country if origin else ""),
            order=order_ref, vehicle=vehicle, route_id=move.route_id, actor=actor,
            farm=_grower(None, origin) if origin is not None else None,
            repack_id=repack.id if repack else None, repack_ref=repack.ref if repack else None,
            reason=move.reason, read_point_gln=gln, read_point_extension=extension))
    return out


def _warehouse(home: Warehouse) -> Party:
    return Party("warehouse", home.code, home.name,
                 ", ".join(p for p in (home.address, home.city) if p), home.gln)


def _read_location(move: StockMove, loc_rows: dict[int, Location]) -> Location:
    arriving = move.kind in (MoveKind.RECEIPT, MoveKind.DELIVER, MoveKind.REPACK_PRODUCE)
    loc_id = (move.to_location_id if arriving else move.from_location_id) or (
        move.to_location_id or move.from_location_id)
    return loc_rows[loc_id]


def _gln_of(loc: Location, home: Warehouse) -> tuple[str | None, str]:
    if loc.gln:
        return loc.gln, "0"
    if home.gln:
        return home.gln, loc.code
    return None, "0"


def _read_point(move: StockMove, src, dst) -> str:
    """Receipts, deliveries and repack outputs are seen where the goods arrive; the
    others where they leave."""
    arriving = move.kind in (MoveKind.RECEIPT, MoveKind.DELIVER, MoveKind.REPACK_PRODUCE)
    place = dst if arriving else src
    place = place or dst or src
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
                 f"{supplier.region}, {countries.name(supplier.country)}")


def _grower(supplier: Supplier | None, origin: Origin | None) -> Party:
    """Where the traceability lot code was assigned: the farm or base the lot comes from,
    else its supplier (an importer or wholesaler labels the lot)."""
    if origin is not None:
        return Party("origin", origin.code, origin.name,
                     f"{origin.region}, {countries.name(origin.country)}")
    return _seller(supplier, None)
