"""Shared schema pieces."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.models import TempClass


class BaseSchema(Schema):
    class Meta:
        ordered = True


TEMP_CLASSES = [t.value for t in TempClass]


def temp_class_field(**kwargs) -> fields.Field:
    return fields.String(validate=validate.OneOf(TEMP_CLASSES), **kwargs)


class ProblemSchema(BaseSchema):
    """An RFC 9457 problem document."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict()
