"""Schemas of enterprise customers (企业购) and their delivery addresses."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import BaseSchema


class EnterpriseInSchema(BaseSchema):
    code = fields.String(required=True, validate=validate.Length(1, 24),
                         metadata={"description": "the customer's delivery point code, "
                                                  "used as pickup_point of its orders"})
    name = fields.String(required=True, validate=validate.Length(1, 120))
    warehouse = fields.String(required=True, validate=validate.Length(1, 16))
    address = fields.String(required=True, validate=validate.Length(1, 255))
    district = fields.String(load_default="", validate=validate.Length(max=60))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), allow_nan=False)
    lon = fields.Float(required=True, validate=validate.Range(-180, 180), allow_nan=False)
    window_start = fields.Time(required=True)
    window_end = fields.Time(required=True)
    service_minutes = fields.Integer(load_default=15, validate=validate.Range(0, 240),
                                     metadata={"description": "unloading time at the door"})
    contact_name = fields.String(required=True, validate=validate.Length(1, 60))
    contact_phone = fields.String(required=True, validate=validate.Length(1, 30))


class EnterpriseSchema(BaseSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    warehouse = fields.Function(lambda p: p.warehouse.code, required=True)
    address = fields.String(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    window_start = fields.Time(required=True)
    window_end = fields.Time(required=True)
    service_minutes = fields.Integer(required=True)
    contact_name = fields.String(attribute="leader_name", required=True)
    contact_phone = fields.String(attribute="leader_phone", required=True)


class EnterpriseQuerySchema(BaseSchema):
    warehouse = fields.String(validate=validate.Length(1, 16))
