"""The pages: one per kind of person, each landing on what they do every day.

Pages render what is there when they open; their JavaScript then calls the JSON API
(with the signed-in session and its CSRF token) for every action, so a page never
changes stock by a route of its own and the API's rules, roles and errors apply.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from api import i18n, policy
from api.runtime import db, runtime
from api.web.session_auth import LANDING, check_form_token, csrf_token, signed_in_user
from coldchain.monitoring.models import Alert, AlertStatus
from wms import purchasing, scope
from wms.i18n import N_
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    LotStatus,
    OrderStatus,
    PickupPoint,
    Product,
    PurchaseOrder,
    Role,
    StockMove,
    User,
    Warehouse,
)
from wms.scanning import ACTIONS

bp = Blueprint("web", __name__)
bp.before_request(check_form_token)

# Pages shown in the navigation, each with its access rule in api.policy.
PAGES = (
    ("web.scan", N_("Scan"), "page.scan"),
    ("web.pick_lists", N_("Pick list"), "page.picking"),
    ("web.loading", N_("Loading"), "page.picking"),
    ("web.holds", N_("Holds"), "page.holds"),
    ("web.dispatch", N_("Dispatch"), "page.dispatch"),
    ("web.driver", N_("Manifest"), "page.driver"),
    ("web.leader", N_("Pickup point"), "page.leader"),
    ("web.trace", N_("Trace"), "page.trace"),
    ("web.purchasing_page", N_("Purchasing"), "page.purchasing"),
    ("web.alerts", N_("Alerts"), "page.alerts"),
    ("web.daily_record_page", N_("Records"), "page.records"),
)
RULE_OF = {endpoint: name for endpoint, _, name in PAGES}

# Only this site's own scripts, styles and API: the pages need nothing from elsewhere,
# and a script injected into a page could not load or send anything either.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@bp.after_app_request
def _headers(resp: Response) -> Response:
    """The same headers on every page of the app (sign-in and the printable manifest too),
    whichever blueprint serves it; the JSON API and its docs page are left as they are."""
    if request.path.startswith("/api/"):
        return resp
    for name, value in PAGE_HEADERS.items():
        resp.headers[name] = value
    if request.endpoint != "static":
        resp.headers.setdefault("Cache-Control", "no-store")  # pages show live stock
    return resp


def may_open(user: User, endpoint: str) -> bool:
    return endpoint in RULE_OF and policy.may(user, RULE_OF[endpoint])


def page(fn: Callable) -> Callable:
    """A page: ``api.auth.guard_request`` has signed the person in and applied the page's
    rule; the view gets the user."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        return fn(g.user, *args, **kwargs)

    return wrapper


@bp.app_context_processor
def _page_context() -> dict[str, Any]:
    def nav(user: User | None) -> list[tuple[str, str]]:
        if user is None:
            return []
        return [(url_for(ep), i18n.tr(label)) for ep, label, _rule in PAGES
                if may_open(user, ep)]

    def page_zone(user: User | None = None) -> ZoneInfo:
        return zone_of(user)

    return {"csrf_token": csrf_token, "nav": nav, "page_zone": page_zone}


def zone_of(user: User | None = None, warehouse: Warehouse | None = None) -> ZoneInfo:
    """The clock people read: their warehouse's zone, else the configured one."""
    wh = warehouse or (user.warehouse if user is not None else None)
    if wh is None and user is not None and user.vehicle is not None:
        wh = user.vehicle.warehouse
    return ZoneInfo(wh.timezone if wh is not None and wh.timezone
                    else runtime().settings.timezone)


@bp.app_template_filter("clock")
def clock(moment: datetime | None, user: User | None = None):
    """A stored UTC time as the warehouse's wall clock, with the zone named: what people
    read on the floor."""
    return i18n.clock(moment, zone_of(user))


def local_today(user: User | None = None, warehouse: Warehouse | None = None) -> date:
    """Today where the work happens: the warehouse's day, not the server's."""
    wh = warehouse or (user.warehouse if user is not None else None)
    tz = wh.timezone if wh is not None and wh.timezone else runtime().settings.timezone
    return datetime.now(ZoneInfo(tz)).date()


def visible_warehouses(user: User) -> list[Warehouse]:
    stmt = select(Warehouse).order_by(Warehouse.code)
    allowed = scope.visible_warehouse_ids(user)
    if allowed is not None:
        stmt = stmt.where(Warehouse.id.in_(allowed))
    return list(db().scalars(stmt))


@bp.get("/")
@policy.rule("public")
def index():
    user = signed_in_user()
    if user is None:
        return redirect(url_for("session_auth.signin"))
    return redirect(url_for(LANDING.get(user.role, "web.alerts")))


# --- scanning station -----------------------------------------------------------------

@bp.get("/scan")
@policy.rule("page.scan")
@page
def scan(user: User):
    allowed = scope.visible_warehouse_ids(user)
    stmt = (select(Location.code, Location.name, Location.kind)
            .where(Location.active, Location.kind != LocationKind.PICKUP_POINT)
            .order_by(Location.code))
    if allowed is not None:
        stmt = stmt.where(Location.warehouse_id.in_(allowed))
    locations = db().execute(stmt).all()
    # Receiving must name the order when a product is open on several: offer the open ones.
    orders = select(PurchaseOrder).where(PurchaseOrder.state.in_(purchasing.OPEN)).options(
        selectinload(PurchaseOrder.supplier)).order_by(PurchaseOrder.expected_date,
                                                       PurchaseOrder.id).limit(200)
    if allowed is not None:
        orders = orders.where(PurchaseOrder.warehouse_id.in_(allowed))
    open_orders = db().scalars(orders).all()
    recent = db().scalars(
        select(StockMove).where(StockMove.actor_id == user.id, StockMove.raw_scan.is_not(None))
        .options(selectinload(StockMove.product), selectinload(StockMove.lot),
                 selectinload(StockMove.from_location), selectinload(StockMove.to_location))
        .order_by(StockMove.id.desc()).limit(12)).all()
    return render_template("scan.html", user=user, title=_("Scanning station"), actions=ACTIONS,
                           locations=locations, recent=recent, open_orders=open_orders,
                           separator=runtime().settings.scan_separator,
                           repeat_window=runtime().settings.scan_repeat_window_s)


# --- cold-chain alerts ----------------------------------------------------------------

@bp.get("/alerts")
@policy.rule("page.alerts")
@page
def alerts(user: User):
    allowed = scope.visible_warehouse_ids(user)
    # one card per excursion: the lots it held are listed on its card
    base = (select(Alert).where(Alert.parent_id.is_(None))
            .order_by(Alert.raised_at.desc(), Alert.id.desc()))
    if allowed is not None:
        base = base.where(Alert.warehouse_id.in_(allowed))
    unresolved = db().scalars(base.where(Alert.status != AlertStatus.RESOLVED).limit(200)).all()
    resolved = db().scalars(base.where(Alert.status == AlertStatus.RESOLVED).limit(15)).all()
    lots = {lot.id: lot for lot in db().scalars(
        select(Lot).where(Lot.id.in_({one.lot_id for a in (*unresolved, *resolved)
                                      for one in (a, *a.lots) if one.lot_id}))
        .options(selectinload(Lot.product)))}
    places = dict(db().execute(select(Location.id, Location.code).where(
        Location.id.in_({a.location_id for a in (*unresolved, *resolved)
                         if a.location_id}))).all())
    warehouses = {w.id: w.code for w in db().scalars(select(Warehouse))}
    may_resolve = user.role in (Role.ADMIN, Role.STAFF, Role.BUYER)
    return render_template("alerts.html", user=user, title=_("Cold-chain alerts"),
                           unresolved=unresolved, resolved=resolved, lots=lots, places=places,
                           warehouses=warehouses, may_resolve=may_resolve,
                           may_trace=may_open(user, "web.trace"))


# --- placeholders filled in below as their APIs land ----------------------------------

@bp.get("/dispatch")
@policy.rule("page.dispatch")
@page
def dispatch(user: User):
    from routing.dispatch.models import RoutePlan
    from routing.dispatch.problem_builder import load_rules

    warehouses = visible_warehouses(user)
    if not warehouses:
        abort(404, description=_("no warehouse is visible to you"))
    code = request.args.get("warehouse") or (user.warehouse.code if user.warehouse else "")
    warehouse = next((w for w in warehouses if w.code == code), warehouses[0])
    day = _date_arg(request.args.get("date")) or local_today(warehouse=warehouse)
    orders = db().scalars(
        select(CustomerOrder).where(CustomerOrder.warehouse_id == warehouse.id,
                                    CustomerOrder.delivery_date == day)
        .options(selectinload(CustomerOrder.lines), selectinload(CustomerOrder.pickup_point))
        .order_by(CustomerOrder.id)).all()
    lines = [ln for o in orders for ln in o.lines]
    units = {"ordered": sum(ln.quantity for ln in lines),
             "allocated": sum(ln.allocated for ln in lines),
             "backorder": sum(ln.backorder for ln in lines)}
    by_status = Counter(o.status.value for o in orders)
    to_allocate = by_status.get(OrderStatus.PLACED.value, 0) + by_status.get(
        OrderStatus.PARTIAL.value, 0)
    plans = db().scalars(
        select(RoutePlan).where(RoutePlan.warehouse_id == warehouse.id,
                                RoutePlan.delivery_date == day)
        .options(selectinload(RoutePlan.routes), selectinload(RoutePlan.unassigned))
        .order_by(RoutePlan.version.desc())).all()
    plan_id = request.args.get("plan", type=int)
    if plan_id not in {p.id for p in plans}:
        plan_id = plans[0].id if plans else None
    # Days around this one that have orders, one click away (yesterday's late changes,
    # tomorrow's orders arriving tonight).
    near = db().scalars(
        select(CustomerOrder.delivery_date).distinct()
        .where(CustomerOrder.warehouse_id == warehouse.id,
               CustomerOrder.delivery_date.between(day - timedelta(days=3),
                                                   day + timedelta(days=3)))
        .order_by(CustomerOrder.delivery_date)).all()
    points = db().scalars(select(PickupPoint).where(PickupPoint.warehouse_id == warehouse.id)
                          .order_by(PickupPoint.code)).all()
    products = db().scalars(select(Product).where(Product.active.is_(True))
                            .order_by(Product.sku)).all()
    # The map is drawn in the browser from these coordinates: no tile server needed.
    geo = {"depot": {"code": warehouse.code, "name": warehouse.name, "lat": warehouse.lat,
                     "lon": warehouse.lon},
           "points": {p.code: [p.lat, p.lon, p.name, f"{p.window_start:%H:%M}",
                               f"{p.window_end:%H:%M}"] for p in points}}
    return render_template("dispatch.html", user=user, title=_("Dispatch"), warehouses=warehouses,
                           warehouse=warehouse, day=day, orders=orders, units=units,
                           by_status=sorted(by_status.items()), to_allocate=to_allocate,
                           plans=plans, plan_id=plan_id, geo=geo, near=near,
                           pickup_points=[p for p in points if p.active], products=products,
                           limits=load_rules().cold_chain_max_s,
                           map_tiles=runtime().settings.map_tiles)


def _date_arg(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.get("/driver")
@policy.rule("page.driver")
@page
def driver(user: User):
    from api.blueprints.routes import route_visible_to
    from routing.dispatch import manifests
    from routing.dispatch.models import Route
    from routing.dispatch.plans import is_current

    day = _date_arg(request.args.get("date")) or local_today(
        user, user.vehicle.warehouse if user.vehicle else None)
    mine = None if user.role == Role.ADMIN else user.id
    routes = manifests.published_routes(db(), day, driver_id=mine)
    chosen = request.args.get("route", type=int)
    route = route_visible_to(user, chosen) if chosen else (routes[0] if routes else None)
    # A driver's other published days close by: an early shift may start before midnight.
    near: list[date] = []
    if mine is not None:
        near = sorted({r.delivery_date for r in db().scalars(select(Route).where(
            Route.driver_id == mine, Route.delivery_date.between(
                day - timedelta(days=3), day + timedelta(days=3))))
            if is_current(db(), r)})
    loading = outcomes = None
    if route is not None:
        loading, outcomes = _driver_route_state(route)
    return render_template("driver.html", user=user, title=_("Manifest"), day=day, near=near,
                           routes=routes, m=manifests.manifest(db(), route) if route else None,
                           loading=loading, outcomes=outcomes)


def _driver_route_state(route) -> tuple[dict[str, Any], dict[str, Any]]:
    """What is loaded per line (from the route's loading status) and what was confirmed
    per line at the stops already done, keyed "order/line"."""
    from routing.dispatch import deliveries
    from routing.dispatch.models import StopDelivery

    status = deliveries.loading_status(db(), route)
    lines = {f"{ln['order']}/{ln['line']}": ln for stop in status["stops"]
             for ln in stop["lines"]}
    planned = sum(ln["planned"] for ln in lines.values())
    # Goods loaded by an order scan name no route, so the truck's contents count too.
    loaded = sum(min(ln["planned"], max(ln["loaded"], ln["aboard"])) for ln in lines.values())
    loading = {"lines": lines, "planned": planned, "loaded": loaded,
               "compartments": status["compartments"]}
    outcomes = {}
    for row in db().scalars(select(StopDelivery).where(StopDelivery.route_id == route.id)
                            .options(selectinload(StopDelivery.line))):
        ref = db().get(CustomerOrder, row.line.order_id).external_ref
        outcomes[f"{ref}/{row.line.line_no}"] = row
    return loading, outcomes


@bp.get("/trace")
@policy.rule("page.trace")
@page
def trace(user: User):
    from coldchain.monitoring.alarm_rules import load as alarm_rules

    lot_id = request.args.get("lot", type=int)
    return render_template("trace.html", user=user, title=_("Lot trace"), lot_id=lot_id,
                           q=request.args.get("q", ""), statuses=[s.value for s in LotStatus],
                           ranges=alarm_rules().ranges)
