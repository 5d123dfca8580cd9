"""Trace speed on PostgreSQL: forward and backward traces of the demo's lots after a day.

Creates a scratch database, loads the demo (warehouses, catalogue, people and stock),
then runs a day of orders in one warehouse through the ledger: place, allocate, pick,
load, deliver and hand over (``wms.orders``, ``wms.picking``). Then it times, through
the HTTP API's test client and as service calls:

- the forward trace of a lot (``GET /api/lots/<id>/trace``, with the temperature part),
- the backward trace of a pickup point's day and of an order (``GET /api/trace/backward``),

and prints p50/p95 in milliseconds. The database is dropped afterwards.

    .venv/bin/python bench/trace_bench.py --orders 1000 --samples 200
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.common import scratch_database  # noqa: E402
from wms import demo, picking, trace  # noqa: E402
from wms.db import make_engine, make_session_factory, transaction  # noqa: E402
from wms.errors import Conflict  # noqa: E402
from wms.migrations import upgrade  # noqa: E402
from wms.models import (  # noqa: E402
    CustomerOrder,
    Lot,
    OrderStatus,
    PickupPoint,
    Product,
    Reservation,
    StockBalance,
    StockMove,
    TempClass,
    Vehicle,
    Warehouse,
)
from wms.orders import allocate_day, place_order  # noqa: E402


def _orders(factory, warehouse: Warehouse, day: date, n: int, rng: random.Random) -> None:
    with transaction(factory) as s:
        points = s.scalars(select(PickupPoint.code).where(
            PickupPoint.warehouse_id == warehouse.id).order_by(PickupPoint.code)).all()
        stocked = s.scalars(select(Product.sku).join(
            StockBalance, StockBalance.product_id == Product.id).where(
            StockBalance.warehouse_id == warehouse.id, StockBalance.on_hand > 0)
            .group_by(Product.sku).order_by(Product.sku)).all()
        for i in range(n):
            skus = rng.sample(stocked, rng.randint(1, 3))
            place_order(s, {"external_ref": f"DAY-{i:05d}", "pickup_point": rng.choice(points),
                            "delivery_date": day,
                            "lines": [{"sku": sku, "quantity": rng.randint(1, 4)}
                                      for sku in skus]}, actor_id=None)


def _run_day(factory, warehouse: Warehouse, day: date) -> dict[str, int]:
    allocate_day(factory, warehouse.id, day)
    with transaction(factory) as s:
        ids = s.scalars(select(CustomerOrder.id).where(
            CustomerOrder.warehouse_id == warehouse.id, CustomerOrder.delivery_date == day,
            CustomerOrder.status.in_([OrderStatus.ALLOCATED, OrderStatus.PARTIAL]))
            .order_by(CustomerOrder.id)).all()
        fleet = s.scalars(select(Vehicle).where(Vehicle.warehouse_id == warehouse.id)
                          .order_by(Vehicle.code)).all()
        reefers = [v.id for v in fleet if v.chilled_crates and v.frozen_crates]
        vans = [v.id for v in fleet if v.ambient_crates]
    done = {"collected": 0, "refused": 0}
    for n, order_id in enumerate(ids):
        try:
            with transaction(factory) as s:
                picking.pick(s, order_id, actor_id=None)
                # Cold goods ride in a reefer, ambient goods in a van, as on a real morning.
                staged = s.execute(select(Reservation.lot_id, Product.temp_class).join(
                    Lot, Lot.id == Reservation.lot_id).join(
                    Product, Product.id == Lot.product_id).where(
                    Reservation.order_id == order_id).distinct()).all()
                for lot_id, temp in staged:
                    fleet_ids = vans if temp == TempClass.AMBIENT else reefers
                    vehicle = fleet_ids[n % len(fleet_ids)]
                    picking.load(s, order_id, vehicle, actor_id=None, lot_id=lot_id,
                                 route_id=vehicle)
                picking.deliver(s, order_id, actor_id=None)
                picking.handover(s, order_id, actor_id=None)
            done["collected"] += 1
        except Conflict:
            done["refused"] += 1
    return done


def _pct(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return (statistics.median(values),
            values[min(len(values) - 1, round(0.95 * (len(values) - 1)))])


def _time(fn, items) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with scratch_database("wms_trace_bench") as url:
        engine = make_engine(url)
        upgrade(engine)
        factory = make_session_factory(engine)
        t0 = time.perf_counter()
        loaded = demo.load(factory)
        token = loaded["tokens"]["buyer"]["token"]
        print(f"demo loaded in {time.perf_counter() - t0:.1f} s: {loaded['counts']}")
        with transaction(factory) as s:
            warehouse = s.scalar(select(Warehouse).where(Warehouse.code == "SH1"))
        day = datetime.now(ZoneInfo(warehouse.timezone)).date()
        t0 = time.perf_counter()
        _orders(factory, warehouse, day, args.orders, rng)
        done = _run_day(factory, warehouse, day)
        with factory() as s:
            moves = s.scalar(select(func.count()).select_from(StockMove))
            lots = s.scalars(select(StockMove.lot_id).where(StockMove.kind == "handover")
                             .group_by(StockMove.lot_id).order_by(StockMove.lot_id)).all()
            refs = s.scalars(select(CustomerOrder.external_ref).where(
                CustomerOrder.status == OrderStatus.COLLECTED)).all()
            points = s.scalars(select(PickupPoint.code).where(
                PickupPoint.warehouse_id == warehouse.id)).all()
        print(f"day of {args.orders} orders in {time.perf_counter() - t0:.1f} s: {done}; "
              f"{moves} moves in the ledger, {len(lots)} lots handed over")

        from api.app import create_app

        app = create_app({"TESTING": True, "WMS_DATABASE_URL": url, "WMS_REDIS_URL": ""})
        client = app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        sample_lots = rng.sample(lots, min(args.samples, len(lots)))
        sample_refs = rng.sample(refs, min(args.samples, len(refs)))
        sample_points = [rng.choice(points) for _ in range(min(args.samples, 80))]

        def get(url: str, **query) -> None:
            resp = client.get(url, headers=auth, query_string=query)
            assert resp.status_code == 200, resp.get_json()

        get(f"/api/lots/{sample_lots[0]}/trace")  # warm the app and the pool
        results = {
            "forward, API (with temperature)": _time(
                lambda lot: get(f"/api/lots/{lot}/trace"), sample_lots),
            "backward from a pickup point's day, API": _time(
                lambda code: get("/api/trace/backward", pickup_point=code,
                                 date=day.isoformat()), sample_points),
            "backward from an order, API": _time(
                lambda ref: get("/api/trace/backward", order=ref), sample_refs),
        }
        with factory() as s:
            results["forward, service (ledger only)"] = _time(
                lambda lot: trace.forward(s, lot), sample_lots)
            results["backward from a pickup point's day, service"] = _time(
                lambda code: trace.from_pickup_point(s, code, day), sample_points)
        print(f"{'trace':45s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s}")
        for name, values in results.items():
            p50, p95 = _pct(values)
            print(f"{name:45s} {len(values):5d} {p50:8.1f} {p95:8.1f}")
        engine.dispose()


if __name__ == "__main__":
    main()
