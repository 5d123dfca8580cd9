"""Warehouses and what belongs to them: locations, pickup points, vehicles."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api import policy
from api.lookups import one_or_404, owned_or_404, scoped, warehouse_for_user
from api.pagination import SelectPage
from api.runtime import db
from api.schemas.master import (
    LocationQuerySchema,
    LocationSchema,
    PickupPointChangeSchema,
    PickupPointSchema,
    VehicleSchema,
    WarehouseQuerySchema,
    WarehouseSchema,
)
from wms.models import Location, PickupPoint, Vehicle, Warehouse

blp = Blueprint("warehouses", __name__, url_prefix="/api",
                description="Warehouses, their location trees, pickup points and vehicles")


@blp.route("/warehouses")
class Warehouses(MethodView):
    @policy.rule("warehouses.read")
    @blp.response(200, WarehouseSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        return scoped(select(Warehouse).order_by(Warehouse.code), Warehouse.id)


@blp.route("/warehouses/<code>")
class WarehouseByCode(MethodView):
    @policy.rule("warehouses.read", on="warehouse")
    @blp.response(200, WarehouseSchema)
    def get(self, code: str):
        return warehouse_for_user(code)


@blp.route("/warehouses/<code>/locations")
class WarehouseLocations(MethodView):
    @policy.rule("warehouses.read", on="warehouse")
    @blp.arguments(LocationQuerySchema, location="query")
    @blp.response(200, LocationSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict, code: str):
        warehouse = warehouse_for_user(code)
        stmt = select(Location).where(Location.warehouse_id == warehouse.id)
        if "kind" in args:
            stmt = stmt.where(Location.kind == args["kind"])
        if "temp_zone" in args:
            stmt = stmt.where(Location.temp_zone == args["temp_zone"])
        if "parent" in args:
            parent = one_or_404(Location, "location", code=args["parent"])
            stmt = stmt.where(Location.parent_id == parent.id)
        return stmt.order_by(Location.code)


@blp.route("/locations/<code>")
class LocationByCode(MethodView):
    @policy.rule("warehouses.read", on="location")
    @blp.response(200, LocationSchema)
    def get(self, code: str):
        location = owned_or_404(Location, "location", code=code)
        return location


def _by_warehouse(model, args: dict):
    stmt = scoped(select(model), model.warehouse_id)
    if "warehouse" in args:
        stmt = stmt.where(model.warehouse_id == warehouse_for_user(args["warehouse"]).id)
    return stmt.order_by(model.code)


@blp.route("/pickup-points")
class PickupPoints(MethodView):
    @policy.rule("warehouses.read")
    @blp.arguments(WarehouseQuerySchema, location="query")
    @blp.response(200, PickupPointSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        return _by_warehouse(PickupPoint, args)


@blp.route("/pickup-points/<code>")
class PickupPointByCode(MethodView):
    @policy.rule("warehouses.read", on="pickup_point")
    @blp.response(200, PickupPointSchema)
    def get(self, code: str):
        point = owned_or_404(PickupPoint, "pickup point", code=code)
        return point

    @policy.rule("points.write", on="pickup_point")
    @blp.arguments(PickupPointChangeSchema)
    @blp.response(200, PickupPointSchema)
    def patch(self, changes: dict, code: str):
        """State what the point's premises allow: the crates of frozen and chilled goods it
        can keep (0: none, null: not stated) and the vehicle kinds let in (null: any). The
        next plan follows them; fields not sent stay as they are."""
        point = owned_or_404(PickupPoint, "pickup point", code=code)
        for name, value in changes.items():
            setattr(point, name, value)
        db().commit()
        return point


@blp.route("/vehicles")
class Vehicles(MethodView):
    @policy.rule("warehouses.read")
    @blp.arguments(WarehouseQuerySchema, location="query")
    @blp.response(200, VehicleSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        return _by_warehouse(Vehicle, args)
