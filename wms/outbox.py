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

import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
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
    if kind not in KINDS:
        raise ValueError(f"unknown outbox event kind {kind!r}")
    # The row lock numbers one order's events one after the other (SQLite: the write lock).
    session.execute(select(CustomerOrder.id).where(CustomerOrder.id == order.id)
                    .with_for_update())
    last = session.scalar(select(func.max(OutboxEvent.sequence))
                          .where(OutboxEvent.order_ref == order.external_ref))
    body: dict[str, Any] = {"status": order.status.value,
                            "delivery_date": order.delivery_date.isoformat()}
    for facts in PAYLOAD_FACTS.get(kind, []):
        body.update(facts(session, order))
    body.update(payload or {})
    event = OutboxEvent(event_id=str(uuid.uuid4()), order_id=order.id,
                        order_ref=order.external_ref, sequence=(last or 0) + 1, kind=kind,
                        payload=_jsonable(body), created_at=utcnow())
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
