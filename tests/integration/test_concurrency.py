"""Racing for the same units: exactly one wins, nobody oversells, on both databases.

Every thread has its own session (and connection); a barrier starts them together.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.factories import on_hand, receive
from wms.db import transaction
from wms.ledger import InsufficientStock, record_move, verify
from wms.models import Location, Lot, MoveKind, OrderLine, StockBalance
from wms.orders import allocate_order, place_order

THREADS = 24


def race(n: int, work) -> list[object]:
    """Run ``work(i)`` in n threads started together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # the outcome is what the test inspects
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_twenty_four_scanners_racing_for_the_last_units_one_wins(sessions, world):
    lot_id = receive(sessions, world, "F00001", "LAST", "SH1-F-A01-01", 5)

    def take_three(_i: int) -> int:
        with transaction(sessions) as s:
            lot = s.get(Lot, lot_id)
            move = record_move(s, kind=MoveKind.TRANSFER, lot=lot, quantity=3,
                               from_location=s.get(Location, world.locations["SH1-F-A01-01"]),
                               to_location=s.get(Location, world.locations["SH1-F-A01-02"]))
            return move.id

    results = race(THREADS, take_three)
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(winners) == 1
    assert len(losers) == THREADS - 1
    # Each loser is told what is actually left: the 2 units the winner did not take.
    assert {exc.extra["available"] for exc in losers} == {2}
    assert on_hand(sessions, world, "SH1-F-A01-01", lot_id) == (2, 0)
    assert on_hand(sessions, world, "SH1-F-A01-02", lot_id) == (3, 0)
    with transaction(sessions) as s:
        assert verify(s) == []


def _orders(sessions, world, n: int, quantity: int, day: date) -> list[int]:
    ids = []
    with transaction(sessions) as s:
        for i in range(n):
            order = place_order(s, {"external_ref": f"FS-{i:04d}", "pickup_point": "SH-P001",
                                    "delivery_date": day,
                                    "lines": [{"sku": "A00003", "quantity": quantity}]},
                                actor_id=None)
            ids.append(order.id)
    return ids


def test_flash_sale_200_buyers_for_100_units_never_oversells(sessions, world):
    day = date.today() + timedelta(days=1)
    far = date.today() + timedelta(days=90)
    lots = [receive(sessions, world, "A00003", "FS-A", "SH1-A-A01-01", 60, expiry=far),
            receive(sessions, world, "A00003", "FS-B", "SH1-A-A01-02", 40, expiry=far)]
    ids = _orders(sessions, world, 200, 1, day)

    def allocate(i: int) -> int:
        with transaction(sessions) as s:
            report = allocate_order(s, ids[i])
            return report.lines[0].allocated

    results = race(200, allocate)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert sum(results) == 100  # type: ignore[arg-type]
    assert results.count(1) == 100 and results.count(0) == 100
    with transaction(sessions) as s:
        reserved = s.scalar(select(func.sum(StockBalance.reserved))
                            .where(StockBalance.lot_id.in_(lots)))
        allocated = s.scalar(select(func.sum(OrderLine.allocated)))
        negative = s.scalar(select(func.count()).select_from(StockBalance)
                            .where(StockBalance.on_hand - StockBalance.reserved < 0))
        assert (reserved, allocated, negative) == (100, 100, 0)
        assert verify(s) == []


def test_racing_orders_for_the_last_units_one_gets_them_the_other_is_backordered(
        sessions, world):
    day = date.today() + timedelta(days=1)
    receive(sessions, world, "A00003", "TWO", "SH1-A-A01-01", 3,
            expiry=date.today() + timedelta(days=60))
    ids = _orders(sessions, world, THREADS, 3, day)

    def allocate(i: int):
        with transaction(sessions) as s:
            line = allocate_order(s, ids[i]).lines[0]
            return line.allocated, line.backorder

    results = race(THREADS, allocate)
    assert sorted(results)[-1] == (3, 0)
    assert sorted(results)[:-1] == [(0, 3)] * (THREADS - 1)
