"""Holding a lot whose own journey used up a cumulative rule, and which lots to check.

A lot's stays come from the ledger (``lot_history.stints``), the temperatures from the
sensor measuring each place; ``coldchain.analysis.journey`` counts them. The place's
excursion during which the lot reached its limit holds it: the lot is listed on that
excursion's alert (``excursion_alerts``), once; a lot released from it is not held again
for the same excursion.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coldchain.analysis.excursions import CUMULATIVE
from coldchain.analysis.journey import JourneyAlarm, Stay, journey_alarms
from coldchain.analysis.rules import RuleBook
from coldchain.monitoring import excursion_alerts
from coldchain.monitoring.excursion_alerts import Excursion
from coldchain.monitoring.exposure import exposed_lots
from coldchain.monitoring.lot_history import measured_windows, stints
from coldchain.monitoring.models import Finding, FindingKind, Reading, Sensor
from coldchain.monitoring.voids import not_voided
from wms.i18n import N_
from wms.local_time import stamp_at
from wms.models import Location, Lot, LotStatus
from wms.models.ledger import StockBalance
from wms.stock import hold_lot

SEVERE = "severe"  # the severity at which lots are put on hold (data/alarm_rules.json)
# Readings this long before a lot arrived are read too: the one in force when it came, and
# where the place's out-of-range period it arrived into began.
LOOKBACK = timedelta(days=1)


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def holding_rules(book: RuleBook, zone) -> list:
    return [r for r in book.for_zone(zone) if r.kind == CUMULATIVE and r.severity == SEVERE]


def lot_stays(session: Session, lot_id: int, book: RuleBook, now: datetime) -> list[Stay]:
    found = stints(session, lot_id)
    if not found:
        return []
    stays = []
    for k, sensor_id, lo, hi, attached in measured_windows(session, found, now):
        since = max(attached, lo - LOOKBACK)
        rows = session.execute(select(Reading.ts, Reading.temp_c).where(
            Reading.sensor_id == sensor_id, Reading.ts >= since, Reading.ts < hi,
            not_voided()).order_by(Reading.ts)).all()
        interval = session.scalar(select(Sensor.sampling_interval_s)
                                  .where(Sensor.id == sensor_id))
        stays.append(Stay(
            place=found[k].measured_by, start=_epoch(lo), end=_epoch(hi),
            times=np.fromiter((_epoch(r[0]) for r in rows), np.int64, len(rows)),
            temps=np.fromiter((r[1] for r in rows), np.float64, len(rows)),
            sensor=sensor_id, max_gap_s=book.max_gap_intervals * interval))
    return stays


def judge_lot(session: Session, lot: Lot, book: RuleBook, now: datetime) -> bool:
    """Hold the lot if its journey reached a severe cumulative rule; whether it did now."""
    rules = holding_rules(book, lot.product.temp_class)
    if not rules or lot.status != LotStatus.AVAILABLE:
        return False
    stays = lot_stays(session, lot.id, book, now)
    alarms = journey_alarms(stays, rules, min_dwell_s=book.min_dwell_min * 60,
                            max_gap_s=None)
    for alarm in sorted((a for a in alarms if a.alarmed), key=lambda a: a.alarm_at):
        stay = stays[alarm.stay]
        exc = _excursion(session, stay, alarm)
        if excursion_alerts.already_listed(session, lot.id, exc.key):
            continue
        parent, _ = excursion_alerts.alert_for(session, exc)
        why = N_("{minutes} min out of range over its journey reached {rule} ({delay} min) "
                 "at {place} on {time}", minutes=f"{alarm.counted_s / 60:.0f}",
                 rule=alarm.rule.label, delay=f"{alarm.rule.delay_min:g}",
                 place=exc.location.code,
                 time=stamp_at(datetime.fromtimestamp(alarm.alarm_at, UTC), exc.location))
        hold_lot(session, lot.id, N_("cold-chain exposure: {why}", why=why), actor_id=None)
        excursion_alerts.list_lot(session, parent, lot, units=units_of(session, lot.id),
                                  why=why, held=True)
        return True
    return False


def units_of(session: Session, lot_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(StockBalance.on_hand), 0))
                              .where(StockBalance.lot_id == lot_id)) or 0)


def _excursion(session: Session, stay: Stay, alarm: JourneyAlarm) -> Excursion:
    """The place's excursion the lot reached its limit in: the finding of the place with
    that rule if the place judges it, else one described from the readings."""
    location = session.get(Location, stay.place)
    start = datetime.fromtimestamp(alarm.run_start, UTC)
    finding = session.scalar(select(Finding).where(
        Finding.kind == FindingKind.EXCURSION, Finding.sensor_id == stay.sensor,
        Finding.location_id == stay.place, Finding.rule == alarm.rule.label,
        Finding.start == start).limit(1))
    if finding is not None:
        return Excursion.of(finding, location)
    serial = session.scalar(select(Sensor.serial).where(Sensor.id == stay.sensor))
    key = f"{stay.sensor}:{stay.place}:{alarm.rule.label}:{start:%Y%m%dT%H%M%SZ}"
    return Excursion(key, alarm.rule.severity, location, serial, alarm.rule.label, start,
                     alarm.peak_c)


def check_lots_exposed_at(session: Session, location: Location, times: np.ndarray,
                          temps: np.ndarray, book: RuleBook, until: datetime | None,
                          now: datetime) -> int:
    """Judge every available lot that was in the place while a holding rule of any zone
    was broken there; return how many were held."""
    rules = [r for zone in book.zones for r in holding_rules(book, zone)]
    if not rules or times.size == 0:
        return 0
    out = np.zeros(times.size, dtype=bool)
    for rule in rules:
        out |= rule.violated(temps)
    if not out.any():
        return 0
    first = datetime.fromtimestamp(int(times[np.flatnonzero(out)[0]]), UTC)
    held = 0
    for lot_id in sorted(exposed_lots(session, location, first, until)):
        lot = session.get(Lot, lot_id)
        if lot.status == LotStatus.AVAILABLE and judge_lot(session, lot, book, now):
            held += 1
    return held
