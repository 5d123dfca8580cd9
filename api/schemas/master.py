"""Schemas of master data: warehouses, locations, pickup points, vehicles, catalog, lots."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, validate, validates

from api.schemas.common import TEMP_CLASSES, BaseSchema, Message, temp_class_field
from wms.gtin import is_valid_gtin
from wms.models import KineticsModel, LocationKind, LotStatus, SupplierKind

MAX_DAYS = 36500
CRATES = validate.Range(0, 100_000)


class WarehouseSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    city = fields.String()
    address = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    timezone = fields.String()
    opens_at = fields.Time()
    closes_at = fields.Time()
    loading_minutes = fields.Integer()


class LocationSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    temp_zone = fields.String(allow_none=True)
    warehouse = fields.Function(lambda loc: loc.warehouse.code)
    parent = fields.Function(lambda loc: loc.parent.code if loc.parent else None)
    active = fields.Boolean()


class LocationQuerySchema(BaseSchema):
    kind = fields.String(validate=validate.OneOf([k.value for k in LocationKind]))
    temp_zone = temp_class_field()
    parent = fields.String(metadata={"description": "code of the parent location"})


class PickupPointSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    address = fields.String()
    district = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    warehouse = fields.Function(lambda p: p.warehouse.code)
    location = fields.Function(lambda p: p.location.code)
    window_start = fields.Time()
    window_end = fields.Time()
    service_minutes = fields.Integer()
    collection_opens = fields.Time()
    collection_closes = fields.Time()
    leader_name = fields.String()
    leader_phone = fields.String()
    active = fields.Boolean()
    freezer_crates = fields.Integer(allow_none=True, metadata={
        "description": "crates of frozen goods the point can keep; 0 none, null not stated"})
    fridge_crates = fields.Integer(allow_none=True, metadata={
        "description": "crates of chilled goods the point can keep; 0 none, null not stated"})
    vehicle_kinds = fields.List(fields.String(), allow_none=True, metadata={
        "description": "vehicle kinds let in (e.g. vans only in a residential compound); "
                       "null: any"})

    kind = fields.String(metadata={"description": "community, or enterprise (企业购)"})


class PickupPointChangeSchema(BaseSchema):
    freezer_crates = fields.Integer(allow_none=True, validate=CRATES, metadata={
        "description": "crates of frozen goods the point can keep; 0 none, null not stated"})
    fridge_crates = fields.Integer(allow_none=True, validate=CRATES, metadata={
        "description": "crates of chilled goods the point can keep; 0 none, null not stated"})
    vehicle_kinds = fields.List(fields.String(validate=validate.Length(1, 40)),
                                allow_none=True, validate=validate.Length(1, 20), metadata={
        "description": "vehicle kinds let in (e.g. vans only in a residential compound); "
                       "null: any"})


class CompartmentSchema(BaseSchema):
    temp_class = fields.String()
    crates = fields.Integer()
    kg = fields.Float()


class VehicleSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    plate = fields.String()
    kind = fields.String()
    warehouse = fields.Function(lambda v: v.warehouse.code)
    location = fields.Function(lambda v: v.location.code)
    compartments = fields.Method("_compartments")
    cost_per_km = fields.Float()
    fixed_cost = fields.Float()
    shift_start = fields.Time()
    shift_end = fields.Time()
    max_route_minutes = fields.Integer()
    active = fields.Boolean()
    waves = fields.List(fields.String(), allow_none=True, metadata={
        "description": "times of day (HH:MM) from which the vehicle may go out again on a "
                       "second trip after reloading; null: one trip"})

    def _compartments(self, v) -> list[dict]:
        out = []
        for cls in TEMP_CLASSES:
            crates = getattr(v, f"{cls}_crates")
            if crates:
                out.append({"temp_class": cls, "crates": crates, "kg": getattr(v, f"{cls}_kg")})
        return out


class WarehouseQuerySchema(BaseSchema):
    warehouse = fields.String(metadata={"description": "warehouse code"})


class ProductSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    sku = fields.String(required=True, validate=validate.Length(1, 32))
    gtin = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 160),
                         metadata={"description": "the English name"})
    name_en = fields.String(attribute="name", dump_only=True,
                            metadata={"description": "the English name (same as name)"})
    name_zh = fields.String(load_default="", validate=validate.Length(max=160),
                            metadata={"description": "the name in Simplified Chinese"})
    category = fields.String(load_default="")
    temp_class = temp_class_field(required=True)
    unit = fields.String(load_default="each")
    units_per_crate = fields.Integer(required=True, validate=validate.Range(min=1))
    unit_weight_kg = fields.Float(required=True,
                                  validate=validate.Range(min=0, min_inclusive=False))
    # At most a century: dates a shelf life away from a delivery date stay in the calendar.
    shelf_life_days = fields.Float(required=True, validate=validate.Range(
        min=0, max=MAX_DAYS, min_inclusive=False))
    min_remaining_days = fields.Integer(load_default=1,
                                        validate=validate.Range(min=0, max=MAX_DAYS))
    kinetics_model = fields.String(load_default=KineticsModel.Q10.value,
                                   validate=validate.OneOf([k.value for k in KineticsModel]))
    ref_temp_c = fields.Float(required=True)
    q10 = fields.Float(allow_none=True, load_default=None)
    activation_energy_kj = fields.Float(allow_none=True, load_default=None)
    tmin_c = fields.Float(allow_none=True, load_default=None)
    active = fields.Boolean(load_default=True)

    @validates("gtin")
    def _gtin(self, value: str, **_kw) -> None:
        if not is_valid_gtin(value):
            raise ValidationError("not a valid GTIN-8/12/13/14 (length or check digit)")

    @post_load
    def _normalise(self, data: dict, **_kw) -> dict:
        data["gtin"] = data["gtin"].zfill(14)
        return data


class ProductQuerySchema(BaseSchema):
    temp_class = temp_class_field()
    q = fields.String(metadata={"description": "text in the English or Chinese name or SKU"})
    gtin = fields.String()


class OriginSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    region = fields.String()
    country = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    certifications = fields.String()


class SupplierSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    kind = fields.String(validate=validate.OneOf([k.value for k in SupplierKind]))
    region = fields.String()
    country = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    contact = fields.String()


class SupplierDetailSchema(SupplierSchema):
    origins = fields.List(fields.Nested(OriginSchema))


class LotSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    lot_code = fields.String()
    product = fields.Function(lambda lot: {"sku": lot.product.sku, "gtin": lot.product.gtin,
                                           "name": lot.product.name,
                                           "name_en": lot.product.name,
                                           "name_zh": lot.product.name_zh,
                                           "temp_class": lot.product.temp_class.value})
    supplier = fields.Function(lambda lot: lot.supplier.code if lot.supplier else None)
    origin = fields.Function(lambda lot: lot.origin.code if lot.origin else None)
    production_date = fields.Date(allow_none=True)
    harvest_date = fields.Date(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    best_before = fields.Date(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    purchase_order = fields.String()
    certifications = fields.String()
    country_of_origin = fields.String()
    status = fields.String()
    status_reason = Message()


class LotQuerySchema(BaseSchema):
    lot_code = fields.String()
    gtin = fields.String()
    sku = fields.String()
    supplier = fields.String(metadata={"description": "supplier code"})
    origin = fields.String(metadata={"description": "origin code"})
    status = fields.String(validate=validate.OneOf([s.value for s in LotStatus]))
    received_from = fields.Date()
    received_to = fields.Date()
