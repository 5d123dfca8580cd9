"""Dispatch over the HTTP API with a real rq worker: orders, allocation, a plan job, publishing,
the driver's manifest, loading scans and delivery confirmations, down to the ledger."""

from __future__ import annotations

import uuid

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from routing.dispatch import plans
from routing.dispatch.models import RoutePlan
from tests.factories import ApiClient
from tests.integration.test_dispatch import DAY, add_truck, order, stock_up
from wms.db import transaction
from wms.ledger import balance, verify

pytestmark = pytest.mark.redis


@pytest.fixture
def rq_app(database_url, world, redis_url, queue_name):
    from api.app import create_app

    return create_app({"TESTING": True, "WMS_DATABASE_URL": database_url,
                       "WMS_REDIS_URL": redis_url, "WMS_QUEUE": queue_name})


@pytest.fixture
def rq_api(rq_app, world) -> ApiClient:
    return ApiClient(rq_app.test_client(), world.tokens)


def work(redis_url: str, queue_name: str) -> None:
    conn = Redis.from_url(redis_url)
    SimpleWorker([Queue(queue_name, connection=conn)], connection=conn).work(burst=True)


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def plan_and_publish(api, redis_url, queue_name) -> dict:
    resp = api.as_("dispatcher").post("/api/route-plans", json={
        "warehouse": "SH1", "date": DAY.isoformat(), "time_limit_s": 1})
    assert resp.status_code == 202, resp.json
    job_id = resp.json["id"]
    assert api.as_("dispatcher").get(f"/api/jobs/{job_id}").json["status"] == "queued"
    work(redis_url, queue_name)
    job = api.as_("dispatcher").get(f"/api/jobs/{job_id}").json
    assert job["status"] == "finished", job
    assert job["progress"] == 100.0
    plan_id = job["result"]["plan_id"]
    resp = api.as_("dispatcher").post(f"/api/route-plans/{plan_id}/publish", json={})
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "published"
    return resp.json


def test_orders_to_delivered_stock_through_the_api(rq_api, sessions, world, redis_url,
                                                   queue_name):
    api = rq_api
    stock_up(sessions, world)
    for ref, point, lines in (("WEB-1", "SH-P001", {"F00001": 12, "C00002": 15}),
                              ("WEB-2", "SH-P002", {"C00002": 8}),
                              ("WEB-3", "SH-P003", {"C00002": 5, "A00003": 4})):
        resp = api.as_("dispatcher").post("/api/orders", json={
            "external_ref": ref, "pickup_point": point, "delivery_date": DAY.isoformat(),
            "lines": [{"sku": k, "quantity": v} for k, v in lines.items()]})
        assert resp.status_code == 201, resp.json
    resp = api.as_("dispatcher").post("/api/allocations", json={
        "warehouse": "SH1", "date": DAY.isoformat()})
    assert resp.status_code == 200 and resp.json["backorder"] == 0, resp.json

    plan = plan_and_publish(api, redis_url, queue_name)
    assert plan["version"] == 1 and len(plan["routes"]) == 1
    # The truck has no ambient compartment: SH-P003's ambient goods cannot go.
    unassigned = api.as_("dispatcher").get(f"/api/route-plans/{plan['id']}/unassigned").json
    assert [(u["stop_key"], u["reason"]) for u in unassigned] == [
        ("SH-P003/ambient", "no_compatible_vehicle")]
    with transaction(sessions) as s:
        assert plans.check_plan(s.get(RoutePlan, plan["id"])) == []
    listed = api.as_("staff").get("/api/route-plans", query_string={
        "warehouse": "SH1", "date": DAY.isoformat()}).json
    assert [(p["version"], p["status"], p["routes_count"]) for p in listed] == [
        (1, "published", 1)]

    manifests = api.as_("driver").get("/api/manifests",
                                      query_string={"date": DAY.isoformat()}).json
    (m,) = manifests
    route_id = m["route_id"]
    assert [s["pickup_point"] for s in m["stops"]] == [
        s["pickup_point"] for s in plan["routes"][0]["stops"]]
    by_point = {s["pickup_point"]: s for s in m["stops"]}
    p1 = by_point["SH-P001"]
    assert p1["leader"] == {"name": "Wang Wei", "phone": "13800000000"}
    assert p1["window"] == ["06:00", "09:00"]
    assert {(ln["sku"], ln["quantity"], ln["temp_class"], ln["compartment"],
             tuple(lot["lot"] for lot in ln["lots"])) for ln in p1["lines"]} == {
        ("F00001", 12, "frozen", "SH1-T01-F", ("L-F00001",)),
        ("C00002", 15, "chilled", "SH1-T01-C", ("L-C00002",))}
    assert [c["temp_class"] for c in m["loading_list"]] == ["frozen", "chilled"]
    chilled = next(c for c in m["loading_list"] if c["temp_class"] == "chilled")
    assert [i["seq"] for i in chilled["items"]] == sorted(
        (i["seq"] for i in chilled["items"]), reverse=True)

    page = api.as_("driver").get(f"/manifests/{route_id}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b"SH-P001" in page.data and b"L-F00001" in page.data and b"manifest.css" in page.data
    assert page.headers["Cache-Control"] == "no-store"
    assert api.client.get(f"/manifests/{route_id}").status_code == 302  # to sign in

    for ref in ("WEB-1", "WEB-2", "WEB-3"):
        assert api.as_("staff").post(f"/api/orders/{ref}/pick", headers=key()).status_code == 201
    for ref in ("WEB-1", "WEB-2"):
        resp = api.as_("staff").post(f"/api/routes/{route_id}/loading", json={"order": ref},
                                     headers=key())
        assert resp.status_code == 201, resp.json
        assert {mv["kind"] for mv in resp.json["moves"]} == {"load"}
    # WEB-3's chilled goods by lot and quantity, as a scanner sends them.
    resp = api.as_("staff").post(f"/api/routes/{route_id}/loading",
                                 json={"lot": "L-C00002", "quantity": 5}, headers=key())
    assert resp.status_code == 201, resp.json
    assert resp.json["complete"] is True and resp.json["status"] == "loading"
    assert {c["temp_class"]: (c["planned"], c["loaded"]) for c in resp.json["compartments"]} == {
        "frozen": (12, 12), "chilled": (28, 28)}

    delivered: dict[str, dict[str, int]] = {}
    for stop in m["stops"]:
        body: dict = {"lines": []}
        if stop["pickup_point"] == "SH-P001":
            line = next(ln for ln in stop["lines"] if ln["sku"] == "C00002")
            body["lines"] = [{"order": line["order"], "line": line["line"], "delivered": 13,
                              "exceptions": [
                                  {"kind": "damaged", "quantity": 1, "reason": "crate crushed"},
                                  {"kind": "refused", "quantity": 1, "reason": "leaking"}]}]
        headers = key()
        url = f"/api/routes/{route_id}/stops/{stop['seq']}/deliveries"
        resp = api.as_("driver").post(url, json=body, headers=headers)
        assert resp.status_code == 201, resp.json
        again = api.as_("driver").post(url, json=body, headers=headers)
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        other_key = api.as_("driver").post(url, json=body, headers=key())
        assert other_key.status_code == 409
        delivered[stop["pickup_point"]] = {
            ln["sku"]: ln["delivered"] for ln in resp.json["lines"]}
    assert resp.json["route_status"] == "completed"
    assert delivered == {"SH-P001": {"F00001": 12, "C00002": 13}, "SH-P002": {"C00002": 8},
                         "SH-P003": {"C00002": 5}}

    with transaction(sessions) as s:
        lots = {"F00001": None, "C00002": None}
        from sqlalchemy import select

        from wms.models import Lot
        for sku in lots:
            lots[sku] = s.scalar(select(Lot.id).where(Lot.lot_code == f"L-{sku}"))
        for point, got in delivered.items():
            for sku, qty in got.items():
                assert balance(s, world.locations[point], lots[sku]) == (qty, qty)
        # The damaged unit is in quarantine; the refused one rides back, no longer reserved.
        assert balance(s, world.locations["SH1-C-QRT"], lots["C00002"]) == (1, 0)
        assert balance(s, world.locations["SH1-T01-C"], lots["C00002"]) == (1, 0)
        assert verify(s) == []


@pytest.fixture
def published(rq_api, sessions, world, redis_url, queue_name) -> dict:
    add_truck(sessions, world)
    stock_up(sessions, world)
    order(sessions, "O-1", "SH-P001", {"F00001": 150})
    order(sessions, "O-2", "SH-P002", {"F00001": 150})
    plan = plan_and_publish(rq_api, redis_url, queue_name)
    assert len(plan["routes"]) == 2
    return {r["driver"]: r for r in plan["routes"]}


def test_drivers_see_only_their_own_routes(rq_api, published):
    api = rq_api
    mine, theirs = published["driver"]["id"], published["driver-2"]["id"]
    own = api.as_("driver").get("/api/manifests", query_string={"date": DAY.isoformat()}).json
    assert [m["route_id"] for m in own] == [mine]
    assert api.as_("driver").get(f"/api/manifests/{theirs}").status_code == 403
    assert api.as_("driver").get(f"/api/routes/{theirs}").status_code == 403
    resp = api.as_("driver").post(f"/api/routes/{theirs}/stops/1/deliveries", json={},
                                  headers=key())
    assert resp.status_code == 403
    page = api.client.get(f"/manifests/{theirs}",
                          headers={"Authorization": f"Bearer {api.tokens['driver']}"})
    assert page.status_code == 403
    assert api.as_("driver").get(f"/api/manifests/{mine}").status_code == 200
    assert api.as_("buyer").get("/api/manifests",
                                query_string={"date": DAY.isoformat()}).status_code == 403


def test_a_dispatcher_of_another_warehouse_is_refused(rq_api, sessions, world, published):
    with transaction(sessions) as s:
        from wms import accounts

        user = accounts.create_user(s, username="dispatch-bj", role="dispatcher",
                                    warehouse_code="BJ1")
        rq_api.tokens["dispatch-bj"] = accounts.issue_token(s, user, name="t")[1]
    api = rq_api.as_("dispatch-bj")
    resp = api.post("/api/route-plans", json={"warehouse": "SH1", "date": DAY.isoformat()})
    assert resp.status_code == 403
    plan_id = published["driver"]["plan_id"]
    assert api.get(f"/api/route-plans/{plan_id}").status_code == 403
    assert api.post(f"/api/route-plans/{plan_id}/publish", json={}).status_code == 403
    assert api.get(f"/api/manifests/{published['driver']['id']}").status_code == 403
    assert rq_api.as_("staff").post("/api/route-plans", json={
        "warehouse": "SH1", "date": DAY.isoformat()}).status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"date": "2030-01-01"}, "warehouse"),
    ({"warehouse": "SH1", "date": "tomorrow"}, "date"),
    ({"warehouse": "SH1", "date": "2030-01-01", "time_limit_s": 0}, "time_limit_s"),
])
def test_bad_plan_requests_are_422_naming_the_field(rq_api, body, field):
    resp = rq_api.as_("dispatcher").post("/api/route-plans", json=body)
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert field in resp.json["errors"]["json"]


def test_bad_delivery_confirmations_are_422_and_move_nothing(rq_api, sessions, published):
    api = rq_api
    route = published["driver"]
    url = f"/api/routes/{route['id']}/stops/1/deliveries"
    resp = api.as_("driver").post(url, json={"lines": [{"order": "O-1", "line": 1,
                                                         "exceptions": [{"kind": "lost",
                                                                         "quantity": 1,
                                                                         "reason": "x"}]}]},
                                  headers=key())
    assert resp.status_code == 422
    assert "kind" in resp.json["errors"]["json"]["lines"]["0"]["exceptions"]["0"]
    ref = route["stops"][0]["lines"][0]["order"]
    # Nothing was loaded: the driver cannot hand over what is not on the truck.
    resp = api.as_("driver").post(url, json={"lines": [{"order": ref, "line": 1}]},
                                  headers=key())
    assert resp.status_code == 422
    assert "are on the truck" in resp.json["detail"]
    assert "Have the warehouse load them" in resp.json["detail"]
    resp = api.as_("staff").post(f"/api/routes/{route['id']}/loading", json={"lot": "X"},
                                 headers=key())
    assert resp.status_code == 422 and "quantity" in resp.json["errors"]["json"]
    with transaction(sessions) as s:
        from wms.models import StockMove

        assert s.query(StockMove).filter(StockMove.kind == "deliver").count() == 0


def test_replanning_over_the_api_keeps_the_started_route(rq_api, sessions, world, published,
                                                         redis_url, queue_name):
    api = rq_api
    started = published["driver"]
    ref = started["stops"][0]["lines"][0]["order"]
    assert api.as_("staff").post(f"/api/orders/{ref}/pick", headers=key()).status_code == 201
    resp = api.as_("staff").post(f"/api/routes/{started['id']}/loading", json={"order": ref},
                                 headers=key())
    assert resp.status_code == 201, resp.json
    order(sessions, "O-3", "SH-P003", {"C00002": 20})
    v2 = plan_and_publish(api, redis_url, queue_name)
    assert v2["version"] == 2
    kept = next(r for r in v2["routes"] if r["id"] == started["id"])
    assert kept["locked"] is True and kept["stops"] == started["stops"]
    assert {s["pickup_point"] for r in v2["routes"] for s in r["stops"]} == {
        "SH-P001", "SH-P002", "SH-P003"}
    versions = api.as_("dispatcher").get("/api/route-plans", query_string={
        "warehouse": "SH1", "date": DAY.isoformat()}).json
    assert [(p["version"], p["status"]) for p in versions] == [(2, "published"),
                                                               (1, "superseded")]
