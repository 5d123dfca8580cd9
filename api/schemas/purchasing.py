"""Schemas of purchase orders, their shipping notices, receipts and rejections."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from api.schemas.common import BaseSchema
from wms import purchasing
from wms.models import PoState, RejectionReason

MAX_PALLETS = 500
_CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="an ISO 4217 code such as CNY or USD")
_SSCC = validate.Regexp(r"^\d{18}$", error="an SSCC is 18 digits")


def _price_in_range(value) -> None:
    if not 0 <= value <= 10**7:
        raise ValidationError("must be between 0 and 10000000")


class PoLineInSchema(BaseSchema):
    sku = fields.String(required=True, validate=validate.Length(1, 32))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000_000))
    # A function, not validate.Range: apispec would write a Decimal bound as a string.
    unit_price = fields.Decimal(required=True, places=4, allow_nan=False,
                                validate=_price_in_range,
                                metadata={"description": "per unit, 0 to 10,000,000"})
    currency = fields.String(load_default="CNY", validate=_CURRENCY)
    origin = fields.String(validate=validate.Length(1, 24),
                           metadata={"description": "the farm, base or importer's source "
                                                    "(an origin code of the supplier)"})
    harvest_date = fields.Date()
    production_date = fields.Date()
    certifications = fields.String(validate=validate.Length(max=255),
                                   metadata={"description": "certificates expected, e.g. "
                                                            "'GAP, Organic' (default: the "
                                                            "origin's)"})


class PurchaseOrderInSchema(BaseSchema):
    ref = fields.String(validate=validate.Length(1, 40),
                        metadata={"description": "your reference; one is made if left out"})
    supplier = fields.String(required=True, validate=validate.Length(1, 24))
    warehouse = fields.String(required=True, validate=validate.Length(1, 16))
    expected_date = fields.Date(required=True)
    window_start = fields.Time(load_default=None, metadata={"description": "local time"})
    window_end = fields.Time(load_default=None, metadata={"description": "local time"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    lines = fields.List(fields.Nested(PoLineInSchema), required=True,
                        validate=validate.Length(min=1, max=purchasing.MAX_LINES))


class PoLineSchema(BaseSchema):
    line = fields.Integer(attribute="line_no")
    sku = fields.Function(lambda ln: ln.product.sku)
    gtin = fields.Function(lambda ln: ln.product.gtin)
    name = fields.Function(lambda ln: ln.product.name)
    quantity = fields.Integer()
    unit_price = fields.Decimal(as_string=True)
    currency = fields.String()
    origin = fields.Function(lambda ln: ln.origin.code if ln.origin else None)
    harvest_date = fields.Date(allow_none=True)
    production_date = fields.Date(allow_none=True)
    certifications = fields.String()
    received = fields.Integer()
    rejected = fields.Integer()
    short = fields.Integer(metadata={"description": "missing when the order was closed"})
    open = fields.Integer(attribute="open_quantity",
                          metadata={"description": "ordered less received"})


class PurchaseOrderSchema(BaseSchema):
    ref = fields.String()
    supplier = fields.Function(lambda o: o.supplier.code)
    supplier_name = fields.Function(lambda o: o.supplier.name)
    warehouse = fields.Function(lambda o: o.warehouse.code)
    expected_date = fields.Date()
    window_start = fields.Time()
    window_end = fields.Time()
    state = fields.String()
    note = fields.String()
    close_reason = fields.String()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    first_receipt_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    late_minutes = fields.Function(
        lambda o: purchasing.lateness_minutes(o),
        metadata={"description": "minutes after the window's end the first goods came (or, "
                                 "none come yet, it is now)"})
    lines = fields.List(fields.Nested(PoLineSchema))


class PurchaseOrderQuerySchema(BaseSchema):
    warehouse = fields.String()
    supplier = fields.String()
    state = fields.String(validate=validate.OneOf([s.value for s in PoState]))
    late = fields.Boolean(metadata={"description": "only orders delivered (or due) after "
                                                   "their window"})
    expected_from = fields.Date()
    expected_to = fields.Date()


class PoReasonSchema(BaseSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class AsnPalletInSchema(BaseSchema):
    sscc = fields.String(required=True, validate=_SSCC,
                         metadata={"description": "the pallet's GS1 SSCC (AI 00), 18 digits"})
    line = fields.Integer(required=True, validate=validate.Range(min=1))
    lot = fields.String(required=True, validate=validate.Length(1, 20))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000_000))
    harvest_date = fields.Date()
    production_date = fields.Date()
    expiry_date = fields.Date()


class AsnInSchema(BaseSchema):
    shipped_at = fields.AwareDateTime()
    pallets = fields.List(fields.Nested(AsnPalletInSchema), required=True,
                          validate=validate.Length(min=1, max=MAX_PALLETS))


class AsnPalletSchema(BaseSchema):
    sscc = fields.String()
    line = fields.Function(lambda p: p.line.line_no)
    sku = fields.Function(lambda p: p.line.product.sku)
    lot = fields.String(attribute="lot_code")
    quantity = fields.Integer()
    harvest_date = fields.Date(allow_none=True)
    production_date = fields.Date(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    received = fields.Function(lambda p: p.received_move_id is not None)


class AsnSchema(BaseSchema):
    purchase_order = fields.String()
    pallets = fields.List(fields.Nested(AsnPalletSchema))


class RejectionInSchema(BaseSchema):
    line = fields.Integer(validate=validate.Range(min=1))
    sku = fields.String(validate=validate.Length(1, 32))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000_000))
    reason = fields.String(required=True,
                           validate=validate.OneOf([r.value for r in RejectionReason]))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    lot = fields.String(load_default="", validate=validate.Length(max=20))
    sscc = fields.String(validate=_SSCC)
    probe_temp_c = fields.Float(allow_nan=False, validate=validate.Range(-60, 60))

    @validates_schema
    def _one_line(self, data, **_kw):
        if ("line" in data) == ("sku" in data):
            raise ValidationError("name the line by its number or its sku (one of them)",
                                  "line")


class RejectionSchema(BaseSchema):
    id = fields.Integer()
    line = fields.Function(lambda r: r.line.line_no)
    sku = fields.Function(lambda r: r.line.product.sku)
    quantity = fields.Integer()
    reason = fields.String()
    note = fields.String()
    lot = fields.String(attribute="lot_code")
    sscc = fields.String(allow_none=True)
    probe_temp_c = fields.Float(allow_none=True)
    recorded_at = fields.DateTime()


class RejectionResultSchema(BaseSchema):
    rejection = fields.Nested(RejectionSchema)
    purchase_order = fields.Nested(PurchaseOrderSchema)
