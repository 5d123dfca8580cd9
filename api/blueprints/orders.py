"""Orders per pickup point and delivery date, and allocating stock to them."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import policy
from api.auth import current_user
from api.i18n import tr
from api.lookups import one_or_404, scoped, warehouse_for_user
from api.pagination import SelectPage
from api.parsing import FormWithFilesParser
from api.runtime import db, runtime
from api.schemas.inventory import (
    AllocateSchema,
    AllocationRunSchema,
    OrderImportResultSchema,
    OrderImportSchema,
    OrderInSchema,
    OrderQuerySchema,
    OrderReportSchema,
    OrderSchema,
)
from wms import order_import, orders, scope
from wms.errors import ValidationFailed
from wms.models import CustomerOrder, OrderLine, PickupPoint

blp = Blueprint("orders", __name__, url_prefix="/api",
                description="Customer orders and stock allocation (FEFO by default)")
# The CSV import is multipart: the file is read with the form.
blp.ARGUMENTS_PARSER = FormWithFilesParser()


def order_for_user(ref: str) -> CustomerOrder:
    order = orders.get_order(db(), ref)
    policy.require_warehouse(current_user(), order.warehouse_id, "order")
    return order


@blp.route("/orders")
class Orders(MethodView):
    @policy.rule("orders.read")
    @blp.arguments(OrderQuerySchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        stmt = scoped(select(CustomerOrder), CustomerOrder.warehouse_id).options(
            selectinload(CustomerOrder.lines).selectinload(OrderLine.product),
            selectinload(CustomerOrder.pickup_point).selectinload(PickupPoint.warehouse))
        if "warehouse" in args:
            stmt = stmt.where(
                CustomerOrder.warehouse_id == warehouse_for_user(args["warehouse"]).id)
        if "date" in args:
            stmt = stmt.where(CustomerOrder.delivery_date == args["date"])
        if "status" in args:
            stmt = stmt.where(CustomerOrder.status == args["status"])
        if "pickup_point" in args:
            stmt = stmt.where(CustomerOrder.pickup_point_id == one_or_404(
                PickupPoint, "pickup point", code=args["pickup_point"]).id)
        return stmt.order_by(CustomerOrder.delivery_date, CustomerOrder.id)

    @policy.rule("orders.write")
    @blp.arguments(OrderInSchema)
    @blp.response(201, OrderSchema)
    def post(self, data: dict):
        """Place an order for a pickup point; the external reference is unique. An order
        after its date's cut-off goes out on the next date it makes: the answer says so
        (``moved_by_cutoff``, ``requested_date``, ``cutoff_message``)."""
        user = current_user()
        order = orders.place_order(db(), data, actor_id=user.id,
                                   warehouse_ids=scope.visible_warehouse_ids(user),
                                   enforce_cutoff=runtime().settings.order_cutoff)
        db().commit()
        return order


@blp.route("/orders/reserved")
class ReservedOrders(MethodView):
    @policy.rule("orders.write")
    @blp.arguments(OrderInSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(409, description="a line asks for more units than are left: the "
                                       "problem's ``available`` says how many (with ``sku`` "
                                       "and ``requested``); nothing is stored")
    def post(self, data: dict):
        """Place an order only with all of its stock: every line is reserved in full (FEFO)
        in the same transaction, or the order is refused and not stored. For flash sales,
        where a resident is told at once whether the order is taken."""
        user = current_user()
        order = orders.place_reserved(db(), data, actor_id=user.id,
                                      warehouse_ids=scope.visible_warehouse_ids(user),
                                      enforce_cutoff=runtime().settings.order_cutoff)
        # The order was just written as it is: the answer is made from the loaded rows
        # instead of selecting them again after the commit.
        db().expire_on_commit = False
        db().commit()
        return order


@blp.route("/orders/import")
class OrderImport(MethodView):
    @policy.rule("orders.write")
    @blp.arguments(OrderImportSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, OrderImportResultSchema)
    def post(self, _form: dict):
        """Place the orders of a CSV file (``file``; header ``external_ref,pickup_point,
        delivery_date,sku,quantity``, a row per order line): all of them or, when any line
        is wrong, none, with the errors by file line (``line 7``)."""
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed({"file": ["attach the CSV file as form field 'file'"]})
        user = current_user()
        moved: list = []
        placed = order_import.import_orders(db(), upload.read(), actor_id=user.id,
                                            warehouse_ids=scope.visible_warehouse_ids(user),
                                            moved=moved,
                                            enforce_cutoff=runtime().settings.order_cutoff)
        db().commit()
        return {"imported": len(placed), "lines": sum(len(o.lines) for o in placed),
                "orders": [o.external_ref for o in placed],
                "moved_by_cutoff": [
                    {"line": f"line {line}", "order": o.external_ref,
                     "requested_date": o.requested_date, "delivery_date": o.delivery_date,
                     "message": tr(orders.cutoff_note(o))} for line, o in moved]}


@blp.route("/orders/<ref>")
class OrderByRef(MethodView):
    @policy.rule("orders.read", on="order")
    @blp.response(200, OrderSchema)
    def get(self, ref: str):
        return order_for_user(ref)


@blp.route("/orders/<ref>/allocation")
class OrderAllocation(MethodView):
    @policy.rule("orders.read", on="order")
    @blp.response(200, OrderReportSchema)
    def get(self, ref: str):
        """Allocated and backorder quantities per line, with the reserved lots."""
        return orders.report(db(), order_for_user(ref))

    @policy.rule("orders.write", on="order")
    @blp.response(200, OrderReportSchema)
    def post(self, ref: str):
        """Allocate this order now (its backorder, if partly allocated already)."""
        order = order_for_user(ref)
        result = orders.allocate_order(db(), order.id)
        db().commit()
        return result


@blp.route("/orders/<ref>/cancel")
class CancelOrder(MethodView):
    @policy.rule("orders.write", on="order")
    @blp.response(200, OrderSchema)
    def post(self, ref: str):
        """Cancel an order not yet loaded; its reservations are released."""
        order_for_user(ref)
        order = orders.cancel_order(db(), ref)
        db().commit()
        return order


@blp.route("/allocations")
class Allocations(MethodView):
    @policy.rule("orders.write")
    @blp.arguments(AllocateSchema)
    @blp.response(200, AllocationRunSchema)
    def post(self, args: dict):
        """Allocate a warehouse's open orders for a delivery date (one transaction each)."""
        warehouse = warehouse_for_user(args["warehouse"])
        warehouse_id, code = warehouse.id, warehouse.code
        # Each order gets its own transaction from here on; the request's session must not
        # hold one (on SQLite it would hold the write lock the orders are waiting for).
        db().rollback()
        reports = orders.allocate_day(runtime().sessions, warehouse_id, args["date"],
                                      strategy=args["strategy"])
        lines = [ln for r in reports for ln in r.lines]
        return {"warehouse": code, "date": args["date"],
                "strategy": args["strategy"], "orders": reports,
                "allocated": sum(ln.allocated for ln in lines),
                "backorder": sum(ln.backorder for ln in lines),
                "message": _allocation_message(reports)}


def _allocation_message(reports: list[orders.OrderReport]) -> str:
    if not reports:
        return ("nothing to allocate: every order of this day is allocated in full "
                "(or cancelled)")
    backorder = sum(ln.backorder for r in reports for ln in r.lines)
    failed = sum(1 for r in reports if r.error)
    # Report lines count everything allocated to the order, earlier runs included.
    text = (f"{len(reports)} open order{'' if len(reports) == 1 else 's'} allocated as far "
            "as stock allows")
    if backorder:
        text += f"; {backorder} units stay on backorder: no stock fit to ship"
    if failed:
        text += f"; {failed} could not be allocated (see each order's error)"
    return text
