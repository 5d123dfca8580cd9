"""The printable manifest opened with the page session (never a token in the URL), and the
security headers every page sends."""

from __future__ import annotations

import pytest

from routing.dispatch import plans as dispatch
from tests.e2e.test_pages import people as _people_fixture  # noqa: F401
from tests.e2e.test_pages import sign_in
from tests.integration.test_dispatch import order, plan, stock_up
from wms import accounts
from wms.db import transaction


@pytest.fixture
def route_id(sessions, world, people) -> int:
    """A published route of the world's SH1 driver."""
    stock_up(sessions, world)
    order(sessions, "MAN-1", "SH-P001", {"C00002": 5})
    result = plan(sessions, world)
    with transaction(sessions) as s:
        dispatch.publish(s, result["plan_id"], actor_id=None)
        accounts.create_user(s, username="driver-other", role="driver",
                             warehouse_code="SH1", password="another driver's pass")
    with transaction(sessions) as s:
        from sqlalchemy import select

        from routing.dispatch.models import Route

        return s.scalar(select(Route.id).where(Route.plan_id == result["plan_id"],
                                               Route.driver_id == world.users["driver"]))


@pytest.mark.parametrize("who, status", [("driver", 200), ("dispatcher", 200), ("staff", 200),
                                         ("admin", 200), ("staff-bj", 403), ("buyer", 403)])
def test_the_printable_manifest_opens_with_the_page_session(client, route_id, who, status):
    sign_in(client, who)
    page = client.get(f"/manifests/{route_id}")
    assert page.status_code == status
    if status == 200:
        assert page.mimetype == "text/html" and b"SH-P001" in page.data


def test_another_driver_does_not_see_the_route(client, route_id):
    assert sign_in(client, "driver-other", "another driver's pass").status_code == 302
    page = client.get(f"/manifests/{route_id}")
    # Another driver's route is refused like another warehouse's (api/policy.py): 403.
    assert page.status_code == 403 and b"SH-P001" not in page.data


def test_a_token_in_the_url_is_no_credential(client, route_id, world):
    page = client.get(f"/manifests/{route_id}?token={world.tokens['driver']}")
    assert page.status_code == 302 and page.location.startswith("/signin?next=")
    assert "token" not in page.location


def test_the_driver_page_links_to_the_printable_manifest(client, route_id):
    from tests.integration.test_dispatch import DAY

    sign_in(client, "driver")
    html = client.get(f"/driver?date={DAY}").get_data(as_text=True)
    assert f'href="/manifests/{route_id}"' in html
    assert "token=" not in html


def test_every_page_sends_the_same_security_headers(client, route_id):
    pages = {"/signin": client.get("/signin")}
    sign_in(client, "dispatcher")
    pages["/dispatch"] = client.get("/dispatch")
    pages["/manifests"] = client.get(f"/manifests/{route_id}")
    pages["/alerts"] = client.get("/alerts")
    wanted = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
              "Referrer-Policy")
    seen = {path: tuple(resp.headers.get(h) for h in wanted) for path, resp in pages.items()}
    assert all(resp.status_code == 200 for resp in pages.values())
    assert len(set(seen.values())) == 1, seen
    csp, frames, sniff, _ = seen["/signin"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert frames == "DENY" and sniff == "nosniff"
