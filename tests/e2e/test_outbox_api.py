"""Order events over HTTP to a real webhook receiver: place, allocate, pick, load, deliver,
hand over and recall, with the receiver down for a while in the middle; dead letters and
replay; subscriptions managed by admins only."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta

import pytest

from tests.factories import receive
from wms import outbox_delivery
from wms.webhook_receiver import Receiver, serve_in_thread

SECRET = "test-webhook-secret"
DAY = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def app(database_url, world):
    from api.app import create_app

    return create_app({"TESTING": True, "WMS_DATABASE_URL": database_url, "WMS_REDIS_URL": "",
                       "WMS_JOBS": "inline", "WMS_OUTBOX_BACKOFF_S": 0.02,
                       "WMS_OUTBOX_MAX_ATTEMPTS": 50})


@pytest.fixture
def receiver():
    server = serve_in_thread(SECRET)
    yield server
    server.shutdown()
    server.server_close()


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def subscribe(api, url: str, secret: str = SECRET, **extra) -> dict:
    resp = api.as_("admin").post("/api/webhooks", json={"name": "storefront", "url": url,
                                                        "secret": secret, **extra})
    assert resp.status_code == 201, resp.json
    assert "secret" not in resp.json
    return resp.json


def place(api, ref: str, quantity: int = 4) -> None:
    resp = api.as_("dispatcher").post("/api/orders", json={
        "external_ref": ref, "pickup_point": "SH-P001", "delivery_date": DAY,
        "lines": [{"sku": "C00002", "quantity": quantity}]})
    assert resp.status_code == 201, resp.json


def step(api, ref: str, what: str, who: str = "staff", **body) -> dict:
    resp = api.as_(who).post(f"/api/orders/{ref}/{what}", json=body, headers=key())
    assert resp.status_code == 201, resp.json
    return resp.json


def events(api, ref: str) -> list[dict]:
    resp = api.as_("staff").get(f"/api/orders/{ref}/events")
    assert resp.status_code == 200, resp.json
    return resp.json


def drain(app) -> outbox_delivery.PassResult:
    dispatcher = app.extensions["wms-outbox"]
    return outbox_delivery.drain(dispatcher.factory, policy=dispatcher.policy, linger_s=30)


def by_order(received: list[dict]) -> dict[str, list[int]]:
    """Per order, the sequence numbers in the order they first arrived."""
    seen, out = set(), defaultdict(list)
    for event in received:
        if event["id"] not in seen:
            seen.add(event["id"])
            out[event["order"]].append(event["sequence"])
    return out


def test_every_event_reaches_the_receiver_once_in_order_also_after_it_was_down(
        app, api, world, sessions, receiver):
    lot_id = receive(sessions, world, "C00002", "L-OUT", "SH1-C-A01-01", 20,
                     expiry=date.today() + timedelta(days=6))
    subscribe(api, receiver.url)
    place(api, "WEB-1")
    place(api, "WEB-2")
    resp = api.as_("dispatcher").post("/api/allocations", json={"warehouse": "SH1",
                                                                "date": DAY})
    assert resp.status_code == 200, resp.json
    step(api, "WEB-1", "pick")
    assert [e["kind"] for e in receiver.events] == ["accepted", "accepted", "allocated",
                                                    "allocated", "picked"]

    # The storefront goes down: the changes are made and their events wait.
    port = receiver.server_address[1]
    receiver.shutdown()
    receiver.server_close()
    step(api, "WEB-1", "load", vehicle="SH1-T01")
    step(api, "WEB-1", "deliver")
    step(api, "WEB-2", "pick")
    step(api, "WEB-1", "handover",
         lines=[{"line": 1, "quantity": 1}])
    assert [e["kind"] for e in events(api, "WEB-1")] == [
        "accepted", "allocated", "picked", "out_for_delivery", "arrived", "collected"]
    with sessions() as s:
        from wms.models import DeliveryStatus, WebhookDelivery

        pending = s.query(WebhookDelivery).filter_by(status=DeliveryStatus.PENDING).all()
        assert {(d.order_ref, d.sequence) for d in pending} == {
            ("WEB-1", 4), ("WEB-1", 5), ("WEB-1", 6), ("WEB-2", 3)}
        # Only the first waiting event of an order is tried; the later ones wait behind.
        tried = {(d.order_ref, d.sequence) for d in pending if d.attempts}
        assert ("WEB-1", 4) in tried
        assert tried <= {("WEB-1", 4), ("WEB-2", 3)}
        assert all("Error" in d.last_error for d in pending if d.attempts)

    # It comes back; the recall happens meanwhile; the worker drains what waited.
    again = Receiver(("127.0.0.1", port), SECRET)
    import threading

    threading.Thread(target=again.serve_forever, daemon=True).start()
    try:
        resp = api.as_("buyer").post(f"/api/lots/{lot_id}/recall", headers=key(),
                                     json={"reason": "supplier found Listeria"})
        assert resp.status_code == 201, resp.json
        drain(app)
        received = receiver.events + again.events
    finally:
        again.shutdown()
        again.server_close()

    stored = {ref: events(api, ref) for ref in ("WEB-1", "WEB-2")}
    assert [e["kind"] for e in stored["WEB-1"]][-1] == "recalled"
    assert [e["kind"] for e in stored["WEB-2"]] == [
        "accepted", "allocated", "picked", "recalled"]
    assert stored["WEB-1"][-1]["payload"]["lot"] == "L-OUT"
    # Every event arrived, once per event id, in order per order.
    ids = [e["id"] for e in received]
    assert len(ids) == len(set(ids))
    assert set(ids) == {e["event_id"] for evs in stored.values() for e in evs}
    assert by_order(received) == {ref: [e["sequence"] for e in evs]
                                  for ref, evs in stored.items()}
    assert by_order(received)["WEB-1"] == [1, 2, 3, 4, 5, 6, 7]
    out = next(e for e in received if e["kind"] == "out_for_delivery")
    assert out["payload"]["status"] == "loaded"
    collected = next(e for e in received if e["kind"] == "collected")
    assert collected["payload"]["partial"] is True
    assert collected["payload"]["lines"] == [{"line": 1, "sku": "C00002", "units": 1,
                                              "collected": 1, "quantity": 4}]
    assert api.as_("admin").get("/api/outbox/dead-letters").json == []


def test_a_dead_letter_holds_its_order_back_until_it_is_replayed(app, api, world, sessions,
                                                                 receiver, monkeypatch):
    dispatcher = app.extensions["wms-outbox"]
    monkeypatch.setattr(dispatcher, "policy", outbox_delivery.Policy(
        max_attempts=2, backoff_base_s=0.01, backoff_cap_s=0.02))
    receive(sessions, world, "C00002", "L-DL", "SH1-C-A01-01", 20)
    sub = subscribe(api, receiver.url, secret="not the receiver's secret")
    place(api, "WEB-9")
    drain(app)
    dead = api.as_("admin").get("/api/outbox/dead-letters")
    assert dead.status_code == 200
    assert [(d["order_ref"], d["sequence"], d["kind"], d["attempts"]) for d in dead.json] == [
        ("WEB-9", 1, "accepted", 2)]
    assert dead.json[0]["last_error"] == "HTTP 401"

    resp = api.as_("dispatcher").post("/api/orders/WEB-9/allocation")
    assert resp.status_code == 200, resp.json
    drain(app)
    assert receiver.events == []  # the allocation waits behind the dead acceptance

    resp = api.as_("admin").patch(f"/api/webhooks/{sub['id']}", json={"secret": SECRET})
    assert resp.status_code == 200, resp.json
    resp = api.as_("admin").post("/api/outbox/replay", json={})
    assert resp.status_code == 200, resp.json
    assert resp.json["replayed"] == 1
    drain(app)
    assert [(e["sequence"], e["kind"]) for e in receiver.events] == [(1, "accepted"),
                                                                     (2, "allocated")]
    assert api.as_("admin").get("/api/outbox/dead-letters").json == []

    # A chosen event is sent again on request; the receiver de-duplicates by its id.
    first = receiver.events[0]["id"]
    resp = api.as_("admin").post("/api/outbox/replay", json={"event_ids": [first]})
    assert resp.json["replayed"] == 1
    drain(app)
    assert [e["id"] for e in receiver.events].count(first) == 2
    resp = api.as_("admin").post("/api/outbox/replay", json={"event_ids": ["nope"]})
    assert resp.status_code == 422
    assert "event_ids" in resp.json["errors"]


def test_subscriptions_are_for_admins_and_bad_ones_are_refused(api, world):
    for who in ("staff", "dispatcher", "buyer", "driver"):
        assert api.as_(who).get("/api/webhooks").status_code == 403
        assert api.as_(who).get("/api/outbox/dead-letters").status_code == 403
    resp = api.as_("admin").post("/api/webhooks", json={"name": "x", "url": "ftp://shop",
                                                        "secret": "s"})
    assert resp.status_code == 422
    assert "url" in resp.json["errors"]
    resp = api.as_("admin").post("/api/webhooks", json={
        "name": "x", "url": "https://shop.example/hook", "secret": "s", "kinds": ["eaten"]})
    assert resp.status_code == 422
    assert api.as_("admin").get("/api/webhooks").json == []
    assert api.as_("admin").patch("/api/webhooks/999", json={"active": False}).status_code == 404
    assert api.as_("staff-bj").get("/api/orders/NOPE/events").status_code == 404
