"""Dispatch: route plans as background jobs, publishing, routes, driver manifests, loading
against a manifest and delivery confirmations; and the printable manifest page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint as PageBlueprint
from flask import g, render_template, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api import policy
from api.auth import current_user
from api.blueprints.scans import idempotent
from api.i18n import tr
from api.jobs import start_job
from api.lookups import scoped, warehouse_for_user
from api.pagination import SelectPage
from api.runtime import db
from api.schemas.accounts import JobSchema
from api.schemas.inventory import MovesResultSchema, RouteReturnSchema
from api.schemas.routing import (
    DeliveryResultSchema,
    DeliverySchema,
    LoadingResultSchema,
    LoadingSchema,
    LoadingStatusSchema,
    ManifestQuerySchema,
    ManifestSchema,
    PlanQuerySchema,
    PlanRequestSchema,
    PlanSchema,
    PlanSummarySchema,
    PublishSchema,
    ReplanSchema,
    RouteSchema,
    UnassignedSchema,
)
from routing.dispatch import deliveries, manifests, plans, replan_live
from routing.dispatch.models import Route, RoutePlan
from routing.dispatch.returns import return_from_route
from wms import idempotency, scope
from wms.errors import NotFound
from wms.models import Role, User
from wms.move_hooks import take_warnings

blp = Blueprint("routes", __name__, url_prefix="/api",
                description="Route plans, routes, manifests, loading and delivery")
pages = PageBlueprint("manifest_pages", __name__)


def _plan_for_user(plan_id: int) -> RoutePlan:
    plan = plans.get_plan(db(), plan_id)
    policy.require_warehouse(current_user(), plan.warehouse_id, "route plan")
    return plan


def route_visible_to(user: User, route_id: int) -> Route:
    """A driver's own current route, or one of the user's warehouse (see api.policy)."""
    route = policy.require_route(user, route_id)
    if route is None:
        raise NotFound(f"no route with id {route_id}")
    return route


@blp.route("/route-plans")
class RoutePlans(MethodView):
    @policy.rule("plans.read")
    @blp.arguments(PlanQuerySchema, location="query")
    @blp.response(200, PlanSummarySchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args: dict):
        """Plans by warehouse and delivery date, newest version first."""
        stmt = scoped(select(RoutePlan), RoutePlan.warehouse_id)
        if "warehouse" in args:
            stmt = stmt.where(RoutePlan.warehouse_id == warehouse_for_user(args["warehouse"]).id)
        if "date" in args:
            stmt = stmt.where(RoutePlan.delivery_date == args["date"])
        if "status" in args:
            stmt = stmt.where(RoutePlan.status == args["status"])
        return stmt.order_by(RoutePlan.delivery_date.desc(), RoutePlan.warehouse_id,
                             RoutePlan.version.desc())

    @policy.rule("plans.write")
    @blp.arguments(PlanRequestSchema)
    @blp.response(202, JobSchema)
    def post(self, args: dict):
        """Plan a warehouse's delivery date in the background; follow it at /api/jobs/<id>.

        The result is a new draft version; routes that have already started are kept."""
        warehouse = warehouse_for_user(args["warehouse"])
        warehouse_id = warehouse.id
        # Inline jobs run in their own transactions; this session must not hold one (on
        # SQLite it would hold the write lock the job needs). Committing, unlike rolling
        # back, keeps the loaded user fresh, so reading it does not open another.
        db().commit()
        return start_job(plans.JOB_KIND, {
            "warehouse_id": warehouse_id, "date": args["date"].isoformat(),
            "time_limit_s": args["time_limit_s"], "created_by": current_user().id,
        }, warehouse_id=warehouse_id)


@blp.route("/route-plans/<int:plan_id>")
class RoutePlanById(MethodView):
    @policy.rule("plans.read", on="plan")
    @blp.response(200, PlanSchema)
    def get(self, plan_id: int):
        """A plan with its routes, their stops in order, and the unassigned stops."""
        return _plan_for_user(plan_id)


@blp.route("/route-plans/<int:plan_id>/unassigned")
class RoutePlanUnassigned(MethodView):
    @policy.rule("plans.read", on="plan")
    @blp.response(200, UnassignedSchema(many=True))
    def get(self, plan_id: int):
        """Stops the plan could not serve, each with its reason."""
        return _plan_for_user(plan_id).unassigned


@blp.route("/route-plans/<int:plan_id>/publish")
class PublishPlan(MethodView):
    @policy.rule("plans.write", on="plan")
    @blp.arguments(PublishSchema, required=False)
    @blp.response(200, PlanSchema)
    @blp.alt_response(409, description="not a draft, or a started route would be lost")
    def post(self, args: dict, plan_id: int):
        """Publish a draft: its routes go to their drivers and replace the day's published
        plan."""
        _plan_for_user(plan_id)
        plan = plans.publish(db(), plan_id, actor_id=current_user().id,
                             drivers=args["drivers"])
        db().commit()
        return plan


@blp.route("/route-plans/<int:plan_id>/replan")
class ReplanPlan(MethodView):
    @policy.rule("plans.replan", on="plan")
    @blp.arguments(ReplanSchema)
    @blp.response(202, JobSchema)
    @blp.alt_response(409, description="not the published plan, or nothing is left to "
                                       "re-plan")
    def post(self, args: dict, plan_id: int):
        """Re-plan the rest of a published day from the live state, in the background;
        follow it at /api/jobs/<id>.

        Trucks named failed get no stops; their remaining stops are planned again from the
        warehouse and reported as ``returned``. Working trucks on the road drive on with
        their goods from their last confirmed stop (or the position given). The result is
        a new published version that ``replaces`` this one, which is kept, superseded."""
        plan = _plan_for_user(plan_id)
        positions = {k: (v[0], v[1]) for k, v in args["positions"].items()}
        replan_live.check_request(db(), plan.id, failed=args["failed_vehicles"],
                                  positions=positions, at=args["at"])
        warehouse_id = plan.warehouse_id
        return start_job(replan_live.JOB_KIND, {
            "plan_id": plan.id, "failed_vehicles": args["failed_vehicles"],
            "positions": {k: list(v) for k, v in positions.items()},
            "at": args["at"].isoformat() if args["at"] else None,
            "time_limit_s": args["time_limit_s"], "created_by": current_user().id,
        }, warehouse_id=warehouse_id)


@blp.route("/routes/<int:route_id>")
class RouteById(MethodView):
    @policy.rule("routes.read", on="route")
    @blp.response(200, RouteSchema)
    def get(self, route_id: int):
        return route_visible_to(current_user(), route_id)


@blp.route("/routes/<int:route_id>/loading")
class RouteLoading(MethodView):
    @policy.rule("routes.read", on="route")
    @blp.response(200, LoadingStatusSchema)
    def get(self, route_id: int):
        """Planned against loaded units per stop and compartment."""
        return deliveries.loading_status(db(), route_visible_to(current_user(), route_id))

    @policy.rule("routes.load", on="route")
    @idempotent
    @blp.arguments(LoadingSchema)
    @blp.response(201, LoadingResultSchema)
    @blp.alt_response(409, description="not picked yet, or the route is not current")
    @blp.alt_response(428, description="the Idempotency-Key header is missing")
    def post(self, args: dict, route_id: int):
        """Scan goods from staging onto the route's vehicle, into the compartment of their
        class: a whole order, or a quantity of a lot."""
        route = route_visible_to(current_user(), route_id)
        moves = deliveries.load(db(), route.id, actor_id=current_user().id,
                                order_ref=args.get("order"), lot_code=args.get("lot"),
                                quantity=args.get("quantity"),
                                idempotency_key=request.headers.get(idempotency.HEADER),
                                raw_scan=args.get("barcode"))
        return {**deliveries.loading_status(db(), route), "moves": moves,
                "warnings": tr(take_warnings(db()))}


@blp.route("/routes/<int:route_id>/stops/<int:seq>/deliveries")
class StopDeliveries(MethodView):
    @policy.rule("routes.confirm", on="route")
    @idempotent
    @blp.arguments(DeliverySchema, required=False)
    @blp.response(201, DeliveryResultSchema)
    @blp.alt_response(409, description="the stop was already confirmed")
    @blp.alt_response(428, description="the Idempotency-Key header is missing")
    def post(self, args: dict, route_id: int, seq: int):
        """Confirm a stop: delivered units per line, and short, refused or damaged ones with
        their reasons."""
        route = route_visible_to(current_user(), route_id)
        stop, outcomes, moves = deliveries.confirm_stop(
            db(), route.id, seq, args["lines"], actor_id=current_user().id,
            idempotency_key=request.headers.get(idempotency.HEADER))
        return {"route_id": route.id, "seq": stop.seq, "pickup_point": stop.pickup_point.code,
                "stop_status": stop.status.value, "route_status": route.status.value,
                "lines": [vars(o) for o in outcomes], "moves": moves}


@blp.route("/routes/<int:route_id>/returns")
class RouteReturns(MethodView):
    @policy.rule("routes.return", on="route")
    @idempotent
    @blp.arguments(RouteReturnSchema)
    @blp.response(201, MovesResultSchema)
    @blp.alt_response(409, description="fewer units there, or still to be delivered")
    @blp.alt_response(428, description="the Idempotency-Key header is missing")
    def post(self, args: dict, route_id: int):
        """The driver hands goods back at the warehouse: off the route's truck, or taken
        back from one of its pickup points. They go to quarantine by ``return`` moves."""
        route = route_visible_to(current_user(), route_id)
        moves = return_from_route(db(), route.id, args["lines"], actor_id=current_user().id,
                                  idempotency_key=request.headers.get(idempotency.HEADER))
        return {"moves": moves}


@blp.route("/manifests")
class Manifests(MethodView):
    @policy.rule("routes.read")
    @blp.arguments(ManifestQuerySchema, location="query")
    @blp.response(200, ManifestSchema(many=True))
    def get(self, args: dict):
        """A driver's routes of the day's published plans (for staff: their warehouse's)."""
        user = current_user()
        if user.role == Role.DRIVER:
            routes = manifests.published_routes(db(), args["date"], driver_id=user.id)
        else:
            ids = scope.visible_warehouse_ids(user)
            if "warehouse" in args:
                ids = {warehouse_for_user(args["warehouse"]).id}
            routes = manifests.published_routes(db(), args["date"], warehouse_ids=ids)
        return [manifests.manifest(db(), r) for r in routes]


@blp.route("/manifests/<int:route_id>")
class ManifestById(MethodView):
    @policy.rule("routes.read", on="route")
    @blp.response(200, ManifestSchema)
    def get(self, route_id: int):
        return manifests.manifest(db(), route_visible_to(current_user(), route_id))


@pages.get("/manifests/<int:route_id>")
@policy.rule("routes.read", on="route")
def manifest_page(route_id: int):
    """The printable manifest: for the signed-in driver of the route, staff and dispatchers
    of its warehouse and admins, by the page session (the driver page links here) or a
    bearer header. Never by a credential in the URL: URLs land in access logs and history."""
    route = route_visible_to(current_user(), route_id)
    data = manifests.manifest(db(), route)
    # A printed page's language links carry the choice in the query.
    g.lang_override = request.args.get("lang")
    return render_template("manifest.html", m=data, zone=ZoneInfo(route.warehouse.timezone))
