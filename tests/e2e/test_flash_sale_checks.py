"""A flash-sale order (``POST /api/orders/reserved``) reads what it needs in one statement
before it writes: what is wrong with the order is still said as for any order, and its
first events reach exactly the subscriptions that want them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tests.factories import receive
from wms import outbox
from wms.db import transaction
from wms.models import OutboxEvent, Product, WebhookDelivery

DAY = date.today() + timedelta(days=1)
FAR = date.today() + timedelta(days=90)


def _order(ref: str, point: str = "SH-P001", sku: str = "A00003", quantity: int = 1) -> dict:
    return {"external_ref": ref, "pickup_point": point, "delivery_date": DAY.isoformat(),
            "lines": [{"sku": sku, "quantity": quantity}]}


def test_what_is_wrong_with_the_order_is_said_as_for_any_order(api, world, sessions):
    receive(sessions, world, "A00003", "L1", "SH1-A-A01-01", 5, expiry=FAR)
    staff = api.as_("staff")
    resp = staff.post("/api/orders/reserved", json=_order("BAD-1", point="NO-SUCH"))
    assert resp.status_code == 422 and "pickup_point" in resp.json["errors"]
    resp = staff.post("/api/orders/reserved", json=_order("BAD-2", sku="Z99999"))
    assert resp.status_code == 422 and "lines[0].sku" in resp.json["errors"]
    assert staff.post("/api/orders/reserved", json=_order("TAKEN")).status_code == 201
    resp = staff.post("/api/orders/reserved", json=_order("TAKEN"))
    assert resp.status_code == 409 and resp.json.get("field") == "external_ref"
    with transaction(sessions) as s:
        s.scalar(select(Product).where(Product.sku == "A00003")).active = False
    resp = staff.post("/api/orders/reserved", json=_order("GONE"))
    assert resp.status_code == 422 and "lines[0].sku" in resp.json["errors"]


def test_the_first_events_reach_the_subscriptions_that_want_them(api, world, sessions):
    receive(sessions, world, "A00003", "L1", "SH1-A-A01-01", 5, expiry=FAR)
    with transaction(sessions) as s:
        every = outbox.create_subscription(s, name="every", url="http://127.0.0.1:9/a",
                                           secret="s").id
        placed = outbox.create_subscription(s, name="placed", url="http://127.0.0.1:9/b",
                                            secret="s", kinds=["accepted"], active=False).id
        outbox.create_subscription(s, name="later", url="http://127.0.0.1:9/c", secret="s",
                                   kinds=["picked", "collected"])
        sold = outbox.create_subscription(s, name="sold", url="http://127.0.0.1:9/d",
                                          secret="s", kinds=["allocated"]).id
    resp = api.as_("staff").post("/api/orders/reserved", json=_order("EV-1"))
    assert resp.status_code == 201, resp.json
    with transaction(sessions) as s:
        events = s.scalars(select(OutboxEvent).where(OutboxEvent.order_ref == "EV-1")
                           .order_by(OutboxEvent.sequence)).all()
        assert [(e.sequence, e.kind, e.payload["status"]) for e in events] == [
            (1, "accepted", "placed"), (2, "allocated", "allocated")]
        assert events[1].payload["previous_status"] == "placed"
        assert events[0].id < events[1].id
        got = s.execute(select(WebhookDelivery.event_id, WebhookDelivery.subscription_id,
                               WebhookDelivery.sequence)
                        .order_by(WebhookDelivery.id)).all()
    first, second = events
    # In event order, then subscription order; a switched-off subscription's wait.
    assert [tuple(row) for row in got] == [
        (first.id, every, 1), (first.id, placed, 1), (second.id, every, 2),
        (second.id, sold, 2)]


def test_staff_of_another_warehouse_learn_nothing_of_its_stock(api, world, sessions):
    """A point served by another warehouse is refused as for any order (403), whether its
    stock is short or not: the units left there are not told."""
    receive(sessions, world, "A00003", "L1", "SH1-A-A01-01", 2, expiry=FAR)
    for quantity in (1, 5):
        resp = api.as_("staff-bj").post("/api/orders/reserved",
                                        json=_order(f"BJ-{quantity}", quantity=quantity))
        assert resp.status_code == 403, resp.json
        assert "available" not in resp.json and "served by another warehouse" in \
            resp.json["detail"]
    with transaction(sessions) as s:
        assert not s.scalars(select(OutboxEvent)).all()
