"""Correcting a move: a reversing move puts the stock back, once.

Nothing edits a move. The reversal is a new move with the ends swapped and
``reverses_id`` pointing at the original; a unique constraint on ``reverses_id``
makes a second reversal fail even when two people press the button at once.
Moves that carry an order's reserved units (pick, load, deliver, handover) take
the reservation back with them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wms.errors import Conflict, NotFound
from wms.i18n import N_
from wms.ledger import record_move
from wms.models import CustomerOrder, MoveKind, OrderLine, Reservation, StockMove
from wms.reservations import move_reserved, refresh_status, unconsume

RESERVED_KINDS = frozenset({MoveKind.PICK, MoveKind.LOAD, MoveKind.DELIVER})
NOT_REVERSIBLE = {
    MoveKind.REVERSAL: N_("a reversal cannot itself be reversed; record a new move instead"),
    MoveKind.HOLD: N_("a hold is undone by releasing the lot (POST /api/lots/<id>/release)"),
    MoveKind.RELEASE: N_("a release is undone by holding the lot again"),
    # One half of a repack alone would break its mass balance and the lots' lineage.
    MoveKind.REPACK_CONSUME: N_("a repack is undone by a count of its lots, not move by move"),
    MoveKind.REPACK_PRODUCE: N_("a repack is undone by a count of its lots, not move by move"),
}


def reverse_move(session: Session, move_id: int, *, actor_id: int | None, reason: str = "",
                 idempotency_key: str | None = None) -> StockMove:
    original = session.get(StockMove, move_id)
    if original is None:
        raise NotFound(N_("no move with id {id}", id=move_id))
    if original.kind in NOT_REVERSIBLE:
        raise Conflict(NOT_REVERSIBLE[original.kind])
    done = session.scalar(select(StockMove.id).where(StockMove.reverses_id == move_id))
    if done is not None:
        raise Conflict(N_("move {move} was already reversed by move {done}", move=move_id,
                          done=done), reversed_by=done)
    why = reason.strip() or N_("reverses move {move}", move=move_id)
    try:
        if original.order_line_id is not None and original.kind in RESERVED_KINDS:
            reversal = _reverse_reserved(session, original, actor_id, why, idempotency_key)
        elif original.order_line_id is not None and original.kind == MoveKind.HANDOVER:
            line = session.get(OrderLine, original.order_line_id)
            assert line is not None and original.from_location is not None
            reversal = unconsume(session, line, original.lot, original.from_location,
                                 original.quantity, actor_id=actor_id,
                                 reverses_id=original.id, reason=why)
            refresh_status(session, line.order)
        else:
            reversal = record_move(
                session, kind=MoveKind.REVERSAL, lot=original.lot,
                quantity=original.quantity, from_location=original.to_location,
                to_location=original.from_location, actor_id=actor_id, reason=why,
                reverses_id=original.id, idempotency_key=idempotency_key,
                order_id=original.order_id, order_line_id=original.order_line_id)
    except IntegrityError as exc:
        if "reverses_id" not in str(exc.orig):
            raise
        raise Conflict(N_("move {move} was already reversed", move=move_id)) from exc
    return reversal


def _reverse_reserved(session: Session, original: StockMove, actor_id: int | None, why: str,
                      idempotency_key: str | None) -> StockMove:
    row = session.scalar(select(Reservation).where(
        Reservation.order_line_id == original.order_line_id,
        Reservation.lot_id == original.lot_id,
        Reservation.location_id == original.to_location_id))
    if row is None or row.quantity < original.quantity:
        raise Conflict(N_("the units of move {move} have moved on since; reverse the later "
                          "moves first", move=original.id))
    assert original.from_location is not None
    move = move_reserved(session, row, original.from_location, MoveKind.REVERSAL,
                         actor_id=actor_id, quantity=original.quantity,
                         idempotency_key=idempotency_key, reverses_id=original.id,
                         reason=why)
    order = session.get(CustomerOrder, original.order_id)
    assert order is not None
    refresh_status(session, order)
    return move
