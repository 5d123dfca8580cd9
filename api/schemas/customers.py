"""What an order says about its customer (a reference and a masked phone) and about its
date's cut-off, shared by the order schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from api.i18n import tr
from api.schemas.common import BaseSchema
from wms import orders
from wms.i18n import N_


class CustomerInSchema(BaseSchema):
    customer_ref = fields.String(validate=validate.Length(max=64),
                                 metadata={"description": "the storefront's customer id"})
    contact_phone = fields.String(
        validate=[validate.Length(max=20),
                  validate.Regexp(r"^\+?[0-9 \-]*$",
                                  error=N_("digits only, e.g. 13812345678"))],
        load_only=True,
        metadata={"description": "only a masked form is kept (138****5678)"})


class CustomerOutSchema(BaseSchema):
    requested_date = fields.Date(allow_none=True)
    moved_by_cutoff = fields.Boolean()
    cutoff_message = fields.Function(lambda o: tr(orders.cutoff_note(o)), allow_none=True,
                                     metadata={"description": "why the date moved, if it did"})
    customer_ref = fields.String()
    customer_contact = fields.String(metadata={"description": "masked phone"})


class MovedByCutoffSchema(BaseSchema):
    line = fields.String()
    order = fields.String()
    requested_date = fields.Date()
    delivery_date = fields.Date()
    message = fields.String()
