"""The real demo with the people the access matrix needs, and one request per operation.

``build_demo`` makes the demo database once (the same steps as ``wms demo load``: master
data, stock, loggers, today's orders, allocation and published plans), adds tokens and
page sessions for every principal, and moves a morning forward on one Shanghai route so
that each write has an object it can succeed on (an order picked, one loaded, one
delivered, a draft plan, a recall...). ``cases`` then names one request per operation,
filled from that database.

``expected`` derives what each principal must get from ``api.policy.RULES`` and a case's
path object or named object, so the policy table and the matrix cannot drift apart.
"""

from __future__ import annotations

import io
import secrets
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from api import policy
from api.app import create_app
from api.web.session_auth import CSRF_FIELD
from coldchain.monitoring.demo import load_sensors
from coldchain.monitoring.models import Alert
from routing.dispatch import demo_day, manifests
from routing.dispatch.models import Route
from wms import accounts, migrations
from wms import demo as demo_data
from wms.db import make_engine, make_session_factory, transaction
from wms.models import (
    Location,
    LocationKind,
    Lot,
    LotStatus,
    MoveKind,
    OrderLine,
    Reservation,
    Role,
    StockBalance,
    StockMove,
    User,
    Warehouse,
)

HOME = "SH1"  # every object the cases name is Shanghai's
AWAY = "BJ1"
FOREIGN_WAREHOUSES = ("SH1", "GZ1")  # what Beijing's people must never see


# --- principals ----------------------------------------------------------------------

@dataclass
class Principal:
    name: str
    role: Role | None = None          # None: nobody signed in
    warehouse: str | None = None      # None with a role: every warehouse (admin, buyer)
    username: str | None = None
    token: str | None = None          # what goes into "Authorization: Bearer ..."
    drives_route: bool = False        # the driver of the route the cases name
    cookie: str | None = None         # the signed page session, for pages
    csrf: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.role is not None


# The order the matrix walks them in; "first allowed non-admin" is counted in this order.
PRINCIPALS = ("admin", "staff-sh1", "staff-bj1", "dispatcher-sh1", "dispatcher-bj1",
              "driver-on-route", "driver-other", "buyer",
              # Nobody signed in. A disabled user joins these once users can be disabled.
              "anonymous", "unknown-token", "revoked-token")
DEMO_USERS = {"admin": "admin", "staff-sh1": "staff-sh", "staff-bj1": "staff-bj",
              "dispatcher-sh1": "dispatch-sh", "dispatcher-bj1": "dispatch-bj",
              "buyer": "buyer"}


# --- the demo --------------------------------------------------------------------------

@dataclass
class Demo:
    path: Path
    day: date
    principals: dict[str, Principal]
    ids: dict[str, Any] = field(default_factory=dict)
    build_s: float = 0.0


def app_for(url: str):
    return create_app({"TESTING": True, "WMS_DATABASE_URL": url, "WMS_REDIS_URL": ""})


def dispose(app) -> None:
    # The last connection to close checkpoints SQLite's WAL into the file to be copied.
    app.extensions["wms"].engine.dispose()


def build_demo(path: Path) -> Demo:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    factory = make_session_factory(engine)
    demo_data.load(factory, seed=7)
    load_sensors(factory, seed=7)
    day = demo_day.run(factory, seed=7)["date"]
    principals = _principals(factory, day)
    engine.dispose()

    demo = Demo(path, day, principals)
    app = app_for(url)
    try:
        _sign_in_pages(app, principals)
        _morning(app, demo)
    finally:
        dispose(app)
    return demo


def _principals(factory, day: date) -> dict[str, Principal]:
    out: dict[str, Principal] = {}
    with transaction(factory) as s:
        for name, username in DEMO_USERS.items():
            user = s.scalar(select(User).where(User.username == username))
            _, secret = accounts.issue_token(s, user, name="policy matrix")
            out[name] = Principal(name, Role(user.role), _code(s, user.warehouse_id),
                                  username, secret)
        route = max((r for r in manifests.published_routes(s, day)
                     if r.warehouse.code == HOME and r.driver_id is not None),
                    key=lambda r: (len(_whole_orders(s, r)), -r.id))
        driving = {r.driver_id for r in manifests.published_routes(s, day)}
        driver = s.get(User, route.driver_id)
        other = s.scalar(select(User).where(
            User.role == Role.DRIVER, User.warehouse_id == route.warehouse_id,
            User.id.not_in(driving)).order_by(User.username))
        for name, user, drives in (("driver-on-route", driver, True),
                                   ("driver-other", other, False)):
            _, secret = accounts.issue_token(s, user, name="policy matrix")
            out[name] = Principal(name, Role.DRIVER, HOME, user.username, secret,
                                  drives_route=drives)
        staff = s.scalar(select(User).where(User.username == DEMO_USERS["staff-sh1"]))
        revoked, secret = accounts.issue_token(s, staff, name="revoked")
        s.flush()
        accounts.revoke_token(s, revoked.id, by=s.scalar(select(User).where(
            User.username == "admin")))
        out["revoked-token"] = Principal("revoked-token", token=secret)
    out["anonymous"] = Principal("anonymous")
    out["unknown-token"] = Principal("unknown-token",
                                     token=accounts.TOKEN_PREFIX + secrets.token_urlsafe(32))
    return {name: out[name] for name in PRINCIPALS}


def _code(session, warehouse_id: int | None) -> str | None:
    return None if warehouse_id is None else session.get(Warehouse, warehouse_id).code


def _sign_in_pages(app, principals: dict[str, Principal]) -> None:
    """Sign every person in to the pages once; the signed cookie holds for every copy."""
    for p in principals.values():
        client = app.test_client()
        assert client.get("/signin").status_code == 200
        with client.session_transaction() as sess:
            csrf = sess["csrf"]
        if p.username:
            resp = client.post("/signin", data={"username": p.username,
                                                "password": demo_data.DEMO_PASSWORD,
                                                CSRF_FIELD: csrf})
            assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
            with client.session_transaction() as sess:
                csrf = sess["csrf"]
        p.cookie, p.csrf = client.get_cookie("session").value, csrf


def _call(client, p: Principal, method: str, path: str, *, status: int, **kw) -> Any:
    headers = {"Authorization": f"Bearer {p.token}", "Idempotency-Key": uuid.uuid4().hex}
    resp = client.open(path, method=method, headers=headers, **kw)
    assert resp.status_code == status, (method, path, resp.status_code, resp.get_json())
    return resp.get_json()


def _morning(app, demo: Demo) -> None:
    """One Shanghai route's morning, through the API, so each step has an order to act on:
    stop 1 loaded (to confirm), and one order each waiting to be picked, loaded,
    delivered and handed over; a draft plan, a job, a recall and a spare token."""
    P, ids, day = demo.principals, demo.ids, demo.day.isoformat()
    client = app.test_client()
    staff, buyer = P["staff-sh1"], P["buyer"]
    with app.app_context():
        session = app.extensions["wms"].sessions()
        route = session.scalar(select(Route).join(User, User.id == Route.driver_id).where(
            User.username == P["driver-on-route"].username,
            Route.id.in_([r.id for r in manifests.published_routes(session, demo.day)])))
        whole = _whole_orders(session, route)
        stops = sorted(route.stops, key=lambda st: st.seq)
        confirm = next(st for st in stops if {ln.order_id for ln in st.lines} <= whole)
        confirm_refs = sorted({ln.order.external_ref for ln in confirm.lines})
        others = sorted({ln.order.external_ref for st in stops if st is not confirm
                         for ln in st.lines if ln.order_id in whole})
        ids.update(route=route.id, vehicle=route.vehicle.code, published_plan=route.plan_id,
                   confirm_seq=confirm.seq, confirm_refs=confirm_refs)
        keys = ("to_pick", "to_load", "to_deliver", "to_hand_over", "to_scan_aboard",
                "to_cancel")
        assert len(others) >= len(keys), f"route {route.id} has too few whole orders"
        ids.update(zip(keys, others, strict=False))
        ids.update(_lots_and_moves(session))
        session.close()

    for ref in ids["confirm_refs"]:
        _call(client, staff, "POST", f"/api/orders/{ref}/pick", status=201)
        _call(client, staff, "POST", f"/api/routes/{ids['route']}/loading", status=201,
              json={"order": ref})
    for key in ("to_load", "to_deliver", "to_hand_over", "to_scan_aboard"):
        _call(client, staff, "POST", f"/api/orders/{ids[key]}/pick", status=201)
    for key in ("to_deliver", "to_hand_over"):
        _call(client, staff, "POST", f"/api/orders/{ids[key]}/load", status=201,
              json={"vehicle": ids["vehicle"], "route_id": ids["route"]})
    _call(client, staff, "POST", f"/api/orders/{ids['to_hand_over']}/deliver", status=201,
          json={"route_id": ids["route"]})
    # Planned again after loading began: the draft keeps the started route, so it can be
    # published.
    job = _call(client, P["dispatcher-sh1"], "POST", "/api/route-plans", status=202,
                json={"warehouse": HOME, "date": day, "time_limit_s": 1})
    ids["job"] = job["id"]
    ids["draft_plan"] = job["result"]["plan_id"]
    _call(client, buyer, "POST", f"/api/lots/{ids['recalled_lot']}/recall", status=201,
          json={"reason": "supplier recall notice"})
    ids["spare_token"] = _call(client, staff, "POST", "/api/tokens", status=201,
                               json={"name": "spare"})["id"]


def _whole_orders(session, route: Route) -> set[int]:
    """Orders of the route with every line on it. An order whose frozen and ambient goods
    ride on two vehicles cannot be loaded whole onto either (see the report of this test)."""
    on_route = {ln.order_id for st in route.stops for ln in st.lines}
    lines_here = {ln.order_line_id for st in route.stops for ln in st.lines}
    all_lines = session.execute(select(OrderLine.order_id, OrderLine.id)
                                .where(OrderLine.order_id.in_(on_route))).all()
    split = {oid for oid, lid in all_lines if lid not in lines_here}
    return on_route - split


def _lots_and_moves(session) -> dict[str, Any]:
    """Shanghai lots kept nowhere else: two free ones (nothing reserved, one receipt), and
    one on hold; the receipt of the first is the move the cases reverse."""
    home = session.scalar(select(Warehouse.id).where(Warehouse.code == HOME))
    kept_elsewhere = select(StockBalance.lot_id).where(StockBalance.warehouse_id != home)
    reserved = select(Reservation.lot_id)
    free = session.scalars(
        select(Lot.id).join(StockBalance, StockBalance.lot_id == Lot.id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.warehouse_id == home, Location.kind == LocationKind.STORAGE,
               Lot.status == LotStatus.AVAILABLE, StockBalance.reserved == 0,
               Lot.id.not_in(kept_elsewhere), Lot.id.not_in(reserved))
        .order_by(Lot.id).limit(2)).all()
    held = session.scalar(
        select(Lot.id).join(StockBalance, StockBalance.lot_id == Lot.id)
        .where(StockBalance.warehouse_id == home, Lot.status == LotStatus.HOLD,
               Lot.id.not_in(kept_elsewhere)).order_by(Lot.id))
    receipt = session.scalar(select(StockMove.id).where(
        StockMove.lot_id == free[0], StockMove.kind == MoveKind.RECEIPT))
    alert = session.scalar(select(Alert.id).where(
        Alert.warehouse_id == home, Alert.status == "open", Alert.lot_id.is_(None))
        .order_by(Alert.id))
    lot = session.get(Lot, free[0])
    return {"lot": free[0], "recalled_lot": free[1], "held_lot": held, "move": receipt,
            "alert": alert,
            "lot_code": lot.lot_code, "sku": lot.product.sku, "gtin": lot.product.gtin}


# --- the cases ---------------------------------------------------------------------------

@dataclass
class Case:
    path: str
    query: dict[str, Any] | None = None
    json: Any = None
    form: dict[str, Any] | None = None       # multipart upload or a page form
    idempotent: bool = False                 # a scanner write: Idempotency-Key header
    names: bool = False                      # the query or body names a Shanghai object
    via: str = "token"                       # "session": a page, signed in by cookie
    guarded: tuple[str, str | None] | None = None  # (rule, on) a "public" view applies itself
    ok: tuple[int, ...] = (200, 201, 202)    # what success is for the first allowed
    xfail: str | None = None                 # a contradiction of the table, reported


# Contradictions of the table found by the matrix; each case stays xfail(strict) until the
# view answers as the table says.
FOREIGN_LOCATION_422 = (
    "a scan naming another warehouse's location (SH1-REC as staff of BJ1) answers 422 "
    "'not in your warehouse' from wms.scanning, not 403; nothing is written")
FOREIGN_PICKUP_POINT_422 = (
    "an order for another warehouse's pickup point (SH-P001 as staff or dispatcher of BJ1) "
    "answers 422 'served by another warehouse' from wms.orders.place_order, not 403; "
    "nothing is written")


def cases(demo: Demo) -> dict[tuple[str, str], Case]:
    i, day = demo.ids, demo.day.isoformat()
    now = datetime.now(UTC).replace(microsecond=0)
    window = {"from": (now - timedelta(days=2)).isoformat(), "to": now.isoformat()}
    lot, route, sensor = i["lot"], i["route"], f"QT-{HOME}-C"
    page = {"via": "session", "ok": (200,)}
    reading = {"serial": sensor, "timestamp": (now - timedelta(minutes=3)).isoformat(),
               "temperature": 3.2}
    logger_csv = (f"Serial;Time;Temperature (°C)\n{sensor};"
                  f"{(now - timedelta(minutes=7)).astimezone(UTC):%Y-%m-%d %H:%M};3,1\n")
    scan = {"barcode": f"01{i['gtin']}|17271231|10MATRIX-1|3712", "action": "receive",
            "location": f"{HOME}-REC"}
    order = {"external_ref": "MATRIX-0001", "pickup_point": "SH-P001", "delivery_date": day,
             "lines": [{"sku": i["sku"], "quantity": 1}]}
    product = {"sku": "MATRIX-1", "gtin": "4006381333931", "name": "Matrix test pears",
               "temp_class": "chilled", "units_per_crate": 10, "unit_weight_kg": 1,
               "shelf_life_days": 5, "ref_temp_c": 4, "q10": 2}
    G, P, D = "GET", "POST", "DELETE"
    return {
        # no sign-in
        (G, "/static/<path:filename>"): Case("/static/app.css"),
        (G, "/api/openapi.json"): Case("/api/openapi.json"),
        (G, "/api/docs"): Case("/api/docs"),
        (G, "/api/docs/assets/<path:filename>"): Case("/api/docs/assets/swagger-ui.css"),
        (G, "/health"): Case("/health"),
        (G, "/signin"): Case("/signin", via="session", ok=(200, 302)),
        (P, "/signin"): Case("/signin", via="session", ok=(302,),
                             form={"username": "staff-sh", "password": "coldchain-demo"}),
        (P, "/signout"): Case("/signout", via="session", ok=(302,), form={}),
        (G, "/"): Case("/", via="session", ok=(302,)),
        (G, "/manifests/<int:route_id>"): Case(f"/manifests/{route}",
                                                guarded=("routes.read", "route"), ok=(200,)),
        # accounts and jobs
        (G, "/api/me"): Case("/api/me"),
        (G, "/api/users"): Case("/api/users"),
        (P, "/api/users"): Case("/api/users", json={"username": "matrix-new", "role": "staff",
                                                    "warehouse": HOME}, names=True),
        (G, "/api/tokens"): Case("/api/tokens"),
        (P, "/api/tokens"): Case("/api/tokens", json={"name": "matrix"}),
        (D, "/api/tokens/<int:token_id>"): Case(f"/api/tokens/{i['spare_token']}"),
        (G, "/api/jobs/<job_id>"): Case(f"/api/jobs/{i['job']}", names=True),
        (P, "/api/checks"): Case("/api/checks"),
        # warehouses and catalogue
        (G, "/api/warehouses"): Case("/api/warehouses"),
        (G, "/api/warehouses/<code>"): Case(f"/api/warehouses/{HOME}"),
        (G, "/api/warehouses/<code>/locations"): Case(f"/api/warehouses/{HOME}/locations"),
        (G, "/api/locations/<code>"): Case(f"/api/locations/{HOME}-C-A01-01"),
        (G, "/api/pickup-points"): Case("/api/pickup-points"),
        (G, "/api/pickup-points/<code>"): Case("/api/pickup-points/SH-P001"),
        (G, "/api/vehicles"): Case("/api/vehicles"),
        (G, "/api/products"): Case("/api/products"),
        (P, "/api/products"): Case("/api/products", json=product),
        (G, "/api/products/<sku>"): Case(f"/api/products/{i['sku']}"),
        (G, "/api/suppliers"): Case("/api/suppliers"),
        (G, "/api/suppliers/<code>"): Case("/api/suppliers/SUP-SDV"),
        (G, "/api/lots"): Case("/api/lots"),
        (G, "/api/lots/<int:lot_id>"): Case(f"/api/lots/{lot}"),
        # stock
        (P, "/api/scans"): Case("/api/scans", json=scan, idempotent=True, names=True,
                                xfail=FOREIGN_LOCATION_422),
        (P, "/api/scans/preview"): Case("/api/scans/preview", json=scan, names=True,
                                        xfail=FOREIGN_LOCATION_422),
        (G, "/api/moves"): Case("/api/moves"),
        (G, "/api/moves/<int:move_id>"): Case(f"/api/moves/{i['move']}"),
        (P, "/api/moves/<int:move_id>/reverse"): Case(
            f"/api/moves/{i['move']}/reverse", json={"reason": "scanned twice"},
            idempotent=True),
        (G, "/api/stock"): Case("/api/stock"),
        (G, "/api/lots/<int:lot_id>/locations"): Case(f"/api/lots/{lot}/locations"),
        (P, "/api/lots/<int:lot_id>/hold"): Case(f"/api/lots/{lot}/hold",
                                                 json={"reason": "smells off"}),
        (P, "/api/lots/<int:lot_id>/release"): Case(f"/api/lots/{i['held_lot']}/release",
                                                    json={"reason": "checked: fine"}),
        # orders and picking
        (G, "/api/orders"): Case("/api/orders"),
        (P, "/api/orders"): Case("/api/orders", json=order, names=True,
                                 xfail=FOREIGN_PICKUP_POINT_422),
        (G, "/api/orders/<ref>"): Case(f"/api/orders/{i['to_pick']}"),
        (G, "/api/orders/<ref>/allocation"): Case(f"/api/orders/{i['to_pick']}/allocation"),
        (P, "/api/orders/<ref>/allocation"): Case(f"/api/orders/{i['to_cancel']}/allocation"),
        (P, "/api/orders/<ref>/cancel"): Case(f"/api/orders/{i['to_cancel']}/cancel"),
        (P, "/api/allocations"): Case("/api/allocations", json={"warehouse": HOME, "date": day},
                                      names=True),
        (G, "/api/pick-lists"): Case("/api/pick-lists", query={"warehouse": HOME, "date": day},
                                     names=True),
        (P, "/api/orders/<ref>/pick"): Case(f"/api/orders/{i['to_pick']}/pick",
                                            idempotent=True),
        (P, "/api/orders/<ref>/load"): Case(
            f"/api/orders/{i['to_load']}/load", idempotent=True, names=True,
            json={"vehicle": i["vehicle"], "route_id": route}),
        (P, "/api/orders/<ref>/deliver"): Case(f"/api/orders/{i['to_deliver']}/deliver",
                                               json={"route_id": route}, idempotent=True,
                                               names=True),
        (P, "/api/orders/<ref>/handover"): Case(f"/api/orders/{i['to_hand_over']}/handover",
                                                json={}, idempotent=True),
        # cold chain
        (G, "/api/sensors"): Case("/api/sensors"),
        (P, "/api/sensors"): Case("/api/sensors", json={"serial": "MATRIX-S1",
                                                        "location": f"{HOME}-C"}, names=True),
        (G, "/api/sensors/<serial>"): Case(f"/api/sensors/{sensor}"),
        (P, "/api/sensors/<serial>/attachments"): Case(
            f"/api/sensors/{sensor}/attachments", json={"location": f"{HOME}-C-STG"},
            names=True),
        (P, "/api/readings"): Case("/api/readings", json={"readings": [reading]}, names=True),
        (P, "/api/readings/files"): Case(
            "/api/readings/files", names=True,
            form={"file": (lambda: (io.BytesIO(logger_csv.encode()), "logger.csv"))}),
        (G, "/api/sensors/<serial>/readings"): Case(f"/api/sensors/{sensor}/readings"),
        (G, "/api/locations/<code>/readings"): Case(f"/api/locations/{HOME}-C/readings"),
        (G, "/api/findings"): Case("/api/findings"),
        (G, "/api/mkt"): Case("/api/mkt", query={"location": f"{HOME}-C", **window},
                              names=True),
        (G, "/api/alerts"): Case("/api/alerts"),
        (P, "/api/alerts/<int:alert_id>/acknowledge"): Case(
            f"/api/alerts/{i['alert']}/acknowledge", json={"comment": "door was open"}),
        (P, "/api/alerts/<int:alert_id>/resolve"): Case(
            f"/api/alerts/{i['alert']}/resolve", json={"action": "close", "comment": "ok"}),
        (P, "/api/alerts/escalations"): Case("/api/alerts/escalations"),
        (G, "/api/lots/<int:lot_id>/temperature"): Case(f"/api/lots/{lot}/temperature"),
        # dispatch
        (G, "/api/route-plans"): Case("/api/route-plans"),
        (P, "/api/route-plans"): Case("/api/route-plans", names=True, json={
            "warehouse": HOME, "date": day, "time_limit_s": 1}),
        (G, "/api/route-plans/<int:plan_id>"): Case(
            f"/api/route-plans/{i['published_plan']}"),
        (G, "/api/route-plans/<int:plan_id>/unassigned"): Case(
            f"/api/route-plans/{i['published_plan']}/unassigned"),
        (P, "/api/route-plans/<int:plan_id>/publish"): Case(
            f"/api/route-plans/{i['draft_plan']}/publish", json={}),
        (G, "/api/routes/<int:route_id>"): Case(f"/api/routes/{route}"),
        (G, "/api/routes/<int:route_id>/loading"): Case(f"/api/routes/{route}/loading"),
        (P, "/api/routes/<int:route_id>/loading"): Case(
            f"/api/routes/{route}/loading", json={"order": i["to_scan_aboard"]},
            idempotent=True),
        (P, "/api/routes/<int:route_id>/stops/<int:seq>/deliveries"): Case(
            f"/api/routes/{route}/stops/{i['confirm_seq']}/deliveries", json={"lines": []},
            idempotent=True),
        (G, "/api/manifests"): Case("/api/manifests", query={"date": day}),
        (G, "/api/manifests/<int:route_id>"): Case(f"/api/manifests/{route}"),
        # traceability
        (G, "/api/lots/<int:lot_id>/facts"): Case(f"/api/lots/{lot}/facts"),
        (G, "/api/trace/lots"): Case("/api/trace/lots", query={"q": i["lot_code"]}),
        (G, "/api/lots/<int:lot_id>/trace"): Case(f"/api/lots/{lot}/trace"),
        (G, "/api/trace/backward"): Case("/api/trace/backward",
                                         query={"order": i["to_hand_over"]}),
        (G, "/api/lots/<int:lot_id>/recall"): Case(f"/api/lots/{i['recalled_lot']}/recall"),
        (P, "/api/lots/<int:lot_id>/recall"): Case(f"/api/lots/{lot}/recall", idempotent=True,
                                                   json={"reason": "supplier notice"}),
        (P, "/api/lots/<int:lot_id>/recall/release"): Case(
            f"/api/lots/{i['recalled_lot']}/recall/release", idempotent=True,
            json={"reason": "notice withdrawn"}),
        (G, "/api/exports/fsma.csv"): Case("/api/exports/fsma.csv", query={"lot": lot}),
        (G, "/api/exports/epcis"): Case("/api/exports/epcis", query={"lot": lot}),
        (G, "/api/suppliers/scorecard"): Case("/api/suppliers/scorecard"),
        (G, "/api/suppliers/scorecard.csv"): Case("/api/suppliers/scorecard.csv"),
        # pages
        (G, "/scan"): Case("/scan", **page),
        (G, "/alerts"): Case("/alerts", **page),
        (G, "/dispatch"): Case("/dispatch", **page),
        (G, "/driver"): Case("/driver", **page),
        (G, "/trace"): Case("/trace", **page),
    }


# --- what each principal must get ----------------------------------------------------------

ALLOWED = None  # any answer but 401, 403 or 5xx (the first allowed non-admin: success)
SIGN_IN = 302   # a page sends whoever is not signed in to the sign-in page


def rule_of(endpoint: str, declared: policy.Declared | None, case: Case
            ) -> tuple[str, str | None]:
    if case.guarded:
        return case.guarded
    if declared is None:
        if (endpoint in policy.PUBLIC_ENDPOINTS
                or endpoint.partition(".")[0] in policy.PUBLIC_BLUEPRINTS):
            return "public", None
        raise AssertionError(f"{endpoint} declares no access rule")
    return declared.name, declared.on


def expected(p: Principal, rule: tuple[str, str | None], case: Case) -> int | None:
    """401, 403, SIGN_IN or ALLOWED, from the rule alone."""
    name, on = rule
    spec = policy.RULES[name]
    if spec.scope == policy.Scope.PUBLIC:
        return ALLOWED
    if not p.signed_in:
        return SIGN_IN if case.via == "session" else 401
    if p.role not in spec.roles:
        return 403
    points_at_object = on is not None or case.names
    scoped = spec.scope in (policy.Scope.WAREHOUSE, policy.Scope.ROUTE)
    if (scoped and points_at_object) or (spec.scope == policy.Scope.SELF and case.names):
        if spec.scope == policy.Scope.ROUTE and p.role == Role.DRIVER:
            mine = p.drives_route
        else:
            mine = p.warehouse in (None, HOME)
        if not mine:
            return 403
    return ALLOWED


# --- calling ---------------------------------------------------------------------------------

def request(client, p: Principal, method: str, case: Case):
    headers: dict[str, str] = {}
    if case.idempotent:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    kw: dict[str, Any] = {"method": method, "headers": headers, "query_string": case.query}
    if case.via == "session":
        client.set_cookie("session", p.cookie, domain="localhost")
        if case.form is not None:
            kw["data"] = {**case.form, CSRF_FIELD: p.csrf}
    else:
        if p.token:
            headers["Authorization"] = f"Bearer {p.token}"
        if case.form is not None:
            kw["data"] = {k: v() if callable(v) else v for k, v in case.form.items()}
            kw["content_type"] = "multipart/form-data"
    if case.json is not None:
        kw["json"] = case.json
    return client.open(case.path, **kw)


STATE_TABLES = ("stock_move", "customer_order", "reading", "alert", "route_plan", "api_token",
                "job", "app_user", "sensor_attachment", "lot_recall", "stop_delivery")
STATUS_TABLES = ("alert", "lot", "customer_order", "route_plan", "route", "route_stop")


def snapshot(path: Path) -> dict[str, Any]:
    """Row counts, and how many rows are in each status where a write changes one in place."""
    con = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                               for t in STATE_TABLES}
        for t in STATUS_TABLES:
            out[f"{t} by status"] = sorted(con.execute(
                f"SELECT status, count(*) FROM {t} GROUP BY status").fetchall())
        out["api_token revoked"] = con.execute(
            "SELECT count(*) FROM api_token WHERE revoked_at IS NOT NULL").fetchone()[0]
        return out
    finally:
        con.close()
