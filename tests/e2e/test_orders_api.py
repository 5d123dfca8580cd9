"""Orders and allocation over the API: validation by line, partial allocation, cancelling,
what allocation must skip, and who may allocate."""

from __future__ import annotations

from datetime import date, timedelta

from tests.factories import on_hand, receive

DAY = date.today() + timedelta(days=2)


def order(ref="O-1", point="SH-P001", **lines) -> dict:
    return {"external_ref": ref, "pickup_point": point, "delivery_date": DAY.isoformat(),
            "lines": [{"sku": s, "quantity": q} for s, q in (lines or {"A00003": 5}).items()]}


def test_bad_lines_are_named_and_nothing_is_stored(api, world):
    body = order(A00003=1, C00002=2)
    body["lines"].append({"sku": "NOPE", "quantity": 1})
    resp = api.as_("dispatcher").post("/api/orders", json=body)
    assert resp.status_code == 422
    assert resp.json["errors"] == {"lines[2].sku": ["no product 'NOPE'"]}
    body["lines"][2] = {"sku": "A00003", "quantity": 0}
    resp = api.as_("dispatcher").post("/api/orders", json=body)
    assert resp.status_code == 422
    assert "quantity" in resp.json["errors"]["json"]["lines"]["2"]
    assert api.as_("admin").get("/api/orders").json == []


def test_external_reference_is_unique(api, world):
    assert api.as_("dispatcher").post("/api/orders", json=order()).status_code == 201
    again = api.as_("dispatcher").post("/api/orders", json=order())
    assert again.status_code == 409 and "O-1" in again.json["detail"]


def test_partial_allocation_is_reported_per_line_and_cancel_releases(api, world, sessions):
    far = date.today() + timedelta(days=100)
    lot = receive(sessions, world, "A00003", "P1", "SH1-A-A01-01", 3, expiry=far)
    api.as_("dispatcher").post("/api/orders", json=order(A00003=5, F00001=2))
    resp = api.as_("dispatcher").post("/api/orders/O-1/allocation")
    assert resp.status_code == 200
    lines = {ln["sku"]: (ln["allocated"], ln["backorder"]) for ln in resp.json["lines"]}
    assert lines == {"A00003": (3, 2), "F00001": (0, 2)}
    assert resp.json["status"] == "partial"
    assert on_hand(sessions, world, "SH1-A-A01-01", lot) == (3, 3)
    resp = api.as_("dispatcher").post("/api/orders/O-1/cancel")
    assert resp.status_code == 200 and resp.json["status"] == "cancelled"
    assert on_hand(sessions, world, "SH1-A-A01-01", lot) == (3, 0)
    assert api.as_("dispatcher").post("/api/orders/O-1/cancel").status_code == 409


def test_allocation_skips_short_dated_quarantined_and_on_the_way_stock(api, world, sessions):
    # C00002 must keep 1 day after delivery: a lot expiring on delivery day is too short.
    receive(sessions, world, "C00002", "SHORT", "SH1-C-A01-01", 5, expiry=DAY)
    receive(sessions, world, "C00002", "QRT", "SH1-C-QRT", 5, expiry=DAY + timedelta(days=3))
    receive(sessions, world, "C00002", "TRUCK", "SH1-T01-C", 5, expiry=DAY + timedelta(days=3))
    receive(sessions, world, "C00002", "BJ", "BJ1-C-A01-01", 5, expiry=DAY + timedelta(days=3))
    good = receive(sessions, world, "C00002", "GOOD", "SH1-C-A01-02", 5,
                   expiry=DAY + timedelta(days=4))
    api.as_("dispatcher").post("/api/orders", json=order(C00002=8))
    resp = api.as_("dispatcher").post("/api/allocations", json={"warehouse": "SH1",
                                                                "date": DAY.isoformat()})
    assert resp.status_code == 200
    assert (resp.json["allocated"], resp.json["backorder"]) == (5, 3)
    assert [r["lot"] for r in resp.json["orders"][0]["lines"][0]["reservations"]] == ["GOOD"]
    assert on_hand(sessions, world, "SH1-C-A01-02", good) == (5, 5)


def test_only_dispatchers_and_staff_of_the_warehouse_and_admin_allocate(api, world):
    api.as_("dispatcher").post("/api/orders", json=order())
    run = {"warehouse": "SH1", "date": DAY.isoformat()}
    assert api.as_("buyer").post("/api/allocations", json=run).status_code == 403
    assert api.as_("driver").post("/api/allocations", json=run).status_code == 403
    assert api.as_("staff-bj").post("/api/allocations", json=run).status_code == 403
    assert api.as_("staff-bj").post("/api/orders/O-1/allocation").status_code == 403
    for who in ("staff", "dispatcher", "admin"):
        assert api.as_(who).post("/api/allocations", json=run).status_code == 200


def test_an_order_for_another_warehouses_point_is_refused_for_scoped_users(api, world):
    resp = api.as_("dispatcher").post("/api/orders", json=order(point="BJ-P001"))
    assert resp.status_code == 403 and resp.json["field"] == "pickup_point"
    assert api.as_("admin").post("/api/orders", json=order(point="BJ-P001")).status_code == 201
