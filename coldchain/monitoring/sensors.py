"""Registering sensors and moving them between rooms and trucks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.monitoring.models import Sensor, SensorAttachment
from wms.errors import Conflict, ValidationFailed
from wms.i18n import N_
from wms.local_time import stamp_at
from wms.models import Location, LocationKind
from wms.models.base import utcnow

# A logger measures the air where it hangs: rooms, zones, bins and truck compartments.
ATTACHABLE = {LocationKind.ZONE, LocationKind.STORAGE, LocationKind.STAGING,
              LocationKind.QUARANTINE, LocationKind.RECEIVING, LocationKind.DOCK,
              LocationKind.VEHICLE, LocationKind.PICKUP_POINT}


def register(session: Session, *, serial: str, model: str = "", sampling_interval_s: int = 300,
             location: Location | None = None, at: datetime | None = None) -> Sensor:
    if session.scalar(select(Sensor.id).where(Sensor.serial == serial)) is not None:
        raise Conflict(N_("a sensor with serial {serial} is already registered", serial=serial),
                       field="serial")
    sensor = Sensor(serial=serial, model=model, sampling_interval_s=sampling_interval_s)
    session.add(sensor)
    session.flush()
    if location is not None:
        attach(session, sensor, location, at=at)
    return sensor


def attach(session: Session, sensor: Sensor, location: Location,
           at: datetime | None = None) -> SensorAttachment:
    """Hang the sensor at a location from ``at`` on, ending its previous attachment then."""
    if location.kind not in ATTACHABLE:
        raise ValidationFailed({"location": [N_("a sensor cannot hang in a {kind}",
                                                kind=location.kind)]})
    at = at or utcnow()
    current = session.scalar(
        select(SensorAttachment)
        .where(SensorAttachment.sensor_id == sensor.id, SensorAttachment.detached_at.is_(None))
        .with_for_update()
    )
    if current is not None:
        if at <= current.attached_at:
            began = stamp_at(current.attached_at, session.get(Location, current.location_id))
            raise ValidationFailed({"at": [N_("must be after the current attachment ({began})",
                                              began=began)]})
        current.detached_at = at
    link = SensorAttachment(sensor_id=sensor.id, location_id=location.id, attached_at=at)
    session.add(link)
    sensor.location = location
    session.flush()
    return link


def attachments_between(session: Session, sensor_id: int, start: datetime,
                        end: datetime) -> list[SensorAttachment]:
    return list(session.scalars(
        select(SensorAttachment)
        .where(SensorAttachment.sensor_id == sensor_id,
               SensorAttachment.attached_at < end,
               (SensorAttachment.detached_at.is_(None)) | (SensorAttachment.detached_at > start))
        .order_by(SensorAttachment.attached_at)
    ))
