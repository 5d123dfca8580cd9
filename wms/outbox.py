"""The transactional outbox: every state change of a customer order becomes an event row
written in the same transaction as the change, for the storefront's webhooks.

``emit(session, order, kind, payload)`` is the one way in. It numbers the event per order
(``sequence`` 1, 2, ...) under the order's row lock and creates one pending delivery per
subscription that wants the kind. Nothing is sent here: a change that is rolled
back takes its events with it, and a committed one is sent afterwards by
``wms.outbox_delivery`` (an rq job with Redis, else a thread of the web process or inline),
at least once, in order per order.

Handing orders over at the pickup point emits ``collected`` (``wms.picking.handover``, with
``partial`` and the units per line); code that hands over by pickup code goes through that
function or calls ``emit(session, order, COLLECTED, {...})`` itself in its transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from wms.errors import NotFound, ValidationFailed
from wms.i18n import N_
from wms.models import (
    CustomerOrder,
    DeliveryStatus,
    OrderStatus,
    OutboxEvent,
    WebhookDelivery,
    WebhookSubscription,
)
from wms.models.base import utcnow

ACCEPTED = "accepted"
MOVED_BY_CUTOFF = "moved_by_cutoff"
SHORT = "short"
ALLOCATED = "allocated"
PICKED = "picked"
OUT_FOR_DELIVERY = "out_for_delivery"
ARRIVED = "arrived"
COLLECTED = "collected"
UNCOLLECTED = "uncollected"
RETURNED = "returned"
RECALLED = "recalled"
CANCELLED = "cancelled"
KINDS = (ACCEPTED, MOVED_BY_CUTOFF, SHORT, ALLOCATED, PICKED, OUT_FOR_DELIVERY, ARRIVED,
         COLLECTED, UNCOLLECTED, RETURNED, RECALLED, CANCELLED)

# The event a status reached by ``wms.reservations.refresh_status`` stands for. Collection
# is emitted by the handover itself (it knows whether it was partial).
STATUS_EVENTS = {OrderStatus.PARTIAL: SHORT, OrderStatus.ALLOCATED: ALLOCATED,
                 OrderStatus.PICKED: PICKED, OrderStatus.LOADED: OUT_FOR_DELIVERY,
                 OrderStatus.DELIVERED: ARRIVED}

# Facts another package knows about an order at an event (the route's ETA when the order
# goes out for delivery): ``fn(session, order) -> dict`` merged into the payload.
PayloadFacts = Callable[[Session, CustomerOrder], dict[str, Any]]
PAYLOAD_FACTS: dict[str, list[PayloadFacts]] = {}

EMITTED = "outbox_emitted"  # set in ``session.info`` so a commit hook can start delivery


def emit(session: Session, order: CustomerOrder, kind: str,
         payload: dict[str, Any] | None = None) -> OutboxEvent:
    """Record ``kind`` for ``order`` in the caller's transaction (see the module doc)."""
    return _emit(session, order, kind, order.status, payload)


def _emit(session: Session, order: CustomerOrder, kind: str, status: OrderStatus,
          payload: dict[str, Any] | None) -> OutboxEvent:
    body = _body(session, order, kind, status, payload)
    # The row lock numbers one order's events one after the other (SQLite: the write lock).
    session.execute(select(CustomerOrder.id).where(CustomerOrder.id == order.id)
                    .with_for_update())
    last = session.scalar(select(func.max(OutboxEvent.sequence))
                          .where(OutboxEvent.order_ref == order.external_ref))
    event = OutboxEvent(event_id=str(uuid.uuid4()), order_id=order.id,
                        order_ref=order.external_ref, sequence=(last or 0) + 1, kind=kind,
                        payload=body, created_at=utcnow())
    session.add(event)
    session.flush()
    # A subscription switched off gets its deliveries too: they wait until it is back.
    for sub in session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)):
        if not sub.kinds or kind in sub.kinds:
            session.info[EMITTED] = session.info.get(EMITTED, False) or sub.active
            session.add(WebhookDelivery(event_id=event.id, subscription_id=sub.id,
                                        order_ref=event.order_ref, sequence=event.sequence,
                                        status=DeliveryStatus.PENDING, attempts=0,
                                        next_attempt_at=event.created_at, last_error=""))
    session.flush()
    return event


def _body(session: Session, order: CustomerOrder, kind: str, status: OrderStatus,
          payload: dict[str, Any] | None) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"unknown outbox event kind {kind!r}")
    body: dict[str, Any] = {"status": status.value,
                            "delivery_date": order.delivery_date.isoformat()}
    for facts in PAYLOAD_FACTS.get(kind, []):
        body.update(facts(session, order))
    body.update(payload or {})
    return _jsonable(body)


# The first events of an order and their deliveries in one statement: the events numbered
# after the order's last (there is none unless a ref is reused), one delivery per
# subscription that wants the kind (``kinds`` empty or not a list: every kind), ids in
# event then subscription order as ``emit`` gives them; the answer says whether an active
# subscription got one.
_FIRST_EVENTS = text("""
WITH new AS (
    SELECT * FROM unnest(CAST(:event_ids AS varchar[]), CAST(:kinds AS varchar[]),
                         CAST(:payloads AS json[]), CAST(:created AS timestamptz[]))
        WITH ORDINALITY AS t(event_id, kind, payload, created_at, n)
), ev AS (
    INSERT INTO outbox_event (event_id, order_id, order_ref, sequence, kind, payload,
                              created_at)
    SELECT event_id, CAST(:order_id AS integer), CAST(:order_ref AS varchar),
           coalesce((SELECT max(sequence) FROM outbox_event
                     WHERE order_ref = CAST(:order_ref AS varchar)), 0) + n,
           kind, payload, created_at
    FROM new ORDER BY n
    RETURNING id, kind, sequence, created_at
), sent AS (
    INSERT INTO webhook_delivery (event_id, subscription_id, order_ref, sequence, status,
                                  attempts, next_attempt_at, last_error)
    SELECT ev.id, s.id, CAST(:order_ref AS varchar), ev.sequence, CAST(:pending AS varchar),
           0, ev.created_at, ''
    FROM ev JOIN webhook_subscription s ON CASE WHEN json_typeof(s.kinds) = 'array'
        THEN json_array_length(s.kinds) = 0 OR s.kinds::jsonb @> jsonb_build_array(ev.kind)
        ELSE true END
    ORDER BY ev.sequence, s.id
    RETURNING subscription_id
)
SELECT coalesce(bool_or(s.active), false)
FROM sent JOIN webhook_subscription s ON s.id = sent.subscription_id
""")


def emit_new(session: Session, order: CustomerOrder,
             events: list[tuple[str, OrderStatus, dict[str, Any] | None]]) -> None:
    """Record the first events of an order inserted in the caller's transaction: each
    ``(kind, status the event reports, payload)`` as ``emit`` would, one after the other.

    No other transaction can see the order before the commit, so none can number events
    for it meanwhile: the row lock ``emit`` takes is not needed, and on PostgreSQL the
    events and their deliveries are written in one statement.
    """
    if session.get_bind().dialect.name != "postgresql":
        for kind, status, payload in events:
            _emit(session, order, kind, status, payload)
        return
    if not events:
        return
    now = utcnow()
    rows = [(str(uuid.uuid4()), kind, _body(session, order, kind, status, payload))
            for kind, status, payload in events]
    active = session.scalar(_FIRST_EVENTS, {
        "event_ids": [r[0] for r in rows], "kinds": [r[1] for r in rows],
        "payloads": [json.dumps(r[2]) for r in rows], "created": [now] * len(rows),
        "order_id": order.id, "order_ref": order.external_ref,
        "pending": DeliveryStatus.PENDING.value})
    session.info[EMITTED] = session.info.get(EMITTED, False) or bool(active)


def emit_status_change(session: Session, order: CustomerOrder, before: OrderStatus) -> None:
    """The event of a status change derived from where an order's units are."""
    kind = STATUS_EVENTS.get(order.status)
    if kind is not None and order.status != before:
        emit(session, order, kind, {"previous_status": before.value})


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def envelope(event: OutboxEvent) -> dict[str, Any]:
    """What a webhook receives: the event id to de-duplicate on, the order, its place in
    the order's sequence, and the payload."""
    return {"id": event.event_id, "kind": event.kind, "order": event.order_ref,
            "sequence": event.sequence, "created_at": event.created_at.isoformat(),
            "payload": event.payload}


def events_of(session: Session, order_ref: str) -> list[OutboxEvent]:
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.order_ref == order_ref)
                                .order_by(OutboxEvent.sequence)))


# --- subscriptions ---------------------------------------------------------------------

def _check_subscription(url: str | None, kinds: Iterable[str] | None) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors["url"] = [N_("{url} is not an http or https address", url=url)]
    for i, kind in enumerate(kinds or ()):
        if kind not in KINDS:
            errors[f"kinds.{i}"] = [N_("unknown event kind {kind}; known: {known}",
                                       kind=kind, known=", ".join(KINDS))]
    return errors


def create_subscription(session: Session, *, name: str, url: str, secret: str,
                        kinds: list[str] | None = None, active: bool = True
                        ) -> WebhookSubscription:
    errors = _check_subscription(url, kinds)
    if not secret.strip():
        errors["secret"] = [N_("give the shared secret the receiver checks signatures with")]
    if session.scalar(select(WebhookSubscription.id)
                      .where(WebhookSubscription.name == name)) is not None:
        errors["name"] = [N_("a subscription named {name} exists already", name=name)]
    if errors:
        raise ValidationFailed(errors)
    sub = WebhookSubscription(name=name, url=url, secret=secret, kinds=list(kinds or []),
                              active=active, created_at=utcnow())
    session.add(sub)
    session.flush()
    return sub


def get_subscription(session: Session, sub_id: int) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, sub_id)
    if sub is None:
        raise NotFound(N_("no webhook subscription {id}", id=sub_id))
    return sub


def update_subscription(session: Session, sub_id: int, changes: dict[str, Any]
                        ) -> WebhookSubscription:
    sub = get_subscription(session, sub_id)
    errors = _check_subscription(changes.get("url"), changes.get("kinds"))
    if "secret" in changes and not changes["secret"].strip():
        errors["secret"] = [N_("give the shared secret the receiver checks signatures with")]
    if errors:
        raise ValidationFailed(errors)
    for key in ("url", "secret", "kinds", "active"):
        if key in changes:
            setattr(sub, key, changes[key])
    session.flush()
    return sub


# --- dead letters and replay -----------------------------------------------------------

def dead_letters(session: Session) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery)
                                .where(WebhookDelivery.status == DeliveryStatus.DEAD)
                                .order_by(WebhookDelivery.order_ref, WebhookDelivery.sequence,
                                          WebhookDelivery.subscription_id)))


def replay(session: Session, *, event_ids: list[str] | None = None) -> list[WebhookDelivery]:
    """Send events again: the named ones (delivered or dead) or, without names, every
    dead one. They wait for nothing but the earlier events of their order."""
    stmt = select(WebhookDelivery).join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
    if event_ids:
        known = set(session.scalars(select(OutboxEvent.event_id)
                                    .where(OutboxEvent.event_id.in_(event_ids))))
        missing = [e for e in event_ids if e not in known]
        if missing:
            raise ValidationFailed({"event_ids": [N_("no event {id}", id=e) for e in missing]})
        stmt = stmt.where(OutboxEvent.event_id.in_(event_ids),
                          WebhookDelivery.status != DeliveryStatus.PENDING)
    else:
        stmt = stmt.where(WebhookDelivery.status == DeliveryStatus.DEAD)
    rows = list(session.scalars(stmt.order_by(WebhookDelivery.id)))
    now = utcnow()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING, 0, now
        row.dead_at = row.claimed_until = None
    session.flush()
    if rows:
        session.info[EMITTED] = True
    return rows
