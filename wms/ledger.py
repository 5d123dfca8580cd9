"""The stock ledger: every change of stock is a move, and balances change with it.

``record_move`` is the only writer of ``stock_balance``. It changes the balance rows
with single conditional statements (``UPDATE … WHERE on_hand - reserved >= :q``),
which are atomic on both databases: on PostgreSQL the row lock makes a second
writer wait and then re-check the condition against the committed row; on SQLite
every transaction starts with BEGIN IMMEDIATE, so writers run one at a time. Rows
are always touched in ascending location order, so two moves between the same
two places in opposite directions cannot deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from wms import move_hooks, move_rules
from wms.errors import Conflict, ValidationFailed
from wms.i18n import N_
from wms.lot_state import check_step, step_of
from wms.models import (
    Location,
    Lot,
    MoveKind,
    StockBalance,
    StockMove,
)
from wms.models.base import utcnow

BALANCE = StockBalance.__table__

# Which ends a move of each kind has: (needs a from-location, needs a to-location).
# None means "either, but exactly one" (an adjustment goes in or out).
ENDS: dict[MoveKind, tuple[bool, bool] | None] = {
    MoveKind.RECEIPT: (False, True),
    MoveKind.PUTAWAY: (True, True),
    MoveKind.TRANSFER: (True, True),
    MoveKind.PICK: (True, True),
    MoveKind.LOAD: (True, True),
    MoveKind.DELIVER: (True, True),
    MoveKind.HANDOVER: (True, False),
    MoveKind.ADJUST: None,
    MoveKind.SCRAP: (True, False),
    MoveKind.HOLD: (True, True),
    MoveKind.RELEASE: (True, True),
    MoveKind.RETURN: (True, True),
    MoveKind.REPACK_CONSUME: (True, False),
    MoveKind.REPACK_PRODUCE: (False, True),
}
NEEDS_REASON = frozenset({MoveKind.ADJUST, MoveKind.SCRAP, MoveKind.HOLD})
class InsufficientStock(Conflict):
    """Fewer units are available than a move or reservation asks for."""

    def __init__(self, *, available: int, requested: int, sku: str, lot_code: str,
                 location_code: str, reserved: bool = False) -> None:
        values = dict(available=available, sku=sku, lot=lot_code, location=location_code,
                      requested=requested)
        super().__init__(
            N_("only {available} of {sku} lot {lot} reserved for this order at {location}; "
               "{requested} requested", **values) if reserved else
            N_("only {available} of {sku} lot {lot} available at {location}; {requested} "
               "requested", **values),
            available=available, requested=requested, sku=sku, lot=lot_code,
            location=location_code,
        )


@dataclass(frozen=True)
class Difference:
    location_id: int
    lot_id: int
    balance_on_hand: int
    ledger_on_hand: int
    balance_reserved: int
    reservations: int


def _check_shape(kind: MoveKind, quantity: int, src: Location | None, dst: Location | None,
                 reason: str) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise ValidationFailed({"quantity": [N_("must be a whole number above zero "
                                                "(in the product's unit)")]})
    ends = ENDS.get(kind)
    if ends is None and kind == MoveKind.ADJUST:
        if (src is None) == (dst is None):
            raise ValidationFailed({"location": [N_("an adjustment either adds stock to a "
                                                    "location or takes it from one")]})
    elif ends is not None:
        need_from, need_to = ends
        if need_from != (src is not None):
            raise ValidationFailed({"from": [
                N_("a {kind} move needs a from-location", kind=kind) if need_from else
                N_("a {kind} move has no from-location", kind=kind)]})
        if need_to != (dst is not None):
            raise ValidationFailed({"to": [
                N_("a {kind} move needs a to-location", kind=kind) if need_to else
                N_("a {kind} move has no to-location", kind=kind)]})
    if src is not None and dst is not None and src.id == dst.id:
        raise ValidationFailed({"to": [N_("the goods are already there")]})
    if kind in NEEDS_REASON and not reason.strip():
        raise ValidationFailed({"reason": [N_("a {kind} needs a reason", kind=kind)]})


# The balance statements are built once with bind parameters: building them per
# move costs more Python than the database spends executing them.
_WHERE = (BALANCE.c.location_id == bindparam("b_location_id")) & (
    BALANCE.c.lot_id == bindparam("b_lot_id"))
_TAKE_FREE = update(BALANCE).where(
    _WHERE, BALANCE.c.on_hand - BALANCE.c.reserved >= bindparam("b_quantity")
).values(on_hand=BALANCE.c.on_hand - bindparam("b_quantity"), updated_at=bindparam("b_now"))
_TAKE_RESERVED = update(BALANCE).where(
    _WHERE, BALANCE.c.reserved >= bindparam("b_quantity")
).values(on_hand=BALANCE.c.on_hand - bindparam("b_quantity"),
         reserved=BALANCE.c.reserved - bindparam("b_quantity"), updated_at=bindparam("b_now"))


def _upsert(insert):
    stmt = insert(BALANCE).values(
        location_id=bindparam("b_location_id"), lot_id=bindparam("b_lot_id"),
        product_id=bindparam("b_product_id"), warehouse_id=bindparam("b_warehouse_id"),
        on_hand=bindparam("b_quantity"), reserved=bindparam("b_reserved"),
        updated_at=bindparam("b_now"))
    return stmt.on_conflict_do_update(
        index_elements=[BALANCE.c.location_id, BALANCE.c.lot_id],
        set_={"on_hand": BALANCE.c.on_hand + stmt.excluded.on_hand,
              "reserved": BALANCE.c.reserved + stmt.excluded.reserved,
              "updated_at": stmt.excluded.updated_at})


_PUT = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}

MOVE = StockMove.__table__
_MOVE_COLUMNS = [c for c in MOVE.c if c.name != "id"]
# Parameters are prefixed (``m_``, ``b_``): a parameter named like a column of the
# table a statement writes would be taken as a value for that column.
_INSERT_MOVE = insert(MOVE).values(
    {c.name: bindparam(f"m_{c.name}", type_=c.type) for c in _MOVE_COLUMNS}
).returning(MOVE.c.id)


def _with_move(balance_stmt):
    """One statement for a balance change and the move: the move row is only inserted
    if the balance statement changed a row, so a refused take writes no move."""
    change = balance_stmt.returning(BALANCE.c.lot_id).cte("balance_change")
    rows = select(*[bindparam(f"m_{c.name}", type_=c.type) for c in _MOVE_COLUMNS]
                  ).select_from(change)
    return (insert(MOVE).from_select([c.name for c in _MOVE_COLUMNS], rows)
            .returning(MOVE.c.id).add_cte(change))


# PostgreSQL runs data-modifying CTEs; there the last balance change of a move and
# the move itself go in one round trip.
_TAKE_FREE_WITH_MOVE = _with_move(_TAKE_FREE)
_TAKE_RESERVED_WITH_MOVE = _with_move(_TAKE_RESERVED)
_PUT_WITH_MOVE = _with_move(_PUT["postgresql"])


def _balance_params(location: Location, lot: Lot, quantity: int, reserved: bool, now
                    ) -> dict[str, Any]:
    return {"b_location_id": location.id, "b_lot_id": lot.id, "b_product_id": lot.product_id,
            "b_warehouse_id": location.warehouse_id, "b_quantity": quantity,
            "b_reserved": quantity if reserved else 0, "b_now": now}


def _prefixed(values: dict[str, Any]) -> dict[str, Any]:
    return {f"m_{k}": v for k, v in values.items()}


def _refuse_take(session: Session, location: Location, lot: Lot, quantity: int,
                 reserved: bool) -> InsufficientStock:
    row = session.execute(
        select(BALANCE.c.on_hand, BALANCE.c.reserved).where(
            BALANCE.c.location_id == location.id, BALANCE.c.lot_id == lot.id)).one_or_none()
    have = 0 if row is None else (row.reserved if reserved else row.on_hand - row.reserved)
    return InsufficientStock(available=max(have, 0), requested=quantity, sku=lot.product.sku,
                             lot_code=lot.lot_code, location_code=location.code,
                             reserved=reserved)


def _take(session: Session, location: Location, lot: Lot, quantity: int, reserved: bool
          ) -> None:
    stmt = _TAKE_RESERVED if reserved else _TAKE_FREE
    params = _balance_params(location, lot, quantity, reserved, utcnow())
    if session.execute(stmt, params).rowcount != 1:
        raise _refuse_take(session, location, lot, quantity, reserved)


def _put(session: Session, location: Location, lot: Lot, quantity: int, reserved: bool
         ) -> None:
    session.execute(_PUT[session.get_bind().dialect.name],
                    _balance_params(location, lot, quantity, reserved, utcnow()))


def record_move(
    session: Session,
    *,
    kind: MoveKind,
    lot: Lot,
    quantity: int,
    from_location: Location | None = None,
    to_location: Location | None = None,
    actor_id: int | None = None,
    reason: str = "",
    reserved: bool = False,
    override_reason: str | None = None,
    idempotency_key: str | None = None,
    order_id: int | None = None,
    order_line_id: int | None = None,
    route_id: int | None = None,
    reverses_id: int | None = None,
    raw_scan: str | None = None,
    net_weight_kg: Decimal | None = None,
    witnessed_by: str | None = None,
    at: datetime | None = None,
) -> StockMove:
    """Write one move and change the balances at both ends, in the caller's transaction.

    ``reserved=True`` moves units that are reserved for an order: they leave the
    from-location's reservation and arrive reserved at the to-location. Otherwise
    only free units (on hand minus reserved) can leave a location. Raises
    ``InsufficientStock`` (409, with ``available``) when the units are not there;
    the caller's transaction must then be rolled back, which the request and
    ``transaction()`` helpers do. Raises ``MoveRefused`` (409) when the lot's status
    does not allow the move (``wms.move_rules``).
    ``transaction()`` helpers do. ``at`` dates a move recorded after the fact (the
    demo's history, a paper receipt typed in later); by default it is now.
    """
    if kind != MoveKind.REVERSAL:
        _check_shape(kind, quantity, from_location, to_location, reason)
    home = from_location or to_location
    assert home is not None
    check_step(session, lot, home, step_of(kind, from_location, to_location))
    if session.new or session.dirty or session.deleted:
        # Pending changes (rows the move refers to among them) are written before it.
        session.flush()
    now = utcnow()
    values = {
        "kind": kind, "warehouse_id": home.warehouse_id, "product_id": lot.product_id,
        "lot_id": lot.id, "quantity": quantity,
        "from_location_id": from_location.id if from_location else None,
        "to_location_id": to_location.id if to_location else None, "reason": reason,
        "override_reason": override_reason, "actor_id": actor_id, "created_at": at or now,
        "idempotency_key": idempotency_key, "order_id": order_id,
        "order_line_id": order_line_id, "route_id": route_id, "reverses_id": reverses_id,
        "raw_scan": raw_scan, "net_weight_kg": net_weight_kg, "witnessed_by": witnessed_by,
    }
    ends = sorted(((loc, is_from) for loc, is_from in ((from_location, True),
                                                       (to_location, False))
                   if loc is not None), key=lambda e: e[0].id)
    if session.get_bind().dialect.name == "postgresql":
        for loc, is_from in ends[:-1]:
            (_take if is_from else _put)(session, loc, lot, quantity, reserved)
        last, is_from = ends[-1]
        stmt = ((_TAKE_RESERVED_WITH_MOVE if reserved else _TAKE_FREE_WITH_MOVE) if is_from
                else _PUT_WITH_MOVE)
        move_id = session.execute(
            stmt, {**_prefixed(values), **_balance_params(last, lot, quantity, reserved, now)}
        ).scalar()
        if move_id is None:
            raise _refuse_take(session, last, lot, quantity, reserved)
    else:
        for loc, is_from in ends:
            (_take if is_from else _put)(session, loc, lot, quantity, reserved)
        move_id = session.execute(_INSERT_MOVE, _prefixed(values)).scalar_one()
    # The row is written; the object is attached as loaded, with its related objects
    # set, so that showing the move needs no further queries and no flush.
    move = StockMove(id=move_id, **values, lot=lot, product=lot.product,
                     from_location=from_location, to_location=to_location)
    make_transient_to_detached(move)
    session.add(move)
    if to_location is not None:
        move_hooks.entered(session, move)
    return move


def change_reserved(session: Session, location: Location, lot: Lot, delta: int) -> None:
    """Reserve (delta > 0) or release (delta < 0) units without moving them.

    Reserving only succeeds while enough units are free, so two orders racing for
    the last units cannot both get them, and only a lot whose status allows it is
    reserved.
    """
    if delta > 0:
        check_step(session, lot, location, move_rules.Step.ALLOCATE)
    where = (BALANCE.c.location_id == location.id) & (BALANCE.c.lot_id == lot.id)
    if delta > 0:
        guard = BALANCE.c.on_hand - BALANCE.c.reserved >= delta
    else:
        guard = BALANCE.c.reserved >= -delta
    stmt = update(BALANCE).where(where, guard).values(
        reserved=BALANCE.c.reserved + delta, updated_at=utcnow())
    if session.execute(stmt).rowcount == 1:
        return
    row = session.execute(
        select(BALANCE.c.on_hand, BALANCE.c.reserved).where(where)).one_or_none()
    free = 0 if row is None else row.on_hand - row.reserved
    raise InsufficientStock(available=max(free, 0), requested=abs(delta), sku=lot.product.sku,
                            lot_code=lot.lot_code, location_code=location.code,
                            reserved=delta < 0)


def balance(session: Session, location_id: int, lot_id: int) -> tuple[int, int]:
    """(on hand, reserved) of one lot at one location."""
    row = session.execute(
        select(StockBalance.on_hand, StockBalance.reserved).where(
            StockBalance.location_id == location_id, StockBalance.lot_id == lot_id)
    ).one_or_none()
    return (0, 0) if row is None else (row.on_hand, row.reserved)


# One aggregate over the whole ledger, compared row by row with the kept balances
# and with the reservations: any row returned is a difference.
VERIFY_SQL = text("""
WITH ledger AS (
    SELECT location_id, lot_id, SUM(delta) AS on_hand FROM (
        SELECT to_location_id AS location_id, lot_id, quantity AS delta
          FROM stock_move WHERE to_location_id IS NOT NULL
        UNION ALL
        SELECT from_location_id AS location_id, lot_id, -quantity AS delta
          FROM stock_move WHERE from_location_id IS NOT NULL
    ) AS deltas
    GROUP BY location_id, lot_id
),
held AS (
    SELECT location_id, lot_id, SUM(quantity) AS reserved
      FROM reservation GROUP BY location_id, lot_id
),
pairs AS (
    SELECT location_id, lot_id FROM stock_balance
    UNION SELECT location_id, lot_id FROM ledger
    UNION SELECT location_id, lot_id FROM held
)
SELECT p.location_id, p.lot_id,
       COALESCE(b.on_hand, 0) AS balance_on_hand, COALESCE(l.on_hand, 0) AS ledger_on_hand,
       COALESCE(b.reserved, 0) AS balance_reserved, COALESCE(h.reserved, 0) AS reservations
  FROM pairs p
  LEFT JOIN stock_balance b ON b.location_id = p.location_id AND b.lot_id = p.lot_id
  LEFT JOIN ledger l ON l.location_id = p.location_id AND l.lot_id = p.lot_id
  LEFT JOIN held h ON h.location_id = p.location_id AND h.lot_id = p.lot_id
 WHERE COALESCE(b.on_hand, 0) <> COALESCE(l.on_hand, 0)
    OR COALESCE(b.reserved, 0) <> COALESCE(h.reserved, 0)
 ORDER BY p.location_id, p.lot_id
""")


def verify(session: Session) -> list[Difference]:
    """Rebuild every balance from the ledger (and reservations); return the differences."""
    return [Difference(*row) for row in session.execute(VERIFY_SQL)]


def counts(session: Session) -> tuple[int, int]:
    """(moves, balance rows): for reports alongside ``verify``."""
    return (session.scalar(select(func.count()).select_from(StockMove)) or 0,
            session.scalar(select(func.count()).select_from(StockBalance)) or 0)
