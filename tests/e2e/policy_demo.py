"""The real demo with the people the access matrix needs (``tests/e2e/test_policy.py``).

``build_demo`` makes the demo database once (the same steps as ``wms demo load``: master
data, stock, loggers, today's orders, allocation and published plans), adds tokens and
page sessions for every principal, and moves a morning forward on one Shanghai route so
that each write has an object it can succeed on (an order picked, one loaded, one
delivered, a draft plan, a recall...).

Longer than 400 lines because every principal and every object a write of the matrix needs
is made in one pass over one demo database, so that the matrix builds it once.
"""

from __future__ import annotations

import io
import secrets
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from api.app import create_app
from api.web.session_auth import CSRF_FIELD
from coldchain.monitoring.demo import load_sensors
from coldchain.monitoring.models import Alert, Reading, Sensor
from routing.dispatch import demo_day, manifests
from routing.dispatch.models import Route
from wms import accounts, migrations
from wms import demo as demo_data
from wms.db import make_engine, make_session_factory, transaction
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    LotStatus,
    OrderLine,
    PickupPoint,
    Product,
    Reservation,
    Role,
    StockBalance,
    StockMove,
    User,
    Warehouse,
)
from wms.pdf import text_pdf

HOME = "SH1"  # every object the cases name is Shanghai's
AWAY = "BJ1"


# --- principals ----------------------------------------------------------------------

@dataclass
class Principal:
    name: str
    role: Role | None = None          # None: nobody signed in
    warehouse: str | None = None      # None with a role: every warehouse (admin, buyer)
    username: str | None = None
    token: str | None = None          # what goes into "Authorization: Bearer ..."
    drives_route: bool = False        # the driver of the route the cases name
    leads_point: bool = False         # the group leader of the pickup point the cases name
    cookie: str | None = None         # the signed page session, for pages
    csrf: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.role is not None


# The order the matrix walks them in; "first allowed non-admin" is counted in this order.
PRINCIPALS = ("admin", "staff-sh1", "staff-bj1", "dispatcher-sh1", "dispatcher-bj1",
              "driver-on-route", "driver-other", "buyer", "leader-on-point", "leader-other",
              # Nobody signed in: a disabled user's token and page session are dead too.
              "anonymous", "unknown-token", "revoked-token", "disabled-user")
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


# Certificate files of the demo and of every copy of it: the store is content-addressed,
# so copies sharing it see the files the demo's documents name.
DOCUMENTS = tempfile.mkdtemp(prefix="policy-documents-")


def app_for(url: str):
    return create_app({"TESTING": True, "WMS_DATABASE_URL": url, "WMS_REDIS_URL": "",
                       "WMS_DOCUMENT_STORE": DOCUMENTS})


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
        _disable(app, principals["disabled-user"])
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
        # The leader of every pickup point of that route (the one the cases name among them),
        # and one of a Shanghai point the route does not visit.
        on_route = sorted({st.pickup_point.code for st in route.stops})
        elsewhere = s.scalar(select(PickupPoint.code).where(
            PickupPoint.warehouse_id == route.warehouse_id,
            PickupPoint.code.not_in(on_route)).order_by(PickupPoint.code))
        for name, points, leads in (("leader-on-point", on_route, True),
                                    ("leader-other", [elsewhere], False)):
            user = accounts.create_user(s, username=f"matrix-{name}", role=Role.LEADER,
                                        pickup_points=points,
                                        password=demo_data.DEMO_PASSWORD)
            _, secret = accounts.issue_token(s, user, name="policy matrix")
            out[name] = Principal(name, Role.LEADER, HOME, user.username, secret,
                                  leads_point=leads)
        staff = s.scalar(select(User).where(User.username == DEMO_USERS["staff-sh1"]))
        revoked, secret = accounts.issue_token(s, staff, name="revoked")
        s.flush()
        accounts.revoke_token(s, revoked.id, by=s.scalar(select(User).where(
            User.username == "admin")))
        out["revoked-token"] = Principal("revoked-token", token=secret)
        disabled = accounts.create_user(s, username="staff-sh-left", role=Role.STAFF,
                                        warehouse_code=HOME, password=demo_data.DEMO_PASSWORD)
        out["disabled-user"] = Principal("disabled-user", username=disabled.username,
                                         token=accounts.issue_token(s, disabled,
                                                                    name="before leaving")[1])
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


def _disable(app, p: Principal) -> None:
    """The person left after signing in: their token and page session must stop working."""
    with app.app_context(), transaction(app.extensions["wms"].sessions) as s:
        accounts.set_active(s, accounts.user_by_name(s, p.username), False)


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
        # A lot reserved, still in its bins, for the order nobody picks.
        ids["reserved_lot"] = session.scalar(
            select(Reservation.lot_id).join(OrderLine, OrderLine.id == Reservation.order_line_id)
            .join(CustomerOrder, CustomerOrder.id == OrderLine.order_id)
            .where(CustomerOrder.external_ref == ids["to_cancel"])
            .order_by(Reservation.lot_id).limit(1))
        ids.update(_purchase_orders(session, ids["gtin"]))
        session.commit()
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
    with app.app_context():
        session = app.extensions["wms"].sessions()
        handed = session.scalar(select(CustomerOrder).where(
            CustomerOrder.external_ref == ids["to_hand_over"]))
        ids["leader_point"] = handed.pickup_point.code
        ids["pickup_code"] = handed.pickup_code.code
        session.close()
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
    ids["webhook"] = _call(client, P["admin"], "POST", "/api/webhooks", status=201, json={
        "name": "matrix-shop", "url": "http://127.0.0.1:9/hooks", "secret": "s",
        "active": False})["id"]
    ids["spare_user"] = _call(client, P["admin"], "POST", "/api/users", status=201,
                              json={"username": "matrix-spare", "role": "buyer",
                                    "password": "spare-password-1"})["id"]
    ids["disabled_user"] = _call(client, P["admin"], "POST", "/api/users", status=201,
                                 json={"username": "matrix-left", "role": "buyer",
                                       "password": "spare-password-1"})["id"]
    _call(client, P["admin"], "POST", f"/api/users/{ids['disabled_user']}/disable",
          status=200)
    ids["document"] = _call(
        client, buyer, "POST", f"/api/lots/{ids['lot']}/documents", status=201,
        content_type="multipart/form-data", data={
            "file": (io.BytesIO(text_pdf(["Inspection certificate"])), "inspection.pdf"),
            "kind": "inspection", "issuer": "Shanghai Customs", "number": "MATRIX-INSP-1",
            "valid_from": day})["id"]
    _held_on_truck(app, client, demo)
    with app.app_context(), transaction(app.extensions["wms"].sessions) as s:
        ids["staff_user"] = accounts.user_by_name(s, staff.username).id
        place = s.execute(select(Location.code, StockBalance.on_hand)
                          .join(StockBalance, StockBalance.location_id == Location.id)
                          .where(StockBalance.lot_id == ids["held_lot"],
                                 StockBalance.on_hand > 0)).first()
        ids["held_at"], ids["held_units"] = place
        ids["reading_at"] = s.scalar(
            select(func.max(Reading.ts)).join(Sensor, Sensor.id == Reading.sensor_id)
            .where(Sensor.serial == f"QT-{HOME}-C")).isoformat()


def _held_on_truck(app, client, demo: Demo) -> None:
    """A lot of its own received, carried onto the route's truck and put on hold there:
    the units a driver brings back (or staff write off) from the field."""
    P, ids = demo.principals, demo.ids
    staff = P["staff-sh1"]
    with app.app_context():
        session = app.extensions["wms"].sessions()
        # A product no open purchase order of the warehouse has: the receipt must not be
        # matched to one of the demo's orders, whose open quantities change with the day.
        from wms.models import PurchaseOrder, PurchaseOrderLine
        from wms.purchasing import OPEN

        on_order = (select(PurchaseOrderLine.product_id)
                    .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
                    .join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
                    .where(Warehouse.code == HOME, PurchaseOrder.state.in_(OPEN)))
        gtin = session.scalar(select(Product.gtin).where(
            Product.temp_class == "chilled", Product.id.not_in(on_order))
            .order_by(Product.id))
        truck = session.scalar(select(Location.code).where(
            Location.code == f"{ids['vehicle']}-C", Location.temp_zone == "chilled"))
        session.close()
    label = f"01{gtin}|17271231|10FIELD-1"
    _call(client, staff, "POST", "/api/scans", status=201, json={
        "action": "receive", "barcode": label + "|3712", "location": f"{HOME}-REC"})
    moved = _call(client, staff, "POST", "/api/scans", status=201, json={
        "action": "move", "barcode": label, "from": f"{HOME}-REC", "to": truck,
        "quantity": 12})
    ids["field_lot"], ids["field_at"] = moved["moves"][0]["lot_id"], truck
    _call(client, P["buyer"], "POST", f"/api/lots/{ids['field_lot']}/hold", status=200,
          json={"reason": "the truck's reefer failed"})


def _whole_orders(session, route: Route) -> set[int]:
    """Orders of the route with every line on it. Loading an order moves all its staged
    units onto one vehicle, so an order whose frozen and ambient goods ride on two
    vehicles cannot be loaded onto either (409 "no ambient compartment")."""
    on_route = {ln.order_id for st in route.stops for ln in st.lines}
    lines_here = {ln.order_line_id for st in route.stops for ln in st.lines}
    all_lines = session.execute(select(OrderLine.order_id, OrderLine.id)
                                .where(OrderLine.order_id.in_(on_route))).all()
    split = {oid for oid, lid in all_lines if lid not in lines_here}
    return on_route - split


def _lots_and_moves(session) -> dict[str, Any]:
    """Shanghai lots kept nowhere else: two free ones (nothing reserved, one receipt), and
    one on hold; the last move of the first (its put-away: the units still sit where it
    put them) is the move the cases reverse."""
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
    receipt = session.scalar(select(StockMove.id).where(StockMove.lot_id == free[0])
                             .order_by(StockMove.id.desc()).limit(1))
    alert = session.scalar(select(Alert.id).where(
        Alert.warehouse_id == home, Alert.status == "open", Alert.lot_id.is_(None))
        .order_by(Alert.id))
    # An excursion's alert with held lots waiting is resolved by releasing them; one
    # without is closed.
    waiting = session.scalar(select(func.count()).select_from(Alert).where(
        Alert.parent_id == alert, Alert.status != "resolved"))
    lot = session.get(Lot, free[0])
    lot_at = session.scalar(select(Location.code).join(
        StockBalance, StockBalance.location_id == Location.id)
        .where(StockBalance.lot_id == free[0], StockBalance.on_hand > 0))
    from wms.models import Repack

    repack = session.scalar(select(Repack.id).where(Repack.warehouse_id == home)
                            .order_by(Repack.id))
    return {"lot": free[0], "lot_at": lot_at, "repack": repack,
            "recalled_lot": free[1], "held_lot": held, "move": receipt,
            "alert": alert, "alert_action": "release" if waiting else "close",
            "lot_code": lot.lot_code, "sku": lot.product.sku, "gtin": lot.product.gtin}


def _purchase_orders(session, scanned_gtin: str) -> dict[str, Any]:
    """Shanghai's open purchase orders of the demo, one per state."""
    from wms.models import PoState, PurchaseOrder

    home = session.scalar(select(Warehouse.id).where(Warehouse.code == HOME))
    refs = {state: session.scalar(select(PurchaseOrder.ref).where(
        PurchaseOrder.warehouse_id == home, PurchaseOrder.state == state)
        .order_by(PurchaseOrder.id.desc())) for state in
        (PoState.DRAFT, PoState.SENT, PoState.PARTIALLY_RECEIVED)}
    supplier = session.scalar(select(PurchaseOrder.supplier_id).where(
        PurchaseOrder.ref == refs[PoState.SENT]))
    from wms.models import Supplier

    return {"po_draft": refs[PoState.DRAFT], "po_sent": refs[PoState.SENT],
            "po_partial": refs[PoState.PARTIALLY_RECEIVED],
            "po_to_cancel": _po_nobody_receives(session, supplier, scanned_gtin),
            "po_supplier": session.get(Supplier, supplier).code}


def _po_nobody_receives(session, supplier_id: int, scanned_gtin: str) -> str:
    """A sent order of its own for the cancel case: the demo's sent orders may take the
    matrix's receipt scan (the only open order with the scanned product gets it), and a
    received order can no longer be cancelled, whatever day the demo was built."""
    from wms import purchasing
    from wms.models import Product, Supplier

    product = session.scalar(select(Product).where(Product.gtin != scanned_gtin)
                             .order_by(Product.id))
    order = purchasing.create(session, {
        "supplier": session.get(Supplier, supplier_id).code, "warehouse": HOME,
        "expected_date": date.today() + timedelta(days=3),
        "lines": [{"sku": product.sku, "quantity": 10, "unit_price": 1}]}, actor_id=None)
    purchasing.send(session, order)
    return order.ref
