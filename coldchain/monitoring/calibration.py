"""Calibration of sensors: certificates, when each is due, and what is past due.

GB 31605-2020 wants temperature records from calibrated instruments. Each calibration
is a row that is never changed; the latest by calibration date is in force. A sensor
whose calibration ran out raises one alert for its warehouse (per due date), and every
report that uses its readings says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.monitoring.models import Alert, Sensor, SensorCalibration
from wms.errors import Conflict, ValidationFailed
from wms.i18n import N_
from wms.models import Location, Warehouse

KIND = "calibration_overdue"


@dataclass(frozen=True)
class CalibrationStatus:
    status: str  # valid | due_soon | overdue | none
    current: SensorCalibration | None

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    def to_dict(self) -> dict[str, Any]:
        c = self.current
        return {"certificate": c.certificate if c else None,
                "calibrated_on": c.calibrated_on.isoformat() if c else None,
                "due_on": c.due_on.isoformat() if c else None,
                "calibrated_by": c.calibrated_by if c else None,
                "status": self.status}


def status_of(calibration: SensorCalibration | None, on: date, *,
              due_soon_days: int) -> CalibrationStatus:
    if calibration is None:
        return CalibrationStatus("none", None)
    left = (calibration.due_on - on).days
    name = "overdue" if left < 0 else "due_soon" if left <= due_soon_days else "valid"
    return CalibrationStatus(name, calibration)


def history(session: Session, sensor_id: int) -> list[SensorCalibration]:
    """Newest first: the first one is in force."""
    return list(session.scalars(
        select(SensorCalibration).where(SensorCalibration.sensor_id == sensor_id)
        .order_by(SensorCalibration.calibrated_on.desc(), SensorCalibration.id.desc())))


def current(session: Session, sensor_ids: set[int]) -> dict[int, SensorCalibration]:
    """The calibration in force per sensor, for many sensors in one query."""
    if not sensor_ids:
        return {}
    rows = session.scalars(
        select(SensorCalibration).where(SensorCalibration.sensor_id.in_(sensor_ids))
        .order_by(SensorCalibration.sensor_id, SensorCalibration.calibrated_on,
                  SensorCalibration.id))
    return {c.sensor_id: c for c in rows}  # the last per sensor wins


def statuses(session: Session, sensor_ids: set[int], on: date, *,
             due_soon_days: int) -> dict[int, CalibrationStatus]:
    found = current(session, sensor_ids)
    return {sid: status_of(found.get(sid), on, due_soon_days=due_soon_days)
            for sid in sensor_ids}


def overdue_now(session: Session, sensor_ids: set[int], *, default_tz: str
                ) -> dict[int, tuple[str, bool]]:
    """Per sensor: its serial, and whether its calibration is past due today where it
    hangs (a sensor never calibrated is not flagged: ``none`` is shown on the sensor)."""
    if not sensor_ids:
        return {}
    rows = session.execute(
        select(Sensor.id, Sensor.serial, Warehouse.timezone)
        .outerjoin(Location, Location.id == Sensor.location_id)
        .outerjoin(Warehouse, Warehouse.id == Location.warehouse_id)
        .where(Sensor.id.in_(sensor_ids))).all()
    in_force = current(session, sensor_ids)
    out = {}
    for sensor_id, serial, tz in rows:
        cal = in_force.get(sensor_id)
        today = datetime.now(ZoneInfo(tz or default_tz)).date()
        out[sensor_id] = (serial, cal is not None and cal.due_on < today)
    return out


def local_today(session: Session, sensor: Sensor, default_tz: str) -> date:
    """Today where the sensor hangs: a due date is a day in that warehouse."""
    tz = default_tz
    if sensor.location_id is not None:
        found = session.scalar(select(Warehouse.timezone).join(
            Location, Location.warehouse_id == Warehouse.id).where(
            Location.id == sensor.location_id))
        tz = found or default_tz
    return datetime.now(ZoneInfo(tz)).date()


def record(session: Session, sensor: Sensor, *, certificate: str, calibrated_on: date,
           due_on: date, calibrated_by: str, user_id: int | None,
           today: date) -> SensorCalibration:
    certificate, calibrated_by = certificate.strip(), calibrated_by.strip()
    errors: dict[str, list[str]] = {}
    if not certificate:
        errors["certificate"] = [N_("give the calibration certificate's number")]
    if not calibrated_by:
        errors["calibrated_by"] = [
            N_("say who calibrated the sensor (laboratory or person)")]
    if calibrated_on > today:
        errors["calibrated_on"] = [N_("{day} is in the future (today is {today})",
                                      day=calibrated_on, today=today)]
    if due_on <= calibrated_on:
        errors["due_on"] = [
            N_("the next calibration falls due after this one was made")]
    if errors:
        raise ValidationFailed(errors)
    clash = session.scalar(select(SensorCalibration.id).where(
        SensorCalibration.sensor_id == sensor.id, SensorCalibration.certificate == certificate))
    if clash is not None:
        raise Conflict(N_("certificate {certificate} is already recorded for sensor "
                          "{serial}; calibrations are never changed, record the next one "
                          "with its own certificate", certificate=certificate,
                          serial=sensor.serial), field="certificate")
    row = SensorCalibration(sensor_id=sensor.id, certificate=certificate,
                            calibrated_on=calibrated_on, due_on=due_on,
                            calibrated_by=calibrated_by, recorded_by=user_id)
    session.add(row)
    session.flush()
    return row


def raise_overdue_alerts(session: Session, *, default_tz: str) -> int:
    """One alert per sensor and due date that has passed, for the sensor's warehouse.

    A sensor never calibrated raises none here: the lists show ``none`` for it. The
    alert's key carries the due date, so a sensor recalibrated and overdue again later
    raises a new one; running this again raises nothing twice.
    """
    rows = session.execute(
        select(Sensor, Location.warehouse_id, Location.id, Warehouse.timezone)
        .join(Location, Location.id == Sensor.location_id)
        .join(Warehouse, Warehouse.id == Location.warehouse_id)
        .where(Sensor.active.is_(True))).all()
    if not rows:
        return 0
    in_force = current(session, {r[0].id for r in rows})
    raised = 0
    for sensor, warehouse_id, location_id, tz in rows:
        cal = in_force.get(sensor.id)
        today = datetime.now(ZoneInfo(tz or default_tz)).date()
        if cal is None or cal.due_on >= today:
            continue
        key = f"calibration:{sensor.id}:{cal.due_on:%Y%m%d}"
        if session.scalar(select(Alert.id).where(Alert.finding_key == key)) is not None:
            continue
        session.add(Alert(
            kind=KIND, severity="minor", finding_key=key, location_id=location_id,
            warehouse_id=warehouse_id,
            message=N_("sensor {sensor}: calibration (certificate {certificate}) was due on "
                       "{due}; its readings are not from a calibrated instrument until it "
                       "is recalibrated", sensor=sensor.serial, certificate=cal.certificate,
                       due=str(cal.due_on))))
        raised += 1
    session.flush()
    return raised
