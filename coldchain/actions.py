"""What the system does about a severe excursion: hold every lot that sat through it.

Each hold is a ledger move (through ``wms.stock.hold_lot``) and raises an alert
for people to acknowledge and resolve (release or scrap).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain import evaluate
from coldchain.exposure import exposed_lots
from coldchain.models import Alert, Finding
from wms.models import Location, Lot, LotStatus
from wms.stock import hold_lot


def hold_exposed_lots(session: Session, finding: Finding, location: Location) -> list[int]:
    held = []
    base_key = evaluate.finding_key(finding.sensor_id, location.id, finding.rule, finding.start)
    reason = (f"cold-chain excursion at {location.code}: {finding.rule}, peak "
              f"{finding.peak_c:.1f} °C from {finding.start:%Y-%m-%d %H:%M}Z")
    for lot_id, units in sorted(exposed_lots(session, location, finding.start,
                                             finding.end).items()):
        lot = session.get(Lot, lot_id)
        key = f"lot:{lot_id}:{base_key}"
        if session.scalar(select(Alert.id).where(Alert.finding_key == key)) is not None:
            continue
        if lot.status == LotStatus.AVAILABLE:
            hold_lot(session, lot_id, reason, actor_id=None)
            held.append(lot_id)
        session.add(Alert(
            kind="lot_hold", severity=finding.severity, lot_id=lot_id, finding_id=finding.id,
            finding_key=key, location_id=location.id, warehouse_id=location.warehouse_id,
            message=f"lot {lot.lot_code} ({lot.product.name}, {units} units exposed) "
                    f"{'put on hold' if lot_id in held else 'already ' + lot.status}: {reason}",
        ))
    session.flush()
    return held

