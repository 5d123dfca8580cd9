"""Schemas of sensors, readings, findings and alerts."""

from __future__ import annotations

from datetime import timedelta

from flask_smorest.fields import Upload
from marshmallow import INCLUDE, ValidationError, fields, post_load, validate, validates_schema

from api.i18n import tr_message
from api.schemas.common import BaseSchema, Message, check_time_span
from wms.models.base import utcnow


class SensorCreateSchema(BaseSchema):
    serial = fields.String(required=True, validate=validate.Length(1, 40))
    model = fields.String(load_default="", validate=validate.Length(max=60))
    sampling_interval_s = fields.Integer(load_default=300, validate=validate.Range(1, 86400))
    location = fields.String(load_default=None, metadata={"description": "location code"})
    at = fields.AwareDateTime(load_default=None)


class AttachSchema(BaseSchema):
    location = fields.String(required=True, metadata={"description": "location code"})
    at = fields.AwareDateTime(load_default=None, metadata={
        "description": "when it was hung there (default: now)"})


class CalibrationStateSchema(BaseSchema):
    certificate = fields.String(allow_none=True)
    calibrated_on = fields.String(allow_none=True, metadata={"format": "date"})
    due_on = fields.String(allow_none=True, metadata={"format": "date"})
    calibrated_by = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "valid, due_soon, overdue or none"})


def _calibration(sensor) -> dict:
    from api.runtime import db, runtime
    from coldchain.monitoring import calibration
    from coldchain.monitoring.alarm_rules import load as load_rules

    session = db()
    today = calibration.local_today(session, sensor, runtime().settings.timezone)
    in_force = calibration.current(session, {sensor.id}).get(sensor.id)
    return calibration.status_of(in_force, today,
                                 due_soon_days=load_rules().calibration_due_soon_days
                                 ).to_dict()


class SensorSchema(BaseSchema):
    id = fields.Integer()
    serial = fields.String()
    model = fields.String()
    sampling_interval_s = fields.Integer()
    location = fields.Function(lambda s: s.location.code if s.location else None)
    active = fields.Boolean()
    evaluated_at = fields.DateTime(allow_none=True, metadata={
        "description": "when its readings were last evaluated"})
    evaluation_error = Message(metadata={
        "description": "why the last evaluation could not judge everything ('' if it could)"})
    calibration = fields.Function(_calibration, metadata={
        "description": "the calibration in force and its status today, where it hangs"})
    calibration_overdue = fields.Function(
        lambda s: _calibration(s)["status"] == "overdue")


class CalibrationCreateSchema(BaseSchema):
    certificate = fields.String(required=True, validate=validate.Length(1, 80))
    calibrated_on = fields.Date(required=True)
    due_on = fields.Date(required=True, metadata={"description": "next calibration due"})
    calibrated_by = fields.String(required=True, validate=validate.Length(1, 120),
                                  metadata={"description": "laboratory or person"})


class CalibrationSchema(BaseSchema):
    id = fields.Integer()
    sensor = fields.String()
    certificate = fields.String()
    calibrated_on = fields.Date()
    due_on = fields.Date()
    calibrated_by = fields.String()
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()


class CalibrationHistorySchema(BaseSchema):
    sensor = fields.String()
    calibration = fields.Nested(CalibrationStateSchema)
    history = fields.List(fields.Nested(CalibrationSchema),
                          metadata={"description": "newest first; the first is in force"})


class ReadingInSchema(BaseSchema):
    serial = fields.String(required=True, validate=validate.Length(1, 40))
    timestamp = fields.AwareDateTime(required=True, metadata={
        "description": "ISO 8601 with an offset"})
    temperature = fields.Float(required=True)
    unit = fields.String(validate=validate.OneOf(["C", "F"]), metadata={"description": "default C"})


class ReadingBatchSchema(BaseSchema):
    """Documents the body of POST /api/readings; the view checks it reading by reading, so
    one bad reading is reported by its index while the good ones are stored."""

    readings = fields.List(fields.Nested(ReadingInSchema), required=True,
                           validate=validate.Length(max=10_000))


class MktSchema(BaseSchema):
    class Meta:
        unknown = INCLUDE

    location = fields.String()
    from_ = fields.String(data_key="from", metadata={"format": "date-time"})
    to = fields.String(metadata={"format": "date-time"})
    readings = fields.Integer()
    sensors = fields.List(fields.Raw())
    mkt_c = fields.Float()
    mean_c = fields.Float()
    min_c = fields.Float()
    max_c = fields.Float()
    zone = fields.String(allow_none=True)
    allowed_range_c = fields.Raw(allow_none=True)


class EscalationSchema(BaseSchema):
    escalated = fields.Integer()
    after_min = fields.Float()
    calibration_alerts = fields.Integer(metadata={
        "description": "alerts raised for sensors whose calibration ran out"})


class ExcursionEventSchema(BaseSchema):
    location = fields.String()
    direction = fields.String(metadata={"description": "hot or cold"})
    start = fields.DateTime()
    end = fields.DateTime(allow_none=True, metadata={"description": "null while it lasts"})
    duration_min = fields.Integer(metadata={"description": "whole minutes, to now while it lasts"})
    peak_c = fields.Float(allow_none=True)
    severity = fields.String()
    rules = fields.List(fields.String())
    sensors = fields.List(fields.String())
    findings = fields.Integer(metadata={
        "description": "how many findings (per rule and sensor) it merges"})


class LotTemperatureSchema(BaseSchema):
    lot = fields.Dict()
    shelf_life = fields.Dict(metadata={"description": "used_fraction, remaining_days, "
                                       "measured_h, lot_h, measured_share, ..."})
    mkt_c = fields.Float(allow_none=True)
    places = fields.List(fields.Dict())
    excursions = fields.List(fields.Nested("FindingSchema"))
    events = fields.List(fields.Nested(ExcursionEventSchema), metadata={
        "description": "the excursions as people count them: overlapping findings of one "
                       "place (per rule, per sensor) merged into one event"})
    points = fields.List(fields.Tuple((fields.String(), fields.Float())))
    calibration_overdue = fields.Boolean(metadata={
        "description": "a sensor that measured the lot is past its calibration due date"})


class ReadingFileSchema(BaseSchema):
    file = Upload(required=True, metadata={
        "description": "the logger's export: CSV or a Berlinger Q-tag text download"})
    serial = fields.String(load_default=None, metadata={
        "description": "the logger's serial when the file has no serial column"})
    unit = fields.String(load_default=None, validate=validate.OneOf(["C", "F"]))
    tz = fields.String(load_default=None, metadata={
        "description": "time zone of times without an offset (default Asia/Shanghai)"})


class IngestResultSchema(BaseSchema):
    batch = fields.Integer()
    format = fields.String()
    rows = fields.Integer()
    stored = fields.Integer()
    duplicates = fields.Integer()
    rejected = fields.Integer()
    errors = fields.List(fields.Dict())
    evaluation_job = fields.String(allow_none=True)
    evaluation = fields.String()


class WindowQuerySchema(BaseSchema):
    """A window of readings is never open-ended: one request reads at most
    ``WMS_MAX_RANGE_DAYS`` days of a sensor."""

    start = fields.AwareDateTime(data_key="from", load_default=None, metadata={
        "description": "default: a day before 'to'; at most 31 days (WMS_MAX_RANGE_DAYS) "
                       "before 'to'"})
    end = fields.AwareDateTime(data_key="to", load_default=None,
                               metadata={"description": "default: now"})
    max_points = fields.Integer(load_default=500, validate=validate.Range(4, 20000))

    @validates_schema
    def _short_enough(self, data: dict, **_kw) -> None:
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end < start:
            raise ValidationError("must not be before 'from'", "to")
        if start is not None:
            check_time_span(start, end or utcnow(), "from")

    @post_load
    def _bounded(self, data: dict, **_kw) -> dict:
        data["end"] = data.get("end") or utcnow()
        data["start"] = data.get("start") or data["end"] - timedelta(days=1)
        return data


class SeriesSensorSchema(BaseSchema):
    sensor = fields.String()
    calibration_overdue = fields.Boolean()


class SeriesSchema(BaseSchema):
    sensor = fields.String(allow_none=True)
    location = fields.String()
    count = fields.Integer()
    points = fields.List(fields.Tuple((fields.String(), fields.Float())))
    sensors = fields.List(fields.Nested(SeriesSensorSchema), metadata={
        "description": "the sensors whose readings these are"})
    calibration_overdue = fields.Boolean(metadata={
        "description": "a sensor of these readings is past its calibration due date"})


class FindingQuerySchema(BaseSchema):
    location = fields.String()
    sensor = fields.String()
    kind = fields.String(validate=validate.OneOf(["excursion", "gap"]))
    alarmed = fields.Boolean()


class FindingSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    sensor = fields.Function(lambda f: f.sensor.serial)
    location = fields.Function(lambda f: f.location.code)
    rule = fields.String()
    direction = fields.String()
    threshold_c = fields.Float(allow_none=True)
    delay_min = fields.Float(allow_none=True)
    severity = fields.String()
    start = fields.DateTime()
    alarm_at = fields.DateTime(allow_none=True)
    end = fields.DateTime(allow_none=True)
    peak_c = fields.Float(allow_none=True)
    duration_min = fields.Function(lambda f: round(f.duration_s / 60, 1))
    degree_minutes = fields.Float()


class MktQuerySchema(BaseSchema):
    location = fields.String(required=True)
    start = fields.AwareDateTime(data_key="from", required=True)
    end = fields.AwareDateTime(data_key="to", required=True)
    delta_h_kj = fields.Float(load_default=83.144, validate=validate.Range(10, 500))

    @validates_schema
    def _short_enough(self, data: dict, **_kw) -> None:
        if data["end"] < data["start"]:
            raise ValidationError("must not be before 'from'", "to")
        check_time_span(data["start"], data["end"], "to")


class AlertQuerySchema(BaseSchema):
    status = fields.String(validate=validate.OneOf(
        ["open", "acknowledged", "escalated", "resolved"]))
    kind = fields.String()
    warehouse = fields.String()


class AlertSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    severity = fields.String()
    status = fields.String()
    message = Message()
    lot_id = fields.Integer(allow_none=True)
    finding_id = fields.Integer(allow_none=True)
    raised_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    ack_comment = fields.String()
    escalated_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String()
    resolution_comment = Message()
    location = fields.Function(lambda a: a.location.code if a.location else None,
                               metadata={"description": "where the excursion was"})
    lots = fields.Method("_lots", metadata={
        "description": "an excursion's alert: the lots it held, each with its own "
                       "resolution (who released or scrapped it, and why)"})

    def _lots(self, alert) -> list[dict]:
        return [{"alert_id": a.id, "lot_id": a.lot_id, "lot_code": a.lot.lot_code,
                 "product": a.lot.product.sku, "lot_status": a.lot.status.value,
                 "status": a.status.value, "message": tr_message(a.message),
                 "resolution": a.resolution, "resolved_by": a.resolved_by,
                 "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
                 "resolution_comment": tr_message(a.resolution_comment)}
                for a in alert.lots]


class AckSchema(BaseSchema):
    comment = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ResolveSchema(BaseSchema):
    action = fields.String(required=True, validate=validate.OneOf(["release", "scrap", "close"]))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    lots = fields.List(fields.Integer(strict=True), load_default=None,
                       validate=validate.Length(1, 1000), metadata={
                           "description": "an excursion's alert: release or scrap only "
                                          "these of its lots (lot ids); all without it"})


class VoidRequestSchema(BaseSchema):
    timestamps = fields.List(fields.AwareDateTime(), load_default=None,
                             validate=validate.Length(1, 50_000), metadata={
                                 "description": "timestamps of the readings to void"})
    start = fields.AwareDateTime(data_key="from", load_default=None, metadata={
        "description": "or: void every reading from this time ..."})
    end = fields.AwareDateTime(data_key="to", load_default=None, metadata={
        "description": "... up to and including this time"})
    reason = fields.String(required=True, validate=validate.Length(1, 2000))

    @validates_schema
    def _one_way_and_a_reason(self, data: dict, **_kw) -> None:
        ranged = data.get("start") is not None or data.get("end") is not None
        if data.get("timestamps") is not None and ranged:
            raise ValidationError("give either timestamps or from and to, not both",
                                  "timestamps")
        if data.get("timestamps") is None and not ranged:
            raise ValidationError("give the readings to void: timestamps, or from and to",
                                  "timestamps")
        if ranged and (data.get("start") is None or data.get("end") is None):
            raise ValidationError("give both from and to", "to" if data.get("start") else "from")
        if ranged and data["end"] < data["start"]:
            raise ValidationError("must not be before from", "to")
        if not data["reason"].strip():
            raise ValidationError("say why these readings are wrong", "reason")


class VoidResultSchema(BaseSchema):
    sensor = fields.String()
    voided = fields.Integer()
    already_voided = fields.Integer()
    first = fields.DateTime(allow_none=True)
    last = fields.DateTime(allow_none=True)
    evaluation_job = fields.String(allow_none=True)
    evaluation = fields.String()


class ReadingVoidSchema(BaseSchema):
    sensor = fields.Function(lambda v: v.sensor.serial)
    timestamp = fields.DateTime(attribute="ts")
    temperature = fields.Function(lambda v: v.reading.temp_c, metadata={"description": "°C"})
    reason = fields.String()
    voided_by = fields.Function(lambda v: v.user.username if v.user else None)
    via = fields.String()
    voided_at = fields.DateTime()
