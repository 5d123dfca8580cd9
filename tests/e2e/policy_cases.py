"""One request per operation for the access matrix, and what each principal must get.

``cases`` names one request per operation, filled from the demo of
``tests/e2e/policy_demo.py``. ``expected`` derives what each principal must get from
``api.policy.RULES`` and a case's path object or named object, so the policy table and
the matrix cannot drift apart.

Longer than 400 lines because it is one table, a case per operation: read together, a
missing or odd case shows.
"""

from __future__ import annotations

import io
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api import policy
from api.web.session_auth import CSRF_FIELD
from tests.e2e.policy_demo import HOME, Demo, Principal
from wms.models import Role
from wms.pdf import text_pdf

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
    owner: str | None = None                 # the principal whose account the path names
    ok: tuple[int, ...] = (200, 201, 202)    # what success is for the first allowed
    xfail: str | None = None                 # a contradiction of the table, reported




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
    orders_csv = ("external_ref,pickup_point,delivery_date,sku,quantity\n"
                  f"MATRIX-CSV-1,SH-P001,{day},{i['sku']},1\n")
    product = {"sku": "MATRIX-1", "gtin": "4006381333931", "name": "Matrix test pears",
               "temp_class": "chilled", "units_per_crate": 10, "unit_weight_kg": 1,
               "shelf_life_days": 5, "ref_temp_c": 4, "q10": 2}
    point = f"/api/pickup-points/{i['leader_point']}"
    on_day = {"date": day}

    certificate = {"file": lambda: (io.BytesIO(text_pdf(["Organic certificate"])), "c.pdf"),
                   "kind": "organic", "issuer": "China Organic Food Certification Center",
                   "number": f"MATRIX-{uuid.uuid4().hex[:8]}", "valid_from": "2026-01-01"}
    G, P, U, D = "GET", "POST", "PUT", "DELETE"
    PUT = U
    PATCH = "PATCH"
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
        (P, "/language"): Case("/language", via="session", ok=(302,), form={"language": "zh"}),
        (G, "/"): Case("/", via="session", ok=(302,)),
        (G, "/manifests/<int:route_id>"): Case(f"/manifests/{route}", **page),
        # accounts and jobs
        (G, "/api/me"): Case("/api/me"),
        (U, "/api/me/language"): Case("/api/me/language", json={"language": "zh"}),
        (G, "/api/users"): Case("/api/users"),
        (P, "/api/users"): Case("/api/users", json={"username": "matrix-new", "role": "staff",
                                                    "warehouse": HOME}, names=True),
        (P, "/api/users/<int:user_id>/disable"): Case(f"/api/users/{i['spare_user']}/disable"),
        (P, "/api/users/<int:user_id>/enable"): Case(f"/api/users/{i['disabled_user']}/enable"),
        (PUT, "/api/users/<int:user_id>/password"): Case(
            f"/api/users/{i['staff_user']}/password", owner="staff-sh1",
            json={"old_password": "coldchain-demo", "password": "a-new-password-1"}),
        (G, "/api/tokens"): Case("/api/tokens"),
        (P, "/api/returns"): Case("/api/returns", idempotent=True, names=True, json={
            "lot_id": i["field_lot"], "quantity": 12, "from": i["field_at"]}),
        (P, "/api/routes/<int:route_id>/returns"): Case(
            f"/api/routes/{route}/returns", idempotent=True,
            json={"lines": [{"lot_id": i["field_lot"], "quantity": 12}]}),
        (P, "/api/lots/<int:lot_id>/scrap"): Case(
            f"/api/lots/{i['held_lot']}/scrap", idempotent=True, json={
                "location": i["held_at"], "quantity": i["held_units"],
                "reason": "temperature abuse confirmed", "witnessed_by": "Li Na (QA)"}),
        (G, "/api/sensors/<serial>/readings/voids"): Case(f"/api/sensors/{sensor}/readings/voids"),
        (P, "/api/sensors/<serial>/readings/voids"): Case(
            f"/api/sensors/{sensor}/readings/voids",
            json={"timestamps": [i["reading_at"]], "reason": "probe lay on the door seal"}),
        (P, "/api/tokens"): Case("/api/tokens", json={"name": "matrix"}),
        (D, "/api/tokens/<int:token_id>"): Case(f"/api/tokens/{i['spare_token']}"),
        (G, "/api/jobs/<job_id>"): Case(f"/api/jobs/{i['job']}", names=True),
        (P, "/api/checks"): Case("/api/checks"),
        # order events to the storefront
        (G, "/api/webhooks"): Case("/api/webhooks"),
        (P, "/api/webhooks"): Case("/api/webhooks", json={
            "name": f"matrix-{uuid.uuid4().hex[:8]}", "url": "http://127.0.0.1:9/hooks",
            "secret": "s", "active": False}),
        (PATCH, "/api/webhooks/<int:sub_id>"): Case(f"/api/webhooks/{i['webhook']}",
                                                    json={"active": False}),
        (G, "/api/orders/<ref>/events"): Case(f"/api/orders/{i['to_pick']}/events"),
        (G, "/api/outbox/dead-letters"): Case("/api/outbox/dead-letters"),
        (G, "/api/enterprise-customers"): Case("/api/enterprise-customers"),
        (P, "/api/enterprise-customers"): Case("/api/enterprise-customers", names=True, json={
            "code": f"SH-E{uuid.uuid4().hex[:6]}", "name": "Matrix Co.", "warehouse": HOME,
            "address": "1 Matrix Road", "lat": 31.2, "lon": 121.4, "window_start": "09:00",
            "window_end": "11:00", "contact_name": "Zhao Lei", "contact_phone": "13900000000"}),
        (G, "/api/sorting-lists"): Case("/api/sorting-lists", names=True,
                                        query={"warehouse": HOME, "date": day}),
        (G, "/sorting-labels"): Case("/sorting-labels", query={"date": day}, **page),
        (P, "/api/outbox/replay"): Case("/api/outbox/replay", json={}),
        # warehouses and catalogue
        (G, "/api/warehouses"): Case("/api/warehouses"),
        (G, "/api/warehouses/<code>"): Case(f"/api/warehouses/{HOME}"),
        (G, "/api/warehouses/<code>/locations"): Case(f"/api/warehouses/{HOME}/locations"),
        (G, "/api/locations/<code>"): Case(f"/api/locations/{HOME}-C-A01-01"),
        (G, "/api/pickup-points"): Case("/api/pickup-points"),
        (G, "/api/pickup-points/<code>"): Case("/api/pickup-points/SH-P001"),
        # The demo's own figures for SH-P001, so that later cases plan the same day.
        (PATCH, "/api/pickup-points/<code>"): Case("/api/pickup-points/SH-P001", json={
            "freezer_crates": 6, "fridge_crates": 10}),
        (G, "/api/vehicles"): Case("/api/vehicles"),
        (G, "/api/products"): Case("/api/products"),
        (P, "/api/products"): Case("/api/products", json=product),
        (G, "/api/products/<sku>"): Case(f"/api/products/{i['sku']}"),
        (G, "/api/suppliers"): Case("/api/suppliers"),
        (G, "/api/suppliers/<code>"): Case("/api/suppliers/SUP-SDV"),
        (G, "/api/lots"): Case("/api/lots"),
        (G, "/api/lots/<int:lot_id>"): Case(f"/api/lots/{lot}"),
        # stock
        (P, "/api/scans"): Case("/api/scans", json=scan, idempotent=True, names=True),
        (P, "/api/scans/preview"): Case("/api/scans/preview", json=scan, names=True),
        (G, "/api/moves"): Case("/api/moves"),
        (G, "/api/moves/<int:move_id>"): Case(f"/api/moves/{i['move']}"),
        (P, "/api/moves/<int:move_id>/reverse"): Case(
            f"/api/moves/{i['move']}/reverse", json={"reason": "scanned twice"},
            idempotent=True),
        (P, "/api/repacks"): Case("/api/repacks", idempotent=True, names=True, json={
            "location": i["lot_at"], "inputs": [{"lot_id": lot, "quantity": 1}],
            "outputs": [{"sku": i["sku"], "lot_code": "MATRIX-RP", "quantity": 1}]}),
        (G, "/api/repacks/<int:repack_id>"): Case(f"/api/repacks/{i['repack']}"),
        (G, "/api/stock"): Case("/api/stock"),
        (G, "/api/lots/<int:lot_id>/locations"): Case(f"/api/lots/{lot}/locations"),
        (P, "/api/lots/<int:lot_id>/hold"): Case(f"/api/lots/{lot}/hold",
                                                 json={"reason": "smells off"}),
        (P, "/api/lots/<int:lot_id>/release"): Case(f"/api/lots/{i['held_lot']}/release",
                                                    json={"reason": "checked: fine"}),
        # orders and picking
        (G, "/api/orders"): Case("/api/orders"),
        (P, "/api/orders"): Case("/api/orders", json=order, names=True),
        # placed and reserved at once, or refused with the units left (409): either answer
        # is the operation carried out for an allowed role
        (P, "/api/orders/reserved"): Case("/api/orders/reserved",
                                          json={**order, "external_ref": "MATRIX-0002"},
                                          names=True, ok=(201, 409)),
        (G, "/api/orders/<ref>"): Case(f"/api/orders/{i['to_pick']}"),
        (G, "/api/orders/<ref>/allocation"): Case(f"/api/orders/{i['to_pick']}/allocation"),
        (P, "/api/orders/<ref>/allocation"): Case(f"/api/orders/{i['to_cancel']}/allocation"),
        (P, "/api/orders/<ref>/cancel"): Case(f"/api/orders/{i['to_cancel']}/cancel"),
        (P, "/api/allocations"): Case("/api/allocations", json={"warehouse": HOME, "date": day},
                                      names=True),
        (P, "/api/orders/import"): Case(
            "/api/orders/import", names=True, ok=(201,),
            form={"file": (lambda: (io.BytesIO(orders_csv.encode()), "orders.csv"))}),
        (P, "/api/lots/<int:lot_id>/reservations/release"): Case(
            f"/api/lots/{i['reserved_lot']}/reservations/release"),
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
            f"/api/alerts/{i['alert']}/resolve",
            json={"action": i["alert_action"], "comment": "checked: fine"}),
        (P, "/api/alerts/escalations"): Case("/api/alerts/escalations"),
        (G, "/api/lots/<int:lot_id>/temperature"): Case(f"/api/lots/{lot}/temperature"),
        (G, "/api/sensors/<serial>/calibrations"): Case(f"/api/sensors/{sensor}/calibrations"),
        (P, "/api/sensors/<serial>/calibrations"): Case(
            f"/api/sensors/{sensor}/calibrations", json={
                "certificate": f"MATRIX-{uuid.uuid4().hex[:8]}", "calibrated_on": day,
                "due_on": (demo.day.replace(year=demo.day.year + 1)).isoformat(),
                "calibrated_by": "matrix lab"}),
        (G, "/api/records/daily"): Case("/api/records/daily", names=True,
                                        query={"location": f"{HOME}-C", "date": day}),
        (G, "/api/records/daily.csv"): Case("/api/records/daily.csv", names=True,
                                            query={"location": f"{HOME}-C", "date": day}),
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
        (P, "/api/route-plans/<int:plan_id>/replan"): Case(
            f"/api/route-plans/{i['published_plan']}/replan",
            json={"failed_vehicles": [i["vehicle"]], "time_limit_s": 1}),
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
        # certificates and lab results
        (G, "/api/lots/<int:lot_id>/documents"): Case(f"/api/lots/{lot}/documents"),
        (P, "/api/lots/<int:lot_id>/documents"): Case(
            f"/api/lots/{lot}/documents", ok=(201,), form=certificate),
        (G, "/api/suppliers/<code>/documents"): Case("/api/suppliers/SUP-SDV/documents"),
        (P, "/api/suppliers/<code>/documents"): Case(
            "/api/suppliers/SUP-SDV/documents", ok=(201,), form=certificate),
        (G, "/api/documents/<int:document_id>/file"): Case(
            f"/api/documents/{i['document']}/file"),
        # purchasing
        (G, "/api/purchase-orders"): Case("/api/purchase-orders"),
        (P, "/api/purchase-orders"): Case("/api/purchase-orders", names=True, json={
            "supplier": i["po_supplier"], "warehouse": HOME, "expected_date": day,
            "lines": [{"sku": i["sku"], "quantity": 10, "unit_price": 2.5}]}),
        (G, "/api/purchase-orders/<ref>"): Case(f"/api/purchase-orders/{i['po_sent']}"),
        (P, "/api/purchase-orders/<ref>/send"): Case(
            f"/api/purchase-orders/{i['po_draft']}/send"),
        (P, "/api/purchase-orders/<ref>/cancel"): Case(
            f"/api/purchase-orders/{i['po_to_cancel']}/cancel",
            json={"reason": "price changed"}),
        (P, "/api/purchase-orders/<ref>/close"): Case(
            f"/api/purchase-orders/{i['po_partial']}/close",
            json={"reason": "the rest is not coming"}),
        (G, "/api/purchase-orders/<ref>/asn"): Case(f"/api/purchase-orders/{i['po_sent']}/asn"),
        (P, "/api/purchase-orders/<ref>/asn"): Case(
            f"/api/purchase-orders/{i['po_sent']}/asn", json={"pallets": [
                {"sscc": "069012340999999995", "line": 1, "lot": "MATRIX-ASN",
                 "quantity": 10}]}),
        (P, "/api/purchase-orders/<ref>/rejections"): Case(
            f"/api/purchase-orders/{i['po_sent']}/rejections", idempotent=True,
            json={"line": 1, "quantity": 5, "reason": "quality"}),
        # pages
        (G, "/purchasing"): Case("/purchasing", **page),
        (G, "/purchasing/<ref>"): Case(f"/purchasing/{i['po_sent']}", **page),
        (G, "/purchasing/scorecard"): Case("/purchasing/scorecard", **page),
        (G, "/documents/<int:document_id>/file"): Case(f"/documents/{i['document']}/file",
                                                       **page),
        (G, "/purchasing/scorecard.csv"): Case("/purchasing/scorecard.csv", **page),
        (G, "/scan"): Case("/scan", **page),
        (G, "/pick-lists"): Case("/pick-lists", query={"date": day}, **page),
        (G, "/loading"): Case("/loading", query={"date": day}, **page),
        (G, "/holds"): Case("/holds", **page),
        (G, "/alerts"): Case("/alerts", **page),
        (G, "/dispatch"): Case("/dispatch", **page),
        (G, "/driver"): Case("/driver", **page),
        (G, "/trace"): Case("/trace", **page),
        (G, "/leader"): Case("/leader", **page),
        # the group leader's day
        (G, "/api/pickup-points/<code>/arrivals"): Case(f"{point}/arrivals", query=on_day),
        (P, "/api/pickup-points/<code>/receipts"): Case(
            f"{point}/receipts", idempotent=True, json={"route_id": route}),
        (G, "/api/pickup-points/<code>/orders"): Case(f"{point}/orders", query=on_day),
        (P, "/api/pickup-points/<code>/handovers"): Case(
            f"{point}/handovers", idempotent=True, json={"code": i["pickup_code"]}),
        (G, "/api/pickup-points/<code>/storage"): Case(f"{point}/storage"),
        (G, "/api/pickup-points/<code>/uncollected"): Case(f"{point}/uncollected",
                                                           query=on_day),
        (P, "/api/pickup-points/<code>/write-offs"): Case(
            f"{point}/write-offs", idempotent=True, json={
                "date": day, "reason": "package torn",
                "lines": [{"order": i["to_hand_over"], "line": 1, "quantity": 1}]}),
        (P, "/api/pickup-points/<code>/return-requests"): Case(
            f"{point}/return-requests", json={
                "date": day, "lines": [{"order": i["to_hand_over"], "line": 1}]}),
        (P, "/api/pickup-points/<code>/counts"): Case(
            f"{point}/counts", json={"date": day, "lines": [{"sku": i["sku"], "counted": 1}]}),
        (G, "/api/pickup-points/<code>/day-report"): Case(f"{point}/day-report",
                                                          query=on_day),
        (G, "/api/receipt-disputes"): Case("/api/receipt-disputes"),
        (G, "/api/return-requests"): Case("/api/return-requests"),
        (G, "/records/daily"): Case("/records/daily", names=True,
                                    query={"location": f"{HOME}-C", "date": day}, **page),
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
    if spec.scope == policy.Scope.SELF and on == "user":
        return ALLOWED if p.role == Role.ADMIN or p.name == case.owner else 403
    points_at_object = on is not None or case.names
    scoped = spec.scope in (policy.Scope.WAREHOUSE, policy.Scope.ROUTE,
                            policy.Scope.PICKUP_POINT)
    if (scoped and points_at_object) or (spec.scope == policy.Scope.SELF and case.names):
        if spec.scope == policy.Scope.ROUTE and p.role == Role.DRIVER:
            mine = p.drives_route
        elif spec.scope == policy.Scope.PICKUP_POINT and p.role == Role.LEADER:
            mine = p.leads_point
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
                "job", "app_user", "sensor_attachment", "lot_recall", "stop_delivery",
                "sensor_calibration", "receipt_probe", "purchase_order", "asn_pallet",
                "po_rejection", "pickup_receipt", "pickup_count", "return_request",
                "document", "repack", "lot_lineage")
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
        out["purchase_order by state"] = sorted(con.execute(
            "SELECT state, count(*) FROM purchase_order GROUP BY state").fetchall())
        out["api_token revoked"] = con.execute(
            "SELECT count(*) FROM api_token WHERE revoked_at IS NOT NULL").fetchone()[0]
        return out
    finally:
        con.close()
