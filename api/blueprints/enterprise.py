"""Enterprise customers (企业购): their delivery addresses; their orders are placed with
``POST /api/orders`` naming the customer's code as ``pickup_point``."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import policy
from api.auth import current_user
from api.lookups import warehouse_for_user
from api.runtime import db
from api.schemas.enterprise import EnterpriseInSchema, EnterpriseQuerySchema, EnterpriseSchema
from wms import enterprise, scope

blp = Blueprint("enterprise", __name__, url_prefix="/api",
                description="Enterprise customers delivered directly at their own address")


@blp.route("/enterprise-customers")
class EnterpriseCustomers(MethodView):
    @policy.rule("warehouses.read")
    @blp.arguments(EnterpriseQuerySchema, location="query")
    @blp.response(200, EnterpriseSchema(many=True))
    def get(self, args: dict):
        """Enterprise customers of your warehouses (or of the one named)."""
        ids = scope.visible_warehouse_ids(current_user())
        if "warehouse" in args:
            ids = {warehouse_for_user(args["warehouse"]).id}
        return enterprise.customers(db(), ids)

    @policy.rule("enterprise.write")
    @blp.arguments(EnterpriseInSchema)
    @blp.response(201, EnterpriseSchema)
    def post(self, data: dict):
        """Add an enterprise customer with its delivery address, window and service time:
        planned as a stop of its own on the warehouse's routes."""
        warehouse = warehouse_for_user(data.pop("warehouse"))
        point = enterprise.create_customer(db(), warehouse, data)
        db().commit()
        return point
