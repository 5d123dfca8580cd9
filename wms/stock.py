"""Stock operations on top of the ledger: temperature rules, counts, holds and releases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms import certificates, move_rules
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_, tidy
from wms.ledger import balance, record_move
from wms.lot_state import local_today
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    LotStatus,
    MoveKind,
    Product,
    Reservation,
    StockBalance,
    StockMove,
    TempClass,
)
from wms.reservations import refresh_status, unreserve

_WARMTH = {TempClass.FROZEN: 0, TempClass.CHILLED: 1, TempClass.AMBIENT: 2}
TEMP_CLASS_NAMES = {TempClass.FROZEN: N_("frozen"), TempClass.CHILLED: N_("chilled"),
                    TempClass.AMBIENT: N_("ambient")}
# Goods only pass through these: a receiving dock or a pickup point's shelf is not
# storage, so their nominal zone does not refuse goods of a colder class.
TRANSIT_KINDS = frozenset({LocationKind.RECEIVING, LocationKind.DOCK,
                           LocationKind.PICKUP_POINT})
# Stock here is in the warehouse and can be held back into quarantine.
# The statuses a person sets a lot aside with, and releases it from.
SETS_ASIDE = frozenset({LotStatus.HOLD, LotStatus.QUARANTINE})
IN_WAREHOUSE = frozenset({LocationKind.WAREHOUSE, LocationKind.ZONE, LocationKind.RECEIVING,
                          LocationKind.STORAGE, LocationKind.STAGING, LocationKind.DOCK})


def temperature_problem(product: Product, location: Location) -> str | None:
    """Why ``product`` must not be kept at ``location``, or None if it may.

    Goods may go colder than their class (chilled into a frozen room is the
    buyer's call, not a safety issue) but never warmer; a location without a
    zone counts as ambient.
    """
    if location.kind in TRANSIT_KINDS:
        return None
    zone = location.temp_zone or TempClass.AMBIENT
    if _WARMTH[zone] > _WARMTH[product.temp_class]:
        return N_("{sku} is {temp_class} goods and {location} is a {zone} location; put it "
                  "in a {temp_class} location, or say why it goes there on purpose",
                  sku=product.sku,
                  temp_class=TEMP_CLASS_NAMES[product.temp_class], location=location.code,
                  zone=TEMP_CLASS_NAMES[zone])
    return None


def check_temperature(product: Product, location: Location, override_reason: str | None
                      ) -> None:
    problem = temperature_problem(product, location)
    if problem and not (override_reason or "").strip():
        raise Conflict(problem, field="override_reason", temp_class=product.temp_class.value,
                       location_zone=(location.temp_zone or TempClass.AMBIENT).value)


def sibling(session: Session, location: Location, kind: LocationKind,
            temp_zone: TempClass | None) -> Location | None:
    """The ``kind`` location serving ``location``'s zone: first under the same zone,
    then anywhere in the warehouse with the same temperature zone."""
    zone_id = location.parent_id if location.kind != LocationKind.ZONE else location.id
    base = select(Location).where(Location.warehouse_id == location.warehouse_id,
                                  Location.kind == kind, Location.active.is_(True))
    found = None
    if zone_id is not None:
        found = session.scalar(base.where(Location.parent_id == zone_id)
                               .order_by(Location.code).limit(1))
    if found is None:
        found = session.scalar(base.where(Location.temp_zone == temp_zone)
                               .order_by(Location.code).limit(1))
    return found


def count(session: Session, lot: Lot, location: Location, counted: int, *,
          actor_id: int | None, reason: str = "", **move_kw) -> StockMove | None:
    """Record a stock count: an adjustment in or out by the difference, if any."""
    if counted < 0:
        raise ValidationFailed({"quantity": [N_("a count cannot be negative")]})
    on_hand, reserved = balance(session, location.id, lot.id)
    if counted == on_hand:
        return None
    if counted < reserved:
        raise Conflict(N_("{reserved} units of lot {lot} at {location} are reserved for "
                          "orders, more than the {counted} counted; cancel or re-allocate "
                          "those orders first", reserved=reserved, lot=lot.lot_code,
                          location=location.code, counted=counted),
                       available=on_hand - reserved,
                       reserved=reserved)
    diff = counted - on_hand
    why = reason.strip() or N_("count: {counted} found, {expected} expected", counted=counted,
                               expected=on_hand)
    return record_move(session, kind=MoveKind.ADJUST, lot=lot, quantity=abs(diff),
                       from_location=location if diff < 0 else None,
                       to_location=location if diff > 0 else None,
                       actor_id=actor_id, reason=why, **move_kw)


def hold_lot(session: Session, lot_id: int, reason: str, *, actor_id: int | None,
             warehouse_ids: set[int] | None = None,
             status: LotStatus = LotStatus.HOLD) -> list[StockMove]:
    """Put a lot on hold (or in quarantine, for inspection): it can no longer be allocated,
    picked, loaded, delivered or handed over (``wms.move_rules``).

    Reservations not yet picked are released (their order lines go back to
    backorder) and the lot's stock in each warehouse moves to that warehouse's
    quarantine location for the product's temperature class by ``hold`` moves.
    Stock already on a vehicle or at a pickup point stays where it is until it is
    returned (``wms.returns``).
    """
    if status not in SETS_ASIDE:
        raise ValidationFailed({"status": [N_("a lot is set aside as hold or quarantine")]})
    if not reason.strip():
        raise ValidationFailed({"reason": [N_("say why the lot is held")]})
    lot = _locked_lot(session, lot_id)
    if lot.status in SETS_ASIDE:
        raise Conflict(N_("lot {lot} is already {status}: {reason}", lot=lot.lot_code,
                          status=lot.status, reason=lot.status_reason))
    if lot.status != LotStatus.AVAILABLE:
        # A hold ends with a release, which makes the lot available: holding a recalled
        # or spoiled lot would open that way out of the recall.
        raise Conflict(N_("lot {lot} is {status} ({reason}); it cannot be put on hold",
                          lot=lot.lot_code, status=lot.status, reason=lot.status_reason),
                       lot_status=lot.status.value)
    reason = tidy(reason)
    lot.status, lot.status_reason = status, reason
    release_reservations(session, lot.id, warehouse_ids)
    moves = []
    for bal in _balances(session, lot.id, IN_WAREHOUSE, warehouse_ids):
        quarantine = sibling(session, bal.location, LocationKind.QUARANTINE,
                             lot.product.temp_class)
        if quarantine is None or bal.on_hand == 0:
            continue
        moves.append(record_move(session, kind=MoveKind.HOLD, lot=lot, quantity=bal.on_hand,
                                 from_location=bal.location, to_location=quarantine,
                                 actor_id=actor_id, reason=reason))
    return moves


def release_reservations(session: Session, lot_id: int, warehouse_ids: set[int] | None,
                         kinds: frozenset[LocationKind] = IN_WAREHOUSE) -> int:
    """Release the lot's reservations still in a warehouse (in ``warehouse_ids`` if given;
    at locations of ``kinds``); the units released.

    The orders are locked first, in id order, before any balance is touched: picking and
    allocation lock an order before its balances, and taking them the other way round
    would deadlock with an order being picked.
    """
    where = [Reservation.lot_id == lot_id, Location.kind.in_(kinds)]
    if warehouse_ids is not None:
        where.append(Location.warehouse_id.in_(warehouse_ids))
    order_ids = session.scalars(
        select(Reservation.order_id).join(Location, Location.id == Reservation.location_id)
        .where(*where).distinct()).all()
    orders = session.scalars(
        select(CustomerOrder).where(CustomerOrder.id.in_(order_ids)).order_by(CustomerOrder.id)
        .with_for_update().execution_options(populate_existing=True)).all()
    # Read after the locks: an order picked meanwhile has its reservations at staging now.
    rows = session.scalars(
        select(Reservation).join(Location, Location.id == Reservation.location_id)
        .where(*where).order_by(Reservation.location_id, Reservation.id)
        .execution_options(populate_existing=True)).all()
    units = sum(row.quantity for row in rows)
    for row in rows:
        unreserve(session, row)
    for order in {*orders, *(row.line.order for row in rows)}:
        refresh_status(session, order)
    return units


# Reserved units still in their bins: nobody has picked them yet.
UNPICKED = frozenset({LocationKind.WAREHOUSE, LocationKind.ZONE, LocationKind.RECEIVING,
                      LocationKind.STORAGE})
EVERYWHERE = frozenset(LocationKind)


def release_lot_reservations(session: Session, lot_id: int,
                             warehouse_ids: set[int] | None) -> int:
    """Give up the orders' claims on a lot: their lines go back on backorder, to be
    allocated from other stock. The units stay where they are, free.

    Of a lot that may still reach residents only the unpicked reservations are released
    (what is picked, loaded or delivered is on its way). Of a lot set aside (held,
    quarantined, recalled, spoiled) every reservation is released, on trucks and at
    pickup points too: those goods cannot be handed over, and once free they can be
    returned or scrapped.
    """
    lot = _locked_lot(session, lot_id)
    blocked = lot.status != LotStatus.AVAILABLE
    units = release_reservations(session, lot.id, warehouse_ids,
                                 EVERYWHERE if blocked else UNPICKED)
    if not units:
        raise Conflict(
            N_("lot {lot} has no reservations to release", lot=lot.lot_code) if blocked else
            N_("lot {lot} has no reservations to release in its bins (picked goods stay "
               "reserved)", lot=lot.lot_code))
    return units


def release_lot(session: Session, lot_id: int, reason: str, *, actor_id: int | None,
                to_location: Location | None = None,
                warehouse_ids: set[int] | None = None) -> list[StockMove]:
    """Release a held lot: quarantined stock moves back to storage by ``release`` moves,
    to ``to_location`` if given, else to the zone of the product's temperature class."""
    lot = _locked_lot(session, lot_id)
    if lot.status == LotStatus.AVAILABLE:
        raise Conflict(N_("lot {lot} is not on hold", lot=lot.lot_code))
    if lot.status == LotStatus.RECALLED:
        raise Conflict(N_("lot {lot} is recalled; only releasing the recall (POST "
                          "/api/lots/{id}/recall/release) releases it", lot=lot.lot_code,
                          id=lot.id),
                       lot_status=lot.status.value)
    move_rules.check(lot.status, move_rules.Step.RELEASE, lot=lot.lot_code,
                     reason=lot.status_reason)
    balances = _balances(session, lot.id, {LocationKind.QUARANTINE}, warehouse_ids)
    certificates.check_release(session, lot, balances[0].location.warehouse.timezone
                               if balances else "Asia/Shanghai")
    use_by = lot.expiry_date or lot.best_before
    if balances:
        # Released, the lot would be past its date: the rule refuses that as expired.
        past = move_rules.status_of(LotStatus.AVAILABLE, use_by,
                                    local_today(session, balances[0].location, use_by))
        if past == LotStatus.EXPIRED:
            move_rules.check(past, move_rules.Step.RELEASE, lot=lot.lot_code,
                             reason=move_rules.reason_of(past, "", use_by))
    moves = []
    # The moves are written while the lot is still held: the rule allows a release only
    # from a held lot.
    for bal in balances:
        dest = to_location
        if dest is not None and dest.warehouse_id != bal.location.warehouse_id:
            continue
        dest = dest or _zone_for(session, bal.location, lot.product.temp_class)
        if dest is None or bal.on_hand == 0:
            continue
        moves.append(record_move(session, kind=MoveKind.RELEASE, lot=lot,
                                 quantity=bal.on_hand, from_location=bal.location,
                                 to_location=dest, actor_id=actor_id,
                                 reason=tidy(reason) or N_("released")))
    lot.status, lot.status_reason = LotStatus.AVAILABLE, ""
    return moves


def _locked_lot(session: Session, lot_id: int) -> Lot:
    # FOR NO KEY UPDATE: a move or reservation of the lot written meanwhile (its foreign
    # key takes a key-share lock on the lot) does not wait for this decision to commit.
    lot = session.scalar(select(Lot).where(Lot.id == lot_id).with_for_update(key_share=True))
    if lot is None:
        raise NotFound(N_("no lot with id {id}", id=lot_id))
    return lot


def _balances(session: Session, lot_id: int, kinds, warehouse_ids: set[int] | None
              ) -> list[StockBalance]:
    stmt = (select(StockBalance).join(Location, Location.id == StockBalance.location_id)
            .where(StockBalance.lot_id == lot_id, StockBalance.on_hand > 0,
                   Location.kind.in_(kinds))
            .order_by(StockBalance.location_id))
    if warehouse_ids is not None:
        stmt = stmt.where(StockBalance.warehouse_id.in_(warehouse_ids))
    # Balances change by SQL statements, so rows already in the session may be stale.
    stmt = stmt.with_for_update(of=StockBalance).execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def _zone_for(session: Session, location: Location, temp: TempClass) -> Location | None:
    return session.scalar(select(Location).where(
        Location.warehouse_id == location.warehouse_id, Location.kind == LocationKind.ZONE,
        Location.temp_zone == temp).order_by(Location.code).limit(1))
