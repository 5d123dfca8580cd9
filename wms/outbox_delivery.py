"""Sending the outbox's events to the webhooks: at least once, in order per order, with
exponential backoff and a dead-letter list.

``deliver_due`` is one pass: it picks what may go now (``webhook_signing.sendable``: per
subscription and order only the earliest undelivered event, and only when due), claims
each with a short lease in its own transaction (two workers never send the same event at
once), POSTs it signed, and records the answer. A 2xx is delivered; anything else (an
error status, a refused connection, a timeout) is retried after ``backoff_s``; after
``max_attempts`` the delivery is dead and waits on the dead-letter list for a replay,
holding back the later events of its order so that they never overtake it.

``drain`` repeats passes, sleeping until the next retry is due, until nothing is pending
or ``linger_s`` has passed. Who runs it (``kick``): an rq job when Redis is configured;
without Redis a thread of this process (``thread``) or the caller (``inline``, one pass).
Events stay in the database until delivered, so nothing is lost when no worker runs:
the next kick, ``wms outbox deliver`` or a worker's start sends them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from wms import outbox
from wms.db import make_engine, make_session_factory, transaction
from wms.models import DeliveryStatus, OutboxEvent, WebhookDelivery, WebhookSubscription
from wms.models.base import utcnow
from wms.webhook_signing import (
    EVENT_ID_HEADER,
    EVENT_KIND_HEADER,
    SIGNATURE_HEADER,
    Waiting,
    backoff_s,
    sendable,
    sign,
)

log = logging.getLogger(__name__)

# (url, body, headers, timeout) -> HTTP status; raises OSError when nothing answered.
Send = Callable[[str, bytes, dict[str, str], float], int]


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 600.0
    timeout_s: float = 10.0
    lease_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(max_attempts=settings.outbox_max_attempts,
                   backoff_base_s=settings.outbox_backoff_s)


@dataclass
class PassResult:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def http_send(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _waiting(session: Session, now: datetime) -> list[Waiting]:
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.subscription_id, WebhookDelivery.order_ref,
               WebhookDelivery.sequence, WebhookDelivery.status,
               WebhookDelivery.next_attempt_at, WebhookDelivery.claimed_until)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.status != DeliveryStatus.DELIVERED,
               WebhookSubscription.active.is_(True))).all()
    # A dead delivery is not due but still holds its order's later events back.
    return [Waiting(id=r.id, subscription_id=r.subscription_id, order_ref=r.order_ref,
                    sequence=r.sequence,
                    due=(r.status == DeliveryStatus.PENDING and r.next_attempt_at <= now
                         and (r.claimed_until is None or r.claimed_until <= now)))
            for r in rows]


def _claim(factory: sessionmaker[Session], delivery_id: int, now: datetime,
           policy: Policy) -> tuple[str, bytes, dict[str, str], int] | None:
    """Take the lease on a delivery and build its request; None when another worker has
    it or it is no longer pending."""
    with transaction(factory) as session:
        taken = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id,
                   WebhookDelivery.status == DeliveryStatus.PENDING,
                   or_(WebhookDelivery.claimed_until.is_(None),
                       WebhookDelivery.claimed_until <= now))
            .values(claimed_until=now + timedelta(seconds=policy.lease_s))).rowcount
        if not taken:
            return None
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
        body = json.dumps(outbox.envelope(row.event), ensure_ascii=False,
                          sort_keys=True).encode()
        stamp = int(time.time())
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: sign(row.subscription.secret, body, stamp),
                   EVENT_ID_HEADER: row.event.event_id, EVENT_KIND_HEADER: row.event.kind,
                   "User-Agent": "coldchain-wms-outbox"}
        return row.subscription.url, body, headers, row.attempts


def _record(factory: sessionmaker[Session], delivery_id: int, error: str | None,
            policy: Policy, result: PassResult) -> None:
    with transaction(factory) as session:
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
        now = utcnow()
        row.attempts += 1
        row.claimed_until = None
        if error is None:
            row.status, row.delivered_at, row.last_error = DeliveryStatus.DELIVERED, now, ""
            result.delivered += 1
            return
        row.last_error = error[:2000]
        result.failed += 1
        result.errors.append(f"{row.order_ref}#{row.sequence}: {error}")
        if row.attempts >= policy.max_attempts:
            row.status, row.dead_at = DeliveryStatus.DEAD, now
            result.dead += 1
            log.warning("webhook delivery of %s #%s dead after %s attempts: %s",
                        row.order_ref, row.sequence, row.attempts, error)
        else:
            wait = backoff_s(row.attempts, base_s=policy.backoff_base_s,
                             cap_s=policy.backoff_cap_s)
            row.next_attempt_at = now + timedelta(seconds=wait)


def deliver_due(factory: sessionmaker[Session], *, policy: Policy = Policy(),
                send: Send = http_send) -> PassResult:
    """One pass over what may be sent now (see the module doc)."""
    result = PassResult()
    # An order whose event failed in this pass sends nothing more in it: its next event
    # would overtake the failed one.
    while True:
        with transaction(factory) as session:
            now = utcnow()
            batch = sendable(_waiting(session, now))
        progressed = False
        down: set[int] = set()
        for item in batch:
            if item.subscription_id in down:
                continue
            claim = _claim(factory, item.id, now, policy)
            if claim is None:
                continue
            url, body, headers, _attempts = claim
            try:
                status = send(url, body, headers, policy.timeout_s)
                error = None if 200 <= status < 300 else f"HTTP {status}"
            except OSError as exc:
                error = f"{type(exc).__name__}: {exc}"
                # Nobody answers there: the subscription's other orders wait for the next
                # pass instead of each knocking at a closed door now.
                down.add(item.subscription_id)
            _record(factory, item.id, error, policy, result)
            progressed = progressed or error is None
        if not progressed:
            return result


def next_due(factory: sessionmaker[Session]) -> datetime | None:
    """When the earliest pending delivery may be tried; None when nothing is pending."""
    with transaction(factory) as session:
        return session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at))
            .join(WebhookSubscription,
                  WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.status == DeliveryStatus.PENDING,
                   WebhookSubscription.active.is_(True)))


def drain(factory: sessionmaker[Session], *, policy: Policy = Policy(), send: Send = http_send,
          linger_s: float = 300.0, sleep: Callable[[float], None] = time.sleep,
          wake: threading.Event | None = None) -> PassResult:
    """Pass after pass until nothing is pending, or ``linger_s`` is over."""
    total = PassResult()
    deadline = time.monotonic() + linger_s
    while True:
        one = deliver_due(factory, policy=policy, send=send)
        total.delivered += one.delivered
        total.failed += one.failed
        total.dead += one.dead
        total.errors.extend(one.errors)
        due = next_due(factory)
        left = deadline - time.monotonic()
        if due is None or left <= 0:
            return total
        wait = min(left, max(0.01, (due - utcnow()).total_seconds()))
        if wake is not None:
            wake.wait(wait)
            wake.clear()
        else:
            sleep(wait)


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(WebhookDelivery.status, func.count())
                           .group_by(WebhookDelivery.status)).all()
    found = {status.value: n for status, n in rows}
    return {s.value: found.get(s.value, 0) for s in DeliveryStatus} | {
        "events": session.scalar(select(func.count()).select_from(OutboxEvent)) or 0}


# --- who runs it -----------------------------------------------------------------------

@dataclass
class Dispatcher:
    """How this process starts delivery after a commit that emitted events."""

    factory: sessionmaker[Session]
    mode: str = "inline"            # "rq", "thread" or "inline"
    database_url: str = ""
    redis_url: str | None = None
    queue_name: str = "wms"
    policy: Policy = Policy()
    send: Send = http_send
    linger_s: float = 300.0
    _thread: threading.Thread | None = None
    _wake: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def kick(self) -> None:
        try:
            if self.mode == "rq":
                self._enqueue()
            elif self.mode == "thread":
                self._in_thread()
            else:
                deliver_due(self.factory, policy=self.policy, send=self.send)
        except Exception as exc:  # the change is committed; its events wait in the table
            log.warning("outbox delivery not started (%s: %s); events stay pending",
                        type(exc).__name__, exc)

    def _enqueue(self) -> None:
        from rq import Queue

        from wms.redis_client import redis_connection

        Queue(self.queue_name, connection=redis_connection(self.redis_url or "")).enqueue(
            drain_job, self.database_url, self.redis_url, self.linger_s,
            job_timeout=int(self.linger_s) + 120, result_ttl=600, failure_ttl=86400)

    def _in_thread(self) -> None:
        with self._lock:
            self._wake.set()
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="wms-outbox", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                drain(self.factory, policy=self.policy, send=self.send,
                      linger_s=self.linger_s, wake=self._wake)
            except Exception:
                log.exception("outbox delivery thread failed; events stay pending")
            with self._lock:
                # A kick that came while the last pass ended is not left waiting.
                if not self._wake.is_set():
                    self._thread = None
                    return
                self._wake.clear()

    def watch(self, factory: sessionmaker[Session]) -> None:
        """Kick after every commit of ``factory``'s sessions that emitted events."""

        # SQLAlchemy keeps its listeners for as long as the process lives: a listener that
        # held the dispatcher would keep its app's engine, and the engine's pooled
        # connections, alive after the app is gone.
        me = weakref.ref(self)

        @event.listens_for(factory, "after_commit")
        def _committed(session: Session) -> None:
            dispatcher = me()
            if session.info.pop(outbox.EMITTED, False) and dispatcher is not None:
                dispatcher.kick()

        @event.listens_for(factory, "after_rollback")
        def _rolled_back(session: Session) -> None:
            session.info.pop(outbox.EMITTED, None)


def drain_job(database_url: str, redis_url: str, linger_s: float = 300.0
              ) -> dict[str, Any]:
    """Entry point for rq workers; a Redis lock keeps one drain at a time per database,
    and the holder re-checks after letting go, so a kick it raced with is not lost."""
    from wms.redis_client import redis_connection
    from wms.settings import Settings

    policy = Policy.from_settings(Settings.from_env())
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    conn = redis_connection(redis_url)
    key = f"wms:outbox:drain:{database_url.rsplit('/', 1)[-1]}"
    total = PassResult()
    try:
        while True:
            if not conn.set(key, "1", nx=True, ex=int(linger_s) + 120):
                return {"skipped": "another drain is running"}
            try:
                one = drain(factory, policy=policy, linger_s=linger_s)
            finally:
                conn.delete(key)
            total.delivered += one.delivered
            total.failed += one.failed
            total.dead += one.dead
            due = next_due(factory)
            if due is None or due > utcnow():
                return {"delivered": total.delivered, "failed": total.failed,
                        "dead": total.dead}
    finally:
        engine.dispose()
