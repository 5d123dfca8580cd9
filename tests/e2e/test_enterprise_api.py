"""Enterprise customers (企业购): their own delivery address and window, larger orders,
and a stop of their own on the day's routes."""

from __future__ import annotations

from tests.integration.test_dispatch import DAY, order, stock_up

COMPANY = {"code": "SH-E001", "name": "Lujiazui Canteen Co.", "warehouse": "SH1",
           "address": "88 Century Avenue, Pudong", "lat": 31.235, "lon": 121.505,
           "window_start": "09:30", "window_end": "11:00", "service_minutes": 20,
           "contact_name": "Chen Jing", "contact_phone": "13700000001"}


def test_an_enterprise_order_is_a_stop_of_its_own_in_its_window(api, world, sessions):
    resp = api.as_("dispatcher").post("/api/enterprise-customers", json=COMPANY)
    assert resp.status_code == 201, resp.json
    assert resp.json["kind"] == "enterprise"
    assert resp.json["contact_name"] == "Chen Jing"
    listed = api.as_("staff").get("/api/enterprise-customers").json
    assert [c["code"] for c in listed] == ["SH-E001"]
    assert api.as_("staff-bj").get("/api/enterprise-customers").json == []
    point = api.as_("staff").get("/api/pickup-points/SH-E001").json
    assert point["kind"] == "enterprise"

    stock_up(sessions, world)
    order(sessions, "B2B-1", "SH-E001", {"C00002": 120, "F00001": 40})
    order(sessions, "WEB-1", "SH-P001", {"C00002": 3})
    resp = api.as_("dispatcher").post("/api/route-plans", json={
        "warehouse": "SH1", "date": DAY.isoformat(), "time_limit_s": 1})
    assert resp.status_code == 202, resp.json
    job = api.as_("dispatcher").get(f"/api/jobs/{resp.json['id']}").json
    assert job["status"] == "finished", job
    plan = api.as_("dispatcher").get(f"/api/route-plans/{job['result']['plan_id']}").json
    stops = [s for r in plan["routes"] for s in r["stops"]]
    b2b = [s for s in stops if s["pickup_point"] == "SH-E001"]
    assert len(b2b) >= 1 and not plan["unassigned"]
    assert all("09:30" <= s["eta"] <= "11:00" for s in b2b)
    assert {s["pickup_point"] for s in stops} == {"SH-E001", "SH-P001"}


def test_bad_enterprise_customers_are_refused_and_nothing_is_stored(api, world):
    resp = api.as_("dispatcher").post("/api/enterprise-customers",
                                      json={**COMPANY, "window_end": "09:00"})
    assert resp.status_code == 422
    assert "window_end" in resp.json["errors"]
    resp = api.as_("dispatcher").post("/api/enterprise-customers", json={**COMPANY,
                                                                         "code": "SH-P001"})
    assert resp.status_code == 409
    assert api.as_("dispatcher").post("/api/enterprise-customers",
                                      json={**COMPANY, "warehouse": "BJ1"}).status_code == 403
    assert api.as_("staff").post("/api/enterprise-customers", json=COMPANY).status_code == 403
    assert api.as_("admin").get("/api/enterprise-customers").json == []
