"""Chilled goods kept at a pickup point without a fridge lose shelf life at the ambient
reference; at a point with one they age as nominal storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from coldchain.monitoring.lot_history import PICKUP_AMBIENT_C, history
from tests.factories import receive
from wms.db import transaction
from wms.ledger import record_move
from wms.models import Location, Lot, MoveKind, TempClass


def _lot_at_point(sessions, world, point: str, lot_code: str, hours: float) -> int:
    lot_id = receive(sessions, world, "C00002", lot_code, "SH1-C-A01-01", 10)
    with transaction(sessions) as s:
        lot = s.get(Lot, lot_id)
        lot.received_at = datetime.now(UTC) - timedelta(hours=hours + 1)
        record_move(s, kind=MoveKind.TRANSFER, lot=lot, quantity=10,
                    from_location=s.get(Location, world.locations["SH1-C-A01-01"]),
                    to_location=s.get(Location, world.locations[point]),
                    at=datetime.now(UTC) - timedelta(hours=hours))
    return lot_id


def test_time_at_a_point_without_a_fridge_counts_at_ambient(sessions, world):
    with transaction(sessions) as s:
        warm = s.scalar(select(Location).where(Location.code == "SH-P002"))
        warm.temp_zone = TempClass.AMBIENT  # a shop shelf: no fridge
    cold = _lot_at_point(sessions, world, "SH-P001", "L-COLD", hours=10)
    hot = _lot_at_point(sessions, world, "SH-P002", "L-WARM", hours=10)
    with transaction(sessions) as s:
        kept, shelf = history(s, cold), history(s, hot)
        assert PICKUP_AMBIENT_C > 20
        assert kept.times.size <= 1  # nothing measured: nominal ageing only
        assert shelf.times.size >= 10 * 60  # a point a minute at the ambient reference
        # Q10 = 2 from 4 °C to 25 °C: about four times as fast for those ten hours.
        lost_cold = 7 - kept.remaining_days
        lost_warm = 7 - shelf.remaining_days
        assert lost_warm > lost_cold + 1.0
