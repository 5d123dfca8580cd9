"""Shared schema pieces."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marshmallow import Schema, ValidationError, fields, validate

from wms.models import TempClass

# Every integer column is a 32-bit INTEGER (PostgreSQL refuses anything wider).
INT_RANGE = validate.Range(-(2**31), 2**31 - 1)
# Dates and times far enough from the calendar's ends that a shelf life or a window
# added to them still is a date.
DATE_RANGE = validate.Range(date(1900, 1, 1), date(9000, 1, 1))


def _datetime_in_range(value: datetime) -> None:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not datetime(1900, 1, 1, tzinfo=UTC) <= aware <= datetime(9000, 1, 1, tzinfo=UTC):
        raise ValidationError("must be between 1900-01-01 and 9000-01-01")


def _no_nul(value: str) -> None:
    # PostgreSQL text cannot hold NUL, and no code, name or comment needs one.
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters")


class BaseSchema(Schema):
    """Ordered fields; every integer fits a database integer, every date a sane calendar
    range, and no string carries a NUL character, so bad input is named by its field."""

    class Meta:
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _guard(field_obj)


def _guard(field: fields.Field) -> None:
    if isinstance(field, fields.Integer):
        _add(field, INT_RANGE)
    elif isinstance(field, fields.String):
        _add(field, _no_nul)
    elif isinstance(field, fields.DateTime):
        _add(field, _datetime_in_range)
    elif isinstance(field, fields.Date):
        _add(field, DATE_RANGE)
    elif isinstance(field, fields.List):
        _guard(field.inner)
    elif isinstance(field, fields.Dict):
        for inner in (field.key_field, field.value_field):
            if inner is not None:
                _guard(inner)


def _add(field: fields.Field, validator) -> None:
    # A field object can be bound once per schema instance: add the check only once.
    if not any(v is validator for v in field.validators):
        field.validators.append(validator)


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
