"""Schemas of repacks: bulk lots in, consumer packs out."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.common import BaseSchema
from wms import repacking
from wms.models import RepackKind


def _weight(required: bool = False) -> fields.Float:
    return fields.Float(required=required, allow_nan=False,
                        validate=validate.Range(min=0.001, max=100_000),
                        metadata={"description": "what the scale said, kg (default: the "
                                                 "product's unit weight × quantity)"})


class RepackInputSchema(BaseSchema):
    lot_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000))
    weight_kg = _weight()


class RepackOutputSchema(BaseSchema):
    sku = fields.String(required=True, validate=validate.Length(1, 32))
    lot_code = fields.String(validate=validate.Length(1, 20), metadata={
        "description": "the new lot's code (default: the repack's reference and a number)"})
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000))
    weight_kg = _weight()


class RepackInSchema(BaseSchema):
    location = fields.String(required=True, validate=validate.Length(1, 40),
                             metadata={"description": "where the packing table is; the "
                                                      "inputs are taken from it and the "
                                                      "outputs put there"})
    kind = fields.Enum(RepackKind, by_value=True, load_default=RepackKind.REPACK, metadata={
        "description": "repack: goods packed before, packed again (FSMA 204 transformation); "
                       "initial_packing: a raw commodity packed for the first time"})
    ref = fields.String(validate=validate.Length(1, 40))
    inputs = fields.List(fields.Nested(RepackInputSchema), required=True,
                         validate=validate.Length(min=1, max=repacking.MAX_LINES))
    outputs = fields.List(fields.Nested(RepackOutputSchema), required=True,
                          validate=validate.Length(min=1, max=repacking.MAX_LINES))
    loss_reason = fields.String(load_default="", validate=validate.Length(max=500))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class RepackLotSchema(BaseSchema):
    lot_id = fields.Integer()
    lot_code = fields.String()
    sku = fields.String()
    gtin = fields.String()
    product = fields.String()
    quantity = fields.Integer()
    weight_kg = fields.Float()
    expiry_date = fields.Date(allow_none=True)
    harvest_date = fields.Date(allow_none=True)
    move_id = fields.Integer()


class RepackSchema(BaseSchema):
    id = fields.Integer()
    ref = fields.String()
    kind = fields.String()
    location = fields.String()
    warehouse = fields.String()
    input_kg = fields.Float()
    output_kg = fields.Float()
    loss_kg = fields.Float()
    yield_pct = fields.Float()
    loss_reason = fields.String()
    note = fields.String()
    created_at = fields.DateTime()
    inputs = fields.List(fields.Nested(RepackLotSchema))
    outputs = fields.List(fields.Nested(RepackLotSchema))
