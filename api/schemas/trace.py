"""Schemas of traceability: lot facts and search, forward and backward traces, recalls,
exports and the supplier scorecard."""

from __future__ import annotations

from marshmallow import INCLUDE, ValidationError, fields, post_load, validate, validates_schema

from api.schemas.common import BaseSchema, Message, bounded_days, check_day_span
from wms.models import LotStatus

RANGES = (("harvested_from", "harvested_to"), ("received_from", "received_to"),
          ("expires_from", "expires_to"), ("from_", "to"))


class _Ranges(BaseSchema):
    @validates_schema
    def _ordered(self, data: dict, **_kw) -> None:
        for lo, hi in RANGES:
            if data.get(lo) and data.get(hi) and data[lo] > data[hi]:
                name = self.fields[hi].data_key or hi
                start = self.fields[lo].data_key or lo
                raise ValidationError(f"must not be before '{start}'", name)


class LotSearchSchema(_Ranges):
    q = fields.String(validate=validate.Length(1, 40),
                      metadata={"description": "part of the lot code"})
    lot_code = fields.String()
    gtin = fields.String(validate=validate.Regexp(r"^\d{8,14}$", error="8 to 14 digits"))
    sku = fields.String()
    supplier = fields.String(metadata={"description": "supplier code"})
    origin = fields.String(metadata={"description": "origin code"})
    country = fields.String(validate=validate.Length(2, 3),
                            metadata={"description": "country of the origin (ISO code)"})
    status = fields.String(validate=validate.OneOf([s.value for s in LotStatus]))
    purchase_order = fields.String()
    buyer = fields.String(metadata={"description": "username of the buyer"})
    certification = fields.String(metadata={"description": "text in the certifications"})
    harvested_from = fields.Date()
    harvested_to = fields.Date()
    received_from = fields.Date()
    received_to = fields.Date()
    expires_from = fields.Date()
    expires_to = fields.Date()


class BackwardQuerySchema(BaseSchema):
    move = fields.Integer(validate=validate.Range(min=1),
                          metadata={"description": "id of a delivery or handover move"})
    order = fields.String(metadata={"description": "order reference"})
    pickup_point = fields.String(metadata={"description": "pickup point code (with date)"})
    date = fields.Date(metadata={"description": "local day at the pickup point"})

    @validates_schema
    def _one_subject(self, data: dict, **_kw) -> None:
        given = [k for k in ("move", "order", "pickup_point") if k in data]
        if len(given) != 1:
            raise ValidationError("give exactly one of move, order or pickup_point (with date)",
                                  "move")
        if "pickup_point" in data and "date" not in data:
            raise ValidationError("a pickup point is traced for one day: give the date", "date")


_RANGE_NOTE = ("at most 31 days (WMS_MAX_RANGE_DAYS) from 'from' to 'to'; without either, "
               "the last 31 days up to today")


class _BoundedDays(_Ranges):
    """A range of local days that is never open-ended: one request reads at most
    ``WMS_MAX_RANGE_DAYS`` days of the ledger."""

    @validates_schema
    def _short_enough(self, data: dict, **_kw) -> None:
        check_day_span(data.get("from_"), data.get("to"), "to")

    @post_load
    def _bounded(self, data: dict, **_kw) -> dict:
        return bounded_days(data, "from_", "to")


class ExportQuerySchema(_BoundedDays):
    lot = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "lot id; a lot's export covers its whole history unless dates are "
                       "given"})
    product = fields.String(metadata={"description": "product SKU"})
    from_ = fields.Date(data_key="from", metadata={"description": "first local day; "
                                                                  + _RANGE_NOTE})
    to = fields.Date(metadata={"description": "last local day"})

    @post_load
    def _bounded(self, data: dict, **_kw) -> dict:
        # A lot bounds its own history; everything else is a range of days.
        if "lot" in data and "from_" not in data and "to" not in data:
            return data
        return bounded_days(data, "from_", "to")


class EpcisQuerySchema(ExportQuerySchema):
    company_prefix_length = fields.Integer(
        load_default=7, validate=validate.Range(6, 12),
        metadata={"description": "digits of the GS1 company prefix in the GTINs"})


class ScorecardQuerySchema(_BoundedDays):
    from_ = fields.Date(data_key="from", metadata={"description": "first day of receipt; "
                                                                  + _RANGE_NOTE})
    to = fields.Date(metadata={"description": "last day of receipt"})


class ReasonSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(max=2000))

    @validates_schema
    def _not_blank(self, data: dict, **_kw) -> None:
        if not data.get("reason", "").strip():
            raise ValidationError("say why", "reason")


class PlaceSchema(BaseSchema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    area = fields.String()
    warehouse = fields.String()
    vehicle = fields.String(allow_none=True)
    pickup_point = fields.String(allow_none=True)


class TraceMoveSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    at = fields.DateTime()
    quantity = fields.Integer()
    from_ = fields.Nested(PlaceSchema, data_key="from", allow_none=True)
    to = fields.Nested(PlaceSchema, allow_none=True)
    actor = fields.String(allow_none=True)
    order = fields.String(allow_none=True)
    route_id = fields.Integer(allow_none=True)
    reason = Message()
    reverses_id = fields.Integer(allow_none=True)
    reversed_by = fields.Integer(allow_none=True)
    stands = fields.Boolean()
    probe_temp_c = fields.Float(allow_none=True,
                                metadata={"description": "core temperature at receipt, °C"})


class StockAtSchema(BaseSchema):
    location = fields.String()
    name = fields.String()
    area = fields.String()
    warehouse = fields.String()
    vehicle = fields.String(allow_none=True)
    pickup_point = fields.String(allow_none=True)
    on_hand = fields.Integer()


class ForwardSchema(BaseSchema):
    lot = fields.Dict()
    quantities = fields.Dict()
    stock = fields.List(fields.Nested(StockAtSchema))
    moves = fields.List(fields.Nested(TraceMoveSchema))
    orders = fields.List(fields.Dict())
    vehicles = fields.List(fields.Dict())
    routes = fields.List(fields.Dict())
    pickup_points = fields.List(fields.Dict())
    temperature = fields.Dict(allow_none=True)
    lineage = fields.Nested(lambda: LineageSchema(), metadata={
        "description": "lots this one was repacked from, and lots made of it with the "
                       "pickup points and orders they reached"})


class LineageSchema(BaseSchema):
    inputs = fields.List(fields.Dict(), metadata={
        "description": "input lots (nearest first) with supplier, origin, purchase order"})
    outputs = fields.List(fields.Dict(), metadata={
        "description": "output lots (nearest first) with their pickup points and orders"})


class BackwardSchema(BaseSchema):
    subject = fields.Dict()
    lots = fields.List(fields.Dict())
    moves = fields.List(fields.Nested(TraceMoveSchema))


class RecallRecordSchema(BaseSchema):
    id = fields.Integer()
    reason = fields.String()
    previous_status = fields.String()
    recalled_by = fields.String(allow_none=True)
    recalled_at = fields.DateTime()
    released_by = fields.String(allow_none=True)
    released_at = fields.DateTime(allow_none=True)
    release_reason = fields.String()


class RecallMoveSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    quantity = fields.Integer()
    from_ = fields.String(data_key="from")
    to = fields.String()


class RecallReportSchema(BaseSchema):
    lot_id = fields.Integer()
    lot_code = fields.String()
    status = fields.String()
    recalled = fields.Boolean()
    created = fields.Boolean()
    recall = fields.Nested(RecallRecordSchema, allow_none=True)
    history = fields.List(fields.Nested(RecallRecordSchema))
    moves = fields.List(fields.Nested(RecallMoveSchema))
    released_reservations = fields.Integer()
    handed_over = fields.Integer()
    in_stock = fields.Integer()
    quantities = fields.Dict()
    stock = fields.List(fields.Nested(StockAtSchema))
    pickup_points = fields.List(fields.Dict())
    orders = fields.List(fields.Dict())
    in_field = fields.List(fields.Dict(), metadata={
        "description": "units still on trucks and at pickup points, per location"})
    returned = fields.Integer(metadata={"description": "units brought back by return moves"})
    returns = fields.List(fields.Dict())
    derived_lots = fields.List(fields.Dict(), metadata={
        "description": "lots repacked from this one, recalled with it: status, pickup "
                       "points and orders they reached"})


class ScoreRowSchema(BaseSchema):
    supplier = fields.String(allow_none=True)
    supplier_name = fields.String(allow_none=True)
    origin = fields.String(allow_none=True)
    origin_name = fields.String(allow_none=True)
    po_lines = fields.Integer(metadata={"description": "purchase order lines due and over"})
    on_time_share = fields.Float(allow_none=True, metadata={
        "description": "lines whose order's first goods came by the window's end"})
    in_full_share = fields.Float(allow_none=True, metadata={
        "description": "lines received at least the quantity ordered less 2 %"})
    otif_share = fields.Float(allow_none=True, metadata={"description": "both"})
    units_ordered = fields.Integer()
    units_rejected = fields.Integer()
    rejected_share = fields.Float(metadata={
        "description": "units refused at the dock / units delivered (received + refused)"})
    rejected_damaged_share = fields.Float()
    rejected_temperature_share = fields.Float()
    rejected_quality_share = fields.Float()
    rejected_wrong_product_share = fields.Float()
    probes = fields.Integer(metadata={"description": "probe readings at receipt"})
    probe_mean_c = fields.Float(allow_none=True)
    probe_max_c = fields.Float(allow_none=True)
    probe_out_of_range_share = fields.Float(allow_none=True, metadata={
        "description": "share above the class's limit (refused warm pallets included)"})
    lots = fields.Integer()
    quantity_received = fields.Integer()
    lots_held = fields.Integer()
    held_share = fields.Float()
    recalls = fields.Integer()
    units_scrapped = fields.Integer()
    lots_spoiled = fields.Integer()
    loss_share = fields.Float()
    excursions = fields.Integer()
    lots_with_excursions = fields.Integer()
    excursions_per_lot = fields.Float()
    units_handed_over = fields.Integer()
    remaining_days_at_receipt = fields.Float(allow_none=True, metadata={
        "description": "days at the reference temperature, from temperature history"})
    remaining_share_at_receipt = fields.Float(allow_none=True)
    remaining_days_at_handover = fields.Float(allow_none=True, metadata={
        "description": "days at the reference temperature, from temperature history, "
                       "weighted by units"})
    remaining_share_at_handover = fields.Float(allow_none=True)
    label_days_at_receipt = fields.Float(allow_none=True, metadata={
        "description": "days to the label's expiry date, for comparison"})
    label_days_at_handover = fields.Float(allow_none=True)


class ScorecardSchema(BaseSchema):
    from_ = fields.Date(data_key="from", allow_none=True)
    to = fields.Date(allow_none=True)
    suppliers = fields.List(fields.Nested(ScoreRowSchema))


class LotFactsSchema(BaseSchema):
    class Meta:
        unknown = INCLUDE

    id = fields.Integer()
    lot_code = fields.String()
    product = fields.Dict()
    buyer = fields.Dict(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    best_before = fields.Date(allow_none=True)
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    quantities = fields.Dict()
    recall = fields.Nested(RecallRecordSchema, allow_none=True)
    receipt_probes = fields.List(fields.Dict(), metadata={
        "description": "probe temperatures taken at receipt, with the outcome"})
    lineage = fields.Nested(lambda: LineageSchema())


CSV = {"type": "string", "description": "comma-separated, with a header row"}
EPCIS_DOCUMENT = {
    "type": "object", "required": ["@context", "type", "schemaVersion", "epcisBody"],
    "description": "a GS1 EPCIS 2.0 JSON-LD document (schema: data/epcis/)",
    "properties": {"@context": {}, "type": {"const": "EPCISDocument"},
                   "schemaVersion": {"type": "string"},
                   "creationDate": {"type": "string", "format": "date-time"},
                   "epcisBody": {"type": "object"}}}
