"""Purchase orders: a buyer orders from a farm base or importer for one warehouse, the
supplier may announce the pallets (ASN), and the dock receives or rejects against the lines.

The state follows what happened, by one rule (``next_state``): a receipt moves a sent
order to partially received, and to received once every line has its quantity; closing
records what never came as short. Rejected goods never enter stock: they are a record on
the line, not a ledger move.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from wms.errors import Conflict, NotFound, ValidationFailed
from wms.gtin import check_digit
from wms.i18n import N_, listed
from wms.models import (
    AsnPallet,
    Origin,
    PoRejection,
    PoState,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    RejectionReason,
    Supplier,
    Warehouse,
)
from wms.models.base import utcnow

OPEN = (PoState.SENT, PoState.PARTIALLY_RECEIVED)
# Which state each action may start from.
ALLOWED = {
    "send": (PoState.DRAFT,),
    "cancel": (PoState.DRAFT, PoState.SENT),
    "close": (PoState.SENT, PoState.PARTIALLY_RECEIVED, PoState.RECEIVED),
    "asn": OPEN,
    "receive": OPEN,
    "reject": OPEN,
}
MAX_LINES = 500


def check_action(order: PurchaseOrder, action: str) -> None:
    if order.state not in ALLOWED[action]:
        wanted = " or ".join(s.value for s in ALLOWED[action])
        raise Conflict(N_("purchase order {ref} is {state}; to {action} it, it must be "
                          "{wanted}", ref=order.ref, state=order.state.value, action=action,
                          wanted=wanted), state=order.state.value)


def next_state(order: PurchaseOrder) -> PoState:
    """The state an open order is in after its receipts."""
    if order.state not in OPEN:
        return order.state
    if any(ln.received for ln in order.lines) or any(ln.rejected for ln in order.lines):
        if all(ln.received >= ln.quantity for ln in order.lines):
            return PoState.RECEIVED
        return PoState.PARTIALLY_RECEIVED
    return order.state


def valid_sscc(code: str) -> bool:
    return len(code) == 18 and code.isdigit() and check_digit(code[:-1]) == int(code[-1])


# --- lateness ----------------------------------------------------------------------------

def late_clause(now: datetime):
    """SQL: the order's goods came after its window, or none came and the window is past."""
    return or_(PurchaseOrder.first_receipt_at > PurchaseOrder.due_at,
               and_(PurchaseOrder.first_receipt_at.is_(None),
                    PurchaseOrder.state.in_(OPEN), PurchaseOrder.due_at < now))


def lateness_minutes(order: PurchaseOrder, now: datetime | None = None) -> int:
    """Minutes after the window's end the goods came (or, while none came, it is now)."""
    if order.state in (PoState.DRAFT, PoState.CANCELLED):
        return 0
    arrived = order.first_receipt_at
    if arrived is None:
        if order.state == PoState.CLOSED:
            return 0
        arrived = now or utcnow()
    late = (arrived - order.due_at).total_seconds() / 60
    return max(0, int(late))


# --- creating ----------------------------------------------------------------------------

def create(session: Session, data: dict[str, Any], *, actor_id: int | None,
           prefix: str = "") -> PurchaseOrder:
    """Validate and store a draft order; errors name the field (``lines[2].origin``), or
    with ``prefix`` the place the data came from (a CSV line)."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(prefix + key, []).append(message)

    supplier = session.scalar(select(Supplier).where(Supplier.code == data["supplier"]))
    if supplier is None:
        err("supplier", N_("no supplier {code}", code=repr(data["supplier"])))
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == data["warehouse"]))
    if warehouse is None:
        err("warehouse", N_("no warehouse {code}", code=repr(data["warehouse"])))
    ref = (data.get("ref") or "").strip()
    if ref and session.scalar(select(PurchaseOrder.id).where(PurchaseOrder.ref == ref)):
        err("ref", N_("purchase order {ref} exists already", ref=ref))
    start, end = data.get("window_start") or time(6), data.get("window_end") or time(10)
    if start >= end:
        err("window_end", N_("the delivery window must end after it starts"))
    skus = {ln["sku"] for ln in data["lines"]}
    products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
    origin_codes = {ln["origin"] for ln in data["lines"] if ln.get("origin")}
    origins = {o.code: o for o in session.scalars(
        select(Origin).where(Origin.code.in_(origin_codes)))}
    seen: dict[str, int] = {}
    for i, ln in enumerate(data["lines"]):
        where = f"lines[{i}]."
        if ln["sku"] not in products:
            err(where + "sku", N_("no product {sku}", sku=repr(ln["sku"])))
        elif ln["sku"] in seen:
            err(where + "sku", N_("{sku} is already on line {earlier}; put the whole "
                                  "quantity on one line", sku=ln["sku"],
                                  earlier=seen[ln["sku"]] + 1))
        seen.setdefault(ln["sku"], i)
        code = ln.get("origin")
        if code:
            origin = origins.get(code)
            if origin is None:
                err(where + "origin", N_("no origin {code}", code=repr(code)))
            elif supplier is not None and origin.supplier_id != supplier.id:
                err(where + "origin", N_("origin {code} is not {supplier}'s; name a farm, "
                                         "base or source of this supplier", code=code,
                                         supplier=supplier.code))
    if errors:
        raise ValidationFailed(errors)
    assert supplier is not None and warehouse is not None
    order = PurchaseOrder(ref=ref or _next_ref(session, warehouse), supplier_id=supplier.id,
                          warehouse_id=warehouse.id, expected_date=data["expected_date"],
                          window_start=start, window_end=end, state=PoState.DRAFT,
                          due_at=datetime.combine(data["expected_date"], end,
                                                  ZoneInfo(warehouse.timezone)),
                          note=data.get("note") or "", buyer_id=actor_id)
    session.add(order)
    session.flush()
    for n, ln in enumerate(data["lines"], start=1):
        origin = origins.get(ln.get("origin") or "")
        session.add(PurchaseOrderLine(
            order_id=order.id, line_no=n, product_id=products[ln["sku"]].id,
            quantity=ln["quantity"], unit_price=ln["unit_price"],
            currency=ln.get("currency") or "CNY", origin_id=origin.id if origin else None,
            harvest_date=ln.get("harvest_date"), production_date=ln.get("production_date"),
            certifications=ln.get("certifications") or (origin.certifications if origin
                                                         else "")))
    session.flush()
    session.refresh(order)
    return order


def _next_ref(session: Session, warehouse: Warehouse) -> str:
    # Unique by the table's constraint: two buyers at the same instant get one 409.
    last = session.scalar(select(func.max(PurchaseOrder.id))) or 0
    return f"PO-{warehouse.code}-{last + 1:06d}"


# --- finding -----------------------------------------------------------------------------

def get(session: Session, ref: str, *, lock: bool = False) -> PurchaseOrder:
    stmt = select(PurchaseOrder).where(PurchaseOrder.ref == ref).options(
        selectinload(PurchaseOrder.lines).selectinload(PurchaseOrderLine.product),
        selectinload(PurchaseOrder.lines).selectinload(PurchaseOrderLine.origin),
        selectinload(PurchaseOrder.supplier), selectinload(PurchaseOrder.warehouse))
    if lock:
        stmt = stmt.with_for_update()
    order = session.scalar(stmt)
    if order is None:
        raise NotFound(N_("no purchase order {ref}", ref=ref))
    return order


def line_of(order: PurchaseOrder, *, line_no: int | None = None, sku: str | None = None,
            product_id: int | None = None, field: str = "line") -> PurchaseOrderLine:
    for ln in order.lines:
        if ((line_no is not None and ln.line_no == line_no)
                or (sku is not None and ln.product.sku == sku)
                or (product_id is not None and ln.product_id == product_id)):
            return ln
    message = (
        N_("purchase order {ref} has no line {line}", ref=order.ref, line=line_no)
        if line_no is not None else
        N_("purchase order {ref} has no line of {sku}", ref=order.ref, sku=sku)
        if sku is not None else
        N_("purchase order {ref} has no line of this product", ref=order.ref))
    raise ValidationFailed({field: [message]})


# --- state changes -----------------------------------------------------------------------

def send(session: Session, order: PurchaseOrder) -> PurchaseOrder:
    check_action(order, "send")
    order.state, order.sent_at = PoState.SENT, utcnow()
    return order


def cancel(session: Session, order: PurchaseOrder, reason: str) -> PurchaseOrder:
    check_action(order, "cancel")
    order.state, order.close_reason, order.closed_at = PoState.CANCELLED, reason, utcnow()
    return order


def close(session: Session, order: PurchaseOrder, reason: str) -> PurchaseOrder:
    """Close the order; what never arrived is recorded as short on each line."""
    check_action(order, "close")
    shorts = [ln for ln in order.lines if ln.received < ln.quantity]
    if shorts and not reason.strip():
        lines = listed([N_("line {line} ({sku}) {missing}", line=ln.line_no,
                           sku=ln.product.sku, missing=ln.quantity - ln.received)
                        for ln in shorts])
        raise ValidationFailed({"reason": [N_("say why the order closes short: {lines}",
                                              lines=lines)]})
    for ln in shorts:
        ln.short = ln.quantity - ln.received
    order.state, order.close_reason, order.closed_at = PoState.CLOSED, reason, utcnow()
    return order


# --- the supplier's advance shipping notice ------------------------------------------------

def add_asn(session: Session, order: PurchaseOrder, data: dict[str, Any]) -> list[AsnPallet]:
    check_action(order, "asn")
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    codes = [p["sscc"] for p in data["pallets"]]
    known = set(session.scalars(select(AsnPallet.sscc).where(AsnPallet.sscc.in_(codes))))
    lines: list[PurchaseOrderLine | None] = []
    for i, p in enumerate(data["pallets"]):
        where = f"pallets[{i}]."
        if not valid_sscc(p["sscc"]):
            errors.setdefault(where + "sscc", []).append(
                N_("{sscc} is not an SSCC: 18 digits ending in a check digit (it should end "
                   "in {digit})", sscc=repr(p["sscc"]), digit=check_digit(p["sscc"][:-1]))
                if len(p["sscc"]) == 18 and p["sscc"].isdigit() else
                N_("{sscc} is not an SSCC: 18 digits ending in a check digit",
                   sscc=repr(p["sscc"])))
        elif p["sscc"] in known or p["sscc"] in seen:
            errors.setdefault(where + "sscc", []).append(
                N_("pallet {sscc} is already announced", sscc=p["sscc"]))
        seen.add(p["sscc"])
        found = next((ln for ln in order.lines if ln.line_no == p["line"]), None)
        if found is None:
            errors.setdefault(where + "line", []).append(
                N_("purchase order {ref} has no line {line}", ref=order.ref, line=p["line"]))
        lines.append(found)
    if errors:
        raise ValidationFailed(errors)
    out = []
    for p, ln in zip(data["pallets"], lines, strict=True):
        assert ln is not None
        pallet = AsnPallet(sscc=p["sscc"], order_id=order.id, line_id=ln.id,
                           lot_code=p["lot"], quantity=p["quantity"],
                           harvest_date=p.get("harvest_date"),
                           production_date=p.get("production_date"),
                           expiry_date=p.get("expiry_date"), shipped_at=data.get("shipped_at"))
        session.add(pallet)
        out.append(pallet)
    session.flush()
    return out


def pallets(session: Session, order: PurchaseOrder) -> list[AsnPallet]:
    return list(session.scalars(select(AsnPallet).where(AsnPallet.order_id == order.id)
                                .options(selectinload(AsnPallet.line)
                                         .selectinload(PurchaseOrderLine.product))
                                .order_by(AsnPallet.id)))


def reject(session: Session, order: PurchaseOrder, line: PurchaseOrderLine, *, quantity: int,
           reason: str, note: str = "", lot_code: str = "", sscc: str | None = None,
           probe_temp_c: float | None = None, actor_id: int | None) -> PoRejection:
    check_action(order, "reject")
    try:
        why = RejectionReason(reason)
    except ValueError:
        raise ValidationFailed({"reason": [
            N_("{reason} is not a reason to reject: one of {reasons}", reason=repr(reason),
               reasons=", ".join(r.value for r in RejectionReason))]}) from None
    if line.received + line.rejected + quantity > line.quantity * 2:
        # A typing slip, not a delivery: more refused than could ever have come.
        raise ValidationFailed({"quantity": [
            N_("line {line} ordered {ordered}; {quantity} more rejected is more than was "
               "delivered", line=line.line_no, ordered=line.quantity, quantity=quantity)]})
    rejection = PoRejection(line_id=line.id, quantity=quantity, reason=why, note=note,
                            lot_code=lot_code, sscc=sscc, probe_temp_c=probe_temp_c,
                            recorded_by=actor_id)
    session.add(rejection)
    line.rejected += quantity
    now = utcnow()
    order.first_receipt_at = order.first_receipt_at or now
    order.last_receipt_at = now
    order.state = next_state(order)
    session.flush()
    return rejection


def rejections(session: Session, order: PurchaseOrder) -> list[PoRejection]:
    ids = [ln.id for ln in order.lines]
    return list(session.scalars(select(PoRejection).where(PoRejection.line_id.in_(ids))
                                .order_by(PoRejection.id)))
