"""Alerts about evaluation itself: a sensor whose readings could not all be judged.

An evaluation that fails, or leaves readings out, must never pass unnoticed: an excursion
nobody judged raises no alarm. Each sensor has at most one such alert open, keyed by the
sensor, kept up to date with the latest reason, and resolved by the first evaluation that
judges everything again:

* ``evaluation_failed`` (major): a place the sensor hung in could not be judged (its
  previous findings stand, but nothing new is found there until this is fixed);
* ``evaluation_incomplete`` (minor): everything was judged except readings dated beyond
  the allowed skew ahead of the clock, which are left out until voided or their time comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.monitoring.models import Alert, AlertStatus, Sensor, SensorAttachment
from wms.i18n import N_
from wms.local_time import stamp_at
from wms.models import Location

FAILED = "evaluation_failed"
INCOMPLETE = "evaluation_incomplete"
RESOLUTION = "evaluated"


def alert_key(sensor_id: int) -> str:
    return f"evaluation:{sensor_id}"


def _place(session: Session, sensor: Sensor) -> Location | None:
    """Where the sensor hangs, or last hung: whose people must hear of it."""
    location_id = sensor.location_id or session.scalar(
        select(SensorAttachment.location_id).where(SensorAttachment.sensor_id == sensor.id)
        .order_by(SensorAttachment.attached_at.desc()).limit(1))
    return session.get(Location, location_id) if location_id else None


def _message(sensor: Sensor, place: Location | None, failures: Sequence[str],
             ignored: str) -> str:
    if not failures:
        if place:
            return N_("sensor {sensor} at {place}: {ignored}", sensor=sensor.serial,
                      place=place.code, ignored=ignored)
        return N_("sensor {sensor}: {ignored}", sensor=sensor.serial, ignored=ignored)
    # each failure says where: "at SH1-C: why", or "at all: why" for the whole sensor
    text = N_("sensor {sensor} could not be evaluated {failures}; no excursion is found "
              "there until this is fixed", sensor=sensor.serial, failures="; ".join(failures))
    return N_("{text}. Also: {ignored}", text=text, ignored=ignored) if ignored else text


def record(session: Session, sensor: Sensor, *, failures: Sequence[str], ignored: str,
           now: datetime) -> str | None:
    """Raise, update or resolve the sensor's evaluation alert; return its message, if open."""
    sensor.evaluated_at = now
    sensor.evaluation_error = "; ".join(failures)
    key = alert_key(sensor.id)
    current = session.scalar(select(Alert).where(
        Alert.finding_key == key, Alert.status != AlertStatus.RESOLVED)
        .order_by(Alert.id.desc()).limit(1))
    if not failures and not ignored:
        if current is not None:
            current.status, current.resolution = AlertStatus.RESOLVED, RESOLUTION
            current.resolved_at = now
            current.resolution_comment = N_(
                "sensor {sensor} evaluated with every reading judged at {time}",
                sensor=sensor.serial, time=stamp_at(now, _place(session, sensor)))
        return None
    kind, severity = (FAILED, "major") if failures else (INCOMPLETE, "minor")
    place = _place(session, sensor)
    message = _message(sensor, place, failures, ignored)
    if current is None:
        session.add(Alert(kind=kind, severity=severity, message=message, finding_key=key,
                          location_id=place.id if place else None,
                          warehouse_id=place.warehouse_id if place else None))
    elif (current.kind, current.message) != (kind, message):
        current.kind, current.severity, current.message = kind, severity, message
    session.flush()
    return message
