"""The stock ledger's history, and reversing a move."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, selectinload

from api import policy
from api.auth import current_user
from api.blueprints.scans import idempotent
from api.lookups import one_or_404, owned_or_404, scoped, warehouse_for_user
from api.pagination import SelectPage
from api.runtime import db
from api.schemas.inventory import MoveQuerySchema, MoveSchema, ReverseSchema
from wms import idempotency
from wms.models import CustomerOrder, Location, Product, StockMove
from wms.reversal import reverse_move

blp = Blueprint("moves", __name__, url_prefix="/api", description="The stock ledger")


@blp.route("/moves")
class Moves(MethodView):
    @policy.rule("stock.read")
    @blp.arguments(MoveQuerySchema, location="query")
    @blp.response(200, MoveSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        """Ledger history, newest first."""
        stmt = scoped(select(StockMove), StockMove.warehouse_id).options(
            selectinload(StockMove.product), selectinload(StockMove.lot),
            selectinload(StockMove.from_location), selectinload(StockMove.to_location))
        if "warehouse" in args:
            stmt = stmt.where(StockMove.warehouse_id == warehouse_for_user(args["warehouse"]).id)
        if "sku" in args:
            stmt = stmt.where(StockMove.product_id == one_or_404(
                Product, "product", sku=args["sku"]).id)
        if "lot_id" in args:
            stmt = stmt.where(StockMove.lot_id == args["lot_id"])
        if "location" in args:
            loc = one_or_404(Location, "location", code=args["location"])
            stmt = stmt.where(or_(StockMove.from_location_id == loc.id,
                                  StockMove.to_location_id == loc.id))
        if "kind" in args:
            stmt = stmt.where(StockMove.kind == args["kind"])
        if "order" in args:
            order = aliased(CustomerOrder)
            stmt = stmt.join(order, order.id == StockMove.order_id).where(
                order.external_ref == args["order"])
        if "since" in args:
            stmt = stmt.where(StockMove.created_at >= args["since"])
        if "until" in args:
            stmt = stmt.where(StockMove.created_at < args["until"])
        return stmt.order_by(StockMove.id.desc())


@blp.route("/moves/<int:move_id>")
class MoveById(MethodView):
    @policy.rule("stock.read", on="move")
    @blp.response(200, MoveSchema)
    def get(self, move_id: int):
        move = owned_or_404(StockMove, "move", id=move_id)
        return move


@blp.route("/moves/<int:move_id>/reverse")
class ReverseMove(MethodView):
    @policy.rule("stock.move", on="move")
    @idempotent
    @blp.arguments(ReverseSchema, required=False)
    @blp.response(201, MoveSchema)
    @blp.alt_response(409, description="already reversed, or the stock has moved on")
    def post(self, args: dict, move_id: int):
        """Write the move that undoes this one (once)."""
        owned_or_404(StockMove, "move", id=move_id)  # 404 or 403 before anything is written
        return reverse_move(db(), move_id, actor_id=current_user().id, reason=args["reason"],
                            idempotency_key=request.headers.get(idempotency.HEADER))
