"""Stock on hand and available, a lot's locations, holds and releases."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from api import policy
from api.auth import current_user
from api.blueprints.scans import idempotent
from api.lookups import one_or_404, scoped, warehouse_for_user
from api.pagination import SelectPage
from api.runtime import db
from api.schemas.inventory import (
    HoldResultSchema,
    HoldSchema,
    MovesResultSchema,
    ReleaseSchema,
    ReservationsReleasedSchema,
    ReturnSchema,
    ScrapSchema,
    StockQuerySchema,
    StockSchema,
)
from wms import idempotency, scope
from wms.errors import ValidationFailed
from wms.models import Location, Lot, LotStatus, Product, StockBalance
from wms.returns import return_units, scrap_units
from wms.stock import hold_lot, release_lot, release_lot_reservations

blp = Blueprint("stock", __name__, url_prefix="/api",
                description="Stock balances per location and lot; lot holds")


def _balances():
    return scoped(select(StockBalance), StockBalance.warehouse_id).options(
        joinedload(StockBalance.location).joinedload(Location.warehouse),
        joinedload(StockBalance.lot), joinedload(StockBalance.product))


@blp.route("/stock")
class Stock(MethodView):
    @policy.rule("stock.read")
    @blp.arguments(StockQuerySchema, location="query")
    @blp.response(200, StockSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        """On hand, reserved and available per location and lot (filters combine)."""
        stmt = _balances()
        if not args["include_empty"]:
            stmt = stmt.where(StockBalance.on_hand > 0)
        if "warehouse" in args:
            stmt = stmt.where(
                StockBalance.warehouse_id == warehouse_for_user(args["warehouse"]).id)
        if "sku" in args:
            stmt = stmt.where(StockBalance.product_id == one_or_404(
                Product, "product", sku=args["sku"]).id)
        if "location" in args:
            stmt = stmt.where(StockBalance.location_id == one_or_404(
                Location, "location", code=args["location"]).id)
        if "lot_id" in args:
            stmt = stmt.where(StockBalance.lot_id == args["lot_id"])
        return stmt.order_by(StockBalance.warehouse_id, StockBalance.product_id,
                             StockBalance.location_id, StockBalance.lot_id)


@blp.route("/lots/<int:lot_id>/locations")
class LotLocations(MethodView):
    @policy.rule("lots.read", on="lot")
    @blp.response(200, StockSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, lot_id: int):
        """Where a lot is now (locations with units on hand)."""
        one_or_404(Lot, "lot", id=lot_id)
        return _balances().where(StockBalance.lot_id == lot_id, StockBalance.on_hand > 0
                                 ).order_by(StockBalance.location_id)


@blp.route("/lots/<int:lot_id>/hold")
class HoldLot(MethodView):
    @policy.rule("lots.hold", on="lot")
    @blp.arguments(HoldSchema)
    @blp.response(200, HoldResultSchema)
    def post(self, args: dict, lot_id: int):
        """Put a lot on hold: unpicked reservations are released, stock goes to quarantine
        (in the warehouses you may see)."""
        user = current_user()
        moves = hold_lot(db(), lot_id, args["reason"], actor_id=user.id,
                         warehouse_ids=scope.visible_warehouse_ids(user),
                         status=LotStatus(args["status"]))
        db().commit()
        return {"lot_id": lot_id, "status": args["status"], "moves": moves}


@blp.route("/lots/<int:lot_id>/release")
class ReleaseLot(MethodView):
    @policy.rule("lots.hold", on="lot")
    @blp.arguments(ReleaseSchema, required=False)
    @blp.response(200, HoldResultSchema)
    def post(self, args: dict, lot_id: int):
        """Release a held lot; its quarantined stock goes back to storage."""
        user = current_user()
        to = None
        if args.get("to"):
            to = one_or_404(Location, "location", code=args["to"])
            scope.check_warehouse(user, to.warehouse_id)
        moves = release_lot(db(), lot_id, args["reason"], actor_id=user.id, to_location=to,
                            warehouse_ids=scope.visible_warehouse_ids(user))
        db().commit()
        return {"lot_id": lot_id, "status": "available", "moves": moves}


@blp.route("/lots/<int:lot_id>/reservations/release")
class ReleaseLotReservations(MethodView):
    @policy.rule("lots.hold", on="lot")
    @blp.response(200, ReservationsReleasedSchema)
    @blp.alt_response(409, description="the lot has no reservations to release")
    def post(self, lot_id: int):
        """Release the lot's reservations (in the warehouses you may see): their order
        lines go back on backorder. Of an available lot only what is still in its bins;
        of a held, quarantined or recalled lot everything, on trucks and at pickup points
        too, so that those units can be returned or scrapped."""
        user = current_user()
        lot = one_or_404(Lot, "lot", id=lot_id)
        released = release_lot_reservations(db(), lot_id, scope.visible_warehouse_ids(user))
        db().commit()
        return {"lot_id": lot.id, "lot_code": lot.lot_code, "status": lot.status.value,
                "released": released}


def _place(code: str, field: str) -> Location:
    """A location named in the body, of the user's own warehouse."""
    loc = db().scalar(select(Location).where(Location.code == code))
    if loc is None:
        raise ValidationFailed({field: [f"there is no location {code!r}"]})
    policy.require_warehouse(current_user(), loc.warehouse_id, "location")
    return loc


@blp.route("/returns")
class Returns(MethodView):
    @policy.rule("stock.move")
    @idempotent
    @blp.arguments(ReturnSchema)
    @blp.response(201, MovesResultSchema)
    @blp.alt_response(409, description="fewer units there, or still to be delivered")
    def post(self, args: dict):
        """Receive goods back at the dock from a truck or a pickup point: they go to the
        warehouse's quarantine for their temperature class by a ``return`` move."""
        move = return_units(db(), args["lot_id"], args["quantity"],
                            _place(args["from"], "from"), actor_id=current_user().id,
                            reason=args["reason"],
                            idempotency_key=request.headers.get(idempotency.HEADER))
        return {"moves": [move]}


@blp.route("/lots/<int:lot_id>/scrap")
class ScrapLot(MethodView):
    @policy.rule("lots.scrap", on="lot")
    @idempotent
    @blp.arguments(ScrapSchema)
    @blp.response(201, MovesResultSchema)
    def post(self, args: dict, lot_id: int):
        """Write off units of a lot where they are (on a truck, at a pickup point, in
        quarantine), with the reason and who witnessed it."""
        one_or_404(Lot, "lot", id=lot_id)
        move = scrap_units(db(), lot_id, args["quantity"],
                           _place(args["location"], "location"), reason=args["reason"],
                           witnessed_by=args["witnessed_by"], actor_id=current_user().id,
                           idempotency_key=request.headers.get(idempotency.HEADER))
        return {"moves": [move]}
