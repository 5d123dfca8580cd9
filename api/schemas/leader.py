"""Schemas of the group leader's day at a pickup point."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import BaseSchema
from api.schemas.inventory import MAX_ORDER_LINES, MoveSchema, OrderSchema
from wms.models import ReturnRequestStatus

UNITS = validate.Range(min=0, max=2**31 - 1)
POSITIVE = validate.Range(min=1, max=2**31 - 1)
LINES = validate.Length(max=MAX_ORDER_LINES)


class DayQuerySchema(BaseSchema):
    date = fields.Date(metadata={"description": "delivery date; default today in the "
                                                "warehouse's time zone"})


class ArrivalLineSchema(BaseSchema):
    order = fields.String()
    line = fields.Integer()
    sku = fields.String()
    product = fields.String()
    product_zh = fields.String(allow_none=True)
    temp_class = fields.String()
    planned = fields.Integer()
    delivered = fields.Integer()


class ArrivalSchema(BaseSchema):
    route_id = fields.Integer()
    seq = fields.Integer(metadata={"description": "this pickup point's stop on the route"})
    vehicle = fields.String()
    plate = fields.String()
    driver = fields.String(allow_none=True)
    eta = fields.String(metadata={"description": "HH:MM, from the published route"})
    window = fields.String()
    route_status = fields.String()
    stop_status = fields.String()
    stops_before = fields.Integer()
    stops_done_before = fields.Integer(metadata={"description": "the truck's progress"})
    planned = fields.Integer()
    delivered = fields.Integer(metadata={"description": "units the driver delivered here"})
    receipt = fields.String(allow_none=True, metadata={
        "description": "confirmed, disputed, or null while not received"})
    lines = fields.List(fields.Nested(ArrivalLineSchema))


class ReceiptLineInSchema(BaseSchema):
    order = fields.String(required=True, validate=validate.Length(1, 64))
    line = fields.Integer(required=True, validate=POSITIVE)
    received = fields.Integer(required=True, validate=UNITS)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ReceiptInSchema(BaseSchema):
    route_id = fields.Integer(required=True, validate=POSITIVE)
    lines = fields.List(fields.Nested(ReceiptLineInSchema), load_default=list,
                        validate=LINES, metadata={
                            "description": "only the lines that came short; the others "
                                           "are received in full"})
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    photo = fields.String(load_default=None, allow_none=True, metadata={
        "description": "a photo as a data: URL (image/jpeg or image/png)"})


class ReceiptLineSchema(BaseSchema):
    order = fields.Function(lambda rl: rl.line.order.external_ref)
    line = fields.Function(lambda rl: rl.line.line_no, metadata={"type": "integer"})
    sku = fields.Function(lambda rl: rl.line.product.sku)
    delivered = fields.Integer()
    received = fields.Integer()
    missing = fields.Function(lambda rl: rl.delivered - rl.received,
                              metadata={"type": "integer"})
    note = fields.String()


class ReceiptSchema(BaseSchema):
    id = fields.Integer()
    pickup_point = fields.Function(lambda r: r.pickup_point.code)
    route_id = fields.Integer()
    delivery_date = fields.Date()
    state = fields.String()
    note = fields.String()
    has_photo = fields.Function(lambda r: r.photo is not None, metadata={"type": "boolean"})
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(ReceiptLineSchema))


class DisputeQuerySchema(BaseSchema):
    date = fields.Date()


class ReturnRequestQuerySchema(BaseSchema):
    status = fields.String(load_default=ReturnRequestStatus.OPEN.value,
                           validate=validate.OneOf([s.value for s in ReturnRequestStatus]),
                           metadata={"description": "open (default): waiting for a plan; "
                                                    "planned: on a route; returned; cancelled"})


class HandOutLineSchema(BaseSchema):
    line = fields.Integer()
    sku = fields.String()
    product = fields.String()
    product_zh = fields.String(allow_none=True)
    temp_class = fields.String()
    quantity = fields.Integer()
    here = fields.Integer(metadata={"description": "units waiting at the pickup point"})
    handed_over = fields.Integer()


class HandOutSchema(BaseSchema):
    order = fields.String()
    status = fields.String()
    pickup_code = fields.String(allow_none=True)
    here = fields.Integer()
    handed_over = fields.Integer()
    lines = fields.List(fields.Nested(HandOutLineSchema))


class CodeLineSchema(BaseSchema):
    line = fields.Integer(required=True, validate=POSITIVE)
    quantity = fields.Integer(required=True, validate=POSITIVE)


class CodeHandoverSchema(BaseSchema):
    code = fields.String(required=True, validate=validate.Length(1, 32),
                         metadata={"description": "the resident's pickup code, typed or "
                                                  "scanned"})
    lines = fields.List(fields.Nested(CodeLineSchema), validate=LINES, metadata={
        "description": "units collected per line (a partial handover); all if absent"})


class CodeHandoverResultSchema(BaseSchema):
    order = fields.Nested(OrderSchema)
    moves = fields.List(fields.Nested(MoveSchema))


class StoredLotSchema(BaseSchema):
    lot_id = fields.Integer()
    lot = fields.String()
    sku = fields.String()
    product = fields.String()
    product_zh = fields.String(allow_none=True)
    temp_class = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    since = fields.DateTime(allow_none=True)
    kept_cold = fields.Boolean(metadata={"description": "whether the point keeps this "
                                                        "temperature class cold"})
    hours_out_of_cold = fields.Float()


class LeftLineSchema(BaseSchema):
    order = fields.Function(lambda e: e.order.external_ref)
    line = fields.Function(lambda e: e.line.line_no, metadata={"type": "integer"})
    sku = fields.Function(lambda e: e.lot.product.sku)
    product = fields.Function(lambda e: e.lot.product.name)
    product_zh = fields.Function(lambda e: e.lot.product.name_zh,
                                 metadata={"type": "string", "nullable": True})
    temp_class = fields.Function(lambda e: e.lot.product.temp_class.value)
    lot_id = fields.Function(lambda e: e.lot.id, metadata={"type": "integer"})
    lot = fields.Function(lambda e: e.lot.lot_code)
    quantity = fields.Integer()
    since = fields.DateTime(allow_none=True)


class LeftPickSchema(BaseSchema):
    order = fields.String(required=True, validate=validate.Length(1, 64))
    line = fields.Integer(required=True, validate=POSITIVE)
    quantity = fields.Integer(validate=POSITIVE, metadata={
        "description": "units; all that is left of the line if absent"})


class WriteOffSchema(BaseSchema):
    date = fields.Date(metadata={"description": "the delivery date; default today"})
    lines = fields.List(fields.Nested(LeftPickSchema), required=True,
                        validate=validate.Length(1, MAX_ORDER_LINES))
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class ReturnInSchema(BaseSchema):
    date = fields.Date(metadata={"description": "the delivery date; default today"})
    lines = fields.List(fields.Nested(LeftPickSchema), validate=LINES, metadata={
        "description": "what to send back; everything left at the point if absent"})
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ReturnRequestSchema(BaseSchema):
    id = fields.Integer()
    pickup_point = fields.Function(lambda r: r.pickup_point.code)
    lot_id = fields.Integer()
    lot = fields.Function(lambda r: r.lot.lot_code)
    sku = fields.Function(lambda r: r.product.sku)
    quantity = fields.Integer()
    temp_class = fields.String()
    delivery_date = fields.Date()
    status = fields.String()
    reason = fields.String()
    created_at = fields.DateTime()


class CountLineSchema(BaseSchema):
    sku = fields.String(required=True, validate=validate.Length(1, 40))
    counted = fields.Integer(required=True, validate=UNITS)


class CountInSchema(BaseSchema):
    date = fields.Date(metadata={"description": "the day counted; default today"})
    lines = fields.List(fields.Nested(CountLineSchema), required=True, validate=LINES)


class CountSchema(BaseSchema):
    sku = fields.Function(lambda c: c.product.sku)
    expected = fields.Integer()
    counted = fields.Integer()
    difference = fields.Function(lambda c: c.counted - c.expected,
                                 metadata={"type": "integer"})


class ReportLineSchema(BaseSchema):
    sku = fields.String()
    product = fields.String()
    product_zh = fields.String(allow_none=True)
    delivered = fields.Integer()
    received = fields.Integer()
    disputed = fields.Integer()
    collected = fields.Integer()
    written_off = fields.Integer()
    returned = fields.Integer()
    left = fields.Integer()
    expected = fields.Integer(allow_none=True)
    counted = fields.Integer(allow_none=True)
    difference = fields.Integer(allow_none=True)


class ReportReceiptSchema(BaseSchema):
    route_id = fields.Integer()
    state = fields.String()


class DayReportSchema(BaseSchema):
    pickup_point = fields.String()
    date = fields.Date()
    lines = fields.List(fields.Nested(ReportLineSchema))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    receipts = fields.List(fields.Nested(ReportReceiptSchema))
    counted = fields.Boolean()
