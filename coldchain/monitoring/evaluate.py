"""Re-evaluating a sensor's findings from everything stored, whatever order it arrived in.

A sensor's series is judged per attachment (the place it hung, with that place's
zone rules). The findings of an attachment are recomputed from all its readings
and replace the previous ones, so a late or duplicated reading gives the same
result as an orderly stream. Alerts are keyed by the finding's natural key
(sensor, place, rule, start) so re-evaluation never raises the same alert twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from coldchain.analysis.excursions import Evaluation, evaluate
from coldchain.monitoring import alarm_rules
from coldchain.monitoring.actions import check_shelf_life, hold_exposed_lots
from coldchain.monitoring.exposure import subtree
from coldchain.monitoring.models import (
    Alert,
    Finding,
    FindingKind,
    Reading,
    Sensor,
    SensorAttachment,
)
from wms.db import transaction
from wms.models import Location
from wms.models.base import utcnow

SEVERE = "severe"  # the severity at which exposed lots are put on hold (data/alarm_rules.json)

def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def _dt(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def series(session: Session, sensor_id: int, start: datetime | None,
           end: datetime | None) -> tuple[np.ndarray, np.ndarray]:
    stmt = select(Reading.ts, Reading.temp_c).where(Reading.sensor_id == sensor_id)
    if start is not None:
        stmt = stmt.where(Reading.ts >= start)
    if end is not None:
        stmt = stmt.where(Reading.ts < end)
    rows = session.execute(stmt.order_by(Reading.ts)).all()
    times = np.fromiter((_epoch(r[0]) for r in rows), dtype=np.int64, count=len(rows))
    temps = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    return times, temps


def evaluate_sensor(session: Session, sensor_id: int,
                    now: datetime | None = None) -> dict[str, int]:
    """Recompute the findings of every attachment of a sensor; return counts."""
    now = now or utcnow()
    book = alarm_rules.load()
    # One evaluation of a sensor at a time: findings are replaced wholesale.
    sensor = session.get(Sensor, sensor_id, with_for_update=True)
    counts = {"excursions": 0, "alarms": 0, "gaps": 0, "alerts_raised": 0}
    links = session.scalars(select(SensorAttachment)
                            .where(SensorAttachment.sensor_id == sensor_id)
                            .order_by(SensorAttachment.attached_at)).all()
    for link in links:
        location = session.get(Location, link.location_id)
        rules = book.for_zone(location.temp_zone)
        end = link.detached_at or now
        times, temps = series(session, sensor_id, link.attached_at, link.detached_at)
        result = evaluate(times, temps, rules, sensor.sampling_interval_s,
                          book.max_gap_intervals, end_time=_epoch(end)) if rules else None
        _replace_findings(session, sensor, link, location, result, counts)
    return counts


def _replace_findings(session: Session, sensor: Sensor, link: SensorAttachment,
                      location: Location, result: Evaluation | None,
                      counts: dict[str, int]) -> None:
    window = [Finding.sensor_id == sensor.id, Finding.location_id == location.id,
              Finding.start >= link.attached_at]
    if link.detached_at is not None:
        window.append(Finding.start < link.detached_at)
    session.execute(delete(Finding).where(*window))
    if result is None:
        return
    for exc in result.excursions:
        start = _dt(exc.start)
        finding = Finding(
            kind=FindingKind.EXCURSION, sensor_id=sensor.id, location_id=location.id,
            rule=exc.rule.label, direction=exc.rule.direction, threshold_c=exc.rule.threshold_c,
            delay_min=exc.rule.delay_min, severity=exc.rule.severity, start=start,
            alarm_at=_dt(exc.alarm_at), end=_dt(exc.end), peak_c=exc.peak_c,
            duration_s=exc.duration_s, degree_minutes=exc.degree_minutes,
            details={"kind": exc.rule.kind, "periods": exc.periods, "closed_by": exc.closed_by,
                     "peak_at": _dt(exc.peak_at).isoformat()},
        )
        session.add(finding)
        counts["excursions"] += 1
        if exc.alarmed:
            counts["alarms"] += 1
            session.flush()
            counts["alerts_raised"] += _alert_for(session, finding, location, sensor)
    for gap in result.gaps:
        session.add(Finding(kind=FindingKind.GAP, sensor_id=sensor.id, location_id=location.id,
                            rule="data gap", severity="minor", start=_dt(gap.start),
                            end=_dt(gap.end), duration_s=gap.duration_s))
        counts["gaps"] += 1
    session.flush()


def _alert_for(session: Session, finding: Finding, location: Location, sensor: Sensor) -> int:
    key = finding.natural_key
    existing = session.scalar(select(Alert).where(Alert.finding_key == key))
    if existing is not None:
        existing.finding_id = finding.id
        return 0
    where = location.code
    message = (f"{finding.severity} excursion at {where} (sensor {sensor.serial}): "
               f"{finding.rule}; peak {finding.peak_c:.1f} °C, "
               f"{finding.duration_s / 60:.0f} min out of range since "
               f"{finding.start:%Y-%m-%d %H:%M}Z")
    session.add(Alert(kind="excursion", severity=finding.severity, message=message,
                      finding_id=finding.id, finding_key=key, location_id=location.id,
                      warehouse_id=location.warehouse_id))
    if finding.severity == SEVERE:
        hold_exposed_lots(session, finding, location)
    return 1


def evaluation_job(factory: sessionmaker[Session], params: dict[str, Any],
                   progress) -> dict[str, Any]:
    """Background job: re-evaluate the sensors of a batch of readings."""
    totals: dict[str, int] = {}
    sensor_ids = list(params["sensor_ids"])
    for i, sensor_id in enumerate(sensor_ids):
        progress(90.0 * i / max(1, len(sensor_ids)), f"sensor {i + 1} of {len(sensor_ids)}")
        with transaction(factory) as session:
            for k, v in evaluate_sensor(session, sensor_id).items():
                totals[k] = totals.get(k, 0) + v
    progress(90.0, "checking the shelf life of lots in the measured places")
    with transaction(factory) as session:
        places = sorted({pid for sid in sensor_ids
                         for loc_id in session.scalars(select(SensorAttachment.location_id)
                                                       .where(SensorAttachment.sensor_id == sid))
                         for pid in subtree(session, session.get(Location, loc_id))})
        totals["lots_held_for_shelf_life"] = len(check_shelf_life(session, location_ids=places))
    return {"sensors": len(sensor_ids), **totals}
