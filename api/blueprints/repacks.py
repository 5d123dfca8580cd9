"""Repacking at a packing table: bulk lots in, consumer packs with their own lots out."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import policy
from api.auth import current_user
from api.blueprints.scans import idempotent
from api.lookups import owned_or_404
from api.runtime import db, runtime
from api.schemas.repack import RepackInSchema, RepackSchema
from coldchain.monitoring.life_left import life_until
from wms import repacking
from wms.models import Location, Warehouse

blp = Blueprint("repacks", __name__, url_prefix="/api",
                description="Repacking: input lots consumed, output lots produced, lineage")


@blp.route("/repacks")
class Repacks(MethodView):
    @policy.rule("stock.repack")
    @idempotent
    @blp.arguments(RepackInSchema)
    @blp.response(201, RepackSchema)
    @blp.alt_response(409, description="an input is not there, or its status forbids "
                                       "repacking it; or an output lot code is taken")
    @blp.alt_response(428, description="the Idempotency-Key header is missing")
    def post(self, data: dict):
        """Consume the input lots at the location and produce the output lots there: one
        ledger move each, the mass balance checked (outputs never weigh more than the
        inputs; a loss beyond ``WMS_REPACK_MAX_LOSS_PCT`` needs ``loss_reason``). Each
        output lot takes supplier, origin, harvest date and purchase order from its inputs;
        its expiry is the earliest of the inputs' dates, the shelf life their temperature
        history leaves them, and the output product's own shelf life."""
        session = db()
        location = owned_or_404(Location, "location", code=data["location"])
        warehouse = session.get(Warehouse, location.warehouse_id)
        record = repacking.repack(
            session, location=location.code, inputs=data["inputs"], outputs=data["outputs"],
            kind=data["kind"], ref=data.get("ref"), loss_reason=data["loss_reason"],
            note=data["note"], actor_id=current_user().id,
            max_loss_pct=runtime().settings.repack_max_loss_pct,
            life_until=life_until(session, [i["lot_id"] for i in data["inputs"]],
                                  warehouse.timezone))
        return repacking.describe(session, record)


@blp.route("/repacks/<int:repack_id>")
class RepackById(MethodView):
    @policy.rule("stock.read", on="repack")
    @blp.response(200, RepackSchema)
    def get(self, repack_id: int):
        """One repack: where, when, the mass balance, and each lot in and out."""
        return repacking.describe(db(), repacking.get(db(), repack_id))
