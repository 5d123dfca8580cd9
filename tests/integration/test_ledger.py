"""The ledger's guarantees, held by the code and by the database itself."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.factories import on_hand, receive
from wms.db import transaction
from wms.errors import Conflict, ValidationFailed
from wms.ledger import InsufficientStock, record_move, verify
from wms.models import Location, Lot, MoveKind
from wms.reversal import reverse_move


def loc(s, world, code):
    return s.get(Location, world.locations[code])


@pytest.mark.parametrize("kind, ends, field", [
    (MoveKind.RECEIPT, ("SH1-REC", "SH1-A-A01-01"), "from"),
    (MoveKind.SCRAP, ("SH1-A-A01-01", "SH1-A-A01-02"), "to"),
    (MoveKind.TRANSFER, (None, "SH1-A-A01-02"), "from"),
    (MoveKind.ADJUST, ("SH1-A-A01-01", "SH1-A-A01-02"), "location"),
    (MoveKind.TRANSFER, ("SH1-A-A01-01", "SH1-A-A01-01"), "to"),
])
def test_each_kind_has_its_ends(sessions, world, kind, ends, field):
    lot_id = receive(sessions, world, "A00003", "E", "SH1-A-A01-01", 5)
    with pytest.raises(ValidationFailed) as err, transaction(sessions) as s:
        record_move(s, kind=kind, lot=s.get(Lot, lot_id), quantity=1, reason="r",
                    from_location=ends[0] and loc(s, world, ends[0]),
                    to_location=ends[1] and loc(s, world, ends[1]))
    assert field in err.value.errors


def test_scrap_and_adjust_need_a_reason_and_quantities_are_whole_positive(sessions, world):
    lot_id = receive(sessions, world, "A00003", "R", "SH1-A-A01-01", 5)
    for kw in ({"kind": MoveKind.SCRAP, "quantity": 1},
               {"kind": MoveKind.TRANSFER, "quantity": 0, "reason": "x",
                "to_location": "SH1-A-A01-02"}):
        with pytest.raises(ValidationFailed), transaction(sessions) as s:
            to = kw.pop("to_location", None)
            record_move(s, lot=s.get(Lot, lot_id), from_location=loc(s, world, "SH1-A-A01-01"),
                        to_location=to and loc(s, world, to), **kw)
    assert on_hand(sessions, world, "SH1-A-A01-01", lot_id) == (5, 0)


def test_the_database_refuses_negative_stock_and_over_reservation(engine, sessions, world):
    lot_id = receive(sessions, world, "A00003", "CK", "SH1-A-A01-01", 5)
    where = f"WHERE lot_id = {lot_id}"
    for sql in (f"UPDATE stock_balance SET on_hand = -1 {where}",
                f"UPDATE stock_balance SET reserved = 6 {where}",
                f"UPDATE stock_balance SET reserved = -1 {where}"):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(sql))
    assert on_hand(sessions, world, "SH1-A-A01-01", lot_id) == (5, 0)


def test_moves_cannot_be_edited_or_deleted(engine, sessions, world):
    receive(sessions, world, "A00003", "AO", "SH1-A-A01-01", 5)
    for sql in ("UPDATE stock_move SET quantity = 50", "DELETE FROM stock_move"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT quantity FROM stock_move")).scalar_one() == 5


def test_taking_more_than_is_free_is_refused_with_what_is_available(sessions, world):
    lot_id = receive(sessions, world, "A00003", "F", "SH1-A-A01-01", 5)
    with pytest.raises(InsufficientStock) as err, transaction(sessions) as s:
        record_move(s, kind=MoveKind.SCRAP, lot=s.get(Lot, lot_id), quantity=6, reason="x",
                    from_location=loc(s, world, "SH1-A-A01-01"))
    assert err.value.status == 409
    assert (err.value.extra["available"], err.value.extra["requested"]) == (5, 6)


def test_a_reversal_undoes_a_move_once(sessions, world):
    lot_id = receive(sessions, world, "A00003", "RV", "SH1-A-A01-01", 5)
    with transaction(sessions) as s:
        move = record_move(s, kind=MoveKind.TRANSFER, lot=s.get(Lot, lot_id), quantity=2,
                           from_location=loc(s, world, "SH1-A-A01-01"),
                           to_location=loc(s, world, "SH1-A-A01-02"))
    with transaction(sessions) as s:
        back = reverse_move(s, move.id, actor_id=None, reason="wrong bin")
        assert (back.kind, back.from_location_id, back.to_location_id, back.reverses_id) == (
            MoveKind.REVERSAL, world.locations["SH1-A-A01-02"],
            world.locations["SH1-A-A01-01"], move.id)
    assert on_hand(sessions, world, "SH1-A-A01-01", lot_id) == (5, 0)
    with pytest.raises(Conflict, match="already reversed"), transaction(sessions) as s:
        reverse_move(s, move.id, actor_id=None)
    with pytest.raises(Conflict, match="cannot itself be reversed"), transaction(sessions) as s:
        reverse_move(s, back.id, actor_id=None)
    with transaction(sessions) as s:
        assert verify(s) == []


def test_verify_finds_a_balance_that_disagrees_with_the_ledger(engine, sessions, world):
    lot_id = receive(sessions, world, "A00003", "V", "SH1-A-A01-01", 5)
    with transaction(sessions) as s:
        assert verify(s) == []
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE stock_balance SET on_hand = 4 WHERE lot_id = {lot_id}"))
    with transaction(sessions) as s:
        [diff] = verify(s)
    assert (diff.lot_id, diff.balance_on_hand, diff.ledger_on_hand) == (lot_id, 4, 5)
