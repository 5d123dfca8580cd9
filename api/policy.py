"""Who may do what: one declared access rule per operation, denied by default.

Every API operation and page names its rule with ``@policy.rule("lots.hold", on="lot")``.
``enforce`` runs before every request and is the one place access is decided:

1. the endpoint's rule is looked up; an operation that declares none answers 403 to
   everyone, so a forgotten declaration fails closed (and ``tests/e2e/test_policy.py``
   fails for it);
2. a role the rule does not name gets 403 (admin holds every rule);
3. the object the path names (``on=``: a lot, an order, a route...) must lie within the
   user's scope: for a read, at least one of the warehouses it is kept in must be the
   user's; for a write, all of them, so that nobody changes what another warehouse holds.
   Drivers reach routes they drive and orders on those routes only; group leaders reach
   the pickup points they run and the orders for them only.

Objects a request names in its body (a sensor in a readings batch, the route an order is
loaded for) are checked by the view with ``require_warehouse`` / ``require_route``, and list
endpoints narrow their query with ``scoped``: the rule's scope says which one applies.

Another warehouse's object answers 403 (the company's warehouses know of each other; only
what they may do differs); an object that does not exist answers 404.

Longer than 400 lines because the table, the owner lookups it names and its enforcement are
one piece a reviewer must read together: splitting them would hide which rule checks what.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request
from sqlalchemy import select, union

from api.runtime import db
from coldchain.monitoring.models import Alert, Sensor
from routing.dispatch import plans
from routing.dispatch.models import Route, RoutePlan, RouteStop, RouteStopLine
from wms import scope as wms_scope
from wms.errors import Forbidden
from wms.i18n import N_
from wms.models import (
    CustomerOrder,
    Document,
    Job,
    LeaderPickupPoint,
    Location,
    Lot,
    PickupPoint,
    PurchaseOrder,
    Repack,
    Role,
    StockBalance,
    StockMove,
    User,
    Warehouse,
)


class Scope(enum.StrEnum):
    PUBLIC = "public"        # no sign-in
    SELF = "self"            # any signed-in user, on their own account, tokens and jobs
    ALL = "all"              # the roles named, across warehouses
    WAREHOUSE = "warehouse"  # the user's own warehouse (admin and buyer: every warehouse)
    ROUTE = "route"          # drivers: the routes they drive; others: their warehouse
    PICKUP_POINT = "pickup_point"  # leaders: the pickup points they run; others: warehouse


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    scope: Scope
    summary: str


EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
STAFF, DISPATCHER, DRIVER, BUYER = Role.STAFF, Role.DISPATCHER, Role.DRIVER, Role.BUYER
LEADER = Role.LEADER


def _rule(roles: Iterable[Role], scope: Scope, summary: str) -> Rule:
    return Rule(frozenset(roles) | ADMIN, scope, summary)


W, R, A, PP = Scope.WAREHOUSE, Scope.ROUTE, Scope.ALL, Scope.PICKUP_POINT

# The whole table. README's role table is generated from it (``wms policy table``).
RULES: dict[str, Rule] = {
    "public": Rule(EVERYONE, Scope.PUBLIC, "health, API docs, sign-in"),
    "account.self": _rule(EVERYONE, Scope.SELF, "your own account, password and API tokens"),
    "jobs.read": _rule(EVERYONE, Scope.SELF,
                       "status of jobs you started or of your warehouse"),
    "users.manage": _rule((), A, "users: create, list, disable, set passwords"),
    "checks.run": _rule((), A, "master-data checks, alert escalation"),
    "outbox.manage": _rule((), A, "webhook subscriptions for order events, their dead "
                                  "letters and replays"),
    "catalog.read": _rule((STAFF, DISPATCHER, BUYER), A, "products and suppliers"),
    "catalog.write": _rule((BUYER,), A, "add products"),
    "warehouses.read": _rule((STAFF, DISPATCHER, BUYER), W,
                             "warehouses, locations, pickup points, vehicles"),
    "lots.read": _rule((STAFF, DISPATCHER, BUYER), W, "lots and where they are"),
    "stock.read": _rule((STAFF, DISPATCHER, BUYER), W, "stock balances and moves"),
    "stock.move": _rule((STAFF,), W, "scans, reversals of moves, picking"),
    "stock.repack": _rule((STAFF,), W, "repack lots into consumer packs, with their lineage"),
    "lots.hold": _rule((STAFF, BUYER), W, "hold and release lots and their reservations"),
    "lots.scrap": _rule((STAFF,), W, "scrap units where they are, with a witness"),
    "orders.read": _rule((STAFF, DISPATCHER), W, "orders and their allocation"),
    "orders.write": _rule((STAFF, DISPATCHER), W, "place, allocate and cancel orders"),
    "enterprise.write": _rule((DISPATCHER,), W,
                              "add enterprise customers and their delivery addresses"),
    "points.write": _rule((DISPATCHER,), W,
                          "state a pickup point's freezer and fridge room and the vehicles "
                          "let in"),
    "orders.deliver": _rule((STAFF, DRIVER), R, "load and deliver orders"),
    "orders.handover": _rule((STAFF, DISPATCHER, DRIVER), R,
                             "hand orders over to residents"),
    "coldchain.read": _rule((STAFF, DISPATCHER, BUYER), W,
                            "sensors, readings, findings, MKT, a lot's temperature"),
    "coldchain.write": _rule((STAFF,), W, "register and attach sensors, upload readings"),
    "coldchain.void": _rule((STAFF,), W,
                            "void wrong readings (kept, but judged no more)"),
    "alerts.read": _rule((STAFF, DISPATCHER, BUYER), W, "cold-chain alerts"),
    "alerts.acknowledge": _rule((STAFF, DISPATCHER, BUYER), W, "acknowledge alerts"),
    "alerts.resolve": _rule((STAFF, BUYER), W, "resolve alerts: release or scrap the lot"),
    "plans.read": _rule((DISPATCHER, STAFF), W, "route plans and unassigned stops"),
    "plans.write": _rule((DISPATCHER,), W, "plan and publish routes"),
    "plans.replan": _rule((DISPATCHER,), W,
                          "re-plan the rest of a published day when trucks fail mid-route"),
    "routes.read": _rule((DISPATCHER, STAFF, DRIVER), R, "routes, manifests, loading"),
    "routes.load": _rule((STAFF,), W, "load a route's vehicle against its manifest"),
    "routes.confirm": _rule((DRIVER,), R, "confirm deliveries at stops"),
    "routes.return": _rule((STAFF, DRIVER), R,
                           "bring goods back from a route's truck and pickup points"),
    "leader.read": _rule((LEADER, STAFF, DISPATCHER), PP,
                         "a pickup point's arrivals, orders to hand out, stock and day report"),
    "leader.receive": _rule((LEADER,), PP, "confirm or dispute a delivery at the pickup point"),
    "leader.handover": _rule((LEADER,), PP, "hand orders over to residents by pickup code"),
    "leader.close": _rule((LEADER,), PP,
                          "write off or send back uncollected goods; the day-end count"),
    "disputes.read": _rule((STAFF, DISPATCHER), W,
                           "receipts disputed at pickup points, goods to fetch back"),
    "trace.read": _rule((BUYER,), A, "lot facts, traces, exports, supplier scorecard"),
    "trace.recall": _rule((BUYER,), A, "recall lots and release recalls"),
    "sourcing.read": _rule((STAFF, BUYER), W, "purchase orders and shipping notices"),
    "sourcing.write": _rule((BUYER,), W, "place, send, cancel, close purchase orders; ASNs"),
    "sourcing.reject": _rule((STAFF,), W, "reject goods of a purchase order at the dock"),
    "documents.read": _rule((STAFF, BUYER), W,
                            "certificates and lab results of lots; download them"),
    "documents.write": _rule((STAFF, BUYER), W, "attach certificates and lab results to lots"),
    "supplier_documents.read": _rule((BUYER,), A, "suppliers' certificates"),
    "supplier_documents.write": _rule((BUYER,), A, "attach certificates to suppliers"),
    "page.scan": _rule((STAFF,), W, "the scanning station"),
    "page.picking": _rule((STAFF,), W, "the pick and sorting list, the loading dock"),
    "page.holds": _rule((STAFF,), W, "the page of held, quarantined and recalled lots"),
    "page.dispatch": _rule((DISPATCHER,), W, "the dispatch page"),
    "page.driver": _rule((DRIVER,), R, "the driver's page"),
    "page.leader": _rule((LEADER,), PP, "the group leader's page"),
    "page.trace": _rule((BUYER,), A, "the trace page"),
    "page.purchasing": _rule((BUYER,), A, "the purchasing page"),
    "page.alerts": _rule((STAFF, DISPATCHER, BUYER), W, "the alerts page"),
    "page.records": _rule((STAFF, DISPATCHER, BUYER), W,
                          "the printable daily temperature record"),
}

_ATTR = "__access_rule__"


@dataclass(frozen=True)
class Declared:
    name: str
    on: str | None


def rule(name: str, *, on: str | None = None) -> Callable[[Callable], Callable]:
    """Declare the access rule of a view; ``on`` names the object its path points at."""
    if name not in RULES:
        raise KeyError(f"no access rule {name!r} in api.policy.RULES")
    if on is not None and on not in OWNERS:
        raise KeyError(f"no owner lookup for {on!r} in api.policy.OWNERS")

    def mark(fn: Callable) -> Callable:
        setattr(fn, _ATTR, Declared(name, on))
        return fn

    return mark


def declared(view: Callable, method: str) -> Declared | None:
    """The rule a URL-map endpoint declares for an HTTP method, if any."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = "get" if method.upper() == "HEAD" else method.lower()
        view = getattr(view_class, method, None)
        if view is None:
            return None
    return getattr(view, _ATTR, None)


def current_rule() -> tuple[Declared | None, Rule | None]:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return None, None
    found = declared(view, request.method)
    return found, (RULES[found.name] if found else None)


# Views this app does not write itself (flask-smorest's docs, static files): public.
PUBLIC_ENDPOINTS = frozenset({"static"})
PUBLIC_BLUEPRINTS = frozenset({"api-docs"})


def is_public() -> bool:
    """Whether this request needs no signed-in user."""
    endpoint = request.endpoint or ""
    if endpoint in PUBLIC_ENDPOINTS or endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS:
        return True
    _, spec = current_rule()
    return spec is not None and spec.scope == Scope.PUBLIC


def enforce(user: User) -> None:
    """Refuse the request unless the endpoint's rule lets ``user`` do it."""
    found, spec = current_rule()
    if found is None or spec is None:
        raise Forbidden(N_("this operation declares no access rule, so nobody may use it"))
    g.access_rule = found.name
    check_role(user, found.name)
    if found.on == "user" and spec.scope == Scope.SELF:
        key = (request.view_args or {}).get(OWNER_ARGS["user"])
        if (key is not None and key != user.id and user.role != Role.ADMIN
                and OWNERS["user"](key) is not None):
            raise Forbidden("this is another person's account: only an admin may change it")
    elif found.on is not None and spec.scope in (Scope.WAREHOUSE, Scope.ROUTE,
                                                  Scope.PICKUP_POINT):
        key = (request.view_args or {}).get(OWNER_ARGS[found.on])
        if key is not None:
            write = request.method not in ("GET", "HEAD", "OPTIONS")
            _check_owner(user, spec.scope, found.on, key, write=write)


def check_role(user: User, name: str) -> None:
    spec = RULES[name]
    if user.role not in spec.roles:
        wanted = ", ".join(sorted(r.value for r in spec.roles - ADMIN)) or "admin"
        raise Forbidden(N_("your role ({role}) may not do this ({summary}); it needs: {wanted}",
                           role=user.role.value, summary=spec.summary, wanted=wanted))


def may(user: User, name: str) -> bool:
    return user.role in RULES[name].roles


# --- ownership -----------------------------------------------------------------------

def _lot_warehouses(lot_id: int) -> set[int]:
    """Every warehouse that keeps or kept units of the lot."""
    held = select(StockBalance.warehouse_id).where(StockBalance.lot_id == lot_id)
    moved = (select(Location.warehouse_id)
             .join(StockMove, StockMove.to_location_id == Location.id)
             .where(StockMove.lot_id == lot_id))
    return set(db().scalars(union(held, moved)))


def _one(stmt) -> set[int] | None:
    found = db().execute(stmt).first()
    return None if found is None else ({found[0]} if found[0] is not None else set())


def _order_warehouses(ref: str) -> set[int] | None:
    return _one(select(CustomerOrder.warehouse_id).where(CustomerOrder.external_ref == ref))


def _move_warehouses(move_id: int) -> set[int] | None:
    move = db().get(StockMove, move_id)
    if move is None:
        return None
    ids = {move.from_location_id, move.to_location_id} - {None}
    return set(db().scalars(select(Location.warehouse_id).where(Location.id.in_(ids))))


def _sensor_warehouses(serial: str) -> set[int] | None:
    found = db().execute(select(Sensor.id, Location.warehouse_id)
                         .outerjoin(Location, Location.id == Sensor.location_id)
                         .where(Sensor.serial == serial)).first()
    if found is None:
        return None
    return {found[1]} if found[1] is not None else set()


def _alert_warehouses(alert_id: int) -> set[int] | None:
    return _one(select(Alert.warehouse_id).where(Alert.id == alert_id))


def _plan_warehouses(plan_id: int) -> set[int] | None:
    return _one(select(RoutePlan.warehouse_id).where(RoutePlan.id == plan_id))


def _route_warehouses(route_id: int) -> set[int] | None:
    return _one(select(Route.warehouse_id).where(Route.id == route_id))


def _job_warehouses(job_id: str) -> set[int] | None:
    return _one(select(Job.warehouse_id).where(Job.id == job_id))


OWNERS: dict[str, Callable[[Any], set[int] | None]] = {
    "lot": lambda key: _lot_warehouses(key) if _exists_lot(key) else None,
    "order": _order_warehouses,
    "move": _move_warehouses,
    "sensor": _sensor_warehouses,
    "alert": _alert_warehouses,
    "plan": _plan_warehouses,
    "route": _route_warehouses,
    "job": _job_warehouses,
    "warehouse": lambda code: _one(select(Warehouse.id).where(Warehouse.code == code)),
    "location": lambda code: _one(select(Location.warehouse_id).where(Location.code == code)),
    "pickup_point": lambda code: _one(select(PickupPoint.warehouse_id)
                                      .where(PickupPoint.code == code)),
    "user": lambda user_id: _one(select(User.warehouse_id).where(User.id == user_id)),
    "purchase_order": lambda ref: _one(select(PurchaseOrder.warehouse_id).where(
        PurchaseOrder.ref == ref)),
    "document": lambda doc_id: _document_warehouses(doc_id),

    "repack": lambda repack_id: _one(select(Repack.warehouse_id).where(
        Repack.id == repack_id)),
}
OWNER_ARGS = {"lot": "lot_id", "order": "ref", "move": "move_id", "sensor": "serial",
              "alert": "alert_id", "plan": "plan_id", "route": "route_id", "job": "job_id",
              "warehouse": "code", "location": "code", "pickup_point": "code",
              "user": "user_id", "purchase_order": "ref", "document": "document_id",
              "repack": "repack_id"}


def _document_warehouses(doc_id: int) -> set[int] | None:
    """A lot's document: the lot's warehouses. A supplier's: none (buyers and admins)."""
    found = db().execute(select(Document.lot_id).where(Document.id == doc_id)).first()
    if found is None:
        return None
    return _lot_warehouses(found[0]) if found[0] is not None else set()



def _exists_lot(lot_id: int) -> bool:
    return db().get(Lot, lot_id) is not None


def _check_owner(user: User, scope: Scope, kind: str, key: Any, *, write: bool) -> None:
    if scope == Scope.ROUTE and user.role == Role.DRIVER:
        if kind == "route":
            require_route(user, key)
        elif kind == "order":
            require_order_on_own_route(user, key)
        return
    if scope == Scope.PICKUP_POINT and user.role == Role.LEADER:
        if kind == "pickup_point":
            require_own_point(user, key)
        elif kind == "order":
            require_order_at_own_point(user, key)
        return
    owners = OWNERS[kind](key)
    if owners is None:
        return  # nothing there: the view answers 404
    require_warehouses(user, owners, write=write, what=kind.replace("_", " "))


# What an object is called in a refusal, in the reader's language.
OBJECT_NAMES = {"resource": N_("resource"), "lot": N_("lot"), "order": N_("order"),
                "move": N_("move"), "sensor": N_("sensor"), "alert": N_("alert"),
                "plan": N_("plan"), "route plan": N_("route plan"), "route": N_("route"),
                "job": N_("job"), "repack": N_("repack"), "warehouse": N_("warehouse"),
                "location": N_("location"), "pickup point": N_("pickup point"),
                "vehicle": N_("vehicle"), "document": N_("document")}


def require_warehouses(user: User, owners: set[int], *, write: bool,
                       what: str = "resource") -> None:
    """The object kept in ``owners`` is within the user's warehouses: any of them to read
    it, all of them to change it. An object of no warehouse is for unscoped roles only."""
    what = OBJECT_NAMES.get(what, what)
    allowed = wms_scope.visible_warehouse_ids(user)
    if allowed is None:
        return
    if not owners:
        if write:
            return  # e.g. a sensor hanging nowhere yet: nobody else's
        raise Forbidden(N_("this {what} belongs to no warehouse of yours", what=what))
    inside = owners & allowed
    if not inside or (write and inside != owners):
        raise Forbidden(N_("this {what} belongs to another warehouse than yours", what=what)
                        if not inside else
                        N_("this {what} is also kept in another warehouse; a buyer or admin "
                           "acts on it for every warehouse", what=what))


def require_warehouse(user: User, warehouse_id: int | None, what: str = "resource") -> None:
    """A single object of a warehouse, named by the request: it must be the user's."""
    require_warehouses(user, {warehouse_id} if warehouse_id is not None else set(),
                       write=True, what=what)


def require_route(user: User, route_id: int):
    """A route the user may act on: a driver's own current route, or one of their
    warehouse's for everybody else."""
    route = db().get(Route, route_id)
    if route is None:
        return None
    if user.role == Role.DRIVER:
        if route.driver_id != user.id or not plans.is_current(db(), route):
            raise Forbidden(N_("route {route} is not one of your routes", route=route_id))
    else:
        require_warehouse(user, route.warehouse_id, "route")
    return route


def require_order_on_own_route(user: User, ref: str) -> None:
    """A driver acts on an order only while it is on a current route they drive."""
    order_id = db().scalar(select(CustomerOrder.id).where(CustomerOrder.external_ref == ref))
    if order_id is None:
        return
    route_ids = db().scalars(select(Route.id).join(RouteStop, RouteStop.route_id == Route.id)
                             .join(RouteStopLine, RouteStopLine.stop_id == RouteStop.id)
                             .where(RouteStopLine.order_id == order_id,
                                    Route.driver_id == user.id).distinct()).all()
    if not any(plans.is_current(db(), db().get(Route, rid)) for rid in route_ids):
        raise Forbidden(N_("order {ref} is not on one of your routes", ref=ref))


def _leader_points(user: User) -> set[int]:
    return set(db().scalars(select(LeaderPickupPoint.pickup_point_id)
                            .where(LeaderPickupPoint.user_id == user.id)))


def require_own_point(user: User, code: str) -> None:
    """A leader acts only at the pickup points they run."""
    point_id = db().scalar(select(PickupPoint.id).where(PickupPoint.code == code))
    if point_id is not None and point_id not in _leader_points(user):
        raise Forbidden(N_("pickup point {point} is not one you run", point=code))


def require_order_at_own_point(user: User, ref: str) -> None:
    point_id = db().scalar(select(CustomerOrder.pickup_point_id)
                           .where(CustomerOrder.external_ref == ref))
    if point_id is not None and point_id not in _leader_points(user):
        raise Forbidden(N_("order {ref} is not for a pickup point you run", ref=ref))


def scoped(stmt, warehouse_column):
    """Limit a list to the warehouses the current user may see."""
    allowed = wms_scope.visible_warehouse_ids(g.user)
    return stmt if allowed is None else stmt.where(warehouse_column.in_(allowed))


# --- the table as people read it -------------------------------------------------------

def role_table() -> str:
    """README's role table: per role, what it may do in which scope (everyone may also
    read their own account, tokens and jobs)."""
    columns = (Scope.WAREHOUSE, Scope.ROUTE, Scope.PICKUP_POINT, Scope.ALL)
    lines = ["| role | in their own warehouse | on the routes they drive | "
             "at the pickup points they run | in every warehouse |",
             "|---|---|---|---|---|"]
    for role in Role:
        if role == Role.ADMIN:
            lines.append("| admin | | | | everything |")
            continue
        cells: dict[Scope, list[str]] = {c: [] for c in columns}
        for spec in RULES.values():
            if role not in spec.roles or spec.scope in (Scope.PUBLIC, Scope.SELF):
                continue
            where = spec.scope
            if where == Scope.ROUTE and role != Role.DRIVER:
                where = Scope.WAREHOUSE
            if where == Scope.PICKUP_POINT and role != Role.LEADER:
                where = Scope.WAREHOUSE
            if where == Scope.WAREHOUSE and wms_scope.visible_warehouse_ids_for_role(role) \
                    is None:
                where = Scope.ALL
            cells[where].append(spec.summary)
        lines.append(f"| {role.value} | " + " | ".join("; ".join(cells[c]) for c in columns)
                     + " |")
    return "\n".join(lines)


def operations(app) -> list[tuple[str, str, str, Declared | None]]:
    """Every (method, URL rule, endpoint, declared rule) the app serves."""
    out = []
    for url_rule in app.url_map.iter_rules():
        view = app.view_functions[url_rule.endpoint]
        for method in sorted((url_rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, url_rule.rule, url_rule.endpoint, declared(view, method)))
    return out
