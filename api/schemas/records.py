"""The daily temperature record an inspector asks for (GB 31605): query and answer."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.coldchain import CalibrationStateSchema
from api.schemas.common import BaseSchema


class DailyRecordQuerySchema(BaseSchema):
    location = fields.String(required=True, validate=validate.Length(1, 40),
                             metadata={"description": "a cold room or vehicle (compartment)"})
    date = fields.Date(required=True, metadata={
        "description": "a local day of the location's warehouse"})


class DailySensorSchema(BaseSchema):
    sensor = fields.String()
    location = fields.String()
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    readings = fields.Integer()
    coverage = fields.Float(metadata={"description": "readings received / readings due"})
    min_c = fields.Float(allow_none=True)
    max_c = fields.Float(allow_none=True)
    mean_c = fields.Float(allow_none=True, metadata={"description": "mean of the readings"})
    longest_gap_min = fields.Float(allow_none=True)
    calibration = fields.Nested(CalibrationStateSchema)
    calibration_overdue = fields.Boolean()


class DailyAckSchema(BaseSchema):
    alert_id = fields.Integer()
    status = fields.String()
    by = fields.String(allow_none=True)
    at = fields.String(allow_none=True)
    comment = fields.String()


class DailyExcursionSchema(BaseSchema):
    sensor = fields.String()
    location = fields.String()
    rule = fields.String()
    direction = fields.String()
    severity = fields.String()
    threshold_c = fields.Float(allow_none=True)
    start = fields.String()
    end = fields.String(allow_none=True)
    peak_c = fields.Float(allow_none=True)
    duration_min = fields.Float()
    alarmed_at = fields.String(allow_none=True)
    acknowledgements = fields.List(fields.Nested(DailyAckSchema))


class DailySummarySchema(BaseSchema):
    readings = fields.Integer()
    min_c = fields.Float(allow_none=True)
    max_c = fields.Float(allow_none=True)
    mean_c = fields.Float(allow_none=True)


class DailyRecordSchema(BaseSchema):
    location = fields.String()
    name = fields.String()
    kind = fields.String()
    warehouse = fields.String()
    date = fields.String()
    timezone = fields.String()
    start = fields.String(data_key="from")
    end = fields.String(data_key="to")
    zone = fields.String(allow_none=True)
    allowed_range_c = fields.List(fields.Float(allow_none=True), allow_none=True)
    summary = fields.Nested(DailySummarySchema)
    sensors = fields.List(fields.Nested(DailySensorSchema))
    calibration_overdue = fields.Boolean()
    excursions = fields.List(fields.Nested(DailyExcursionSchema))
