"""Whole-day allocation at scale on PostgreSQL, against COPY of the rows it writes.

Creates a scratch database with three warehouses (the test world's Shanghai and Beijing
and a Guangzhou of the same shape), ``--skus`` products, two to four lots of each at each
warehouse (received through ledger moves, expiring from two days before the delivery date
to a month after it, so the shelf-life rule turns some away) and ``--lines`` order lines
in orders of one to six lines for one delivery date. Then allocates the day of every
warehouse with ``wms.orders.allocate_day`` (FEFO and the products' minimum remaining
shelf life) and times it.

Baseline, in the same run: COPY of the reservation rows the allocation wrote into an
empty table of the same shape (``LIKE reservation INCLUDING ALL``: its indexes and
checks) with reservation's foreign keys, as the rows are loaded into the real table; and
without the foreign keys, for comparison. Prints the times and their ratios, and the
ledger check (``wms stock verify``'s query) after the run, then drops the database.

    .venv/bin/python bench/allocation_bench.py --skus 6000 --lines 100000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.common import scratch_database  # noqa: E402
from tests.factories import ZONES, build_world, location  # noqa: E402
from wms.db import make_engine, make_session_factory, transaction  # noqa: E402
from wms.gtin import make_gtin13  # noqa: E402
from wms.ledger import verify  # noqa: E402
from wms.migrations import upgrade  # noqa: E402
from wms.models import (  # noqa: E402
    CustomerOrder,
    KineticsModel,
    LocationKind,
    Lot,
    MoveKind,
    OrderLine,
    OrderStatus,
    PickupPoint,
    Product,
    Reservation,
    StockBalance,
    StockMove,
    TempClass,
    Warehouse,
)
from wms.orders import allocate_day, allocate_day_by_order  # noqa: E402

TEMPS = [TempClass.FROZEN, TempClass.CHILLED, TempClass.AMBIENT]


def _guangzhou(factory, world) -> None:
    with transaction(factory) as s:
        wh = Warehouse(code="GZ1", name="Guangzhou DC", city="Guangzhou", lat=23.13,
                       lon=113.26, opens_at=clock(3), closes_at=clock(22))
        s.add(wh)
        s.flush()
        world.warehouses["GZ1"] = wh.id
        location(s, world, wh, "GZ1", LocationKind.WAREHOUSE, None)
        for zone, letter in ZONES.items():
            z = f"GZ1-{letter}"
            location(s, world, wh, z, LocationKind.ZONE, zone, "GZ1")
            for b in (1, 2):
                location(s, world, wh, f"{z}-A01-{b:02d}", LocationKind.STORAGE, zone, z)
        for n in (1, 2, 3):
            code = f"GZ-P{n:03d}"
            pl = location(s, world, wh, code, LocationKind.PICKUP_POINT, TempClass.CHILLED)
            pp = PickupPoint(code=code, name=f"Point {code}", address=f"{n} Test Road",
                             lat=23.13 + 0.02 * n, lon=113.26 + 0.01 * n, warehouse_id=wh.id,
                             location_id=pl.id, window_start=clock(6), window_end=clock(9),
                             service_minutes=5, collection_opens=clock(10),
                             collection_closes=clock(21), leader_name="Li Na",
                             leader_phone="13900000000")
            s.add(pp)
            s.flush()
            world.pickup_points[code] = pp.id


def build_day(factory, world, skus: int, lines: int, day: date, rng: random.Random) -> int:
    """Products, lots received through the ledger, and the day's orders; returns orders."""
    now = datetime.now(UTC)
    warehouses = ["SH1", "BJ1", "GZ1"]
    with transaction(factory) as s:
        conn = s.connection()
        products = conn.execute(insert(Product).returning(
            Product.id, Product.temp_class, sort_by_parameter_order=True), [
            {"sku": f"B{i:05d}", "gtin": make_gtin13(f"69099{i:07d}").zfill(14),
             "name": f"Product B{i:05d}", "name_zh": f"测试商品 B{i:05d}", "category": "bench",
             "temp_class": TEMPS[i % 3], "unit": "each", "units_per_crate": 10,
             "unit_weight_kg": 0.5, "shelf_life_days": 20,
             "min_remaining_days": rng.randint(0, 3), "kinetics_model": KineticsModel.Q10,
             "ref_temp_c": -18 if i % 3 == 0 else 4, "q10": 2.0}
            for i in range(skus)]).all()
        lots = []
        for pid, temp in products:
            for wh in warehouses:
                for n in range(rng.randint(2, 4)):
                    expiry = day + timedelta(days=rng.randint(-2, 30))
                    lots.append({"product_id": pid, "lot_code": f"{wh}-{pid}-{n}",
                                 "expiry_date": expiry, "received_at": now,
                                 "_wh": wh, "_temp": temp})
        ids = conn.execute(insert(Lot).returning(Lot.id, sort_by_parameter_order=True), [
            {k: v for k, v in lot.items() if not k.startswith("_")} for lot in lots]).scalars()
        moves, balances = [], []
        for lot, lot_id in zip(lots, ids, strict=True):
            wh = lot["_wh"]
            loc = world.locations[f"{wh}-{ZONES[lot['_temp']]}-A01-{rng.randint(1, 2):02d}"]
            qty = rng.randint(1, 12)
            moves.append({"kind": MoveKind.RECEIPT, "warehouse_id": world.warehouses[wh],
                          "product_id": lot["product_id"], "lot_id": lot_id, "quantity": qty,
                          "to_location_id": loc, "created_at": now, "reason": ""})
            balances.append({"location_id": loc, "lot_id": lot_id,
                             "product_id": lot["product_id"],
                             "warehouse_id": world.warehouses[wh], "on_hand": qty,
                             "reserved": 0, "updated_at": now})
        conn.execute(insert(StockMove), moves)
        conn.execute(insert(StockBalance), balances)
        points = {wh: [world.pickup_points[f"{wh[:2]}-P00{n}"] for n in (1, 2, 3)]
                  for wh in warehouses}
        shapes, left = [], lines
        while left > 0:
            n = min(left, rng.randint(1, 6))
            shapes.append(n)
            left -= n
        orders = []
        for i, _n in enumerate(shapes):
            wh = warehouses[i % 3]
            orders.append({"external_ref": f"DAY-{i:06d}",
                           "pickup_point_id": rng.choice(points[wh]),
                           "warehouse_id": world.warehouses[wh], "delivery_date": day,
                           "requested_date": day, "moved_by_cutoff": False, "customer_ref": "",
                           "customer_contact": "", "status": OrderStatus.PLACED,
                           "created_at": now + timedelta(microseconds=i)})
        order_ids = conn.execute(insert(CustomerOrder).returning(
            CustomerOrder.id, sort_by_parameter_order=True), orders).scalars().all()
        product_ids = [pid for pid, _ in products]
        rows = []
        for order_id, n in zip(order_ids, shapes, strict=True):
            for line_no, pid in enumerate(rng.sample(product_ids, n), start=1):
                rows.append({"order_id": order_id, "line_no": line_no, "product_id": pid,
                             "quantity": rng.randint(1, 5), "allocated": 0, "handed_over": 0})
        conn.execute(insert(OrderLine), rows)
    return len(orders)


def copy_baseline(engine, rows: list[tuple], foreign_keys: bool) -> float:
    """Seconds to COPY ``rows`` into an empty table shaped like ``reservation``: its
    columns, indexes and checks, and with ``foreign_keys`` its references too (each row
    then looks up its order line, order, lot and location, as in the real table)."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE reservation_copy (LIKE reservation INCLUDING ALL)"))
        if foreign_keys:
            for col, table in (("order_line_id", "order_line"), ("order_id", "customer_order"),
                               ("lot_id", "lot"), ("location_id", "location")):
                conn.execute(text(f"ALTER TABLE reservation_copy ADD FOREIGN KEY ({col}) "
                                  f"REFERENCES {table} (id)"))
    t0 = time.perf_counter()
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(
                "COPY reservation_copy (order_line_id, order_id, lot_id, location_id, "
                "quantity, created_at) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elapsed = time.perf_counter() - t0
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE reservation_copy"))
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=6000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db-prefix", default="wms_allocation_bench")
    parser.add_argument("--by-order", action="store_true",
                        help="allocate order by order (allocate_day_by_order), for comparison")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    day = date.today() + timedelta(days=1)
    with scratch_database(args.db_prefix) as url:
        engine = make_engine(url)
        upgrade(engine)
        factory = make_session_factory(engine)
        world = build_world(factory)
        _guangzhou(factory, world)
        t0 = time.perf_counter()
        n_orders = build_day(factory, world, args.skus, args.lines, day, rng)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print(f"{args.skus} SKUs, {n_orders} orders with {args.lines} lines over 3 "
              f"warehouses, built in {time.perf_counter() - t0:.1f} s; load {_load()}")

        t0 = time.perf_counter()
        reports = []
        for wh in ("SH1", "BJ1", "GZ1"):
            run = allocate_day_by_order if args.by_order else allocate_day
            reports += run(factory, world.warehouses[wh], day)
        elapsed = time.perf_counter() - t0

        with transaction(factory) as s:
            rows = s.execute(select(Reservation.order_line_id, Reservation.order_id,
                                    Reservation.lot_id, Reservation.location_id,
                                    Reservation.quantity, Reservation.created_at)).all()
            wanted = s.scalar(select(func.sum(OrderLine.quantity)))
            allocated = s.scalar(select(func.sum(OrderLine.allocated)))
            statuses = dict(s.execute(select(CustomerOrder.status, func.count())
                                      .group_by(CustomerOrder.status)).all())
            t1 = time.perf_counter()
            diffs = verify(s)
            verify_s = time.perf_counter() - t1
        plain = copy_baseline(engine, [tuple(r) for r in rows], foreign_keys=False)
        baseline = copy_baseline(engine, [tuple(r) for r in rows], foreign_keys=True)
        engine.dispose()
    name = "allocate_day_by_order" if args.by_order else "allocate_day"
    print(f"{name} for 3 warehouses: {elapsed:.2f} s; {len(reports)} orders reported, "
          f"{len(rows)} reservation rows, {allocated} of {wanted} units allocated; "
          f"statuses {({k.value: v for k, v in statuses.items()})}")
    print(f"baseline COPY of the {len(rows)} reservation rows: {baseline:.3f} s into a table "
          f"like reservation with its foreign keys, {plain:.3f} s without them")
    print(f"ratio allocation : COPY = {elapsed / baseline:.1f}x with foreign keys, "
          f"{elapsed / plain:.1f}x without (goal <= 20x, and <= 60 s)")
    print(f"ledger check after the run: {len(diffs)} differences ({verify_s:.1f} s); "
          f"load {_load()}")
    if diffs:
        raise SystemExit("balances disagree with the ledger")


def _load() -> str:
    return "average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
