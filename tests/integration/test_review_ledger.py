"""Ledger paths found wanting in review: each test names what could go wrong."""

from __future__ import annotations

import pytest

from tests.factories import on_hand, receive
from wms.db import transaction
from wms.errors import Conflict
from wms.models import Lot, LotStatus
from wms.recall import recall_lot
from wms.stock import hold_lot, release_lot


def test_holding_a_recalled_lot_is_refused_so_a_release_cannot_end_the_recall(sessions, world):
    lot_id = receive(sessions, world, "C00002", "RC-1", "SH1-C-A01-01", 10)
    with transaction(sessions) as s:
        recall_lot(s, lot_id, "supplier reports Listeria", actor_id=None)
    with transaction(sessions) as s, pytest.raises(Conflict, match="recalled"):
        hold_lot(s, lot_id, "damaged carton", actor_id=None)
    with transaction(sessions) as s, pytest.raises(Conflict):
        release_lot(s, lot_id, "looks fine", actor_id=None)
    with transaction(sessions) as s:
        assert s.get(Lot, lot_id).status == LotStatus.RECALLED
    assert on_hand(sessions, world, "SH1-C-QRT", lot_id) == (10, 0)
