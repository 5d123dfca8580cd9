"""Trace and recall services on both databases: reversals cancel in the quantities, a
recall of a held lot returns it to hold, and every unit stays accounted for."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import receive
from wms import picking, recall, trace
from wms.db import transaction
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.ledger import record_move, verify
from wms.models import Location, Lot, LotStatus, MoveKind
from wms.orders import allocate_order, place_order
from wms.reversal import reverse_move
from wms.stock import hold_lot

TOMORROW = date.today() + timedelta(days=1)


def _order(sessions, world, ref: str, qty: int, sku: str = "A00003") -> int:
    with transaction(sessions) as s:
        order = place_order(s, {"external_ref": ref, "pickup_point": "SH-P001",
                                "delivery_date": TOMORROW,
                                "lines": [{"sku": sku, "quantity": qty}]}, actor_id=None)
        allocate_order(s, order.id)
        return order.id


def test_a_reversed_load_cancels_out_and_the_lot_still_balances(sessions, world):
    lot = receive(sessions, world, "C00002", "REV-1", "SH1-C-A01-01", 10,
                  expiry=date.today() + timedelta(days=5))
    order = _order(sessions, world, "REV-ORDER", 4, sku="C00002")
    with transaction(sessions) as s:
        picking.pick(s, order, actor_id=None)
        loaded = picking.load(s, order, world.vehicles["SH1-T01"], actor_id=None)
    with transaction(sessions) as s:
        reverse_move(s, loaded[0].id, actor_id=None, reason="wrong truck")
    with sessions() as s:
        fw = trace.forward(s, lot)
    kinds = [(m.kind, m.stands) for m in fw.moves]
    assert kinds == [("receipt", True), ("pick", True), ("load", False), ("reversal", False)]
    assert fw.vehicles == [] and fw.quantities.on_hand == 10
    assert fw.quantities.in_warehouse == 10 and fw.quantities.balanced
    assert fw.orders[0]["loaded"] == 0 and fw.orders[0]["picked"] == 4


def test_recalling_a_held_lot_keeps_it_held_after_release(sessions, world):
    lot = receive(sessions, world, "A00003", "HELD-1", "SH1-A-A01-01", 6)
    with transaction(sessions) as s:
        hold_lot(s, lot, "temperature check", actor_id=None)
    with transaction(sessions) as s:
        out = recall.recall_lot(s, lot, "supplier recall", actor_id=world.users["buyer"])
        assert out.created and out.moves == []  # already in quarantine
        assert out.recall.previous_status == LotStatus.HOLD
    with transaction(sessions) as s:
        again = recall.recall_lot(s, lot, "again", actor_id=None)
        assert not again.created and again.recall.reason == "supplier recall"
    with transaction(sessions) as s:
        released = recall.release_recall(s, lot, "cleared", actor_id=world.users["admin"])
        assert released.moves == []
    with sessions() as s:
        assert s.get(Lot, lot).status == LotStatus.HOLD
        assert [r.released_by for r in recall.recalls(s, lot)] == [world.users["admin"]]
        assert verify(s) == []


def test_recall_moves_staged_stock_and_releases_its_reservation(sessions, world):
    lot = receive(sessions, world, "A00003", "STG-1", "SH1-A-A01-01", 9)
    order = _order(sessions, world, "STAGED", 5)
    with transaction(sessions) as s:
        picking.pick(s, order, actor_id=None)
        record_move(s, kind=MoveKind.SCRAP, lot=s.get(Lot, lot), quantity=1,
                    from_location=s.get(Location, world.locations["SH1-A-A01-01"]),
                    reason="crushed case")
    with transaction(sessions) as s:
        out = recall.recall_lot(s, lot, "allergen", actor_id=None)
    assert sorted((m.from_location.code, m.quantity) for m in out.moves) == [
        ("SH1-A-A01-01", 3), ("SH1-A-STG", 5)]
    assert out.released_reservations == 5
    q = out.forward.quantities
    assert (q.received, q.scrapped, q.in_quarantine, q.on_hand) == (9, 1, 8, 8)
    assert q.balanced
    with transaction(sessions) as s, pytest.raises(Conflict):
        picking.pick(s, order, actor_id=None)


def test_bad_recall_input(sessions, world):
    lot = receive(sessions, world, "A00003", "BAD-1", "SH1-A-A01-01", 2)
    with transaction(sessions) as s, pytest.raises(ValidationFailed) as err:
        recall.recall_lot(s, lot, "  ", actor_id=None)
    assert "reason" in err.value.errors
    with transaction(sessions) as s, pytest.raises(NotFound):
        recall.recall_lot(s, 10_000, "x", actor_id=None)
    with transaction(sessions) as s, pytest.raises(Conflict):
        recall.release_recall(s, lot, "not recalled", actor_id=None)
