"""Warehouse scoping gaps found in review: each test names what one warehouse's people could
reach in another's."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from routing.dispatch.models import Route
from routing.dispatch.plans import plan_day
from tests.factories import receive
from wms.db import transaction
from wms.models import MoveKind, StockMove
from wms.orders import allocate_order, place_order

DAY = date.today() + timedelta(days=1)


def _allocated(sessions, ref: str, point: str) -> int:
    with transaction(sessions) as s:
        order = place_order(s, {"external_ref": ref, "pickup_point": point,
                                "delivery_date": DAY,
                                "lines": [{"sku": "C00002", "quantity": 3}]}, actor_id=None)
        allocate_order(s, order.id)
        return order.id


def test_loading_or_delivering_an_order_cannot_claim_another_warehouses_route(
        api, sessions, world):
    receive(sessions, world, "C00002", "RS-1", "SH1-C-A01-01", 10)
    receive(sessions, world, "C00002", "RS-1", "BJ1-C-A01-01", 10)
    _allocated(sessions, "RS-SH", "SH-P001")
    _allocated(sessions, "RS-BJ", "BJ-P001")
    plan_day(sessions, world.warehouses["BJ1"], DAY, time_limit_s=1)
    with transaction(sessions) as s:
        bj_route = s.scalar(select(Route.id).where(
            Route.warehouse_id == world.warehouses["BJ1"]))
    assert bj_route is not None
    staff = api.as_("staff")
    assert staff.post("/api/orders/RS-SH/pick",
                      headers={"Idempotency-Key": uuid.uuid4().hex}).status_code == 201
    resp = staff.post("/api/orders/RS-SH/load", json={"vehicle": "SH1-T01",
                                                      "route_id": bj_route},
                      headers={"Idempotency-Key": uuid.uuid4().hex})
    assert resp.status_code == 403, resp.json
    assert staff.post("/api/orders/RS-SH/load", json={"vehicle": "SH1-T01"},
                      headers={"Idempotency-Key": uuid.uuid4().hex}).status_code == 201
    resp = staff.post("/api/orders/RS-SH/deliver", json={"route_id": bj_route},
                      headers={"Idempotency-Key": uuid.uuid4().hex})
    assert resp.status_code == 403, resp.json
    with transaction(sessions) as s:
        assert s.scalars(select(StockMove.kind).where(StockMove.route_id == bj_route)
                         ).all() == []
        assert MoveKind.LOAD in s.scalars(select(StockMove.kind)).all()
