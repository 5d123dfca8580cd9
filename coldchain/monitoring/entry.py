"""Hold on entry: a lot moved into a place whose severe excursion has alarmed and is still
open is put on hold as it arrives, and the person moving it is told.

The place is in alarm when an alarmed excursion of a rule that holds lots (severity
``severe``) is open there, or in a place enclosing it (a room's sensor speaks for its bins).
The hook runs in the ledger's move writer (``wms.move_hooks``), so every path that
puts goods somewhere (scans, loading, transfers, deliveries, returns) obeys it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coldchain.monitoring import excursion_alerts
from coldchain.monitoring.excursion_alerts import Excursion
from coldchain.monitoring.models import Finding, FindingKind
from wms import move_hooks
from wms.i18n import N_
from wms.models import Location, LotStatus, MoveKind, StockMove, Warehouse
from wms.stock import hold_lot

SEVERE = "severe"
# Moves that put goods somewhere to stay; holds, releases, returns and reversals take them
# to quarantine or back where they were.
ENTERING = frozenset({MoveKind.RECEIPT, MoveKind.PUTAWAY, MoveKind.TRANSFER, MoveKind.PICK,
                      MoveKind.LOAD, MoveKind.DELIVER})


def place_in_alarm(session: Session, location: Location) -> Finding | None:
    """The open alarmed severe excursion of the place (or of a place enclosing it).

    One statement on every move that puts goods somewhere: location trees are at most
    three deep (warehouse, zone, bin; vehicle, compartment), so the place, its parent and
    its grandparent are all the places whose sensors speak for it.
    """
    grandparent = (select(Location.parent_id).where(Location.id == location.parent_id)
                   .scalar_subquery())
    places = [location.id] + ([location.parent_id] if location.parent_id else [])
    # Ids only: on almost every move nothing is in alarm, and loading findings with their
    # sensors and places would cost a scan more than the rest of its statements.
    found = session.execute(select(Finding.id, Finding.location_id).where(
        Finding.kind == FindingKind.EXCURSION,
        Finding.location_id.in_(places) | (Finding.location_id == grandparent),
        Finding.severity == SEVERE, Finding.alarm_at.is_not(None), Finding.end.is_(None))
        .order_by(Finding.alarm_at)).all()
    if not found:
        return None
    nearest = {loc_id: i for i, loc_id in enumerate(places)}
    return session.get(Finding, min(found, key=lambda f: nearest.get(f.location_id, 2)).id)


def hold_on_entry(session: Session, move: StockMove) -> str | None:
    if move.kind not in ENTERING or move.lot.status != LotStatus.AVAILABLE:
        return None
    finding = place_in_alarm(session, move.to_location)
    if finding is None:
        return None
    place = session.get(Location, finding.location_id)
    zone = ZoneInfo(session.get(Warehouse, place.warehouse_id).timezone)
    since = finding.alarm_at.astimezone(zone)
    peak = N_("{peak} °C", peak=f"{finding.peak_c:.1f}")
    parent, _ = excursion_alerts.alert_for(session, Excursion.of(finding, place))
    if excursion_alerts.already_listed(session, move.lot_id, parent.finding_key):
        return None  # held by it once and released: a person has judged this lot
    why = N_("moved into {to} while {place} was in a temperature alarm (since {since}, peak "
             "{peak}, {rule})", to=move.to_location.code, place=place.code,
             since=f"{since:%Y-%m-%d %H:%M}", peak=peak, rule=finding.rule)
    hold_lot(session, move.lot_id, N_("cold-chain exposure: {why}", why=why),
             actor_id=move.actor_id)
    excursion_alerts.list_lot(session, parent, move.lot, units=move.quantity, why=why,
                              held=True)
    return N_("{place} is in a temperature alarm since {since} (peak {peak}): the lot is on "
              "hold", place=place.code, since=f"{since:%H:%M}", peak=peak)


def install() -> None:
    move_hooks.install(hold_on_entry)
