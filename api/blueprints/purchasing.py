"""Purchase orders to farm bases and importers: list, place, send, cancel, close, the
supplier's shipping notice, and goods refused at the dock."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import policy
from api.auth import current_user
from api.blueprints.scans import idempotent
from api.lookups import one_or_404, scoped, warehouse_for_user
from api.pagination import SelectPage
from api.runtime import db
from api.schemas.purchasing import (
    AsnInSchema,
    AsnSchema,
    PoReasonSchema,
    PurchaseOrderInSchema,
    PurchaseOrderQuerySchema,
    PurchaseOrderSchema,
    RejectionInSchema,
    RejectionResultSchema,
)
from wms import purchasing
from wms.models import PurchaseOrder, PurchaseOrderLine, Supplier
from wms.models.base import utcnow

blp = Blueprint("purchasing", __name__, url_prefix="/api",
                description="Purchase orders, advance shipping notices and rejections")


def order_for_user(ref: str, *, write: bool = False) -> PurchaseOrder:
    order = purchasing.get(db(), ref)
    policy.require_warehouses(current_user(), {order.warehouse_id}, write=write,
                              what="purchase order")
    return order


@blp.route("/purchase-orders")
class PurchaseOrders(MethodView):
    @policy.rule("sourcing.read")
    @blp.arguments(PurchaseOrderQuerySchema, location="query")
    @blp.response(200, PurchaseOrderSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        """Purchase orders, the soonest due first; ``late`` keeps those past their window."""
        stmt = scoped(select(PurchaseOrder), PurchaseOrder.warehouse_id).options(
            selectinload(PurchaseOrder.lines).selectinload(PurchaseOrderLine.product),
            selectinload(PurchaseOrder.lines).selectinload(PurchaseOrderLine.origin),
            selectinload(PurchaseOrder.supplier), selectinload(PurchaseOrder.warehouse))
        if "warehouse" in args:
            stmt = stmt.where(
                PurchaseOrder.warehouse_id == warehouse_for_user(args["warehouse"]).id)
        if "supplier" in args:
            stmt = stmt.where(PurchaseOrder.supplier_id == one_or_404(
                Supplier, "supplier", code=args["supplier"]).id)
        if "state" in args:
            stmt = stmt.where(PurchaseOrder.state == args["state"])
        if "late" in args:
            late = purchasing.late_clause(utcnow())
            stmt = stmt.where(late if args["late"] else ~late)
        if "expected_from" in args:
            stmt = stmt.where(PurchaseOrder.expected_date >= args["expected_from"])
        if "expected_to" in args:
            stmt = stmt.where(PurchaseOrder.expected_date <= args["expected_to"])
        return stmt.order_by(PurchaseOrder.expected_date.desc(), PurchaseOrder.id.desc())

    @policy.rule("sourcing.write")
    @blp.arguments(PurchaseOrderInSchema)
    @blp.response(201, PurchaseOrderSchema)
    @blp.alt_response(409, description="the reference is taken")
    def post(self, data: dict):
        """Place a draft purchase order; send it when it is ready."""
        warehouse_for_user(data["warehouse"])
        order = purchasing.create(db(), data, actor_id=current_user().id)
        db().commit()
        return order


@blp.route("/purchase-orders/<ref>")
class PurchaseOrderByRef(MethodView):
    @policy.rule("sourcing.read", on="purchase_order")
    @blp.response(200, PurchaseOrderSchema)
    def get(self, ref: str):
        """One order with received, rejected, short and open quantities per line."""
        return order_for_user(ref)


def _change(ref: str, action: str, reason: str = "") -> PurchaseOrder:
    order = order_for_user(ref, write=True)
    if action == "send":
        purchasing.send(db(), order)
    elif action == "cancel":
        purchasing.cancel(db(), order, reason)
    else:
        purchasing.close(db(), order, reason)
    db().commit()
    return order


@blp.route("/purchase-orders/<ref>/send")
class SendPurchaseOrder(MethodView):
    @policy.rule("sourcing.write", on="purchase_order")
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(409, description="the order is not a draft")
    def post(self, ref: str):
        """Send a draft to the supplier; from now on the dock can receive against it."""
        return _change(ref, "send")


@blp.route("/purchase-orders/<ref>/cancel")
class CancelPurchaseOrder(MethodView):
    @policy.rule("sourcing.write", on="purchase_order")
    @blp.arguments(PoReasonSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(409, description="goods were received against it already")
    def post(self, data: dict, ref: str):
        """Cancel an order nothing was received against."""
        return _change(ref, "cancel", data["reason"])


@blp.route("/purchase-orders/<ref>/close")
class ClosePurchaseOrder(MethodView):
    @policy.rule("sourcing.write", on="purchase_order")
    @blp.arguments(PoReasonSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(409, description="the order is a draft, cancelled or closed")
    def post(self, data: dict, ref: str):
        """Close the order: what never arrived is recorded as short (a reason is needed)."""
        return _change(ref, "close", data["reason"])


@blp.route("/purchase-orders/<ref>/asn")
class AdvanceShippingNotice(MethodView):
    @policy.rule("sourcing.read", on="purchase_order")
    @blp.response(200, AsnSchema)
    def get(self, ref: str):
        """The pallets the supplier announced, and whether each has been received."""
        order = order_for_user(ref)
        return {"purchase_order": order.ref, "pallets": purchasing.pallets(db(), order)}

    @policy.rule("sourcing.write", on="purchase_order")
    @blp.arguments(AsnInSchema)
    @blp.response(201, AsnSchema)
    @blp.alt_response(409, description="the order is not open")
    def post(self, data: dict, ref: str):
        """Enter the supplier's shipping notice: per pallet its SSCC, line, lot, quantity
        and dates. Scanning a pallet's SSCC at the dock then receives it."""
        order = order_for_user(ref, write=True)
        purchasing.add_asn(db(), order, data)
        db().commit()
        return {"purchase_order": order.ref, "pallets": purchasing.pallets(db(), order)}


@blp.route("/purchase-orders/<ref>/rejections")
class Rejections(MethodView):
    @policy.rule("sourcing.reject", on="purchase_order")
    @idempotent
    @blp.arguments(RejectionInSchema)
    @blp.response(201, RejectionResultSchema)
    @blp.alt_response(409, description="the order is not open")
    @blp.alt_response(428, description="the Idempotency-Key header is missing")
    def post(self, data: dict, ref: str):
        """Record goods refused at the dock (damaged, temperature, quality, wrong_product):
        kept on the line, never taken into stock."""
        order = order_for_user(ref, write=True)
        line = purchasing.line_of(order, line_no=data.get("line"), sku=data.get("sku"),
                                  field="line" if "line" in data else "sku")
        rejection = purchasing.reject(
            db(), order, line, quantity=data["quantity"], reason=data["reason"],
            note=data["note"], lot_code=data["lot"], sscc=data.get("sscc"),
            probe_temp_c=data.get("probe_temp_c"), actor_id=current_user().id)
        return {"rejection": rejection, "purchase_order": order}
