"""Schemas of the sorting list and its crate labels."""

from __future__ import annotations

from marshmallow import fields

from api.schemas.common import BaseSchema


class SortLineSchema(BaseSchema):
    order = fields.String(required=True)
    sku = fields.String(required=True)
    product = fields.String(required=True)
    quantity = fields.Integer(required=True)


class CrateSchema(BaseSchema):
    number = fields.Integer(required=True)
    of = fields.Integer(required=True)
    orders = fields.List(fields.String(), required=True,
                         metadata={"description": "orders with goods in this crate"})


class SortGroupSchema(BaseSchema):
    pickup_point = fields.String(required=True)
    pickup_point_name = fields.String(required=True)
    temp_class = fields.String(required=True)
    units = fields.Integer(required=True)
    lines = fields.List(fields.Nested(SortLineSchema), required=True)
    crates = fields.List(fields.Nested(CrateSchema), required=True)


class SortingListSchema(BaseSchema):
    warehouse = fields.String(required=True)
    date = fields.Date(required=True)
    crates = fields.Integer(required=True)
    groups = fields.List(fields.Nested(SortGroupSchema), required=True)
