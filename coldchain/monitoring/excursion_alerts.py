"""One alert per excursion, listing the lots it put on hold.

An excursion is a place's out-of-range period under one rule, named by its natural key
(sensor, place, rule, start; ``Finding.natural_key``). Its alert is raised once; every lot
held because of it (by its own cumulative time, by sitting through it, or on entry while
it was in alarm) becomes a ``lot_hold`` alert linked to it, so people see one card with
its lots and release or scrap them together (``alerts.resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.monitoring.models import Alert, AlertStatus, Finding
from wms.i18n import N_
from wms.local_time import stamp_at
from wms.models import Location, Lot, LotStatus


@dataclass(frozen=True)
class Excursion:
    """What an excursion alert says, whether or not a finding of the place names it."""

    key: str
    severity: str
    location: Location
    sensor_serial: str
    rule: str
    start: datetime
    peak_c: float | None
    finding_id: int | None = None
    detail: str = ""

    @classmethod
    def of(cls, finding: Finding, location: Location) -> Excursion:
        return cls(finding.natural_key, finding.severity, location, finding.sensor.serial,
                   finding.rule, finding.start, finding.peak_c, finding.id,
                   N_("{minutes} min out of range", minutes=f"{finding.duration_s / 60:.0f}"))


SEVERITIES = {"severe": N_("severe"), "major": N_("major"), "minor": N_("minor")}
ALREADY = {LotStatus.HOLD: N_("already hold"), LotStatus.QUARANTINE: N_("already quarantine"),
           LotStatus.RECALLED: N_("already recalled"), LotStatus.SPOILED: N_("already spoiled"),
           LotStatus.EXPIRED: N_("already expired")}


def message(exc: Excursion) -> str:
    text = N_("{severity} excursion at {place} (sensor {sensor}): {rule}",
              severity=SEVERITIES.get(exc.severity, exc.severity), place=exc.location.code,
              sensor=exc.sensor_serial, rule=exc.rule)
    if exc.peak_c is not None:
        text = N_("{text}; peak {peak} °C", text=text, peak=f"{exc.peak_c:.1f}")
    if exc.detail:
        text = N_("{text}, {detail}", text=text, detail=exc.detail)
    return N_("{text} since {time}", text=text, time=stamp_at(exc.start, exc.location))


def alert_for(session: Session, exc: Excursion) -> tuple[Alert, bool]:
    """The excursion's alert, raised if it is not yet; ``(alert, raised now)``."""
    alert = session.scalar(select(Alert).where(Alert.finding_key == exc.key,
                                               Alert.parent_id.is_(None))
                           .order_by(Alert.id).limit(1))
    if alert is not None:
        if exc.finding_id is not None:
            alert.finding_id = exc.finding_id
        return alert, False
    alert = Alert(kind="excursion", severity=exc.severity, message=message(exc),
                  finding_id=exc.finding_id, finding_key=exc.key, location_id=exc.location.id,
                  warehouse_id=exc.location.warehouse_id)
    session.add(alert)
    session.flush()
    return alert, True


def lot_key(lot_id: int, excursion_key: str) -> str:
    return f"lot:{lot_id}:{excursion_key}"


def already_listed(session: Session, lot_id: int, excursion_key: str) -> bool:
    return session.scalar(select(Alert.id).where(
        Alert.finding_key == lot_key(lot_id, excursion_key))) is not None


def list_lot(session: Session, parent: Alert, lot: Lot, *, units: int, why: str,
             held: bool) -> Alert:
    """Add a lot to the excursion's alert; an alert already resolved opens again, since a
    lot on it now waits for someone to decide."""
    state = N_("put on hold") if held else ALREADY.get(lot.status, N_("already {status}",
                                                                       status=lot.status))
    child = Alert(kind="lot_hold", severity=parent.severity, lot_id=lot.id,
                  finding_id=parent.finding_id, finding_key=lot_key(lot.id, parent.finding_key),
                  location_id=parent.location_id, warehouse_id=parent.warehouse_id,
                  parent_id=parent.id,
                  message=N_("lot {lot} ({product}, {units} units) {state}: {why}",
                             lot=lot.lot_code, product=lot.product.name, units=units,
                             state=state, why=why))
    session.add(child)
    if parent.status == AlertStatus.RESOLVED and held:
        parent.status, parent.resolution = AlertStatus.OPEN, ""
    session.flush()
    return child
