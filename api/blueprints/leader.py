"""The group leader's day at a pickup point, over the API: arrivals with ETA, the receipt
of a delivery (confirmed or disputed per line), orders to hand out with their pickup codes,
handover by code, what is stored and left, write-offs, returns, the day-end count and
report; and, for the warehouse, the disputed receipts and the goods to fetch back."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from api import policy
from api.auth import current_user
from api.blueprints.scans import idempotent
from api.runtime import db
from api.schemas.common import local_today
from api.schemas.inventory import MoveSchema
from api.schemas.leader import (
    ArrivalSchema,
    CodeHandoverResultSchema,
    CodeHandoverSchema,
    CountInSchema,
    CountSchema,
    DayQuerySchema,
    DayReportSchema,
    DisputeQuerySchema,
    HandOutSchema,
    LeftLineSchema,
    ReceiptInSchema,
    ReceiptSchema,
    ReturnInSchema,
    ReturnRequestQuerySchema,
    ReturnRequestSchema,
    StoredLotSchema,
    WriteOffSchema,
)
from routing.dispatch import arrivals
from wms import idempotency, pickup_day, scope
from wms.errors import ValidationFailed
from wms.models import PickupPoint, ReturnRequestStatus

blp = Blueprint("leader", __name__, url_prefix="/api",
                description="The group leader's day at a pickup point")


def _point(code: str) -> PickupPoint:
    return pickup_day.point_by_code(db(), code)


def _day(args: dict):
    return args.get("date") or local_today()


def _key() -> str | None:
    return request.headers.get(idempotency.HEADER)


@blp.route("/pickup-points/<code>/arrivals")
class Arrivals(MethodView):
    @policy.rule("leader.read", on="pickup_point")
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, ArrivalSchema(many=True))
    def get(self, args: dict, code: str):
        """Today's trucks for the pickup point: ETA from the published route, the truck's
        progress (stops done before this one) and whether the delivery is received."""
        return arrivals.arrivals(db(), _point(code), _day(args))


@blp.route("/pickup-points/<code>/receipts")
class Receipts(MethodView):
    @policy.rule("leader.receive", on="pickup_point")
    @idempotent
    @blp.arguments(ReceiptInSchema)
    @blp.response(201, ReceiptSchema)
    def post(self, data: dict, code: str):
        """Confirm what the driver delivered, or dispute lines with the count received (and
        a note or photo): the difference goes back to the truck by a correcting move, and
        the warehouse sees the dispute."""
        return arrivals.receive(db(), _point(code), data["route_id"], data["lines"],
                                note=data["note"], photo=data["photo"],
                                actor_id=current_user().id)


@blp.route("/pickup-points/<code>/orders")
class HandOut(MethodView):
    @policy.rule("leader.read", on="pickup_point")
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, HandOutSchema(many=True))
    def get(self, args: dict, code: str):
        """The day's orders to hand out, each with its pickup code and what is here."""
        return pickup_day.orders_to_hand_out(db(), _point(code), _day(args))


@blp.route("/pickup-points/<code>/handovers")
class Handovers(MethodView):
    @policy.rule("leader.handover", on="pickup_point")
    @idempotent
    @blp.arguments(CodeHandoverSchema)
    @blp.response(201, CodeHandoverResultSchema)
    @blp.alt_response(429, description="too many wrong pickup codes at this pickup point "
                                       "lately; wait for Retry-After seconds")
    def post(self, data: dict, code: str):
        """Hand a resident's order over against their pickup code, all of it or the lines
        and units given. Wrong codes are counted per pickup point: too many answer 429."""
        lines = None
        if data.get("lines"):
            lines = {}
            for i, ln in enumerate(data["lines"]):
                if ln["line"] in lines:
                    raise ValidationFailed({f"lines[{i}].line": ["this line is listed twice"]})
                lines[ln["line"]] = ln["quantity"]
        order, moves = pickup_day.handover_by_code(
            db(), _point(code), data["code"], lines, actor_id=current_user().id,
            idempotency_key=_key())
        db().flush()
        db().refresh(order)
        return {"order": order, "moves": moves}


@blp.route("/pickup-points/<code>/storage")
class Storage(MethodView):
    @policy.rule("leader.read", on="pickup_point")
    @blp.response(200, StoredLotSchema(many=True))
    def get(self, code: str):
        """Every lot at the pickup point, since when, and how long out of the cold."""
        return pickup_day.storage(db(), _point(code))


@blp.route("/pickup-points/<code>/uncollected")
class Uncollected(MethodView):
    @policy.rule("leader.read", on="pickup_point")
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, LeftLineSchema(many=True))
    def get(self, args: dict, code: str):
        """What residents have not collected of the orders delivered up to the date."""
        return pickup_day.left_at_point(db(), _point(code), _day(args))


@blp.route("/pickup-points/<code>/write-offs")
class WriteOffs(MethodView):
    @policy.rule("leader.close", on="pickup_point")
    @idempotent
    @blp.arguments(WriteOffSchema)
    @blp.response(201, MoveSchema(many=True))
    def post(self, data: dict, code: str):
        """Write uncollected goods off with a reason: scrapped where they are, the leader
        named as witness."""
        user = current_user()
        return pickup_day.write_off(db(), _point(code), _day(data), data["lines"],
                                    reason=data["reason"], witnessed_by=user.display_name,
                                    actor_id=user.id, idempotency_key=_key())


@blp.route("/pickup-points/<code>/return-requests")
class ReturnRequests(MethodView):
    @policy.rule("leader.close", on="pickup_point")
    @blp.arguments(ReturnInSchema)
    @blp.response(201, ReturnRequestSchema(many=True))
    def post(self, data: dict, code: str):
        """Mark uncollected goods (the lines given, or all that is left) for the warehouse
        to fetch on a later route."""
        made = pickup_day.request_return(db(), _point(code), _day(data), data.get("lines"),
                                         reason=data["reason"], actor_id=current_user().id)
        db().commit()
        return made


@blp.route("/pickup-points/<code>/counts")
class Counts(MethodView):
    @policy.rule("leader.close", on="pickup_point")
    @blp.arguments(CountInSchema)
    @blp.response(201, CountSchema(many=True))
    def post(self, data: dict, code: str):
        """The day-end count per product against what the ledger expects here; differences
        are recorded as found."""
        rows = pickup_day.record_count(db(), _point(code), _day(data), data["lines"],
                                       actor_id=current_user().id)
        db().commit()
        return rows


@blp.route("/pickup-points/<code>/day-report")
class DayReport(MethodView):
    @policy.rule("leader.read", on="pickup_point")
    @blp.arguments(DayQuerySchema, location="query")
    @blp.response(200, DayReportSchema)
    def get(self, args: dict, code: str):
        """Per product for the day's orders: delivered, received, collected, written off,
        sent back, still here, and the day-end count."""
        return pickup_day.day_report(db(), _point(code), _day(args))


@blp.route("/receipt-disputes")
class Disputes(MethodView):
    @policy.rule("disputes.read")
    @blp.arguments(DisputeQuerySchema, location="query")
    @blp.response(200, ReceiptSchema(many=True))
    def get(self, args: dict):
        """Deliveries a group leader disputed: an exception for the warehouse to settle."""
        return arrivals.disputes(db(), scope.visible_warehouse_ids(current_user()),
                                 args.get("date"))


@blp.route("/return-requests")
class OpenReturns(MethodView):
    @policy.rule("disputes.read")
    @blp.arguments(ReturnRequestQuerySchema, location="query")
    @blp.response(200, ReturnRequestSchema(many=True))
    def get(self, args: dict):
        """Goods waiting at pickup points for a route to fetch them back (``status``: those
        a plan took up, brought back or cancelled)."""
        return pickup_day.open_returns(db(), scope.visible_warehouse_ids(current_user()),
                                       ReturnRequestStatus(args["status"]))
