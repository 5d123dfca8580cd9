"""The buyer's purchasing page: orders with their lateness, and one order's lines with
what was received, rejected and is still open. Rendered on the server, no JavaScript."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import policy
from api.runtime import db
from api.web.views import bp, page
from wms import purchasing
from wms.models import PoState, PurchaseOrder, PurchaseOrderLine, Supplier, User

PAGE_SIZE = 100


@bp.get("/purchasing")
@policy.rule("page.purchasing")
@page
def purchasing_page(user: User):
    state = request.args.get("state") or ""
    supplier = request.args.get("supplier") or ""
    stmt = (select(PurchaseOrder)
            .options(selectinload(PurchaseOrder.lines), selectinload(PurchaseOrder.supplier),
                     selectinload(PurchaseOrder.warehouse))
            .order_by(PurchaseOrder.expected_date.desc(), PurchaseOrder.id.desc())
            .limit(PAGE_SIZE))
    if state in {s.value for s in PoState}:
        stmt = stmt.where(PurchaseOrder.state == state)
    if supplier:
        stmt = stmt.join(Supplier, Supplier.id == PurchaseOrder.supplier_id).where(
            Supplier.code == supplier)
    orders = db().scalars(stmt).all()
    rows = [{"po": o, "late": purchasing.lateness_minutes(o),
             "ordered": sum(ln.quantity for ln in o.lines),
             "received": sum(ln.received for ln in o.lines),
             "rejected": sum(ln.rejected for ln in o.lines)} for o in orders]
    suppliers = db().scalars(select(Supplier).order_by(Supplier.code)).all()
    return render_template("purchasing.html", user=user, title="Purchasing", rows=rows,
                           states=[s.value for s in PoState], state=state,
                           suppliers=suppliers, supplier=supplier)


@bp.get("/purchasing/<ref>")
@policy.rule("page.purchasing", on="purchase_order")
@page
def purchase_order_page(user: User, ref: str):
    order = purchasing.get(db(), ref)
    lines = db().scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id)
                         .options(selectinload(PurchaseOrderLine.product),
                                  selectinload(PurchaseOrderLine.origin))
                         .order_by(PurchaseOrderLine.line_no)).all()
    return render_template("purchase_order.html", user=user, title=f"Purchase order {ref}",
                           po=order, lines=lines, late=purchasing.lateness_minutes(order),
                           pallets=purchasing.pallets(db(), order),
                           rejections=purchasing.rejections(db(), order))
