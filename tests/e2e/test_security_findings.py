"""The access findings of the security review, one test each, as the attacker tried them.

Each of these once answered 2xx: staff of Beijing raised alarms and released holds in
Shanghai, a driver delivered another driver's order, and drivers and other warehouses read
lists that were not theirs. ``tests/e2e/test_policy.py`` runs every operation as every role;
these keep the original attacks readable.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from coldchain.monitoring.models import Alert, Reading
from tests.factories import receive
from wms.db import transaction
from wms.models import Lot, LotStatus, StockMove
from wms.orders import allocate_order, place_order
from wms.picking import pick

DAY = date.today() + timedelta(days=1)


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _counts(sessions) -> tuple[int, int, int]:
    with transaction(sessions) as s:
        return (s.scalar(select(func.count()).select_from(Reading)),
                s.scalar(select(func.count()).select_from(Alert)),
                s.scalar(select(func.count()).select_from(StockMove)))


def test_1_staff_cannot_send_readings_for_another_warehouses_sensors(api, sessions):
    assert api.as_("staff").post("/api/sensors", json={
        "serial": "LOG-SH-1", "location": "SH1-C"}).status_code == 201
    before = _counts(sessions)
    hot = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    batch = [{"serial": "LOG-SH-1", "timestamp": (hot + timedelta(minutes=5 * i)).isoformat(),
              "temperature": 15.0} for i in range(30)]
    resp = api.as_("staff-bj").post("/api/readings", json={"readings": batch})
    assert resp.status_code == 403, resp.json
    assert "LOG-SH-1" in resp.json["detail"]
    csv = "serial,timestamp,temperature\n" + "".join(
        f"LOG-SH-1,{r['timestamp']},15.0\n" for r in batch)
    resp = api.as_("staff-bj").post("/api/readings/files", content_type="multipart/form-data",
                                    data={"file": (io.BytesIO(csv.encode()), "log.csv")})
    assert resp.status_code == 403, resp.json
    assert _counts(sessions) == before
    # The warehouse's own staff are heard.
    assert api.as_("staff").post("/api/readings", json={"readings": batch}).status_code == 200


def test_2_staff_cannot_hold_or_release_another_warehouses_lots(api, sessions, world):
    lot_id = receive(sessions, world, "C00002", "SH-LOT", "SH1-C-A01-01", 20)
    before = _counts(sessions)
    assert api.as_("staff-bj").post(f"/api/lots/{lot_id}/hold",
                                    json={"reason": "x"}).status_code == 403
    assert api.as_("staff").post(f"/api/lots/{lot_id}/hold",
                                 json={"reason": "smells off"}).status_code == 200
    held = _counts(sessions)
    resp = api.as_("staff-bj").post(f"/api/lots/{lot_id}/release", json={"reason": "fine"})
    assert resp.status_code == 403
    with transaction(sessions) as s:
        assert s.get(Lot, lot_id).status == LotStatus.HOLD
    assert _counts(sessions) == held != before


def test_2_a_lot_kept_in_two_warehouses_is_released_by_a_buyer_not_by_one_warehouse(
        api, sessions, world):
    lot_id = receive(sessions, world, "C00002", "BOTH", "SH1-C-A01-01", 10)
    receive(sessions, world, "C00002", "BOTH", "BJ1-C-A01-01", 10)
    assert api.as_("buyer").post(f"/api/lots/{lot_id}/hold",
                                 json={"reason": "supplier notice"}).status_code == 200
    resp = api.as_("staff").post(f"/api/lots/{lot_id}/release", json={"reason": "ours fine"})
    assert resp.status_code == 403 and "also kept in another warehouse" in resp.json["detail"]
    assert api.as_("buyer").post(f"/api/lots/{lot_id}/release",
                                 json={"reason": "notice withdrawn"}).status_code == 200


def test_3_a_driver_cannot_deliver_hand_over_or_load_orders_off_their_routes(
        api, sessions, world):
    receive(sessions, world, "C00002", "DRV", "SH1-C-A01-01", 10)
    with transaction(sessions) as s:
        order = place_order(s, {"external_ref": "NOT-MINE", "pickup_point": "SH-P001",
                                "delivery_date": DAY,
                                "lines": [{"sku": "C00002", "quantity": 3}]}, actor_id=None)
        allocate_order(s, order.id)
        pick(s, order.id, actor_id=world.users["staff"])
    before = _counts(sessions)
    driver = api.as_("driver")
    for step, body in (("load", {"vehicle": "SH1-T01"}), ("deliver", {}), ("handover", {})):
        resp = driver.post(f"/api/orders/NOT-MINE/{step}", json=body, headers=key())
        assert resp.status_code == 403, (step, resp.json)
        assert "not on one of your routes" in resp.json["detail"]
    assert _counts(sessions) == before


def test_4_reads_stay_in_their_warehouse_and_drivers_read_only_their_routes(
        api, sessions, world):
    lot_id = receive(sessions, world, "C00002", "SH-ONLY", "SH1-C-A01-01", 5)
    assert api.as_("staff-bj").get(f"/api/lots/{lot_id}").status_code == 403
    codes = [lot["lot_code"] for lot in api.as_("staff-bj").get("/api/lots").json]
    assert "SH-ONLY" not in codes
    assert "SH-ONLY" in [lot["lot_code"] for lot in api.as_("staff").get("/api/lots").json]
    for path in ("/api/stock", "/api/moves", "/api/orders", "/api/sensors", "/api/alerts",
                 "/api/lots", "/api/findings", "/api/warehouses", "/api/pickup-points",
                 "/api/vehicles", "/api/route-plans", f"/api/lots/{lot_id}"):
        assert api.as_("driver").get(path).status_code == 403, path
