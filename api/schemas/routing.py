"""Schemas of route plans, routes, manifests, loading and delivery confirmations."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from api.schemas.common import BaseSchema, Message
from api.schemas.inventory import MoveSchema
from routing.dispatch.deliveries import EXCEPTION_KINDS
from routing.dispatch.manifests import clock
from routing.dispatch.models import PlanStatus


class PlanRequestSchema(BaseSchema):
    warehouse = fields.String(required=True, validate=validate.Length(1, 16),
                              metadata={"description": "warehouse code"})
    date = fields.Date(required=True, metadata={"description": "delivery date"})
    time_limit_s = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=600),
                                metadata={"description": "solver time limit in seconds"})


class ReplanSchema(BaseSchema):
    failed_vehicles = fields.List(
        fields.String(validate=validate.Length(1, 40)), required=True,
        validate=validate.Length(1, 50),
        metadata={"description": "codes of the vehicles out of service (reefer failed, "
                                 "broken down); their remaining goods go back"})
    positions = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 40)),
        values=fields.List(fields.Float(allow_nan=False), validate=validate.Length(2, 2)),
        load_default=dict,
        metadata={"description": "vehicle code -> [lat, lon] where a truck on the road is "
                                 "now (default: its last confirmed stop)",
                  "maxProperties": 50})
    at = fields.AwareDateTime(load_default=None, metadata={
        "description": "the time to re-plan from (default: now)"})
    time_limit_s = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=600),
                                metadata={"description": "solver time limit in seconds"})

    @validates_schema
    def _positions_on_earth(self, data, **_kw):
        if len(data.get("positions") or {}) > 50:
            raise ValidationError("at most 50 vehicles", field_name="positions")
        for code, (lat, lon) in (data.get("positions") or {}).items():
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValidationError("latitude -90..90 and longitude -180..180",
                                      field_name=f"positions.{code}")


class PlanQuerySchema(BaseSchema):
    warehouse = fields.String(metadata={"description": "warehouse code"})
    date = fields.Date()
    status = fields.String(validate=validate.OneOf([s.value for s in PlanStatus]))


class PublishSchema(BaseSchema):
    drivers = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)),
                          values=fields.String(validate=validate.Length(1, 60)),
                          load_default=dict, validate=validate.Length(max=500),
                          metadata={"description": "vehicle code -> driver username, for "
                                                   "routes whose vehicle has no driver"})


def _loads():
    return fields.Dict(keys=fields.String(), values=fields.Dict())


class StopLineSchema(BaseSchema):
    order = fields.Function(lambda ln: ln.order.external_ref)
    line = fields.Function(lambda ln: ln.line.line_no)
    sku = fields.Function(lambda ln: ln.product.sku)
    quantity = fields.Integer()
    temp_class = fields.String()


class StopSchema(BaseSchema):
    seq = fields.Integer()
    stop_key = fields.String()
    pickup_point = fields.Function(lambda s: s.pickup_point.code)
    name = fields.Function(lambda s: s.pickup_point.name)
    arrival = fields.Function(lambda s: clock(s.arrival_s))
    eta = fields.Function(lambda s: clock(s.service_start_s))
    departure = fields.Function(lambda s: clock(s.departure_s))
    since_departure_s = fields.Integer()
    delivered = _loads()
    picked_up = fields.Dict(keys=fields.String(), values=fields.Dict(), allow_none=True,
                            metadata={"description": "goods the stop collects to bring back, "
                                                     "per temperature class: crates, kg"})
    status = fields.String()
    lines = fields.List(fields.Nested(StopLineSchema))


class RouteSchema(BaseSchema):
    id = fields.Integer()
    plan_id = fields.Integer(metadata={"description": "the plan that made the route"})
    date = fields.Date(attribute="delivery_date")
    vehicle = fields.Function(lambda r: r.vehicle.code)
    driver = fields.Function(lambda r: r.driver.username if r.driver else None)
    status = fields.String()
    locked = fields.Boolean()
    start = fields.Function(lambda r: clock(r.start_s))
    departure = fields.Function(lambda r: clock(r.departure_s))
    end = fields.Function(lambda r: clock(r.end_s))
    distance_km = fields.Float()
    duration_s = fields.Integer()
    cost = fields.Float()
    loads = _loads()
    stops = fields.List(fields.Nested(StopSchema))


class UnassignedSchema(BaseSchema):
    stop_key = fields.String()
    pickup_point = fields.Function(lambda u: u.pickup_point.code)
    reason = fields.String()
    message = Message()
    demand = _loads()


class PlanSummarySchema(BaseSchema):
    id = fields.Integer()
    warehouse = fields.Function(lambda p: p.warehouse.code)
    date = fields.Date(attribute="delivery_date")
    version = fields.Integer()
    status = fields.String()
    created_by = fields.Function(lambda p: p.creator.username if p.creator else None)
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    time_limit_s = fields.Float()
    solver_status = fields.String()
    stops_total = fields.Integer()
    routes_count = fields.Function(lambda p: len(p.routes))
    unassigned_count = fields.Function(lambda p: len(p.unassigned))
    vehicles_used = fields.Integer()
    total_cost = fields.Float()
    total_distance_km = fields.Float()
    stats = fields.Dict()
    replaces = fields.Integer(attribute="replaces_id", allow_none=True, metadata={
        "description": "the published version this one re-planned from the live state"})


class PlanSchema(PlanSummarySchema):
    routes = fields.List(fields.Nested(RouteSchema))
    unassigned = fields.List(fields.Nested(UnassignedSchema))


class LoadingSchema(BaseSchema):
    order = fields.String(validate=validate.Length(1, 64),
                          metadata={"description": "order reference: load the whole order"})
    lot = fields.String(validate=validate.Length(1, 20), metadata={"description": "lot code"})
    quantity = fields.Integer(validate=validate.Range(min=1))
    barcode = fields.String(validate=validate.Length(1, 500),
                            metadata={"description": "the raw scan, kept on the moves"})

    @validates_schema
    def _order_or_lot(self, data, **_kw):
        if "order" not in data and "lot" not in data:
            raise ValidationError("give an order reference, or a lot code and a quantity",
                                  field_name="order")
        if "order" not in data and "quantity" not in data:
            raise ValidationError("a quantity is needed when loading by lot",
                                  field_name="quantity")


# A stop serves a few dozen orders of at most 500 lines each; more is not a stop.
MAX_STOP_LINES = 1_000


class DeliveryExceptionSchema(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf(EXCEPTION_KINDS))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=validate.Length(1, 500))

    @validates_schema
    def _reason_not_blank(self, data, **_kw):
        if not data.get("reason", "x").strip():
            raise ValidationError("say what happened", field_name="reason")


class DeliveryLineSchema(BaseSchema):
    order = fields.String(required=True, validate=validate.Length(1, 64))
    line = fields.Integer(required=True, validate=validate.Range(min=1))
    delivered = fields.Integer(validate=validate.Range(min=0), metadata={
        "description": "units handed over; default: the planned units minus exceptions"})
    exceptions = fields.List(fields.Nested(DeliveryExceptionSchema), load_default=list,
                             validate=validate.Length(max=10))


class DeliverySchema(BaseSchema):
    lines = fields.List(fields.Nested(DeliveryLineSchema), load_default=list,
                        validate=validate.Length(max=MAX_STOP_LINES), metadata={
        "description": "lines not listed are delivered in full"})


class DeliveryResultSchema(BaseSchema):
    route_id = fields.Integer()
    seq = fields.Integer()
    pickup_point = fields.String()
    stop_status = fields.String()
    route_status = fields.String()
    lines = fields.List(fields.Dict())
    moves = fields.List(fields.Nested(MoveSchema))


class ManifestQuerySchema(BaseSchema):
    date = fields.Date(required=True)
    warehouse = fields.String(metadata={"description": "warehouse code (not for drivers)"})


class ManifestSchema(BaseSchema):
    route_id = fields.Integer()
    date = fields.Date()
    plan_version = fields.Integer()
    current = fields.Boolean()
    status = fields.String()
    warehouse = fields.Dict()
    vehicle = fields.Dict()
    driver = fields.String(allow_none=True)
    loading_starts = fields.String()
    departure = fields.String()
    # "return" is a keyword; the attribute is read from the dict by key.
    return_ = fields.String(data_key="return", attribute="return")
    distance_km = fields.Float()
    loads = fields.Dict()
    stops = fields.List(fields.Dict())
    rest = fields.Dict(allow_none=True, metadata={
        "description": "the driver's rest: stop_key, from and to (HH:MM); null: none"})
    loading_list = fields.List(fields.Dict())


class LoadingStatusSchema(BaseSchema):
    route_id = fields.Integer()
    status = fields.String()
    vehicle = fields.String()
    complete = fields.Boolean()
    stops = fields.List(fields.Dict())
    compartments = fields.List(fields.Dict())


class LoadingResultSchema(LoadingStatusSchema):
    moves = fields.List(fields.Nested(MoveSchema))
    warnings = fields.List(fields.String(), metadata={
        "description": "done, but to know: a compartment in a temperature alarm holds the "
                       "lots loaded into it"})
