"""Schemas of the stock ledger, scans, stock queries, orders and picking.

Longer than 400 lines because the ledger's, the scanner's and the orders' schemas share
their field rules (units, codes, line limits) and split apart would import one another.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from api.schemas.common import BaseSchema, Message
from api.schemas.customers import CustomerInSchema, CustomerOutSchema, MovedByCutoffSchema
from wms.allocation import STRATEGIES
from wms.models import LotStatus, MoveKind, OrderStatus
from wms.scanning import API_ACTIONS

_CODE = validate.Length(1, 40)
MAX_ORDER_LINES = 500


def _code(obj, attr: str):
    value = getattr(obj, attr)
    return value.code if value is not None else None


class MoveSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    sku = fields.Function(lambda m: m.product.sku)
    lot_id = fields.Integer()
    lot = fields.Function(lambda m: m.lot.lot_code)
    quantity = fields.Integer(metadata={"description": "whole units of the product's unit"})
    from_location = fields.Function(lambda m: _code(m, "from_location"), data_key="from")
    to_location = fields.Function(lambda m: _code(m, "to_location"), data_key="to")
    reason = Message()
    override_reason = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    order_id = fields.Integer(allow_none=True)
    route_id = fields.Integer(allow_none=True)
    reverses_id = fields.Integer(allow_none=True)
    net_weight_kg = fields.Decimal(as_string=True, allow_none=True)
    raw_scan = fields.String(allow_none=True)
    witnessed_by = fields.String(allow_none=True)


class MoveQuerySchema(BaseSchema):
    sku = fields.String()
    lot_id = fields.Integer()
    location = fields.String(metadata={"description": "location code, either end"})
    warehouse = fields.String(metadata={"description": "warehouse code"})
    kind = fields.String(validate=validate.OneOf([k.value for k in MoveKind]))
    order = fields.String(metadata={"description": "order's external reference"})
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()


class ReverseSchema(BaseSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ScanSchema(BaseSchema):
    barcode = fields.String(required=True, validate=validate.Length(1, 500),
                            metadata={"description": "the raw text the scanner sent"})
    action = fields.String(required=True, validate=validate.OneOf(API_ACTIONS),
                           metadata={"description": "reject: goods of a purchase order "
                                                    "refused at the dock (reason damaged, "
                                                    "temperature, quality or wrong_product); "
                                                    "nothing enters stock"})
    location = fields.String(validate=_CODE,
                             metadata={"description": "for receive, count and scrap"})
    from_ = fields.String(data_key="from", attribute="from", validate=_CODE)
    to = fields.String(validate=_CODE)
    quantity = fields.Integer(validate=validate.Range(min=0),
                              metadata={"description": "when the barcode carries no count"})
    lot = fields.String(validate=validate.Length(1, 20),
                        metadata={"description": "when the barcode carries no lot"})
    supplier = fields.String(metadata={"description": "supplier code, on receipt"})
    purchase_order = fields.String(
        validate=validate.Length(1, 40),
        metadata={"description": "the purchase order received against; without it, the "
                                 "pallet's ASN or the only open order of the product here"})
    reason = fields.String(validate=validate.Length(max=500))
    override_reason = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "accept a location of a warmer temperature zone"})
    order = fields.String(metadata={"description": "order reference, for pick and load"})
    probe_temp_c = fields.Float(
        allow_nan=False, validate=validate.Range(-60, 60),
        metadata={"description": "core temperature measured at receipt, °C; goods warmer "
                                 "than their class allows go to quarantine on hold (or are "
                                 "refused, as the receiving rules say)"})


class ScanProbeSchema(BaseSchema):
    probe_temp_c = fields.Float()
    limit_c = fields.Float(allow_none=True)
    outcome = fields.String(metadata={"description": "accepted or quarantined"})


class ScanProductSchema(BaseSchema):
    sku = fields.String()
    gtin = fields.String()
    name = fields.String()
    name_en = fields.String(attribute="name", dump_only=True)
    name_zh = fields.String()
    temp_class = fields.String()
    unit = fields.String()


class ScanLotSchema(BaseSchema):
    id = fields.Integer(allow_none=True)
    lot_code = fields.String()
    expiry_date = fields.Date(allow_none=True)
    best_before = fields.Date(allow_none=True)
    status = fields.String(allow_none=True)


class ScanPurchaseOrderSchema(BaseSchema):
    ref = fields.String()
    state = fields.String()
    line = fields.Integer()
    ordered = fields.Integer()
    received = fields.Integer()
    rejected = fields.Integer()
    open = fields.Integer(metadata={"description": "ordered less received"})
    sscc = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)


class ScanResultSchema(BaseSchema):
    action = fields.String()
    product = fields.Nested(ScanProductSchema)
    lot = fields.Nested(ScanLotSchema)
    lot_created = fields.Boolean()
    quantity = fields.Integer(allow_none=True)
    net_weight_kg = fields.Decimal(as_string=True, allow_none=True)
    moves = fields.List(fields.Nested(MoveSchema))
    hints = fields.List(fields.String())
    probe = fields.Nested(ScanProbeSchema, allow_none=True)
    warnings = fields.List(fields.String(), metadata={
        "description": "done, but to know: e.g. the place is in a temperature alarm and "
                       "the lot is on hold"})
    purchase_order = fields.Nested(ScanPurchaseOrderSchema, allow_none=True)


class ScanPreviewSchema(BaseSchema):
    action = fields.String()
    would = fields.String()
    refused = fields.String(allow_none=True,
                            metadata={"description": "why the scan would be refused, if so"})
    refused_field = fields.String(allow_none=True, metadata={
        "description": "the field that lets the scan through (override_reason), if any"})
    product = fields.Nested(ScanProductSchema)
    lot = fields.Nested(ScanLotSchema)
    lot_exists = fields.Boolean()
    quantity = fields.Integer(allow_none=True)
    available = fields.Integer(allow_none=True)
    net_weight_kg = fields.Decimal(as_string=True, allow_none=True)
    country_of_origin = fields.String(allow_none=True)
    hints = fields.List(fields.String())


class StockSchema(BaseSchema):
    warehouse = fields.Function(lambda b: b.location.warehouse.code)
    location = fields.Function(lambda b: b.location.code)
    location_kind = fields.Function(lambda b: b.location.kind.value)
    sku = fields.Function(lambda b: b.product.sku)
    lot_id = fields.Integer()
    lot = fields.Function(lambda b: b.lot.lot_code)
    lot_status = fields.Function(lambda b: b.lot.status.value)
    expiry_date = fields.Date(attribute="lot.expiry_date", allow_none=True)
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()


class StockQuerySchema(BaseSchema):
    sku = fields.String()
    location = fields.String(metadata={"description": "location code"})
    lot_id = fields.Integer()
    warehouse = fields.String(metadata={"description": "warehouse code"})
    include_empty = fields.Boolean(load_default=False)


class HoldSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 500))
    status = fields.String(load_default=LotStatus.HOLD.value,
                           validate=validate.OneOf([LotStatus.HOLD.value,
                                                    LotStatus.QUARANTINE.value]),
                           metadata={"description": "hold, or quarantine for inspection"})


class ReleaseSchema(BaseSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    to = fields.String(metadata={"description": "location to put the stock back (optional)"})


_UNITS = validate.Range(min=1, max=1_000_000)


class ReturnSchema(BaseSchema):
    lot_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True, validate=_UNITS)
    from_ = fields.String(data_key="from", attribute="from", required=True, validate=_CODE,
                          metadata={"description": "the truck compartment or pickup point"})
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class RouteReturnLineSchema(BaseSchema):
    lot_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True, validate=_UNITS)
    from_ = fields.String(data_key="from", attribute="from", validate=_CODE,
                          metadata={"description": "the route's truck compartment or one of "
                                                   "its pickup points; default the truck"})
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class RouteReturnSchema(BaseSchema):
    lines = fields.List(fields.Nested(RouteReturnLineSchema), required=True,
                        validate=validate.Length(1, 200))


class ScrapSchema(BaseSchema):
    location = fields.String(required=True, validate=_CODE)
    quantity = fields.Integer(required=True, validate=_UNITS)
    reason = fields.String(required=True, validate=validate.Length(1, 500))
    witnessed_by = fields.String(required=True, validate=validate.Length(1, 120),
                                 metadata={"description": "who saw the goods written off"})


class MovesResultSchema(BaseSchema):
    moves = fields.List(fields.Nested(MoveSchema))


class HoldResultSchema(BaseSchema):
    lot_id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in LotStatus]))
    moves = fields.List(fields.Nested(MoveSchema))


class ReservationsReleasedSchema(BaseSchema):
    lot_id = fields.Integer()
    lot_code = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in LotStatus]))
    released = fields.Integer(metadata={"description": "units no longer reserved"})


class OrderLineInSchema(BaseSchema):
    sku = fields.String(required=True, validate=validate.Length(1, 32))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000))


class OrderInSchema(CustomerInSchema):
    external_ref = fields.String(required=True, validate=validate.Length(1, 64))
    pickup_point = fields.String(required=True)
    delivery_date = fields.Date(required=True)
    lines = fields.List(fields.Nested(OrderLineInSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_ORDER_LINES))


class OrderLineSchema(BaseSchema):
    line = fields.Integer(attribute="line_no")
    sku = fields.Function(lambda ln: ln.product.sku)
    quantity = fields.Integer()
    allocated = fields.Integer()
    handed_over = fields.Integer()
    backorder = fields.Integer()


class OrderSchema(CustomerOutSchema):
    id = fields.Integer()
    external_ref = fields.String()
    pickup_point = fields.Function(lambda o: o.pickup_point.code)
    warehouse = fields.Function(lambda o: o.pickup_point.warehouse.code)
    delivery_date = fields.Date()
    status = fields.String()
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(OrderLineSchema))
    # What the resident shows the group leader to collect the order (提货码).
    pickup_code = fields.Function(lambda o: o.pickup_code.code if o.pickup_code else None,
                                  metadata={"type": "string", "nullable": True})


class OrderQuerySchema(BaseSchema):
    warehouse = fields.String()
    date = fields.Date()
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))
    pickup_point = fields.String()


class ReservedSchema(BaseSchema):
    lot = fields.String()
    expiry = fields.Date(allow_none=True)
    location = fields.String()
    quantity = fields.Integer()


class LineReportSchema(BaseSchema):
    line = fields.Integer()
    sku = fields.String()
    quantity = fields.Integer()
    allocated = fields.Integer()
    backorder = fields.Integer()
    reservations = fields.List(fields.Nested(ReservedSchema))


class OrderReportSchema(BaseSchema):
    order = fields.String()
    status = fields.String()
    error = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineReportSchema))


class AllocateSchema(BaseSchema):
    warehouse = fields.String(required=True)
    date = fields.Date(required=True)
    strategy = fields.String(load_default="fefo", validate=lambda name: _known_strategy(name),
                             metadata={"description": "fefo (default) or lsfo: least remaining "
                                                      "shelf life first, from temperatures"})


def _known_strategy(name: str) -> None:
    # Checked at request time: strategies from other modules register when those load.
    if name not in STRATEGIES:
        raise ValidationError(f"must be one of: {', '.join(sorted(STRATEGIES))}")


class AllocationRunSchema(BaseSchema):
    warehouse = fields.String()
    date = fields.Date()
    strategy = fields.String()
    orders = fields.List(fields.Nested(OrderReportSchema))
    allocated = fields.Integer()
    backorder = fields.Integer()
    message = fields.String(metadata={"description": "what the run did, in a sentence"})


class OrderImportSchema(BaseSchema):
    file = fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": "CSV with the header external_ref,pickup_point,delivery_date,sku,"
                       "quantity; one row per order line"})


class OrderImportResultSchema(BaseSchema):
    imported = fields.Integer(metadata={"description": "orders placed"})
    lines = fields.Integer(metadata={"description": "order lines placed"})
    orders = fields.List(fields.String(), metadata={"description": "their references"})
    moved_by_cutoff = fields.List(fields.Nested(MovedByCutoffSchema),
                                  metadata={"description": "orders after their date's "
                                                           "cut-off, by file line"})


class PickListQuerySchema(BaseSchema):
    warehouse = fields.String(required=True)
    date = fields.Date(required=True)


class PickLineSchema(BaseSchema):
    bin = fields.String()
    sku = fields.String()
    product = fields.String()
    lot = fields.String()
    expiry = fields.Date(allow_none=True)
    quantity = fields.Integer()
    order = fields.String()
    pickup_point = fields.String()


class PickZoneSchema(BaseSchema):
    temp_zone = fields.String()
    lines = fields.List(fields.Nested(PickLineSchema))


class PickListSchema(BaseSchema):
    warehouse = fields.String()
    date = fields.Date()
    zones = fields.List(fields.Nested(PickZoneSchema))


class LoadSchema(BaseSchema):
    vehicle = fields.String(required=True, metadata={"description": "vehicle code"})
    route_id = fields.Integer(allow_none=True)


class DeliverSchema(BaseSchema):
    route_id = fields.Integer(allow_none=True)


class HandoverLineSchema(BaseSchema):
    line = fields.Integer(required=True, validate=validate.Range(min=1))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1))


class HandoverSchema(BaseSchema):
    lines = fields.List(fields.Nested(HandoverLineSchema),
                        validate=validate.Length(max=MAX_ORDER_LINES),
                        metadata={"description": "units collected per line; all if absent"})


class StepResultSchema(BaseSchema):
    order = fields.Nested(OrderSchema)
    moves = fields.List(fields.Nested(MoveSchema))
