"""Shared schema pieces."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from marshmallow import INCLUDE, Schema, ValidationError, fields, pre_load, validate

from wms.i18n import N_
from wms.models import TempClass

# Every integer column is a 32-bit INTEGER (PostgreSQL refuses anything wider).
INT_RANGE = validate.Range(-(2**31), 2**31 - 1)
# Dates and times far enough from the calendar's ends that a shelf life or a window
# added to them still is a date.
DATE_RANGE = validate.Range(date(1900, 1, 1), date(9000, 1, 1))


class Message(fields.String):
    """Text the software wrote for people (an alert, a hold reason), in the reader's
    language: a stored ``wms.i18n`` message is translated, a person's text stays as it is."""

    def _serialize(self, value, attr, obj, **kwargs):
        from api.i18n import tr_message

        return super()._serialize(tr_message(value), attr, obj, **kwargs)


def _datetime_in_range(value: datetime) -> None:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not datetime(1900, 1, 1, tzinfo=UTC) <= aware <= datetime(9000, 1, 1, tzinfo=UTC):
        raise ValidationError("must be between 1900-01-01 and 9000-01-01")


def max_range_days() -> int:
    """The longest range (in days) one export, scorecard or readings window may cover."""
    from api.runtime import runtime

    return runtime().settings.max_range_days


def local_today() -> date:
    from api.runtime import runtime

    return datetime.now(ZoneInfo(runtime().settings.timezone)).date()


def bounded_days(data: dict, lo: str, hi: str) -> dict:
    """Fill a day range ``lo``..``hi`` (both inclusive) the request left open: the last
    ``max_range_days()`` days up to today, or that many days from the one end given."""
    span = timedelta(days=max_range_days() - 1)
    if data.get(lo) is None and data.get(hi) is None:
        data[hi] = local_today()
    if data.get(lo) is None:
        data[lo] = max(data[hi] - span, date(1900, 1, 1))
    elif data.get(hi) is None:
        data[hi] = min(data[lo] + span, date(9000, 1, 1))
    return data


def check_day_span(first: date | None, last: date | None, field: str) -> None:
    if first is not None and last is not None and (last - first).days + 1 > max_range_days():
        raise ValidationError(f"a range covers at most {max_range_days()} days "
                              f"(WMS_MAX_RANGE_DAYS); this one covers "
                              f"{(last - first).days + 1}", field)


def check_time_span(start: datetime | None, end: datetime | None, field: str) -> None:
    if start is not None and end is not None and end - start > timedelta(
            days=max_range_days()):
        raise ValidationError(f"a window covers at most {max_range_days()} days "
                              f"(WMS_MAX_RANGE_DAYS); this one covers {end - start}", field)


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

    @pre_load
    def _json_types_and_counts(self, data, **_kw):
        """In a JSON body a number is a number and an integer an integer: ``2.5`` is not
        truncated to 2 and ``"2"`` is not read as one. A list longer than its maximum is
        refused by its length before any item is read, so 200,000 order lines cost one
        ``len()``, not 200,000 validations.

        Query strings and forms arrive as text (webargs passes a proxy, not a dict): there
        ``"7"`` is the integer 7, and marshmallow still refuses ``"2.5"``."""
        if type(data) is not dict:
            return data
        errors: dict[str, list[str]] = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            if key in data and data[key] is not None:
                problem = _json_problem(field, data[key])
                if problem:
                    errors[key] = [problem]
        if errors:
            raise ValidationError(errors)
        return data


def _json_problem(field: fields.Field, value) -> str | None:
    if isinstance(field, fields.Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            return field.error_messages["invalid"]
    elif isinstance(field, fields.Float | fields.Decimal):
        if not isinstance(value, int | float) or isinstance(value, bool):
            return field.error_messages["invalid"]
    elif isinstance(field, fields.Boolean):
        if not isinstance(value, bool):
            return field.error_messages["invalid"]
    elif isinstance(field, fields.List) and isinstance(value, list):
        for check in field.validators:
            if isinstance(check, validate.Length) and check.max is not None \
                    and len(value) > check.max:
                return N_("at most {most} items, got {count}", most=check.max,
                          count=len(value))
        if not isinstance(field.inner, fields.Nested):
            for item in value:
                if item is not None and (problem := _json_problem(field.inner, item)):
                    return problem
    elif isinstance(field, fields.Dict) and isinstance(value, dict):
        for check in field.validators:
            if isinstance(check, validate.Length) and check.max is not None \
                    and len(value) > check.max:
                return f"at most {check.max} entries, got {len(value)}"
    return None


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
    """An RFC 9457 problem document; some carry more members (``field``, ``available``)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(metadata={
        "description": "field (json.lines.2.sku), JSON index or file line → messages"})
