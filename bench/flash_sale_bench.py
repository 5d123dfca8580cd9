"""Flash sale on PostgreSQL: N threads allocating orders for one SKU at once.

Creates a scratch database with the small test world, receives UNITS of one SKU
in two lots, places 2 × UNITS one-unit orders and lets THREADS threads (each with
its own session) allocate them as fast as they can. Prints allocations per second
and units oversold (must be 0), then drops the database.

    .venv/bin/python bench/flash_sale_bench.py --threads 50 --units 500
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from tests.factories import build_world, receive  # noqa: E402
from wms.db import make_engine, make_session_factory, transaction  # noqa: E402
from wms.ledger import verify  # noqa: E402
from wms.migrations import upgrade  # noqa: E402
from wms.models import OrderLine, StockBalance  # noqa: E402
from wms.orders import allocate_order, place_order  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--units", type=int, default=500)
    args = parser.parse_args()
    name = f"wms_flash_bench_{os.getpid()}"
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        engine = make_engine(f"{PG}/{name}", pool_size=args.threads, max_overflow=0)
        upgrade(engine)
        factory = make_session_factory(engine)
        world = build_world(factory)
        far = date.today() + timedelta(days=100)
        half = args.units // 2
        receive(factory, world, "A00003", "SALE-1", "SH1-A-A01-01", half, expiry=far)
        receive(factory, world, "A00003", "SALE-2", "SH1-A-A01-02", args.units - half,
                expiry=far + timedelta(days=1))
        orders: queue.SimpleQueue[int] = queue.SimpleQueue()
        with transaction(factory) as s:
            for i in range(2 * args.units):
                orders.put(place_order(s, {
                    "external_ref": f"SALE-{i:06d}", "pickup_point": "SH-P00" + str(i % 3 + 1),
                    "delivery_date": date.today() + timedelta(days=1),
                    "lines": [{"sku": "A00003", "quantity": 1}]}, actor_id=None).id)
        total = 2 * args.units
        barrier = threading.Barrier(args.threads)

        def worker() -> None:
            barrier.wait()
            while True:
                try:
                    order_id = orders.get_nowait()
                except queue.Empty:
                    return
                with transaction(factory) as s:
                    allocate_order(s, order_id)

        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        with transaction(factory) as s:
            allocated = s.scalar(select(func.sum(OrderLine.allocated))) or 0
            reserved = s.scalar(select(func.sum(StockBalance.reserved))) or 0
            over = s.scalar(select(func.count()).select_from(StockBalance).where(
                StockBalance.reserved > StockBalance.on_hand))
            diffs = verify(s)
        print(f"{args.threads} threads, {total} one-unit orders for {args.units} units")
        print(f"{total / elapsed:.0f} allocations/s ({elapsed:.2f} s)")
        print(f"units allocated {allocated}, reserved on balances {reserved}, "
              f"oversold {max(0, allocated - args.units)}, balances over-reserved {over}, "
              f"ledger differences {len(diffs)}")
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
