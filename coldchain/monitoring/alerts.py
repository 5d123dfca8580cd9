"""People's side of alerts: acknowledge, escalate when nobody does, resolve.

Resolving a lot's hold is a ledger move either way: ``release`` puts the lot back
into stock, ``scrap`` writes it off. An excursion's alert lists the lots it held: resolving
it releases or scraps all of them, or the ones named, each by its own ledger moves and each
recorded with who did it and why; it is resolved once none of its lots waits any more.
Acknowledging is allowed while the excursion is still going on (people should say they are
on it as early as possible) and acknowledges the lots listed with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coldchain.monitoring.models import Alert, AlertStatus
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_
from wms.ledger import record_move
from wms.local_time import stamp
from wms.models import Lot, LotStatus, Warehouse
from wms.models.base import utcnow
from wms.models.ledger import MoveKind, StockBalance
from wms.stock import EVERYWHERE, release_lot, release_reservations

RESOLUTIONS = ("release", "scrap", "close")
WAITING = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.ESCALATED})


def _locked(session: Session, alert_id: int) -> Alert:
    alert = session.scalar(select(Alert).where(Alert.id == alert_id).with_for_update(of=Alert))
    if alert is None:
        raise NotFound(N_("no alert with id {id}", id=alert_id))
    return alert


def acknowledge(session: Session, alert_id: int, *, user_id: int, comment: str) -> Alert:
    if not comment or not comment.strip():
        raise ValidationFailed({"comment": [N_("say what is being done about it")]})
    alert = _locked(session, alert_id)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict(N_("the alert is already resolved"))
    if alert.acknowledged_at is not None:
        zone = session.get(Warehouse, alert.warehouse_id) if alert.warehouse_id else None
        raise Conflict(N_("the alert was already acknowledged at {at}", at=stamp(
            alert.acknowledged_at, zone.timezone if zone else None)))
    now = utcnow()
    for one in [alert, *(a for a in alert.lots if a.status in WAITING)]:
        if one.acknowledged_at is None:
            one.status = AlertStatus.ACKNOWLEDGED
            one.acknowledged_by, one.acknowledged_at = user_id, now
            one.ack_comment = comment.strip()
    return alert


def escalate_overdue(session: Session, *, after: timedelta,
                     now: datetime | None = None) -> int:
    """Mark open alerts nobody acknowledged within ``after`` as escalated; return how many."""
    now = now or utcnow()
    result = session.execute(
        update(Alert)
        .where(Alert.status == AlertStatus.OPEN, Alert.raised_at <= now - after,
               Alert.parent_id.is_(None))
        .values(status=AlertStatus.ESCALATED, escalated_at=now)
    )
    return result.rowcount or 0


def resolve(session: Session, alert_id: int, *, user_id: int, action: str,
            comment: str = "", lots: Sequence[int] | None = None) -> Alert:
    if action not in RESOLUTIONS:
        raise ValidationFailed({"action": [N_("must be one of {choices}",
                                              choices=", ".join(RESOLUTIONS))]})
    alert = _locked(session, alert_id)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict(N_("the alert was already resolved ({resolution})",
                          resolution=alert.resolution))
    waiting = [a for a in alert.lots if a.status in WAITING]
    if alert.lot_id is None and (waiting or lots):
        return _resolve_lots(session, alert, waiting, user_id=user_id, action=action,
                             comment=comment, lots=lots)
    if lots:
        raise ValidationFailed({"lots": [N_("this alert concerns one lot: leave lots out")]})
    if action != "close" and alert.lot_id is None:
        raise ValidationFailed({"action": [
            N_("this alert concerns a place, not a lot: close it")]})
    if action == "close" and alert.lot_id is not None:
        raise ValidationFailed({"action": [N_("a held lot is resolved by release or scrap")]})
    _resolve_one(session, alert, user_id=user_id, action=action, comment=comment)
    if alert.parent_id is not None:
        _settle(session, session.get(Alert, alert.parent_id), user_id, action)
    return alert


def _resolve_one(session: Session, alert: Alert, *, user_id: int, action: str,
                 comment: str) -> None:
    why = comment.strip() or N_("alert {alert} resolved: {action}", alert=alert.id,
                                action=action)
    if action == "release":
        release_lot(session, alert.lot_id, why, actor_id=user_id)
    elif action == "scrap":
        _scrap_lot(session, alert.lot_id, why, user_id)
    alert.status, alert.resolution = AlertStatus.RESOLVED, action
    alert.resolved_by, alert.resolved_at, alert.resolution_comment = user_id, utcnow(), why


def _resolve_lots(session: Session, alert: Alert, waiting: list[Alert], *, user_id: int,
                  action: str, comment: str, lots: Sequence[int] | None) -> Alert:
    """Release or scrap every lot still waiting on an excursion's alert, or those named."""
    if action == "close":
        raise ValidationFailed({"action": [N_("{count} held lots wait on this alert: "
                                              "release or scrap them", count=len(waiting))]})
    chosen = waiting
    if lots:
        by_lot = {a.lot_id: a for a in waiting}
        unknown = [lot_id for lot_id in lots if lot_id not in by_lot]
        if unknown:
            listed = ", ".join(str(i) for i in sorted(by_lot)) or N_("none")
            raise ValidationFailed({"lots": [
                N_("lots {unknown} do not wait on this alert (those that do: {waiting})",
                   unknown=", ".join(str(i) for i in unknown), waiting=listed)]})
        chosen = [by_lot[lot_id] for lot_id in dict.fromkeys(lots)]
    for child in chosen:
        _resolve_one(session, child, user_id=user_id, action=action,
                     comment=comment.strip() or f"alert {alert.id} resolved: {action}")
    _settle(session, alert, user_id, action)
    return alert


def _settle(session: Session, parent: Alert, user_id: int, action: str) -> None:
    """Resolve an excursion's alert once none of its lots waits any more."""
    session.flush()
    session.refresh(parent, ["lots"])
    if any(a.status in WAITING for a in parent.lots) or parent.status == AlertStatus.RESOLVED:
        return
    actions = {a.resolution for a in parent.lots}
    parent.status = AlertStatus.RESOLVED
    parent.resolution = actions.pop() if len(actions) == 1 else "mixed"
    parent.resolved_by, parent.resolved_at = user_id, utcnow()
    parent.resolution_comment = "; ".join(
        f"lot {a.lot_id}: {a.resolution}" for a in parent.lots)


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
            raise Conflict(N_("{reserved} units of lot {lot} at {location} are still "
                              "reserved for orders; release the lot's reservations (the Holds "
                              "page) first", reserved=bal.reserved, lot=lot.lot_code,
                              location=bal.location.code))
        record_move(session, kind=MoveKind.SCRAP, lot=lot, quantity=bal.on_hand,
                    from_location=bal.location, actor_id=user_id, reason=reason)
    lot.status, lot.status_reason = LotStatus.SPOILED, reason
