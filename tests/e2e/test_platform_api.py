"""The API's contract for every client: authentication, roles, scoping, problem errors."""

from __future__ import annotations

import re

import pytest

PROBLEM = "application/problem+json"


def _api_urls(app):
    """Every /api/ route (docs excepted) with sample values for its URL parameters."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule.startswith("/api/docs"):
            continue
        if rule.rule == "/api/openapi.json":
            continue
        url = re.sub(r"<int:[^>]+>", "1", rule.rule)
        url = re.sub(r"<[^>]+>", "X", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


def test_every_api_endpoint_needs_a_token(app, client):
    seen = 0
    for method, url in _api_urls(app):
        resp = client.open(url, method=method, json={})
        assert resp.status_code == 401, (method, url)
        assert resp.content_type == PROBLEM
        assert resp.json["status"] == 401
        assert "Bearer" in resp.headers["WWW-Authenticate"]
        seen += 1
    assert seen >= 10


def test_a_wrong_token_is_refused(client):
    resp = client.get("/api/me", headers={"Authorization": "Bearer wms_nope"})
    assert resp.status_code == 401
    assert "unknown" in resp.json["detail"]


def test_health_needs_no_token_and_reports_the_database(client):
    resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.json["checks"]["database"]["ok"] is True


def test_docs_render_without_internet(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not re.search(r"(src|href)=\"https?://", html)
    asset = re.search(r'src="([^"]+swagger-ui-bundle\.js)"', html).group(1)
    assert client.get(asset).status_code == 200
    spec = client.get("/api/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/warehouses/{code}/locations" in spec["paths"]


def test_staff_reads_their_own_warehouse_but_not_another(api):
    own = api.as_("staff").get("/api/warehouses/SH1/locations")
    assert own.status_code == 200
    assert {loc["warehouse"] for loc in own.json} == {"SH1"}
    other = api.as_("staff").get("/api/warehouses/BJ1/locations")
    assert other.status_code == 403
    assert other.content_type == PROBLEM
    assert "another warehouse" in other.json["detail"]
    assert api.as_("staff").get("/api/locations/BJ1-C-A01-01").status_code == 403


def test_lists_only_show_the_users_warehouses(api):
    assert [w["code"] for w in api.as_("staff").get("/api/warehouses").json] == ["SH1"]
    assert [w["code"] for w in api.as_("admin").get("/api/warehouses").json] == ["BJ1", "SH1"]
    points = api.as_("staff-bj").get("/api/pickup-points").json
    assert points and all(p["warehouse"] == "BJ1" for p in points)
    assert api.as_("staff").get("/api/pickup-points?warehouse=BJ1").status_code == 403


def test_lists_are_paginated(api):
    resp = api.as_("admin").get("/api/warehouses/SH1/locations?page=2&page_size=5")
    assert resp.status_code == 200
    assert len(resp.json) == 5
    assert '"page": 2' in resp.headers["X-Pagination"]


def test_bad_query_gets_422_naming_the_field(api):
    resp = api.as_("admin").get("/api/warehouses/SH1/locations?kind=attic")
    assert resp.status_code == 422
    assert resp.content_type == PROBLEM
    assert "kind" in resp.json["errors"]["query"]
    assert "query.kind" in resp.json["detail"]


def test_product_with_bad_gtin_is_refused_with_field_errors(api):
    body = {"sku": "X1", "gtin": "4006381333932", "name": "x", "temp_class": "chilled",
            "units_per_crate": 10, "unit_weight_kg": 1, "shelf_life_days": 5,
            "ref_temp_c": 4, "q10": 2}
    resp = api.as_("buyer").post("/api/products", json=body)
    assert resp.status_code == 422
    assert "check digit" in resp.json["errors"]["json"]["gtin"][0]
    body["gtin"] = "4006381333931"
    created = api.as_("buyer").post("/api/products", json=body)
    assert created.status_code == 201
    assert created.json["gtin"] == "04006381333931"
    again = api.as_("buyer").post("/api/products", json=body)
    assert again.status_code == 409
    assert again.content_type == PROBLEM


def test_role_check_refuses_with_403(api):
    resp = api.as_("driver").post("/api/users", json={"username": "x1", "role": "buyer"})
    assert resp.status_code == 403
    assert "admin" in resp.json["detail"]


def test_unknown_resource_is_a_404_problem(api):
    resp = api.as_("admin").get("/api/products/NOPE")
    assert resp.status_code == 404
    assert resp.content_type == PROBLEM
    assert "NOPE" in resp.json["detail"]


def test_unhandled_error_is_a_500_problem_without_traceback(app, api, monkeypatch):
    import api.blueprints.catalog as catalog

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(catalog, "one_or_404", boom)
    resp = api.as_("admin").get("/api/products/F00001")
    assert resp.status_code == 500
    assert resp.content_type == PROBLEM
    assert "secret internals" not in resp.get_data(as_text=True)
    assert "Traceback" not in resp.get_data(as_text=True)


def test_tokens_are_created_shown_once_and_revocable(api):
    created = api.as_("buyer").post("/api/tokens", json={"name": "laptop"})
    assert created.status_code == 201
    secret = created.json["token"]
    me = api.client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json["username"] == "buyer"
    listed = api.as_("buyer").get("/api/tokens").json
    assert all("token" not in t for t in listed)
    assert api.as_("buyer").delete(f"/api/tokens/{created.json['id']}").status_code == 200
    again = api.client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401


def test_only_admins_create_tokens_for_others(api):
    resp = api.as_("staff").post("/api/tokens", json={"username": "buyer"})
    assert resp.status_code == 403
    resp = api.as_("admin").post("/api/tokens", json={"username": "buyer"})
    assert resp.status_code == 201 and resp.json["user"] == "buyer"


@pytest.mark.parametrize("body, field", [
    ({"username": "Bad Name", "role": "buyer"}, "username"),
    ({"username": "ok-name", "role": "king"}, "role"),
])
def test_user_creation_validates(api, body, field):
    resp = api.as_("admin").post("/api/users", json=body)
    assert resp.status_code == 422
    assert field in resp.json["errors"]["json"]


def test_scoped_user_needs_a_warehouse(api):
    resp = api.as_("admin").post("/api/users", json={"username": "s2", "role": "staff"})
    assert resp.status_code == 422
    assert "warehouse" in resp.json["errors"]


def test_check_job_runs_inline_and_reports(api):
    resp = api.as_("admin").post("/api/checks")
    assert resp.status_code == 202
    assert resp.json["status"] == "finished"
    status = api.as_("admin").get(f"/api/jobs/{resp.json['id']}").json
    assert status["progress"] == 100.0
    assert status["result"]["ok"] is True
    assert api.as_("buyer").get(f"/api/jobs/{resp.json['id']}").status_code == 404
