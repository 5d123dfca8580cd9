"""Schemas of webhook subscriptions, order events and the outbox's dead letters."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import BaseSchema
from wms import outbox

_KIND = fields.String(validate=validate.OneOf(outbox.KINDS))
_KINDS_DOC = {"description": "event kinds sent to it; empty or left out: every kind"}


class SubscriptionInSchema(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(1, 60))
    url = fields.String(required=True, validate=validate.Length(1, 500),
                        metadata={"description": "an http or https address"})
    secret = fields.String(required=True, validate=validate.Length(1, 200),
                           metadata={"description": "shared secret of the HMAC-SHA256 "
                                                    "signature (X-WMS-Signature)"})
    kinds = fields.List(_KIND, load_default=list, validate=validate.Length(max=20),
                        metadata=_KINDS_DOC)
    active = fields.Boolean(load_default=True)


class SubscriptionChangeSchema(BaseSchema):
    url = fields.String(validate=validate.Length(1, 500))
    secret = fields.String(validate=validate.Length(1, 200))
    kinds = fields.List(_KIND, validate=validate.Length(max=20), metadata=_KINDS_DOC)
    active = fields.Boolean()


class SubscriptionSchema(BaseSchema):
    """A subscription as listed: its secret is never shown again."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    url = fields.String(required=True)
    kinds = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class EventSchema(BaseSchema):
    event_id = fields.String(required=True)
    order_ref = fields.String(required=True)
    sequence = fields.Integer(required=True)
    kind = fields.String(required=True)
    payload = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)


class DeadLetterSchema(BaseSchema):
    event_id = fields.Function(lambda d: d.event.event_id, required=True)
    kind = fields.Function(lambda d: d.event.kind, required=True)
    order_ref = fields.String(required=True)
    sequence = fields.Integer(required=True)
    subscription = fields.Function(lambda d: d.subscription.name, required=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(required=True)
    dead_at = fields.DateTime(allow_none=True, required=True)


class ReplayInSchema(BaseSchema):
    event_ids = fields.List(fields.String(validate=validate.Length(1, 36)),
                            validate=validate.Length(max=1000),
                            metadata={"description": "events to send again (delivered or "
                                                     "dead); left out: every dead letter"})


class ReplaySchema(BaseSchema):
    replayed = fields.Integer(required=True, metadata={"description": "deliveries queued"})
    message = fields.String(required=True)
