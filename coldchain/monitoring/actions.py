"""What the system does about a severe excursion: hold every lot that sat through it.

Each hold is a ledger move (through ``wms.stock.hold_lot``) and raises an alert
for people to acknowledge and resolve (release or scrap).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.monitoring import excursion_alerts
from coldchain.monitoring.alarm_rules import load as load_rules
from coldchain.monitoring.excursion_alerts import Excursion
from coldchain.monitoring.exposure import exposed_lots, subtree
from coldchain.monitoring.lot_history import history, stints
from coldchain.monitoring.models import Alert, Finding
from wms.i18n import N_
from wms.local_time import stamp_at
from wms.models import Location, Lot, LotStatus
from wms.models.base import utcnow
from wms.models.ledger import StockBalance
from wms.stock import hold_lot


def hold_exposed_lots(session: Session, finding: Finding, location: Location) -> list[int]:
    """Hold the lots that stayed in the place at least the minimum dwell time while the
    excursion went on, and list them on its alert (each lot once)."""
    held = []
    parent, _ = excursion_alerts.alert_for(session, Excursion.of(finding, location))
    reason = N_("cold-chain excursion at {place}: {rule}, peak {peak} °C from {time}",
                place=location.code, rule=finding.rule, peak=f"{finding.peak_c:.1f}",
                time=stamp_at(finding.start, location))
    min_dwell = timedelta(minutes=load_rules().min_dwell_min)
    places = set(subtree(session, location))
    for lot_id, units in sorted(exposed_lots(session, location, finding.start,
                                             finding.end).items()):
        if excursion_alerts.already_listed(session, lot_id, parent.finding_key):
            continue
        if not _dwelt(session, lot_id, places, finding, min_dwell):
            continue
        lot = session.get(Lot, lot_id)
        if lot.status == LotStatus.AVAILABLE:
            hold_lot(session, lot_id, reason, actor_id=None)
            held.append(lot_id)
        excursion_alerts.list_lot(session, parent, lot, units=units, why=reason,
                                  held=lot_id in held)
    session.flush()
    return held


def _dwelt(session: Session, lot_id: int, places: set[int], finding: Finding,
           min_dwell: timedelta) -> bool:
    """Whether the lot stayed in the place at least ``min_dwell`` during the excursion."""
    end = finding.end or utcnow()
    for stint in stints(session, lot_id):
        if stint.location_id not in places:
            continue
        stint_end = stint.end or utcnow()
        if stint.start < end and stint_end > finding.start \
                and stint_end - stint.start >= min_dwell:
            return True
    return False


def check_shelf_life(session: Session, *, location_ids: list[int] | None = None,
                     threshold: float | None = None, now: datetime | None = None) -> list[int]:
    """Hold lots in stock whose temperature history used up too much of their life.

    ``location_ids`` limits the check to lots with stock there (after an evaluation,
    the places its sensors measured); otherwise every lot in stock is checked.
    """
    limit = load_rules().hold_when_life_used_above if threshold is None else threshold
    stmt = (select(StockBalance.lot_id).join(Lot, Lot.id == StockBalance.lot_id)
            .where(StockBalance.on_hand > 0, Lot.status == LotStatus.AVAILABLE).distinct())
    if location_ids is not None:
        stmt = stmt.where(StockBalance.location_id.in_(location_ids))
    held = []
    for lot_id in sorted(session.scalars(stmt)):
        found = history(session, lot_id, now=now)
        if found.used_fraction < limit:
            continue
        lot = session.get(Lot, lot_id)
        reason = N_("{used} of shelf life used by its temperature history ({days} days left "
                    "at {temp} °C)", used=f"{found.used_fraction:.0%}",
                    days=f"{found.remaining_days:.1f}", temp=f"{lot.product.ref_temp_c:g}")
        warehouse_id = _warehouse_of(session, lot_id)
        hold_lot(session, lot_id, reason, actor_id=None)
        session.add(Alert(kind="shelf_life", severity="severe", lot_id=lot_id,
                          finding_key=f"shelf:{lot_id}", warehouse_id=warehouse_id,
                          message=N_("lot {lot} ({product}) put on hold: {reason}",
                                     lot=lot.lot_code, product=lot.product.name,
                                     reason=reason)))
        held.append(lot_id)
    session.flush()
    return held


def _warehouse_of(session: Session, lot_id: int) -> int | None:
    return session.scalar(select(StockBalance.warehouse_id).where(
        StockBalance.lot_id == lot_id, StockBalance.on_hand > 0).limit(1))
