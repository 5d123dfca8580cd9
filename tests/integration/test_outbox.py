"""The outbox on SQLite and PostgreSQL: events exist exactly when their change was
committed, are numbered per order, and reach a real receiver through an rq worker on
Redis or the embedded thread, in order per order."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from tests.factories import receive
from wms import orders, outbox, outbox_delivery, picking
from wms.db import transaction
from wms.models import CustomerOrder, DeliveryStatus, OutboxEvent, WebhookDelivery
from wms.webhook_receiver import serve_in_thread

SECRET = "integration-secret"
DAY = date.today() + timedelta(days=1)


def _order(ref: str, quantity: int = 3) -> dict:
    return {"external_ref": ref, "pickup_point": "SH-P001", "delivery_date": DAY,
            "lines": [{"sku": "C00002", "quantity": quantity}]}


def _subscribe(sessions, url: str) -> None:
    with transaction(sessions) as s:
        outbox.create_subscription(s, name="shop", url=url, secret=SECRET)


def _event_count(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxEvent))


def test_a_change_rolled_back_emits_nothing(sessions, world):
    _subscribe(sessions, "http://127.0.0.1:9/unused")
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        orders.place_order(s, _order("WEB-RB"), actor_id=None)
        assert s.scalar(select(func.count()).select_from(OutboxEvent)) == 1
        raise RuntimeError("the request failed after placing the order")
    assert _event_count(sessions) == 0
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        assert s.scalar(select(CustomerOrder).where(CustomerOrder.external_ref == "WEB-RB")) \
            is None

    with transaction(sessions) as s:
        orders.place_order(s, _order("WEB-OK"), actor_id=None)
    with sessions() as s:
        (event,) = s.scalars(select(OutboxEvent)).all()
        assert (event.order_ref, event.sequence, event.kind) == ("WEB-OK", 1, "accepted")
        assert event.payload["lines"] == [{"line": 1, "sku": "C00002", "quantity": 3}]
        (delivery,) = s.scalars(select(WebhookDelivery)).all()
        assert delivery.status == DeliveryStatus.PENDING


def test_events_are_numbered_per_order_through_its_states(sessions, world):
    receive(sessions, world, "C00002", "L-SEQ", "SH1-C-A01-01", 10)
    with transaction(sessions) as s:
        first = orders.place_order(s, _order("WEB-A"), actor_id=None).id
        second = orders.place_order(s, _order("WEB-B", 20), actor_id=None).id
    with transaction(sessions) as s:
        orders.allocate_order(s, first)
    with transaction(sessions) as s:
        orders.allocate_order(s, second)  # 7 of 20 units left: short
    with transaction(sessions) as s:
        picking.pick(s, first, actor_id=None)
    with sessions() as s:
        got = [(e.order_ref, e.sequence, e.kind) for e in s.scalars(
            select(OutboxEvent).order_by(OutboxEvent.order_ref, OutboxEvent.sequence))]
    assert got == [("WEB-A", 1, "accepted"), ("WEB-A", 2, "allocated"),
                   ("WEB-A", 3, "picked"),
                   ("WEB-B", 1, "accepted"), ("WEB-B", 2, "short")]
    with sessions() as s:
        short = s.scalar(select(OutboxEvent).where(OutboxEvent.kind == "short"))
        assert short.payload["status"] == "partial"


def _run_flow(sessions, world) -> list[str]:
    receive(sessions, world, "C00002", "L-FLOW", "SH1-C-A01-01", 10)
    refs = ["WEB-X", "WEB-Y"]
    with transaction(sessions) as s:
        ids = [orders.place_order(s, _order(ref), actor_id=None).id for ref in refs]
    for order_id in ids:
        with transaction(sessions) as s:
            orders.allocate_order(s, order_id)
        with transaction(sessions) as s:
            picking.pick(s, order_id, actor_id=None)
    return refs


def _expected(sessions) -> dict[str, list[str]]:
    with sessions() as s:
        out: dict[str, list[str]] = {}
        for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.order_ref,
                                                        OutboxEvent.sequence)):
            out.setdefault(e.order_ref, []).append(e.event_id)
        return out


def _received(receiver) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in receiver.events:
        out.setdefault(e["order"], []).append(e["id"])
    return out


@pytest.mark.redis
def test_an_rq_worker_delivers_every_event_in_order(sessions, world, database_url, redis_url,
                                                    queue_name):
    receiver = serve_in_thread(SECRET)
    try:
        _subscribe(sessions, receiver.url)
        _run_flow(sessions, world)
        dispatcher = outbox_delivery.Dispatcher(
            factory=sessions, mode="rq", database_url=database_url, redis_url=redis_url,
            queue_name=queue_name, linger_s=5)
        dispatcher.kick()
        assert receiver.events == []  # queued, not sent by the process that committed
        conn = Redis.from_url(redis_url)
        SimpleWorker([Queue(queue_name, connection=conn)], connection=conn).work(burst=True)
        assert _received(receiver) == _expected(sessions)
        with sessions() as s:
            assert {d.status for d in s.scalars(select(WebhookDelivery))} == {
                DeliveryStatus.DELIVERED}
    finally:
        receiver.shutdown()
        receiver.server_close()


def test_without_redis_the_embedded_thread_delivers_after_each_commit(sessions, world):
    receiver = serve_in_thread(SECRET)
    try:
        _subscribe(sessions, receiver.url)
        dispatcher = outbox_delivery.Dispatcher(factory=sessions, mode="thread", linger_s=5)
        dispatcher.watch(sessions)
        _run_flow(sessions, world)
        expected = _expected(sessions)
        wanted = sum(len(v) for v in expected.values())
        deadline = time.monotonic() + 30
        while len(receiver.events) < wanted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _received(receiver) == expected
    finally:
        receiver.shutdown()
        receiver.server_close()


def test_two_workers_draining_at_once_never_send_an_event_out_of_order(sessions, world):
    """The lease keeps two drains from sending one event twice at the same time, and
    neither lets a later event of an order overtake an earlier one."""
    import threading

    receiver = serve_in_thread(SECRET)
    try:
        _subscribe(sessions, receiver.url)
        _run_flow(sessions, world)
        threads = [threading.Thread(target=outbox_delivery.drain, args=(sessions,),
                                    kwargs={"linger_s": 5}) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = _received(receiver)
        for ref, ids in _expected(sessions).items():
            firsts = list(dict.fromkeys(got[ref]))
            assert firsts == ids
    finally:
        receiver.shutdown()
        receiver.server_close()


def test_out_for_delivery_carries_the_published_routes_eta(sessions, world):
    import routing.dispatch.order_events  # noqa: F401  (registers the ETA, as the app does)
    from routing.dispatch import plans
    from routing.dispatch.models import Route
    from tests.integration.test_dispatch import DAY as PLAN_DAY
    from tests.integration.test_dispatch import _start_route, order, plan, stock_up

    stock_up(sessions, world)
    order(sessions, "ETA-1", "SH-P001", {"C00002": 5})
    planned = plan(sessions, world)
    with transaction(sessions) as s:
        plans.publish(s, planned["plan_id"], actor_id=None)
        route_id = s.scalars(select(Route.id)).one()
    _start_route(sessions, world, route_id)
    with sessions() as s:
        event = s.scalar(select(OutboxEvent).where(OutboxEvent.kind == "out_for_delivery"))
        route = s.get(Route, route_id)
        stop = route.stops[0]
        hh, mm = divmod(stop.service_start_s // 60, 60)
        assert event.payload["route_id"] == route_id
        assert event.payload["stop"] == stop.seq
        assert event.payload["eta"].startswith(f"{PLAN_DAY.isoformat()}T{hh:02d}:{mm:02d}")
        assert event.payload["eta"].endswith("+08:00")
