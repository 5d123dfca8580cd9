"""Voids of wrong readings: a sensor's readings declared wrong, listed and recorded.

The readings stay stored; evaluation, charts, MKT and lot histories leave them out from
then on, and the sensor is re-evaluated (a job, like the evaluation of new readings).
"""

from __future__ import annotations

import logging

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api import policy
from api.auth import current_user
from api.jobs import start_job
from api.lookups import one_or_404
from api.pagination import SelectPage
from api.runtime import db
from api.schemas.coldchain import ReadingVoidSchema, VoidRequestSchema, VoidResultSchema
from coldchain.monitoring import voids
from coldchain.monitoring.models import Sensor, SensorAttachment
from wms import scope
from wms.models import Location

log = logging.getLogger(__name__)
blp = Blueprint("reading_voids", __name__, url_prefix="/api",
                description="Voids of wrong temperature readings")


def _sensor(serial: str) -> Sensor:
    return one_or_404(Sensor, "sensor", serial=serial)


def _require_places_of(sensor: Sensor, first, last) -> None:
    """Voiding changes what was found wherever the sensor hung while those readings were
    taken: every such place must be the user's, not only where the sensor hangs now."""
    user = current_user()
    if scope.visible_warehouse_ids(user) is None or first is None:
        return
    owners = set(db().scalars(
        select(Location.warehouse_id).join(SensorAttachment,
                                           SensorAttachment.location_id == Location.id)
        .where(SensorAttachment.sensor_id == sensor.id, SensorAttachment.attached_at <= last,
               SensorAttachment.detached_at.is_(None) | (SensorAttachment.detached_at > first))))
    if sensor.location is not None:
        owners.add(sensor.location.warehouse_id)
    policy.require_warehouses(user, owners, write=True, what="sensor's readings")


def _queue_sensor_evaluation(sensor: Sensor) -> dict:
    """Re-evaluate a sensor; if the queue is down, leave it for `wms readings evaluate
    --pending`, which retries every sensor with an evaluation error."""
    warehouse_id = sensor.location.warehouse_id if sensor.location else None
    try:
        job = start_job("coldchain.monitoring.evaluate:evaluation_job",
                        {"sensor_ids": [sensor.id]}, warehouse_id=warehouse_id)
    except Exception:
        log.exception("could not queue re-evaluation of sensor %s", sensor.serial)
        db().rollback()
        db().get(Sensor, sensor.id).evaluation_error = (
            "re-evaluation after a void could not be queued")
        db().commit()
        return {"evaluation": "pending: the job queue is unreachable; the void is recorded"}
    return {"evaluation_job": job.id, "evaluation": job.status}


@blp.route("/sensors/<serial>/readings/voids")
class SensorReadingVoids(MethodView):
    @policy.rule("coldchain.read", on="sensor")
    @blp.response(200, ReadingVoidSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, serial: str):
        """The readings of this sensor declared wrong: when, who, why; newest first."""
        return voids.listing(_sensor(serial))

    @policy.rule("coldchain.void", on="sensor")
    @blp.arguments(VoidRequestSchema)
    @blp.response(201, VoidResultSchema)
    def post(self, data: dict, serial: str):
        """Void readings (by timestamps, or every one from/to): they stay stored, and
        evaluation, charts, MKT and lot histories leave them out; the sensor is re-evaluated."""
        sensor = _sensor(serial)
        picked = voids.readings_to_void(db(), sensor, timestamps=data["timestamps"],
                                        start=data["start"], end=data["end"])
        _require_places_of(sensor, picked[0], picked[-1])
        done = voids.void(db(), sensor, picked, reason=data["reason"],
                          user_id=current_user().id)
        db().commit()
        out = {"sensor": serial, "voided": done.voided, "already_voided": done.already_voided,
               "first": done.first, "last": done.last, "evaluation_job": None,
               "evaluation": "none: nothing new was voided"}
        if done.voided:
            out.update(_queue_sensor_evaluation(sensor))
        return out
