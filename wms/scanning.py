"""What a handheld scan does: read the barcode, resolve it, and write the move.

``plan_scan`` reads and resolves without writing (the preview shows its result);
``execute_scan`` turns a plan into ledger moves. Every message is meant for the
person holding the scanner: what is wrong and what to do about it.

Longer than 400 lines because a scan is resolved in one pass (barcode, places, lot, order,
purchase order, probe) into one ``ScanPlan`` that execution writes; the parts read each
other's results, and their messages are best kept side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from wms import picking, po_receiving, purchasing, receipt_certificates, receipt_probe
from wms.errors import Conflict, Forbidden, ValidationFailed
from wms.gs1 import ScanData, ScanError, parse_scan
from wms.i18n import N_
from wms.ledger import record_move
from wms.models import (
    CustomerOrder,
    Location,
    Lot,
    LotStatus,
    MoveKind,
    Product,
    PurchaseOrderLine,
    StockBalance,
    StockMove,
    Supplier,
    Vehicle,
    Warehouse,
)
from wms.models.base import utcnow
from wms.move_hooks import take_warnings
from wms.plausibility import Plausible, check_plausible
from wms.receipt_probe import ProbeLimits, ProbeVerdict, judge
from wms.stock import check_temperature, count, temperature_problem

ACTIONS = ("receive", "putaway", "move", "pick", "load", "count", "scrap")
ACTION_NAMES = {"receive": N_("receive"), "putaway": N_("putaway"), "move": N_("move"),
                "pick": N_("pick"), "load": N_("load"), "count": N_("count"),
                "scrap": N_("scrap")}
# ``reject``: goods of a purchase order refused at the dock; recorded, never in stock.
API_ACTIONS = (*ACTIONS, "reject")
# Which location fields each action reads.
ONE_PLACE = {"receive", "count", "scrap", "reject"}
AT_THE_DOCK = ("receive", "reject")
KIND = {"receive": MoveKind.RECEIPT, "putaway": MoveKind.PUTAWAY, "move": MoveKind.TRANSFER,
        "scrap": MoveKind.SCRAP}


@dataclass
class ScanPlan:
    action: str
    data: ScanData
    product: Product
    lot: Lot | None
    lot_code: str
    quantity: int | None
    src: Location | None = None
    dst: Location | None = None
    order: CustomerOrder | None = None
    vehicle: Vehicle | None = None
    supplier: Supplier | None = None
    reason: str = ""
    override_reason: str | None = None
    hints: list[str] = field(default_factory=list)
    probe: ProbeVerdict | None = None
    warm_goods: str = "quarantine"
    po: po_receiving.ReceiptMatch | None = None
    over_receipt_pct: float = 5.0
    rejection: Any = None
    probe_temp_c: float | None = None

    @property
    def expiry(self) -> date | None:
        if self.lot is not None:
            return self.lot.expiry_date or self.lot.best_before
        return self.data.expiry or self.data.best_before


@dataclass
class ScanOutcome:
    plan: ScanPlan
    moves: list[StockMove]
    lot_created: bool
    #: what the person scanning must know although the scan was done (a place in alarm)
    warnings: list[str] = field(default_factory=list)


def _today(location: Location) -> date:
    return datetime.now(ZoneInfo(location.warehouse.timezone)).date()


# Product by GTIN, the scanned lot of it and the scanned locations with their
# warehouses, in one round trip: a scan is answered while the person waits. Rows
# multiply by the locations found (none, one or two); the warehouses land in the
# session's identity map, so ``location.warehouse`` needs no further query. Two
# plain parameters rather than an expanding IN: the statement then compiles once.
# The last column counts the product's open purchase order lines there (po_receiving).
_RESOLVE = (
    select(Product, Lot, Location, Warehouse, po_receiving.OPEN_PO_LINES)
    .outerjoin(Lot, and_(Lot.product_id == Product.id, Lot.lot_code == bindparam("lot_code")))
    .outerjoin(Location, or_(Location.code == bindparam("code_1"),
                             Location.code == bindparam("code_2")))
    .outerjoin(Warehouse, Warehouse.id == Location.warehouse_id)
    .where(Product.gtin == bindparam("gtin"))
)


def _location(locations: dict[str, Location], code: str | None, name: str,
              warehouse_ids: set[int] | None) -> Location:
    if not code:
        raise ValidationFailed({name: [N_("scan or enter the location")]})
    loc = locations.get(code)
    if loc is None or not loc.active:
        raise ValidationFailed({name: [N_("there is no location {code}; scan the location "
                                          "label again", code=repr(code))]})
    if warehouse_ids is not None and loc.warehouse_id not in warehouse_ids:
        raise Forbidden(N_("location {code} is not in your warehouse", code=code), field=name)
    return loc


def plan_scan(session: Session, request: dict[str, Any], *, separator: str,
              warehouse_ids: set[int] | None, today: date | None = None,
              bounds: Plausible = Plausible(),
              probe_limits: ProbeLimits = ProbeLimits(),
              over_receipt_pct: float = 5.0) -> ScanPlan:
    """Read and resolve a scan; raise ``ValidationFailed`` (422) for anything wrong with it."""
    action = request["action"]
    try:
        data = parse_scan(request["barcode"], separator)
        check_plausible(data, bounds)
    except ScanError as exc:
        raise ValidationFailed({"barcode": [exc.message]}, field=exc.field) from exc
    pallet, given_quantity = None, request.get("quantity")
    if action in AT_THE_DOCK:
        data, pallet, given_quantity = po_receiving.read_pallet(session, data, request)
    if data.gtin is None:
        raise ValidationFailed({"barcode": [
            N_("this is a pallet label (SSCC); scan the product's own label") if data.sscc else
            N_("this is a barcode without a GTIN; scan the product's own label")]})
    # The lot code as ``_lot_code`` reads it; a mismatch is reported in its turn below.
    wanted_lot = data.lot or (request.get("lot") or "").strip() or None
    # The places this action reads: one, or two (from and to).
    if action in ONE_PLACE:
        codes = (request.get("location"), None)
    else:
        codes = (request.get("from"), request.get("to"))
    rows = session.execute(_RESOLVE, {"gtin": data.gtin, "lot_code": wanted_lot,
                                      "code_1": codes[0] or None,
                                      "code_2": codes[1] or None}).all()
    if not rows:
        raise ValidationFailed({"barcode": [N_("no product has GTIN {gtin}; check the label or "
                                               "ask for the product to be registered",
                                               gtin=data.gtin)]})
    product, found_lot = rows[0][0], rows[0][1]
    locations = {row[2].code: row[2] for row in rows if row[2] is not None}
    # A lot this product already has is read right: its code only looks glued.
    hints = [] if found_lot is not None and data.lot else list(data.hints)
    if data.is_content_gtin:
        hints.append(N_("this label names the goods inside a logistic unit (AI 02)"))

    src = dst = None
    if action in ONE_PLACE:
        loc = _location(locations, request.get("location"), "location", warehouse_ids)
        src, dst = (None, loc) if action in AT_THE_DOCK else (loc, None)
    elif action == "load":
        src = (_location(locations, request.get("from"), "from", warehouse_ids)
               if request.get("from") else None)
        dst = _location(locations, request.get("to"), "to", warehouse_ids)
    else:
        src = _location(locations, request.get("from"), "from", warehouse_ids)
        if action != "pick" or request.get("to"):
            dst = _location(locations, request.get("to"), "to", warehouse_ids)

    try:
        quantity = _quantity(action, data, given_quantity, bounds.max_count)
    except ValidationFailed as exc:
        # A count glued into the lot is why the label seems to have none: say so there.
        exc.errors = {k: [*v, *hints] for k, v in exc.errors.items()}
        raise
    lot_code = _lot_code(data, request.get("lot"))
    lot = found_lot if lot_code else None
    plan = ScanPlan(action=action, data=data, product=product, lot=lot, lot_code=lot_code or "",
                    quantity=quantity, src=src, dst=dst, hints=hints,
                    reason=(request.get("reason") or "").strip(),
                    override_reason=(request.get("override_reason") or "").strip() or None,
                    over_receipt_pct=over_receipt_pct)

    awaited = any(row[4] for row in rows if row[2] is not None and row[2] is dst)
    if action in AT_THE_DOCK:
        po_receiving.against_order(session, plan, request, pallet, awaited)
    if action == "receive":
        if not lot_code:
            raise ValidationFailed({"lot": [N_("the barcode has no lot (AI 10); enter the lot "
                                               "code printed on the label")]})
        expiry = plan.expiry
        assert dst is not None
        if expiry is not None and expiry < (today or _today(dst)):
            raise ValidationFailed({"expiry": [N_("lot {lot} expired on {date}; do not receive "
                                                  "it — set it aside for return", lot=lot_code,
                                                  date=expiry.isoformat())]})
        if request.get("probe_temp_c") is not None:
            plan.probe = judge(probe_limits, product.temp_class.value,
                               float(request["probe_temp_c"]))
            plan.warm_goods = probe_limits.warm_goods
    elif action == "reject":
        pass  # against_order has judged it: nothing is received, no lot is needed
    elif request.get("probe_temp_c") is not None:
        raise ValidationFailed({"probe_temp_c": [N_("a probe temperature is taken on receipt "
                                                    "only")]})
    elif lot is None:
        plan.lot = lot = _only_lot_here(session, product, src, lot_code)
        plan.lot_code = lot.lot_code

    if action == "scrap" and not plan.reason:
        raise ValidationFailed({"reason": [N_("say why the goods are scrapped")]})
    if action in ("pick", "load"):
        ref = request.get("order")
        if not ref:
            raise ValidationFailed({"order": [N_("a {action} scan names the order",
                                                 action=ACTION_NAMES[action])]})
        plan.order = session.scalar(select(CustomerOrder).where(
            CustomerOrder.external_ref == ref))
        if plan.order is None:
            raise ValidationFailed({"order": [N_("no order {ref}", ref=repr(ref))]})
        if warehouse_ids is not None and plan.order.warehouse_id not in warehouse_ids:
            raise ValidationFailed({"order": [N_("order {ref} is not for your warehouse",
                                                 ref=ref)]})
    if action == "load":
        assert dst is not None
        plan.vehicle = session.scalar(select(Vehicle).where(
            Vehicle.location_id.in_([dst.id, dst.parent_id or -1])))
        if plan.vehicle is None:
            raise ValidationFailed({"to": [N_("{code} is not a vehicle; scan the truck's label",
                                              code=dst.code)]})
    return plan


def _quantity(action: str, data: ScanData, given: int | None, most: int) -> int | None:
    if data.count is not None and given is not None and data.count != given:
        raise ValidationFailed({"quantity": [N_("the barcode says {count} but {given} was "
                                                "entered; enter the number actually there",
                                                count=data.count, given=given)]})
    quantity = data.count if data.count is not None else given
    if quantity is None:
        if action in ("pick", "load"):
            return None  # everything reserved for the order at that place
        raise ValidationFailed({"quantity": [N_("the barcode carries no count; enter the "
                                                "quantity")]})
    if quantity < 0 or (quantity == 0 and action != "count"):
        raise ValidationFailed({"quantity": [N_("the quantity must be above zero")]})
    if quantity > most:
        raise ValidationFailed({"quantity": [N_("at most {most} units per scan "
                                                "(WMS_MAX_SCAN_COUNT); check the number",
                                                most=most)]})
    return quantity


def _lot_code(data: ScanData, given: str | None) -> str | None:
    given = (given or "").strip() or None
    if data.lot and given and data.lot != given:
        raise ValidationFailed({"lot": [N_("the barcode says lot {lot} but {given} was entered",
                                           lot=data.lot, given=given)]})
    return data.lot or given


def _only_lot_here(session: Session, product: Product, src: Location | None,
                   lot_code: str | None) -> Lot:
    if lot_code:
        raise ValidationFailed({"lot": [N_("no lot {lot} of {sku} has been received; receive "
                                           "it first", lot=lot_code, sku=product.sku)]})
    if src is None:
        raise ValidationFailed({"lot": [N_("the barcode has no lot (AI 10); enter the lot "
                                           "code")]})
    lots = session.scalars(
        select(Lot).join(StockBalance, StockBalance.lot_id == Lot.id)
        .where(StockBalance.location_id == src.id, Lot.product_id == product.id,
               StockBalance.on_hand > 0).limit(2)).all()
    if len(lots) != 1:
        raise ValidationFailed({"lot": [
            N_("{code} holds no lot of {sku}; scan a label with the lot or enter the lot code",
               code=src.code, sku=product.sku) if not lots else
            N_("{code} holds {n} lots of {sku}; scan a label with the lot or enter the lot "
               "code", code=src.code, n=len(lots), sku=product.sku)]})
    return lots[0]


def execute_scan(session: Session, plan: ScanPlan, *, actor_id: int | None,
                 idempotency_key: str | None = None) -> ScanOutcome:
    """Write what the scan means; raise 409 conflicts (stock, temperature) unwritten."""
    if plan.po is not None:
        # Two docks receiving one line at once: the second waits and counts the first.
        session.execute(select(PurchaseOrderLine.id).where(
            PurchaseOrderLine.id == plan.po.line.id).with_for_update())
        session.refresh(plan.po.line)
    if plan.action == "reject":
        assert plan.po is not None and plan.quantity is not None
        plan.rejection = purchasing.reject(
            session, plan.po.order, plan.po.line, quantity=plan.quantity, reason=plan.reason,
            lot_code=plan.lot_code, sscc=plan.data.sscc, actor_id=actor_id,
            probe_temp_c=plan.probe_temp_c)
        return ScanOutcome(plan=plan, moves=[], lot_created=False)
    if plan.po is not None:
        assert plan.quantity is not None
        po_receiving.check_over_receipt(plan.po.line, plan.quantity, plan.over_receipt_pct)
    warm = plan.probe is not None and plan.probe.warm
    if warm and plan.warm_goods == "refuse":
        assert plan.probe is not None
        raise Conflict(N_("refused: {reason}; do not unload, return the goods to the supplier",
                          reason=plan.probe.reason), field="probe_temp_c",
                       probe_temp_c=plan.probe.probe_temp_c, limit_c=plan.probe.limit_c)
    if warm:
        assert plan.dst is not None and plan.probe is not None
        plan.dst = receipt_probe.quarantine_for(session, plan.dst, plan.product, plan.probe)
    lacking = _lacking_certificates(session, plan) if plan.action == "receive" else []
    if lacking:
        assert plan.dst is not None
        plan.dst = receipt_certificates.quarantine_for(session, plan.dst, plan.product, lacking)
    lot, created = plan.lot, False
    if lot is None:
        lot, created = _new_lot(session, plan)
        plan.lot = lot
    common = dict(actor_id=actor_id, idempotency_key=idempotency_key, raw_scan=plan.data.raw)
    moves: list[StockMove] = []
    if plan.action in KIND:
        if plan.dst is not None:
            check_temperature(plan.product, plan.dst, plan.override_reason)
        assert plan.quantity is not None
        moves.append(record_move(
            session, kind=KIND[plan.action], lot=lot, quantity=plan.quantity,
            from_location=plan.src, to_location=plan.dst, reason=plan.reason,
            override_reason=plan.override_reason if plan.dst is not None
            and temperature_problem(plan.product, plan.dst) else None,
            net_weight_kg=plan.data.net_weight_kg, **common))
    elif plan.action == "count":
        assert plan.src is not None and plan.quantity is not None
        move = count(session, lot, plan.src, plan.quantity, reason=plan.reason,
                     net_weight_kg=plan.data.net_weight_kg, **common)
        moves.extend([move] if move else [])
    elif plan.action == "pick":
        assert plan.order is not None and plan.src is not None
        moves = picking.pick(session, plan.order.id, lot_id=lot.id,
                             from_location_id=plan.src.id, quantity=plan.quantity, **common)
    elif plan.action == "load":
        assert plan.order is not None and plan.vehicle is not None
        moves = picking.load(session, plan.order.id, plan.vehicle.id, lot_id=lot.id,
                             quantity=plan.quantity, **common)
    if plan.po is not None and plan.action == "receive":
        assert plan.quantity is not None
        po_receiving.record_receipt(session, plan.po, lot=lot, move=moves[0],
                                  quantity=plan.quantity, sscc=plan.data.sscc)
    if lacking:
        held, why = receipt_certificates.hold(session, lot, lacking, moves[0], actor_id)
        moves.extend(held)
        plan.hints.append(why)
    if plan.probe is not None and plan.action == "receive":
        held, hint = receipt_probe.keep(session, plan.probe, lot, moves[0], actor_id)
        moves.extend(held)
        plan.hints.extend([hint] if hint else [])
    return ScanOutcome(plan=plan, moves=moves, lot_created=created,
                       warnings=take_warnings(session))


def _lacking_certificates(session: Session, plan: ScanPlan) -> list:
    assert plan.dst is not None
    supplier = plan.supplier or (plan.lot.supplier if plan.lot is not None else None)
    return receipt_certificates.lacking(
        session, product=plan.product, lot=plan.lot,
        expected=plan.po.line.certifications if plan.po is not None else None,
        supplier_id=supplier.id if supplier is not None else None, on=_today(plan.dst))


def _lot_insert(insert):
    table = Lot.__table__
    columns = ("product_id", "lot_code", "supplier_id", "production_date", "expiry_date",
               "best_before", "received_at", "country_of_origin", "status", "status_reason",
               "purchase_order", "certifications", "created_at")
    return (insert(Lot).values({c: bindparam(c) for c in columns})
            .on_conflict_do_nothing(index_elements=[table.c.product_id, table.c.lot_code])
            .returning(Lot))


_INSERT_LOT = {"postgresql": _lot_insert(pg_insert), "sqlite": _lot_insert(sqlite_insert)}
_LOT = select(Lot).where(Lot.product_id == bindparam("product_id"),
                         Lot.lot_code == bindparam("lot_code"))


def _new_lot(session: Session, plan: ScanPlan) -> tuple[Lot, bool]:
    """The scanned lot, created from the label if this is its first receipt.

    Two docks may receive the first pallets of one lot at the same moment: the
    insert skips a row another transaction has just created, and both use it.
    """
    data = plan.data
    now = utcnow()
    lot = session.scalars(_INSERT_LOT[session.get_bind().dialect.name], {
        "product_id": plan.product.id, "lot_code": plan.lot_code,
        "supplier_id": plan.supplier.id if plan.supplier else None,
        "production_date": data.production_date or data.pack_date,
        "expiry_date": data.expiry, "best_before": data.best_before, "received_at": now,
        "country_of_origin": data.country_of_origin or "",
        "status": LotStatus.AVAILABLE.value, "status_reason": "", "purchase_order": "",
        "certifications": "", "created_at": now,
    }).first()
    if lot is not None:
        return lot, True
    lot = session.scalar(_LOT, {"product_id": plan.product.id, "lot_code": plan.lot_code})
    assert lot is not None
    return lot, False


def scan(session: Session, request: dict[str, Any], *, separator: str,
         warehouse_ids: set[int] | None, actor_id: int | None,
         idempotency_key: str | None = None, bounds: Plausible = Plausible(),
         probe_limits: ProbeLimits = ProbeLimits(),
         over_receipt_pct: float = 5.0) -> ScanOutcome:
    """Plan and execute in one go (the API's POST /api/scans)."""
    plan = plan_scan(session, request, separator=separator, warehouse_ids=warehouse_ids,
                     bounds=bounds, probe_limits=probe_limits,
                     over_receipt_pct=over_receipt_pct)
    return execute_scan(session, plan, actor_id=actor_id, idempotency_key=idempotency_key)

