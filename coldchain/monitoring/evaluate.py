"""Re-evaluating a sensor's findings from everything stored, whatever order it arrived in.

A sensor's series is judged per attachment (the place it hung, with that place's
zone rules). The findings of an attachment are recomputed from all its readings
and replace the previous ones, so a late or duplicated reading gives the same
result as an orderly stream. Alerts are keyed by the finding's natural key
(sensor, place, rule, start) so re-evaluation never raises the same alert twice.

A sensor's data never stops its evaluation, nor anyone else's: voided readings are left
out; readings dated beyond the allowed skew ahead of the clock are left out (they would
hold until their date and hide everything before it) and reported; an attachment that
cannot be judged keeps its previous findings while the others are judged; a sensor that
cannot be judged at all does not stop the other sensors of a batch. What could not be
judged becomes an alert for the sensor's warehouse (``evaluation_alerts``), resolved by
the next evaluation that judges everything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from coldchain.analysis.excursions import (
    CONSECUTIVE,
    CUMULATIVE,
    AlarmRule,
    Evaluation,
    evaluate,
)
from coldchain.analysis.readings.clock import span
from coldchain.monitoring import alarm_rules, evaluation_alerts, excursion_alerts
from coldchain.monitoring.actions import check_shelf_life, hold_exposed_lots
from coldchain.monitoring.excursion_alerts import Excursion
from coldchain.monitoring.exposure import subtree
from coldchain.monitoring.ingest import max_skew_s
from coldchain.monitoring.lot_exposure import check_lots_exposed_at
from coldchain.monitoring.models import (
    Finding,
    FindingKind,
    Reading,
    Sensor,
    SensorAttachment,
)
from coldchain.monitoring.voids import not_voided
from wms.db import transaction
from wms.models import Location
from wms.models.base import utcnow

log = logging.getLogger(__name__)
SEVERE = "severe"  # the severity at which exposed lots are put on hold (data/alarm_rules.json)

def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def _dt(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def series(session: Session, sensor_id: int, start: datetime | None,
           end: datetime | None) -> tuple[np.ndarray, np.ndarray]:
    """A sensor's readings in [start, end), in time order, voided readings left out."""
    stmt = select(Reading.ts, Reading.temp_c).where(Reading.sensor_id == sensor_id,
                                                    not_voided())
    if start is not None:
        stmt = stmt.where(Reading.ts >= start)
    if end is not None:
        stmt = stmt.where(Reading.ts < end)
    rows = session.execute(stmt.order_by(Reading.ts)).all()
    times = np.fromiter((_epoch(r[0]) for r in rows), dtype=np.int64, count=len(rows))
    temps = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    return times, temps


@dataclass
class SensorOutcome:
    """What one evaluation of a sensor found, and what it could not judge."""

    counts: dict[str, int]
    failures: list[str] = field(default_factory=list)
    ignored: str = ""
    alert_message: str | None = None


def _ahead(session: Session, sensor: Sensor, cutoff: datetime, now: datetime) -> str:
    """Why readings stored beyond the cutoff are left out ("" when there are none)."""
    count, first = session.execute(
        select(func.count(), func.min(Reading.ts))
        .where(Reading.sensor_id == sensor.id, Reading.ts >= cutoff, not_voided())).one()
    if not count:
        return ""
    many = "reading" if count == 1 else "readings"
    return (f"{count} {many} ahead of the server clock left out of evaluation (the first at "
            f"{first.isoformat()}, {span((first - now).total_seconds())} ahead); void "
            f"{'it' if count == 1 else 'them'} if wrong (POST /api/sensors/{sensor.serial}"
            f"/readings/voids or wms readings void)")


def judge_sensor(session: Session, sensor_id: int, now: datetime | None = None,
                 max_skew_min: float | None = None) -> SensorOutcome:
    """Recompute the findings of every attachment of a sensor and record the outcome."""
    now = now or utcnow()
    cutoff = now + timedelta(seconds=max_skew_s(max_skew_min))
    book = alarm_rules.load()
    # One evaluation of a sensor at a time: findings are replaced wholesale.
    sensor = session.get(Sensor, sensor_id, with_for_update=True)
    if sensor is None:
        raise LookupError(f"no sensor with id {sensor_id}")
    outcome = SensorOutcome({"excursions": 0, "alarms": 0, "gaps": 0, "alerts_raised": 0,
                              "lots_held": 0})
    links = session.scalars(select(SensorAttachment)
                            .where(SensorAttachment.sensor_id == sensor_id)
                            .order_by(SensorAttachment.attached_at)).all()
    for link in links:
        location = session.get(Location, link.location_id)
        counts = dict.fromkeys(outcome.counts, 0)
        try:
            # A savepoint per attachment: one that cannot be judged keeps its old findings
            # and does not undo what the others found.
            with session.begin_nested():
                _judge_attachment(session, sensor, link, location, book, now, cutoff, counts)
        except Exception as exc:  # whatever it is, people must hear of it
            log.exception("evaluation of sensor %s at %s failed", sensor.serial, location.code)
            outcome.failures.append(f"at {location.code}: {exc}")
            continue
        for k, v in counts.items():
            outcome.counts[k] += v
        if link.detached_at is None:
            outcome.ignored = _ahead(session, sensor, cutoff, now)
    outcome.counts["failed"] = len(outcome.failures)
    outcome.alert_message = evaluation_alerts.record(
        session, sensor, failures=outcome.failures, ignored=outcome.ignored, now=now)
    return outcome


def place_rules(rules) -> tuple[list[AlarmRule], dict[str, str]]:
    """A place's rules as the place is judged, and each rule's own kind by its label.

    A cumulative rule counts a lot's time over its journey (``lot_exposure``); at the place
    each out-of-range period is an excursion of its own, alarmed when that period alone
    reaches the delay, so a place's old excursions never add up against lots that come
    later and an alarm weeks ago does not hide the abuse of today.
    """
    out, kinds = [], {}
    for rule in rules:
        kinds[rule.label] = rule.kind
        out.append(replace(rule, kind=CONSECUTIVE, name=rule.label)
                   if rule.kind == CUMULATIVE else rule)
    return out, kinds


def _judge_attachment(session: Session, sensor: Sensor, link: SensorAttachment,
                      location: Location, book, now: datetime, cutoff: datetime,
                      counts: dict[str, int]) -> None:
    rules, kinds = place_rules(book.for_zone(location.temp_zone))
    times, temps = series(session, sensor.id, link.attached_at, link.detached_at or cutoff)
    end = _epoch(link.detached_at or now)
    if times.size:
        # readings within the skew are real: the series is observed at least until them
        end = max(end, int(times[-1]))
    result = evaluate(times, temps, rules, sensor.sampling_interval_s,
                      book.max_gap_intervals, end_time=end) if rules else None
    _replace_findings(session, sensor, link, location, result, counts, kinds,
                      closed_at=link.detached_at)
    counts["lots_held"] = counts.get("lots_held", 0) + check_lots_exposed_at(
        session, location, times, temps, book, link.detached_at, now)


def evaluate_sensor(session: Session, sensor_id: int, now: datetime | None = None,
                    max_skew_min: float | None = None) -> dict[str, int]:
    """Recompute the findings of every attachment of a sensor; return counts."""
    return judge_sensor(session, sensor_id, now, max_skew_min).counts


def _replace_findings(session: Session, sensor: Sensor, link: SensorAttachment,
                      location: Location, result: Evaluation | None,
                      counts: dict[str, int], kinds: dict[str, str],
                      closed_at: datetime | None) -> None:
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
            details={"kind": kinds.get(exc.rule.label, exc.rule.kind), "periods": exc.periods,
                     "closed_by": exc.closed_by,
                     "peak_at": _dt(exc.peak_at).isoformat()},
        )
        session.add(finding)
        counts["excursions"] += 1
        if exc.alarmed:
            counts["alarms"] += 1
            session.flush()
            counts["alerts_raised"] += _alert_for(session, finding, location,
                                                  kinds.get(exc.rule.label, exc.rule.kind))
    for gap in result.gaps:
        # A sensor that left the place before its data resumed: the gap ended when it left.
        end = _dt(gap.end) if gap.end is not None else closed_at
        session.add(Finding(kind=FindingKind.GAP, sensor_id=sensor.id, location_id=location.id,
                            rule="data gap", severity="minor", start=_dt(gap.start),
                            end=end, duration_s=gap.duration_s))
        counts["gaps"] += 1
    session.flush()


def _alert_for(session: Session, finding: Finding, location: Location, kind: str) -> int:
    """Raise the excursion's alert once; a severe consecutive excursion holds the lots
    that sat through it, found again on every evaluation (lots that came during it too)."""
    _, raised = excursion_alerts.alert_for(session, Excursion.of(finding, location))
    if finding.severity == SEVERE and kind == CONSECUTIVE:
        hold_exposed_lots(session, finding, location)
    return int(raised)


@dataclass
class RunReport:
    """A batch of sensors evaluated: totals, and per sensor what could not be judged."""

    totals: dict[str, int] = field(default_factory=dict)
    failed: list[dict[str, str]] = field(default_factory=list)
    incomplete: list[dict[str, str]] = field(default_factory=list)
    succeeded: list[int] = field(default_factory=list)


def evaluate_sensors(factory: sessionmaker[Session], sensor_ids: Sequence[int], *,
                     now: datetime | None = None,
                     progress: Callable[[int], None] | None = None) -> RunReport:
    """Evaluate each sensor in a transaction of its own; one failing never stops the rest."""
    report = RunReport()
    for i, sensor_id in enumerate(sensor_ids):
        if progress:
            progress(i)
        try:
            with transaction(factory) as session:
                outcome = judge_sensor(session, sensor_id, now)
                serial = session.get(Sensor, sensor_id).serial
        except Exception as exc:  # a failure must become an alert, not a stop
            log.exception("evaluation of sensor %s failed", sensor_id)
            report.failed.append(_record_failure(factory, sensor_id, exc, now))
            continue
        for k, v in outcome.counts.items():
            report.totals[k] = report.totals.get(k, 0) + v
        if outcome.failures:
            report.failed.append({"sensor": serial, "reason": outcome.alert_message or ""})
            continue
        report.succeeded.append(sensor_id)
        if outcome.ignored:
            report.incomplete.append({"sensor": serial, "reason": outcome.alert_message or ""})
    return report


def _record_failure(factory: sessionmaker[Session], sensor_id: int, exc: Exception,
                    now: datetime | None) -> dict[str, str]:
    reason = str(exc) or type(exc).__name__
    try:
        with transaction(factory) as session:
            sensor = session.get(Sensor, sensor_id)
            if sensor is None:
                return {"sensor": f"#{sensor_id}", "reason": reason}
            message = evaluation_alerts.record(session, sensor, failures=[f"at all: {reason}"],
                                               ignored="",
                                               now=now or utcnow())
            return {"sensor": sensor.serial, "reason": message or reason}
    except Exception:  # the database itself failing: the log and report say so
        log.exception("could not record the failed evaluation of sensor %s", sensor_id)
        return {"sensor": f"#{sensor_id}", "reason": reason}


def evaluation_job(factory: sessionmaker[Session], params: dict[str, Any],
                   progress) -> dict[str, Any]:
    """Background job: re-evaluate the sensors of a batch of readings."""
    sensor_ids = list(params["sensor_ids"])
    report = evaluate_sensors(
        factory, sensor_ids, progress=lambda i: progress(
            90.0 * i / max(1, len(sensor_ids)), f"sensor {i + 1} of {len(sensor_ids)}"))
    progress(90.0, "checking the shelf life of lots in the measured places")
    totals = dict(report.totals)
    with transaction(factory) as session:
        places = sorted({pid for sid in sensor_ids
                         for loc_id in session.scalars(select(SensorAttachment.location_id)
                                                       .where(SensorAttachment.sensor_id == sid))
                         for pid in subtree(session, session.get(Location, loc_id))})
        totals["lots_held_for_shelf_life"] = len(check_shelf_life(session, location_ids=places))
    return {"sensors": len(sensor_ids), **totals, "failed": report.failed,
            "incomplete": report.incomplete}
