"""The buyer's purchasing pages: orders with their lateness and a form to place one, one
order's lines with what was received, rejected and is still open, and the supplier
scorecard. Rendered on the server; the order form and the scorecard's range use the API."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import i18n, policy
from api.runtime import db, runtime
from api.web.views import bp, local_today, page
from coldchain.monitoring import scorecard
from wms import purchasing
from wms.i18n import N_
from wms.models import (
    Origin,
    PoState,
    PurchaseOrder,
    PurchaseOrderLine,
    RejectionReason,
    Supplier,
    User,
    Warehouse,
)

PAGE_SIZE = 100
STATE_NAMES = {PoState.DRAFT: N_("draft"), PoState.SENT: N_("sent"),
               PoState.PARTIALLY_RECEIVED: N_("partially received"),
               PoState.RECEIVED: N_("received"), PoState.CLOSED: N_("closed"),
               PoState.CANCELLED: N_("cancelled")}
REASON_NAMES = {RejectionReason.DAMAGED: N_("damaged"),
                RejectionReason.TEMPERATURE: N_("temperature"),
                RejectionReason.QUALITY: N_("quality"),
                RejectionReason.WRONG_PRODUCT: N_("wrong product")}
KIND_NAMES = {"farm_base": N_("farm base"), "importer": N_("importer"),
              "wholesaler": N_("wholesaler")}


def _names() -> dict:
    return {"state_name": lambda s: i18n.tr(STATE_NAMES[PoState(s)]),
            "reason_name": lambda r: i18n.tr(REASON_NAMES[RejectionReason(r)]),
            "kind_name": lambda k: i18n.tr(KIND_NAMES.get(str(getattr(k, "value", k)), k))}


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
    origins = db().scalars(select(Origin).order_by(Origin.code)).all()
    warehouses = db().scalars(select(Warehouse).order_by(Warehouse.code)).all()
    return render_template("purchasing.html", user=user, title=i18n.tr(N_("Purchasing")),
                           rows=rows, states=[s.value for s in PoState], state=state,
                           suppliers=suppliers, supplier=supplier, origins=origins,
                           warehouses=warehouses, today=local_today(user), **_names())


@bp.get("/purchasing/<ref>")
@policy.rule("page.purchasing", on="purchase_order")
@page
def purchase_order_page(user: User, ref: str):
    order = purchasing.get(db(), ref)
    lines = db().scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id)
                         .options(selectinload(PurchaseOrderLine.product),
                                  selectinload(PurchaseOrderLine.origin))
                         .order_by(PurchaseOrderLine.line_no)).all()
    return render_template("purchase_order.html", user=user,
                           title=i18n.tr(N_("Purchase order {ref}", ref=ref)),
                           po=order, lines=lines, late=purchasing.lateness_minutes(order),
                           pallets=purchasing.pallets(db(), order),
                           rejections=purchasing.rejections(db(), order), **_names())


@bp.get("/purchasing/scorecard")
@policy.rule("page.purchasing")
@page
def scorecard_page(user: User):
    """The last weeks' scorecard; the range fits ``WMS_MAX_RANGE_DAYS``."""
    to = local_today(user)
    start = to - timedelta(days=runtime().settings.max_range_days - 1)
    rows = scorecard.scorecard(db(), start, to)
    return render_template("scorecard.html", user=user,
                           title=i18n.tr(N_("Supplier scorecard")), rows=rows, start=start,
                           to=to, **_names())


@bp.get("/purchasing/scorecard.csv")
@policy.rule("page.purchasing")
@page
def scorecard_csv(user: User):
    """The scorecard shown on the page, as a CSV file to open in a spreadsheet."""
    to = local_today(user)
    start = to - timedelta(days=runtime().settings.max_range_days - 1)
    body = scorecard.to_csv(scorecard.scorecard(db(), start, to))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="supplier-scorecard-{to}.csv"'})
