"""Pick lists, and the scanner steps that move an order's stock to its residents."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from api import policy
from api.auth import current_user
from api.blueprints.orders import order_for_user
from api.blueprints.scans import idempotent
from api.lookups import warehouse_for_user
from api.runtime import db
from api.schemas.inventory import (
    DeliverSchema,
    HandoverSchema,
    LoadSchema,
    PickListQuerySchema,
    PickListSchema,
    StepResultSchema,
)
from wms import idempotency, picking
from wms.errors import ValidationFailed
from wms.models import Role, Vehicle

blp = Blueprint("picking", __name__, url_prefix="/api",
                description="Pick lists; pick, load, deliver and hand over an order")


def _key() -> str | None:
    return request.headers.get(idempotency.HEADER)


def _route_id(args: dict, order, vehicle: Vehicle | None = None) -> int | None:
    """The route the moves are recorded for: one of the order's warehouse (and, for a load,
    of the vehicle loaded), since the route's loading status counts them."""
    route_id = args.get("route_id")
    user = current_user()
    if route_id is None:
        if user.role == Role.DRIVER:
            raise ValidationFailed({"route_id": ["a driver records this for one of their "
                                                 "routes: give its route_id"]})
        return None
    route = policy.require_route(user, route_id)
    if route is None or route.warehouse_id != order.warehouse_id:
        raise ValidationFailed({"route_id": [f"no route {route_id} of this order's warehouse"]})
    if vehicle is not None and route.vehicle_id != vehicle.id:
        raise ValidationFailed({"route_id": [f"route {route_id} is driven by another vehicle "
                                             f"than {vehicle.code}"]})
    return route_id


def _result(order, moves) -> dict:
    db().flush()
    db().refresh(order)
    return {"order": order, "moves": moves}


@blp.route("/pick-lists")
class PickLists(MethodView):
    @policy.rule("orders.read")
    @blp.arguments(PickListQuerySchema, location="query")
    @blp.response(200, PickListSchema)
    def get(self, args: dict):
        """What to pick for a delivery date, by temperature zone, in bin order."""
        warehouse = warehouse_for_user(args["warehouse"])
        groups = picking.pick_list(db(), warehouse.id, args["date"])
        return {"warehouse": warehouse.code, "date": args["date"],
                "zones": [{"temp_zone": z, "lines": lines} for z, lines in groups.items()]}


@blp.route("/orders/<ref>/pick")
class PickOrder(MethodView):
    @policy.rule("stock.move", on="order")
    @idempotent
    @blp.response(201, StepResultSchema)
    def post(self, ref: str):
        """Confirm the order picked: its reserved units go to their zone's staging."""
        order = order_for_user(ref)
        moves = picking.pick(db(), order.id, actor_id=current_user().id,
                             idempotency_key=_key())
        return _result(order, moves)


@blp.route("/orders/<ref>/load")
class LoadOrder(MethodView):
    @policy.rule("orders.deliver", on="order")
    @idempotent
    @blp.arguments(LoadSchema)
    @blp.response(201, StepResultSchema)
    def post(self, args: dict, ref: str):
        """Load the picked units onto a vehicle, each into the compartment of its class."""
        order = order_for_user(ref)
        vehicle = db().query(Vehicle).filter_by(code=args["vehicle"]).one_or_none()
        if vehicle is None:
            raise ValidationFailed({"vehicle": [f"no vehicle {args['vehicle']!r}"]})
        moves = picking.load(db(), order.id, vehicle.id, actor_id=current_user().id,
                             route_id=_route_id(args, order, vehicle), idempotency_key=_key())
        return _result(order, moves)


@blp.route("/orders/<ref>/deliver")
class DeliverOrder(MethodView):
    @policy.rule("orders.deliver", on="order")
    @idempotent
    @blp.arguments(DeliverSchema, required=False)
    @blp.response(201, StepResultSchema)
    def post(self, args: dict, ref: str):
        """Unload the order's units at its pickup point."""
        order = order_for_user(ref)
        moves = picking.deliver(db(), order.id, actor_id=current_user().id,
                                route_id=_route_id(args, order), idempotency_key=_key())
        return _result(order, moves)


@blp.route("/orders/<ref>/handover")
class HandoverOrder(MethodView):
    @policy.rule("orders.handover", on="order")
    @idempotent
    @blp.arguments(HandoverSchema, required=False)
    @blp.response(201, StepResultSchema)
    def post(self, args: dict, ref: str):
        """Residents collected their goods at the pickup point: the units leave stock."""
        order = order_for_user(ref)
        lines = None
        if args.get("lines"):
            lines = {}
            for i, ln in enumerate(args["lines"]):
                if ln["line"] in lines:
                    raise ValidationFailed({f"lines[{i}].line": ["this line is listed twice"]})
                lines[ln["line"]] = ln["quantity"]
        moves = picking.handover(db(), order.id, actor_id=current_user().id, lines=lines,
                                 idempotency_key=_key())
        return _result(order, moves)

