"""What state a lot is in when it moves, and which step of ``wms.move_rules`` a ledger move
is: the ledger asks this before it writes anything, and previews and manifests ask it too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from wms import move_rules
from wms.models import Location, LocationKind, Lot, LotStatus, MoveKind, Warehouse

Step = move_rules.Step
_STEPS = {MoveKind.PICK: Step.PICK, MoveKind.LOAD: Step.LOAD, MoveKind.DELIVER: Step.DELIVER,
          MoveKind.HANDOVER: Step.HANDOVER, MoveKind.SCRAP: Step.SCRAP,
          MoveKind.ADJUST: Step.CORRECT, MoveKind.RELEASE: Step.RELEASE,
          MoveKind.RETURN: Step.RETURN, MoveKind.REPACK_CONSUME: Step.REPACK,
          MoveKind.REPACK_PRODUCE: Step.REPACK}


def step_of(kind: MoveKind, src: Location | None, dst: Location | None) -> move_rules.Step:
    """What a ledger move does to the goods, for the rule in ``wms.move_rules``."""
    if kind in _STEPS:
        return _STEPS[kind]
    if dst is not None and dst.kind == LocationKind.QUARANTINE:
        return Step.QUARANTINE
    if kind == MoveKind.RECEIPT:
        return Step.RECEIVE
    if kind == MoveKind.REVERSAL and (src is None or dst is None):
        return Step.CORRECT  # a receipt, count, scrap or handover taken back
    return Step.TRANSFER


def local_today(session: Session, location: Location, use_by: date | None) -> date:
    """Today at the location's warehouse; its time zone is looked up only when the date
    decides (a use-by date within a day of today in UTC)."""
    now = datetime.now(UTC)
    if use_by is None or not (now.date() - timedelta(days=1) <= use_by <= now.date()):
        return now.date()
    warehouse = session.get(Warehouse, location.warehouse_id)
    return now.astimezone(ZoneInfo(warehouse.timezone if warehouse else "UTC")).date()


def lot_status(session: Session, lot: Lot, location: Location) -> LotStatus:
    """The lot's status as a move sees it now (an available lot past its date is expired)."""
    use_by = lot.expiry_date or lot.best_before
    return move_rules.status_of(lot.status, use_by, local_today(session, location, use_by))


def check_step(session: Session, lot: Lot, location: Location, step: move_rules.Step
               ) -> None:
    """Refuse (409) a step the lot's status does not allow, before anything is written."""
    status = lot_status(session, lot, location)
    move_rules.check(status, step, lot=lot.lot_code, reason=move_rules.reason_of(
        status, lot.status_reason, lot.expiry_date or lot.best_before))
