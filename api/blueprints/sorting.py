"""The sorting list of a delivery day: per pickup point and temperature class, with the
crates to fill and the orders in each."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import policy
from api.lookups import warehouse_for_user
from api.runtime import db
from api.schemas.inventory import PickListQuerySchema
from api.schemas.sorting import SortingListSchema
from wms import sorting

blp = Blueprint("sorting", __name__, url_prefix="/api",
                description="Sorting per pickup point and temperature class, crate labels")


@blp.route("/sorting-lists")
class SortingLists(MethodView):
    @policy.rule("orders.read")
    @blp.arguments(PickListQuerySchema, location="query")
    @blp.response(200, SortingListSchema)
    def get(self, args: dict):
        """What goes to each pickup point in which temperature class: the order lines, the
        crates (counted as planning counts them) and the orders on each crate's label."""
        warehouse = warehouse_for_user(args["warehouse"])
        groups = sorting.sorting_list(db(), warehouse.id, args["date"])
        return {"warehouse": warehouse.code, "date": args["date"], "groups": groups,
                "crates": sum(len(g.crates) for g in groups)}
