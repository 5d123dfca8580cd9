"""Ledger paths found wanting in review: each test names what could go wrong."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import on_hand, receive
from wms import picking
from wms.db import transaction
from wms.errors import Conflict
from wms.ledger import verify
from wms.models import CustomerOrder, Lot, LotStatus, MoveKind, OrderStatus, StockMove
from wms.orders import allocate_order, place_order
from wms.recall import recall_lot
from wms.stock import hold_lot, release_lot


def _order(sessions, ref: str, point: str, sku: str, quantity: int) -> int:
    with transaction(sessions) as s:
        order = place_order(s, {"external_ref": ref, "pickup_point": point,
                                "delivery_date": date.today() + timedelta(days=1),
                                "lines": [{"sku": sku, "quantity": quantity}]}, actor_id=None)
        allocate_order(s, order.id)
        return order.id


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


def test_a_hold_in_one_warehouse_leaves_another_warehouses_orders_alone(sessions, world):
    lot_id = receive(sessions, world, "C00002", "HW-1", "SH1-C-A01-01", 10)
    receive(sessions, world, "C00002", "HW-1", "BJ1-C-A01-01", 10)
    sh = _order(sessions, "HW-SH", "SH-P001", "C00002", 4)
    bj = _order(sessions, "HW-BJ", "BJ-P001", "C00002", 4)
    with transaction(sessions) as s:
        hold_lot(s, lot_id, "carton wet", actor_id=None,
                 warehouse_ids={world.warehouses["SH1"]})
    with transaction(sessions) as s:
        assert s.get(CustomerOrder, sh).status == OrderStatus.PLACED
        assert s.get(CustomerOrder, bj).status == OrderStatus.ALLOCATED
        assert verify(s) == []
    assert on_hand(sessions, world, "BJ1-C-A01-01", lot_id) == (10, 4)
    assert on_hand(sessions, world, "SH1-C-QRT", lot_id) == (10, 0)


def test_a_recall_while_an_order_of_the_lot_is_being_picked_does_not_deadlock(sessions, world):
    lot_id = receive(sessions, world, "C00002", "RP-1", "SH1-C-A01-01", 10)
    order_id = _order(sessions, "RP-1", "SH-P001", "C00002", 4)
    picker = sessions()
    errors: list[BaseException] = []
    try:
        # The picker has the order (as picking.pick takes it) when the recall starts.
        picker.scalar(select(CustomerOrder).where(CustomerOrder.id == order_id)
                      .with_for_update())

        def recall() -> None:
            try:
                with transaction(sessions) as s:
                    recall_lot(s, lot_id, "supplier reports Listeria", actor_id=None)
            except BaseException as exc:  # the outcome is what the test inspects
                errors.append(exc)

        thread = threading.Thread(target=recall)
        thread.start()
        time.sleep(1.0)  # the recall is now waiting for a lock the picker holds
        picking.pick(picker, order_id, actor_id=None)
        picker.commit()
    except BaseException as exc:
        picker.rollback()
        errors.append(exc)
    finally:
        picker.close()
    thread.join(60)
    assert errors == []
    with transaction(sessions) as s:
        assert verify(s) == []
        assert s.get(Lot, lot_id).status == LotStatus.RECALLED
    # The picked units went back from staging to quarantine with the rest.
    assert on_hand(sessions, world, "SH1-C-STG", lot_id) == (0, 0)
    assert on_hand(sessions, world, "SH1-C-QRT", lot_id) == (10, 0)


def test_a_pick_retried_while_the_first_is_still_running_gets_the_first_answer(
        app, sessions, world):
    from tests.factories import ApiClient

    receive(sessions, world, "C00002", "IR-1", "SH1-C-A01-01", 10)
    order_id = _order(sessions, "IR-1", "SH-P001", "C00002", 4)
    headers = {"Idempotency-Key": "pick-IR-1"}
    results: list[tuple[int, dict]] = [None, None]  # type: ignore[list-item]

    def send(i: int) -> None:
        resp = ApiClient(app.test_client(), world.tokens, "staff").post(
            "/api/orders/IR-1/pick", headers=headers)
        results[i] = (resp.status_code, resp.json)

    # Both requests are in flight while the order is busy: neither finds the key stored.
    holder = sessions()
    holder.scalar(select(CustomerOrder).where(CustomerOrder.id == order_id).with_for_update())
    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    holder.rollback()
    holder.close()
    for t in threads:
        t.join(60)
    assert [status for status, _ in results] == [201, 201]
    assert results[0][1] == results[1][1]
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(StockMove)
                        .where(StockMove.kind == MoveKind.PICK)) == 1


def test_two_orders_with_the_same_products_in_opposite_line_order_allocate_together(
        sessions, world, monkeypatch):
    from wms import orders

    receive(sessions, world, "C00002", "AO-C", "SH1-C-A01-01", 10)
    receive(sessions, world, "A00003", "AO-A", "SH1-A-A01-01", 10)
    ids = []
    with transaction(sessions) as s:
        for ref, skus in (("AO-1", ["C00002", "A00003"]), ("AO-2", ["A00003", "C00002"])):
            ids.append(place_order(s, {
                "external_ref": ref, "pickup_point": "SH-P001",
                "delivery_date": date.today() + timedelta(days=1),
                "lines": [{"sku": sku, "quantity": 2} for sku in skus]}, actor_id=None).id)
    # Each allocation pauses after locking its first line's stock, until the other has too.
    barrier = threading.Barrier(2)
    seen = threading.local()

    def pause(_session, cands):
        if not getattr(seen, "paused", False):
            seen.paused = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=2)
        return cands

    monkeypatch.setitem(orders.CANDIDATE_FACTS, "fefo", pause)
    errors: list[BaseException] = []

    def allocate(order_id: int) -> None:
        try:
            with transaction(sessions) as s:
                allocate_order(s, order_id)
        except BaseException as exc:  # the outcome is what the test inspects
            errors.append(exc)

    threads = [threading.Thread(target=allocate, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with transaction(sessions) as s:
        assert [s.get(CustomerOrder, i).status for i in ids] == [OrderStatus.ALLOCATED] * 2
        assert verify(s) == []
