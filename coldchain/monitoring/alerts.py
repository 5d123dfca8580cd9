"""People's side of alerts: acknowledge, escalate when nobody does, resolve.

Resolving a lot's hold is a ledger move either way: ``release`` puts the lot back
into stock, ``scrap`` writes it off. Acknowledging is allowed while the excursion
is still going on: people should say they are on it as early as possible.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coldchain.monitoring.models import Alert, AlertStatus
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.ledger import record_move
from wms.models import Lot, LotStatus
from wms.models.base import utcnow
from wms.models.ledger import MoveKind, StockBalance
from wms.stock import EVERYWHERE, release_lot, release_reservations

RESOLUTIONS = ("release", "scrap", "close")


def _locked(session: Session, alert_id: int) -> Alert:
    alert = session.scalar(select(Alert).where(Alert.id == alert_id).with_for_update())
    if alert is None:
        raise NotFound(f"no alert with id {alert_id}")
    return alert


def acknowledge(session: Session, alert_id: int, *, user_id: int, comment: str) -> Alert:
    if not comment or not comment.strip():
        raise ValidationFailed({"comment": ["say what is being done about it"]})
    alert = _locked(session, alert_id)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict("the alert is already resolved")
    if alert.acknowledged_at is not None:
        raise Conflict(f"the alert was already acknowledged at "
                       f"{alert.acknowledged_at:%Y-%m-%d %H:%M}Z")
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by, alert.acknowledged_at = user_id, utcnow()
    alert.ack_comment = comment.strip()
    return alert


def escalate_overdue(session: Session, *, after: timedelta,
                     now: datetime | None = None) -> int:
    """Mark open alerts nobody acknowledged within ``after`` as escalated; return how many."""
    now = now or utcnow()
    result = session.execute(
        update(Alert)
        .where(Alert.status == AlertStatus.OPEN, Alert.raised_at <= now - after)
        .values(status=AlertStatus.ESCALATED, escalated_at=now)
    )
    return result.rowcount or 0


def resolve(session: Session, alert_id: int, *, user_id: int, action: str,
            comment: str = "") -> Alert:
    if action not in RESOLUTIONS:
        raise ValidationFailed({"action": [f"must be one of {', '.join(RESOLUTIONS)}"]})
    alert = _locked(session, alert_id)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict(f"the alert was already resolved ({alert.resolution})")
    if action != "close" and alert.lot_id is None:
        raise ValidationFailed({"action": ["this alert concerns a place, not a lot: close it"]})
    if action == "close" and alert.lot_id is not None:
        raise ValidationFailed({"action": ["a held lot is resolved by release or scrap"]})
    why = comment.strip() or f"alert {alert.id} resolved: {action}"
    if action == "release":
        release_lot(session, alert.lot_id, why, actor_id=user_id)
    elif action == "scrap":
        _scrap_lot(session, alert.lot_id, why, user_id)
    alert.status, alert.resolution = AlertStatus.RESOLVED, action
    alert.resolved_by, alert.resolved_at, alert.resolution_comment = user_id, utcnow(), why
    return alert


def _scrap_lot(session: Session, lot_id: int, reason: str, user_id: int) -> None:
    """Write off every unit of the lot still in stock, wherever it is, and mark it spoiled."""
    lot = session.scalar(select(Lot).where(Lot.id == lot_id).with_for_update())
    if lot.status != LotStatus.AVAILABLE:
        # A held lot's orders cannot have these goods anyway: their lines go back on
        # backorder, as a return or a scrap in place does (wms.returns).
        release_reservations(session, lot_id, None, EVERYWHERE)
    balances = session.scalars(
        select(StockBalance).where(StockBalance.lot_id == lot_id, StockBalance.on_hand > 0)
        .order_by(StockBalance.location_id).with_for_update()
        .execution_options(populate_existing=True)).all()
    for bal in balances:
        if bal.reserved:
            raise Conflict(f"{bal.reserved} units of lot {lot.lot_code} at "
                           f"{bal.location.code} are still reserved for orders; release the lot's "
                           "reservations (the Holds page) first")
        record_move(session, kind=MoveKind.SCRAP, lot=lot, quantity=bal.on_hand,
                    from_location=bal.location, actor_id=user_id, reason=reason)
    lot.status, lot.status_reason = LotStatus.SPOILED, reason
