"""The web pages through the Flask test client: signing in, CSRF, landing by role, the
session as API credential, and each page rendering the data it is about."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from coldchain.monitoring.models import Alert
from tests.factories import label
from tests.integration.test_dispatch import DAY, stock_up
from wms import accounts, orders
from wms.db import transaction
from wms.models import User

PASSWORD = "correct horse battery staple"


@pytest.fixture
def people(sessions, world):
    """The world's people, with a password each (the test world has none)."""
    with transaction(sessions) as s:
        for user in s.scalars(select(User)):
            user.password_hash = accounts.hash_password(PASSWORD)
    return world


def csrf(client, path: str = "/signin") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/signin", data={"username": username, "password": password,
                                        "csrf_token": csrf(client), **extra})


def page_token(client) -> str:
    with client.session_transaction() as s:
        return s["csrf"]


@pytest.mark.parametrize("who, landing", [("staff", "/scan"), ("dispatcher", "/dispatch"),
                                          ("driver", "/driver"), ("buyer", "/trace"),
                                          ("admin", "/alerts")])
def test_people_land_on_their_role_page(client, people, who, landing):
    resp = sign_in(client, who)
    assert resp.status_code == 302 and resp.location == landing
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get(landing)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/").location == landing


def test_a_wrong_password_signs_nobody_in(client, people):
    resp = sign_in(client, "staff", "not-the-password")
    assert resp.status_code == 401 and "Wrong username or password" in resp.get_data(True)
    assert client.get("/scan").status_code == 302


def test_forms_without_the_session_token_are_refused(client, people):
    client.get("/signin")
    resp = client.post("/signin", data={"username": "staff", "password": PASSWORD})
    assert resp.status_code == 400
    resp = client.post("/signin", data={"username": "staff", "password": PASSWORD,
                                        "csrf_token": "forged"})
    assert resp.status_code == 400
    assert client.get("/scan").status_code == 302  # still signed out
    assert sign_in(client, "staff").status_code == 302
    assert client.post("/signout", data={}).status_code == 400
    assert client.get("/scan").status_code == 200  # the forged sign-out did nothing
    client.post("/signout", data={"csrf_token": page_token(client)})
    assert client.get("/scan").status_code == 302


def test_the_token_changes_at_sign_in(client, people):
    before = csrf(client)
    sign_in(client, "staff")
    assert page_token(client) != before


def test_only_local_paths_are_followed_after_sign_in(client, people):
    assert sign_in(client, "buyer", next="/alerts").location == "/alerts"
    client.post("/signout", data={"csrf_token": page_token(client)})
    assert sign_in(client, "buyer", next="https://evil.example/").location == "/trace"


def test_pages_need_sign_in_and_the_right_role(client, people):
    resp = client.get("/dispatch?date=2026-01-02")
    assert resp.status_code == 302 and resp.location.startswith("/signin?next=/dispatch")
    sign_in(client, "buyer")
    resp = client.get("/scan")
    assert resp.status_code == 403 and "not for the buyer role" in resp.get_data(True)


def test_the_api_takes_the_session_only_with_its_csrf_header(client, people, world):
    assert client.get("/api/stock").status_code == 401
    sign_in(client, "staff")
    token = page_token(client)
    refused = client.get("/api/stock")
    assert refused.status_code == 401
    assert "X-CSRF-Token" in refused.json["detail"]
    assert client.get("/api/stock", headers={"X-CSRF-Token": "guess"}).status_code == 401
    assert client.get("/api/stock", headers={"X-CSRF-Token": token}).status_code == 200
    # Roles and scoping still apply to the session's user.
    resp = client.post("/api/route-plans", headers={"X-CSRF-Token": token},
                       json={"warehouse": "SH1", "date": "2026-01-02"})
    assert resp.status_code == 403 and resp.mimetype == "application/problem+json"
    resp = client.get("/api/orders?warehouse=BJ1", headers={"X-CSRF-Token": token})
    assert resp.status_code == 403
    # A bearer token works as before, with or without a page session alongside.
    bearer = {"Authorization": f"Bearer {world.tokens['buyer']}"}
    assert client.get("/api/trace/lots", headers=bearer).status_code == 200
    assert client.get("/api/trace/lots", headers={"X-CSRF-Token": token}).status_code == 403
    client.post("/signout", data={"csrf_token": token})
    assert client.get("/api/stock", headers={"X-CSRF-Token": token}).status_code == 401


def test_scan_page_lists_the_scans_made_through_it(client, people, world):
    sign_in(client, "staff")
    page = client.get("/scan").get_data(as_text=True)
    assert "No scans yet." in page and 'value="SH1-REC"' in page and "BJ1-REC" not in page
    headers = {"X-CSRF-Token": page_token(client), "Idempotency-Key": uuid.uuid4().hex}
    body = {"barcode": label(world.gtins["C00002"], "PAGE-LOT-1", date(2031, 1, 1), count=24),
            "action": "receive", "location": "SH1-REC"}
    preview = client.post("/api/scans/preview", json=body, headers=headers)
    assert preview.status_code == 200 and preview.json["lot"]["lot_code"] == "PAGE-LOT-1"
    first = client.post("/api/scans", json=body, headers=headers)
    again = client.post("/api/scans", json=body, headers=headers)
    assert first.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    page = client.get("/scan").get_data(as_text=True)
    assert page.count("PAGE-LOT-1") == 1 and "C00002" in page


def test_alerts_page_shows_open_alerts_to_acknowledge(client, people, sessions, world):
    with transaction(sessions) as s:
        s.add(Alert(kind="excursion", severity="severe", message="cold room SH1-C at 9.5 °C",
                    warehouse_id=world.warehouses["SH1"], location_id=world.locations["SH1-C"]))
        s.add(Alert(kind="excursion", severity="minor", message="Beijing dock warm",
                    warehouse_id=world.warehouses["BJ1"]))
    sign_in(client, "staff")
    page = client.get("/alerts").get_data(as_text=True)
    assert "cold room SH1-C at 9.5 °C" in page and "Beijing dock warm" not in page
    alert_id = int(re.search(r'data-alert="(\d+)"', page).group(1))
    resp = client.post(f"/api/alerts/{alert_id}/acknowledge", json={"comment": "door shut"},
                       headers={"X-CSRF-Token": page_token(client)})
    assert resp.status_code == 200 and resp.json["status"] == "acknowledged"
    assert "door shut" in client.get("/alerts").get_data(as_text=True)


def test_dispatch_page_shows_the_days_orders(client, people, sessions, world):
    stock_up(sessions, world)
    day = date(2031, 3, 4)
    with transaction(sessions) as s:
        orders.place_order(s, {"external_ref": "PAGE-ORDER-7", "pickup_point": "SH-P002",
                               "delivery_date": day,
                               "lines": [{"sku": "C00002", "quantity": 6}]}, actor_id=None)
    sign_in(client, "dispatcher")
    page = client.get(f"/dispatch?date={day}").get_data(as_text=True)
    assert "PAGE-ORDER-7" in page and "Allocate 1 open order" in page
    assert '"SH-P002": [' in page  # coordinates for the map
    other = client.get("/dispatch?date=2031-03-05").get_data(as_text=True)
    assert "PAGE-ORDER-7" not in other and "No orders for this warehouse and day." in other


def test_trace_page_carries_the_allowed_bands(client, people):
    sign_in(client, "buyer")
    page = client.get("/trace?lot=5").get_data(as_text=True)
    assert 'data-lot="5"' in page and '"chilled": [0.0, 4.0]' in page.replace("&#34;", '"')


def test_driver_page_shows_the_published_route_and_takes_a_confirmation(client, people,
                                                                        sessions, world):
    stock_up(sessions, world)
    day = DAY
    with transaction(sessions) as s:
        orders.place_order(s, {"external_ref": "PAGE-ORDER-9", "pickup_point": "SH-P001",
                               "delivery_date": day,
                               "lines": [{"sku": "C00002", "quantity": 5}]}, actor_id=None)
    sign_in(client, "dispatcher")
    api = {"X-CSRF-Token": page_token(client)}
    assert client.post("/api/allocations", json={"warehouse": "SH1", "date": str(day)},
                       headers=api).json["backorder"] == 0
    job = client.post("/api/route-plans", json={"warehouse": "SH1", "date": str(day),
                                                "time_limit_s": 1}, headers=api).json
    job = client.get(f"/api/jobs/{job['id']}", headers=api).json
    assert job["status"] == "finished", job
    plan_id = job["result"]["plan_id"]
    page = client.get(f"/dispatch?date={day}").get_data(as_text=True)
    assert f'data-plan="{plan_id}"' in page and "draft" in page
    assert client.post(f"/api/route-plans/{plan_id}/publish", json={},
                       headers=api).status_code == 200
    client.post("/signout", data={"csrf_token": page_token(client)})

    staff = {"Authorization": f"Bearer {world.tokens['staff']}"}
    route_id = client.get(f"/api/route-plans/{plan_id}", headers=staff).json["routes"][0]["id"]
    assert client.post("/api/orders/PAGE-ORDER-9/pick", headers={
        **staff, "Idempotency-Key": uuid.uuid4().hex}).status_code == 201
    assert client.post(f"/api/routes/{route_id}/loading", json={"order": "PAGE-ORDER-9"},
                       headers={**staff, "Idempotency-Key": uuid.uuid4().hex}).status_code == 201

    sign_in(client, "driver")
    later = client.get(f"/driver?date={day + timedelta(days=1)}").get_data(as_text=True)
    assert "No route for" in later and f"?date={day}" in later
    page = client.get(f"/driver?date={day}").get_data(as_text=True)
    assert "Point SH-P001" in page and "PAGE-ORDER-9/1" in page and "Delivered in full" in page
    assert f'data-route="{route_id}"' in page
    resp = client.post(f"/api/routes/{route_id}/stops/1/deliveries", json={"lines": [
        {"order": "PAGE-ORDER-9", "line": 1,
         "exceptions": [{"kind": "damaged", "quantity": 1, "reason": "crate crushed"}]}]},
        headers={"X-CSRF-Token": page_token(client), "Idempotency-Key": uuid.uuid4().hex})
    assert resp.status_code == 201, resp.json["detail"]
    page = client.get(f"/driver?date={day}").get_data(as_text=True)
    assert "Delivered in full" not in page and "exceptions" in page
