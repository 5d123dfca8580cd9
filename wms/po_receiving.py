"""Receiving against purchase orders at the dock: which order line a scan belongs to
(named, announced by the pallet's SSCC, or the only open one), the over-receipt limit, and
what a receipt writes on the line and the lot."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from wms.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wms.gs1 import ScanData
from wms.i18n import N_
from wms.models import (
    AsnPallet,
    Location,
    Lot,
    PoReceipt,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    StockMove,
    Supplier,
)
from wms.models.base import utcnow
from wms.purchasing import OPEN, RejectionReason, get, line_of, next_state
from wms.receipt_probe import PLAUSIBLE_C

# Open purchase order lines of the product at the location's warehouse, as a column of the
# scan's one resolving query: a receipt no order waits for costs no query of its own.
OPEN_PO_LINES = (
    select(func.count(PurchaseOrderLine.id))
    .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
    .where(PurchaseOrderLine.product_id == Product.id,
           PurchaseOrder.warehouse_id == Location.warehouse_id,
           PurchaseOrder.state.in_(OPEN))
    .correlate(Product, Location).scalar_subquery()
)


@dataclass
class ReceiptMatch:
    """The order line a receipt scan is taken against, and the ASN pallet if one was named."""

    order: PurchaseOrder
    line: PurchaseOrderLine
    pallet: AsnPallet | None = None


def pallet_by_sscc(session: Session, sscc: str) -> AsnPallet | None:
    return session.scalar(select(AsnPallet).where(AsnPallet.sscc == sscc).options(
        selectinload(AsnPallet.line).selectinload(PurchaseOrderLine.product)))


def match(session: Session, *, warehouse_id: int, product: Product, ref: str | None,
          supplier: Supplier | None, pallet: AsnPallet | None) -> ReceiptMatch | None:
    """The purchase order a receipt at ``warehouse_id`` belongs to: the one named, the one
    the pallet was announced on, or the only open order with a line of the product (of the
    scanned supplier, if one was given). None: a receipt without an order."""
    if pallet is not None:
        order = get(session, session.get(PurchaseOrder, pallet.order_id).ref)
        if ref and ref != order.ref:
            raise ValidationFailed({"purchase_order": [
                N_("pallet {sscc} was announced on {order}, not {ref}", sscc=pallet.sscc,
                   order=order.ref, ref=ref)]})
        if pallet.line.product_id != product.id:
            raise ValidationFailed({"barcode": [
                N_("pallet {sscc} was announced with {announced}, but the label is {sku}",
                   sscc=pallet.sscc, announced=pallet.line.product.sku, sku=product.sku)]})
    elif ref:
        try:
            order = get(session, ref)
        except NotFound:
            raise ValidationFailed({"purchase_order": [
                N_("no purchase order {ref}", ref=ref)]}) from None
    else:
        stmt = (select(PurchaseOrder.ref)
                .join(PurchaseOrderLine, PurchaseOrderLine.order_id == PurchaseOrder.id)
                .where(PurchaseOrder.warehouse_id == warehouse_id,
                       PurchaseOrder.state.in_(OPEN),
                       PurchaseOrderLine.product_id == product.id)
                .order_by(PurchaseOrder.expected_date, PurchaseOrder.id))
        if supplier is not None:
            stmt = stmt.where(PurchaseOrder.supplier_id == supplier.id)
        refs = list(dict.fromkeys(session.scalars(stmt)))
        if not refs:
            return None
        if len(refs) > 1:
            raise ValidationFailed({"purchase_order": [
                N_("{sku} is open on {count} purchase orders here ({refs}); name the "
                   "purchase order", sku=product.sku, count=len(refs),
                   refs=", ".join(refs[:5]))]})
        order = get(session, refs[0])
    if order.warehouse_id != warehouse_id:
        raise Forbidden(N_("purchase order {ref} is for {warehouse}, not this warehouse",
                           ref=order.ref, warehouse=order.warehouse.code),
                        field="purchase_order")
    if supplier is not None and supplier.id != order.supplier_id:
        raise ValidationFailed({"supplier": [
            N_("purchase order {ref} is from {supplier}, not {scanned}", ref=order.ref,
               supplier=order.supplier.code, scanned=supplier.code)]})
    if order.state not in OPEN:
        raise Conflict(N_("purchase order {ref} is {state}: nothing more can be received "
                          "against it", ref=order.ref, state=order.state.value),
                       field="purchase_order",
                       state=order.state.value)
    line = (pallet.line if pallet is not None
            else line_of(order, product_id=product.id, field="purchase_order"))
    return ReceiptMatch(order, line, pallet)


def check_over_receipt(line: PurchaseOrderLine, quantity: int, tolerance_pct: float) -> None:
    most = int(line.quantity * (1 + tolerance_pct / 100))
    if line.received + quantity > most:
        still_open = line.open_quantity
        raise Conflict(
            N_("over-receipt: line {line} ({sku}) of {ref} ordered {ordered}, {received} "
               "received, {open} still open; {quantity} is more than the {tolerance} % "
               "tolerance allows (WMS_PO_OVER_RECEIPT_PCT): receive at most {most}, refuse "
               "the rest", line=line.line_no, sku=line.product.sku, ref=line.order.ref,
               ordered=line.quantity, received=line.received, open=still_open,
               quantity=quantity, tolerance=f"{tolerance_pct:g}",
               most=max(0, most - line.received)), field="quantity",
            open_quantity=still_open, most=max(0, most - line.received))



def record_receipt(session: Session, found: ReceiptMatch, *, lot: Lot, move: StockMove,
                   quantity: int, sscc: str | None) -> None:
    """Count a receipt move against its line; the lot takes what the order (or the
    pallet's notice) says of where the goods came from."""
    line, order, pallet = found.line, found.order, found.pallet
    session.add(PoReceipt(line_id=line.id, move_id=move.id, quantity=quantity, sscc=sscc))
    line.received += quantity
    now = utcnow()
    order.first_receipt_at = order.first_receipt_at or now
    order.last_receipt_at = now
    order.state = next_state(order)
    if pallet is not None:
        pallet.received_move_id = move.id
    harvest = (pallet.harvest_date if pallet is not None else None) or line.harvest_date
    produced = (pallet.production_date if pallet is not None else None) or line.production_date
    lot.purchase_order = lot.purchase_order or order.ref
    lot.supplier_id = lot.supplier_id or order.supplier_id
    lot.origin_id = lot.origin_id or line.origin_id
    lot.harvest_date = lot.harvest_date or harvest
    lot.production_date = lot.production_date or produced
    lot.certifications = lot.certifications or line.certifications
    lot.buyer_id = lot.buyer_id or order.buyer_id
    if not lot.country_of_origin and line.origin is not None:
        lot.country_of_origin = line.origin.country
    session.flush()


def read_pallet(session: Session, data: ScanData, request: dict[str, Any]
                ) -> tuple[ScanData, AsnPallet | None, int | None]:
    """A dock scan of a pallet's SSCC: what its shipping notice says the pallet carries,
    filled in where the label is silent (the label, where it speaks, wins)."""
    given = request.get("quantity")
    if not data.sscc:
        return data, None, given
    pallet = pallet_by_sscc(session, data.sscc)
    if pallet is None:
        if data.gtin is None:
            raise ValidationFailed({"barcode": [
                N_("pallet {sscc} is on no advance shipping notice; scan the product's "
                   "own label", sscc=data.sscc)]}, field="sscc")
        return data, None, given
    data = replace(data, gtin=data.gtin or pallet.line.product.gtin,
                   lot=data.lot or (None if request.get("lot") else pallet.lot_code),
                   expiry=data.expiry or pallet.expiry_date,
                   production_date=data.production_date or pallet.production_date)
    if given is None and data.count is None:
        given = pallet.quantity
    return data, pallet, given


def against_order(session: Session, plan: Any, request: dict[str, Any],
                  pallet: AsnPallet | None, awaited: bool) -> None:
    """Set the supplier and the purchase order line a dock scan (``plan``) is taken
    against, if any; a rejection must have one."""
    if request.get("supplier"):
        plan.supplier = session.scalar(select(Supplier).where(
            Supplier.code == request["supplier"]))
        if plan.supplier is None:
            raise ValidationFailed({"supplier": [N_("no supplier {code}",
                                                     code=repr(request["supplier"]))]})
    assert plan.dst is not None
    awaited = awaited or pallet is not None or bool(request.get("purchase_order"))
    if awaited or plan.action == "reject":
        plan.po = match(session, warehouse_id=plan.dst.warehouse_id, product=plan.product,
                        ref=request.get("purchase_order"), supplier=plan.supplier,
                        pallet=pallet)
    if plan.action == "reject":
        if plan.po is None:
            raise ValidationFailed({"purchase_order": [
                N_("goods are rejected against a purchase order: name it, or scan the "
                   "pallet's SSCC from its shipping notice")]})
        if plan.reason not in {r.value for r in RejectionReason}:
            raise ValidationFailed({"reason": [
                N_("say why the goods are rejected: one of {reasons}",
                   reasons=", ".join(r.value for r in RejectionReason))]})
    if plan.po is None:
        return
    if request.get("probe_temp_c") is not None:
        plan.probe_temp_c = float(request["probe_temp_c"])
        low, high = PLAUSIBLE_C
        if plan.action == "reject" and not low <= plan.probe_temp_c <= high:
            raise ValidationFailed({"probe_temp_c": [
                N_("{temp} °C is not a probe temperature", temp=plan.probe_temp_c)]})
    plan.supplier = plan.supplier or plan.po.order.supplier
    plan.hints.append(N_("against purchase order {ref} line {line}: {received} of {ordered} "
                         "received so far", ref=plan.po.order.ref, line=plan.po.line.line_no,
                         received=plan.po.line.received, ordered=plan.po.line.quantity))
