"""Products, suppliers with their origins, and lots."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from api import policy
from api.auth import current_user
from api.lookups import one_or_404
from api.pagination import SelectPage
from api.runtime import db
from api.schemas.master import (
    LotQuerySchema,
    LotSchema,
    ProductQuerySchema,
    ProductSchema,
    SupplierDetailSchema,
    SupplierSchema,
)
from wms import scope
from wms.catalog import create_product
from wms.models import Lot, Origin, Product, StockBalance, Supplier

blp = Blueprint("catalog", __name__, url_prefix="/api",
                description="Products, suppliers, origins and lots")


@blp.route("/products")
class Products(MethodView):
    @policy.rule("catalog.read")
    @blp.arguments(ProductQuerySchema, location="query")
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        stmt = select(Product)
        if "temp_class" in args:
            stmt = stmt.where(Product.temp_class == args["temp_class"])
        if "gtin" in args:
            stmt = stmt.where(Product.gtin == args["gtin"].zfill(14))
        if args.get("q"):
            like = f"%{args['q']}%"
            stmt = stmt.where(or_(Product.name.ilike(like), Product.name_zh.ilike(like),
                                  Product.sku.ilike(like)))
        return stmt.order_by(Product.sku)

    @policy.rule("catalog.write")
    @blp.arguments(ProductSchema)
    @blp.response(201, ProductSchema)
    def post(self, data: dict):
        product = create_product(db(), data)
        db().commit()
        return product


@blp.route("/products/<sku>")
class ProductBySku(MethodView):
    @policy.rule("catalog.read")
    @blp.response(200, ProductSchema)
    def get(self, sku: str):
        return one_or_404(Product, "product", sku=sku)


@blp.route("/suppliers")
class Suppliers(MethodView):
    @policy.rule("catalog.read")
    @blp.response(200, SupplierSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self):
        return select(Supplier).order_by(Supplier.code)


@blp.route("/suppliers/<code>")
class SupplierByCode(MethodView):
    @policy.rule("catalog.read")
    @blp.response(200, SupplierDetailSchema)
    def get(self, code: str):
        supplier = one_or_404(Supplier, "supplier", code=code)
        origins = db().scalars(
            select(Origin).where(Origin.supplier_id == supplier.id).order_by(Origin.code)
        ).all()
        return {**SupplierSchema().dump(supplier), "origins": origins}


@blp.route("/lots")
class Lots(MethodView):
    @policy.rule("lots.read")
    @blp.arguments(LotQuerySchema, location="query")
    @blp.response(200, LotSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        stmt = select(Lot).join(Product).options(
            selectinload(Lot.product), selectinload(Lot.supplier), selectinload(Lot.origin)
        )
        allowed = scope.visible_warehouse_ids(current_user())
        if allowed is not None:
            # Lots kept (now or before) in the user's warehouses.
            kept = select(StockBalance.lot_id).where(StockBalance.warehouse_id.in_(allowed))
            stmt = stmt.where(Lot.id.in_(kept))
        if "lot_code" in args:
            stmt = stmt.where(Lot.lot_code == args["lot_code"])
        if "gtin" in args:
            stmt = stmt.where(Product.gtin == args["gtin"].zfill(14))
        if "sku" in args:
            stmt = stmt.where(Product.sku == args["sku"])
        if "supplier" in args:
            stmt = stmt.join(Supplier, Supplier.id == Lot.supplier_id).where(
                Supplier.code == args["supplier"])
        if "origin" in args:
            stmt = stmt.join(Origin, Origin.id == Lot.origin_id).where(
                Origin.code == args["origin"])
        if "status" in args:
            stmt = stmt.where(Lot.status == args["status"])
        if "received_from" in args:
            stmt = stmt.where(Lot.received_at >= _day_start(args["received_from"]))
        if "received_to" in args:
            stmt = stmt.where(Lot.received_at <= _day_start(args["received_to"], time.max))
        return stmt.order_by(Lot.received_at.desc(), Lot.id.desc())


@blp.route("/lots/<int:lot_id>")
class LotById(MethodView):
    @policy.rule("lots.read", on="lot")
    @blp.response(200, LotSchema)
    def get(self, lot_id: int):
        return one_or_404(Lot, "lot", id=lot_id)


def _day_start(day, at: time = time.min) -> datetime:
    return datetime.combine(day, at, tzinfo=UTC)
