"""Order events for the storefront: webhook subscriptions, an order's events, the
dead-letter list and replays (admins), and the events of one order (its warehouse)."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_smorest import Blueprint
from sqlalchemy import select

from api import policy
from api.blueprints.orders import order_for_user
from api.runtime import db
from api.schemas.outbox import (
    DeadLetterSchema,
    EventSchema,
    ReplayInSchema,
    ReplaySchema,
    SubscriptionChangeSchema,
    SubscriptionInSchema,
    SubscriptionSchema,
)
from wms import outbox
from wms.models import WebhookSubscription

blp = Blueprint("outbox", __name__, url_prefix="/api",
                description="Order events to the storefront's webhooks (transactional outbox)")


@blp.route("/webhooks")
class Webhooks(MethodView):
    @policy.rule("outbox.manage")
    @blp.response(200, SubscriptionSchema(many=True))
    def get(self):
        """Every webhook subscription; secrets are not shown."""
        return db().scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)).all()

    @policy.rule("outbox.manage")
    @blp.arguments(SubscriptionInSchema)
    @blp.response(201, SubscriptionSchema)
    def post(self, data: dict):
        """Send order events to a URL, signed with the secret (HMAC-SHA256, header
        ``X-WMS-Signature: t=<unix time>,v1=<hex>`` over ``"<t>." + body``)."""
        sub = outbox.create_subscription(db(), **data)
        db().commit()
        return sub


@blp.route("/webhooks/<int:sub_id>")
class WebhookById(MethodView):
    @policy.rule("outbox.manage")
    @blp.arguments(SubscriptionChangeSchema)
    @blp.response(200, SubscriptionSchema)
    def patch(self, changes: dict, sub_id: int):
        """Change a subscription's URL, secret or kinds, or switch it off and on."""
        sub = outbox.update_subscription(db(), sub_id, changes)
        db().commit()
        return sub


@blp.route("/orders/<ref>/events")
class OrderEvents(MethodView):
    @policy.rule("orders.read", on="order")
    @blp.response(200, EventSchema(many=True))
    def get(self, ref: str):
        """The order's events as the storefront receives them, in order."""
        order = order_for_user(ref)
        return outbox.events_of(db(), order.external_ref)


@blp.route("/outbox/dead-letters")
class DeadLetters(MethodView):
    @policy.rule("outbox.manage")
    @blp.response(200, DeadLetterSchema(many=True))
    def get(self):
        """Events a webhook did not take after the last attempt; the later events of the
        same order wait behind them until they are replayed."""
        return outbox.dead_letters(db())


@blp.route("/outbox/replay")
class Replay(MethodView):
    @policy.rule("outbox.manage")
    @blp.arguments(ReplayInSchema)
    @blp.response(200, ReplaySchema)
    def post(self, data: dict):
        """Send events again: the ones named, or every dead letter."""
        rows = outbox.replay(db(), event_ids=data.get("event_ids"))
        db().commit()
        return {"replayed": len(rows),
                "message": ngettext("%(num)d delivery queued again",
                                    "%(num)d deliveries queued again", len(rows))
                if rows else _("nothing to replay")}
