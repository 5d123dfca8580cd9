"""A year of ledger and readings at ``--scale`` times today's volume, written by COPY.

Today's volume is the demo's: about 1,000 orders a day (1-3 lines each) and a logger in
every room, dock and truck compartment read every 10 minutes. At ``--scale 10`` (the
goal) a day is 10,000 orders, about 20,000 lines and 83,000 moves, and every logger is
read every minute. The demo (warehouses, pickup points, fleet, catalogue, people) is
loaded first; then each day, oldest first, in a transaction of its own:

- the day before delivery, one lot per (warehouse, product) the day's orders ask for is
  received at the warehouse's receiving dock (``receipt``) and put away (``putaway``)
  into a bin of its class, with a little more than the orders need;
- on the day every line is picked to staging, loaded into the compartment of its class on
  one of the warehouse's trucks, delivered to its pickup point and handed over
  (``pick``, ``load``, ``deliver``, ``handover``; orders ``collected``);
- what is left of a lot a week after it arrived is written off (``scrap``);
- every logger's readings of the day (binary COPY, as ``coldchain.monitoring.store``).

Rows are consistent with what the services would write (every move has its order, line,
places and times in order; no balance goes below zero), so traces and exports read them
as real history. Foreign-key triggers are switched off for the COPYs
(``session_replication_role = replica``): the generator makes the keys itself, and a
year's worth of per-row checks would triple the time. Balances of the generated lots are
rebuilt from the ledger at the end, as ``wms stock verify`` would. Days are committed one
by one, so an interrupted run leaves whole days behind.

    .venv/bin/python bench/year_data.py --url postgresql+psycopg://postgres@127.0.0.1/wms_year
        [--days 365] [--scale 10] [--end 2026-12-01]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from coldchain.monitoring import partitions, sensors  # noqa: E402
from coldchain.monitoring.store import copy_payload  # noqa: E402
from wms import demo  # noqa: E402
from wms.db import make_engine, make_session_factory, transaction  # noqa: E402
from wms.migrations import upgrade  # noqa: E402
from wms.models import Location, LocationKind  # noqa: E402

NOMINAL_C = {"frozen": -21.0, "chilled": 2.5, "ambient": 18.0}
MOVE_COLUMNS = ("id", "kind", "warehouse_id", "product_id", "lot_id", "quantity",
                "from_location_id", "to_location_id", "reason", "created_at", "order_id",
                "order_line_id", "route_id")
LOT_COLUMNS = ("id", "product_id", "lot_code", "supplier_id", "origin_id", "expiry_date",
               "received_at", "purchase_order", "certifications", "country_of_origin",
               "status", "status_reason", "created_at")
ORDER_COLUMNS = ("id", "external_ref", "pickup_point_id", "warehouse_id", "delivery_date",
                 "status", "created_at")
LINE_COLUMNS = ("id", "order_id", "line_no", "product_id", "quantity", "allocated",
                "handed_over")


@dataclass
class Site:
    """One warehouse's places, as the generator routes goods through them."""

    id: int
    tz: ZoneInfo
    dock: int
    bins: dict[str, list[int]]
    staging: dict[str, int]
    compartments: dict[str, list[tuple[int, int]]]  # class -> (location, vehicle id)
    points: list[tuple[int, int]]  # (pickup point id, its location)


@dataclass
class World:
    sites: list[Site]
    products: list[tuple[int, str]]  # (id, temp class)
    suppliers: list[int]
    origins: list[int]
    sensors: list[tuple[int, str]]  # (id, zone class)
    ids: dict[str, int] = field(default_factory=dict)  # next id per table
    # lots waiting to be written off: day -> [(lot, warehouse, product, bin, units left)]
    leftovers: dict[date, list[list[int]]] = field(default_factory=lambda: defaultdict(list))


def _rows(session, sql: str, **params) -> list[tuple]:
    return [tuple(r) for r in session.execute(text(sql), params).all()]


def load_world(factory, interval_s: int, start: datetime) -> World:
    with transaction(factory) as s:
        sites = []
        for wh_id, tz in _rows(s, "SELECT id, timezone FROM warehouse ORDER BY id"):
            places = _rows(s, "SELECT id, kind, temp_zone, parent_id FROM location "
                              "WHERE warehouse_id = :w ORDER BY id", w=wh_id)
            bins, staging, comps = defaultdict(list), {}, defaultdict(list)
            dock = next(p[0] for p in places if p[1] == LocationKind.RECEIVING)
            vehicles = dict(_rows(s, "SELECT location_id, id FROM vehicle WHERE "
                                     "warehouse_id = :w", w=wh_id))
            for loc, kind, zone, parent in places:
                if kind == LocationKind.STORAGE and zone:
                    bins[zone].append(loc)
                elif kind == LocationKind.STAGING and zone:
                    staging[zone] = loc
                elif kind == LocationKind.VEHICLE and parent in vehicles and zone:
                    comps[zone].append((loc, vehicles[parent]))
            # A truck without compartments carries ambient goods in its own body.
            for loc, vehicle in vehicles.items():
                if not any(v == vehicle for zone in comps.values() for _, v in zone):
                    comps["ambient"].append((loc, vehicle))
            points = _rows(s, "SELECT id, location_id FROM pickup_point WHERE "
                              "warehouse_id = :w ORDER BY id", w=wh_id)
            sites.append(Site(wh_id, ZoneInfo(tz), dock, dict(bins), staging, dict(comps),
                              points))
        products = _rows(s, "SELECT id, temp_class FROM product ORDER BY id")
        suppliers = [r[0] for r in _rows(s, "SELECT id FROM supplier ORDER BY id")]
        origins = [r[0] for r in _rows(s, "SELECT id FROM origin ORDER BY id")]
        if not _rows(s, "SELECT id FROM sensor WHERE serial LIKE 'YR-%' LIMIT 1"):
            # As the demo's loggers: every room and dock, every truck compartment.
            rooms = s.scalars(select(Location).where(
                Location.kind.in_([LocationKind.ZONE, LocationKind.RECEIVING])
                | ((Location.kind == LocationKind.VEHICLE) & Location.parent_id.is_not(None)))
                .order_by(Location.id)).all()
            for place in rooms:
                sensors.register(s, serial=f"YR-{place.code}", model="year bench logger",
                                 sampling_interval_s=interval_s, location=place,
                                 at=start - timedelta(days=1))
        found = _rows(s, "SELECT s.id, coalesce(l.temp_zone, 'ambient') FROM sensor s "
                         "JOIN location l ON l.id = s.location_id "
                         "WHERE s.serial LIKE 'YR-%' ORDER BY s.id")
        ids = {t: int(s.scalar(text(f"SELECT coalesce(max(id), 0) + 1 FROM {t}")))
               for t in ("stock_move", "lot", "customer_order", "order_line")}
    usable = [p for p in products if all(p[1] in site.bins and p[1] in site.compartments
                                         for site in sites)]
    return World(sites, usable, suppliers, origins, found, ids)


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _n(value) -> str:
    return r"\N" if value is None else str(value)


class Day:
    """The rows of one day, as COPY text per table."""

    def __init__(self) -> None:
        self.moves: list[str] = []
        self.lots: list[str] = []
        self.orders: list[str] = []
        self.lines: list[str] = []

    def move(self, w: World, kind: str, wh: int, product: int, lot: int, qty: int,
             src: int | None, dst: int | None, at: datetime, order: int | None = None,
             line: int | None = None, route: int | None = None, reason: str = "") -> None:
        move_id = w.ids["stock_move"]
        w.ids["stock_move"] += 1
        self.moves.append("\t".join((str(move_id), kind, str(wh), str(product), str(lot),
                                     str(qty), _n(src), _n(dst), reason, _ts(at), _n(order),
                                     _n(line), _n(route))))


def generate_day(w: World, day: date, scale: float, rng: random.Random) -> Day:
    out = Day()
    orders_per_site = max(1, round(1000 * scale / len(w.sites)))
    for site in w.sites:
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=site.tz)
        demand: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
        temp = dict(w.products)
        for i in range(orders_per_site):
            order_id = w.ids["customer_order"]
            w.ids["customer_order"] += 1
            point, point_loc = rng.choice(site.points)
            placed = midnight - timedelta(hours=rng.uniform(4, 30))
            out.orders.append("\t".join((str(order_id), f"Y{day:%y%m%d}-{site.id}-{i:05d}",
                                         str(point), str(site.id), day.isoformat(),
                                         "collected", _ts(placed))))
            for line_no, (product, _) in enumerate(rng.sample(w.products, rng.randint(1, 3)),
                                                   start=1):
                qty = rng.randint(1, 4)
                line_id = w.ids["order_line"]
                w.ids["order_line"] += 1
                out.lines.append(f"{line_id}\t{order_id}\t{line_no}\t{product}\t{qty}\t0\t{qty}")
                demand[product].append((order_id, line_id, qty, point_loc))
        received = midnight - timedelta(hours=17)  # 07:00 the day before
        for product, wanted in demand.items():
            cls = temp[product]
            lot_id = w.ids["lot"]
            w.ids["lot"] += 1
            total = sum(q for _, _, q, _ in wanted)
            spare = rng.randint(0, max(1, total // 5))
            bin_id = rng.choice(site.bins[cls])
            at = received + timedelta(minutes=rng.uniform(0, 180))
            out.lots.append("\t".join((
                str(lot_id), str(product), f"Y{day:%y%m%d}{site.id}P{product}",
                str(rng.choice(w.suppliers)), str(rng.choice(w.origins)) if w.origins else r"\N",
                (day + timedelta(days=rng.randint(5, 30))).isoformat(), _ts(at), "", "", "CN",
                "available", "", _ts(at))))
            out.move(w, "receipt", site.id, product, lot_id, total + spare, None, site.dock, at)
            out.move(w, "putaway", site.id, product, lot_id, total + spare, site.dock, bin_id,
                     at + timedelta(minutes=40))
            for order_id, line_id, qty, point_loc in wanted:
                compartment, vehicle = rng.choice(site.compartments[cls])
                picked = midnight + timedelta(hours=rng.uniform(2, 4.5))
                loaded = midnight + timedelta(hours=rng.uniform(5, 6))
                delivered = loaded + timedelta(hours=rng.uniform(0.5, 3))
                collected = delivered + timedelta(hours=rng.uniform(0.5, 9))
                stage = site.staging.get(cls) or site.dock
                args = (site.id, product, lot_id, qty)
                out.move(w, "pick", *args, bin_id, stage, picked, order_id, line_id)
                out.move(w, "load", *args, stage, compartment, loaded, order_id, line_id, vehicle)
                out.move(w, "deliver", *args, compartment, point_loc, delivered, order_id,
                         line_id, vehicle)
                out.move(w, "handover", *args, point_loc, None, collected, order_id, line_id)
            if spare:
                w.leftovers[day + timedelta(days=7)].append(
                    [lot_id, site.id, product, bin_id, spare])
        for lot_id, wh, product, bin_id, spare in w.leftovers.pop(day, []):
            out.move(w, "scrap", wh, product, lot_id, spare, bin_id, None,
                     midnight + timedelta(hours=21), reason="past its sell-by date")
    return out


def _copy(cur, table: str, columns: tuple[str, ...], rows: list[str]) -> None:
    if not rows:
        return
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        data = ("\n".join(rows) + "\n").encode()
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start:start + (1 << 20)])


def readings_of(w: World, day: date, interval_s: int, rng: np.random.Generator
                ) -> bytes:
    start = int(datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp())
    per = 86400 // interval_s
    times = np.tile(start + np.arange(per, dtype=np.int64) * interval_s, len(w.sensors))
    ids = np.repeat(np.array([s for s, _ in w.sensors], dtype=np.int32), per)
    nominal = np.repeat(np.array([NOMINAL_C.get(z, 18.0) for _, z in w.sensors]), per)
    temps = np.round(nominal + rng.normal(0, 0.4, times.size), 2)
    return copy_payload(ids, times, temps)


def write_day(factory, w: World, rows: Day, payload: bytes) -> int:
    with transaction(factory) as s:
        s.execute(text("SET LOCAL session_replication_role = replica"))
        raw = s.connection().connection.driver_connection
        with raw.cursor() as cur:
            _copy(cur, "lot", LOT_COLUMNS, rows.lots)
            _copy(cur, "customer_order", ORDER_COLUMNS, rows.orders)
            _copy(cur, "order_line", LINE_COLUMNS, rows.lines)
            _copy(cur, "stock_move", MOVE_COLUMNS, rows.moves)
            with cur.copy("COPY reading (sensor_id, ts, temp_c) FROM STDIN (FORMAT BINARY)"
                          ) as copy:
                view = memoryview(payload)
                for start in range(0, len(view), 1 << 20):
                    copy.write(view[start:start + (1 << 20)])
    return len(rows.moves)


def finish(factory, first_lot: int) -> None:
    """Sequences past the generated ids, balances of the generated lots, statistics."""
    with transaction(factory) as s:
        for table in ("stock_move", "lot", "customer_order", "order_line"):
            s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))"))
        s.execute(text(
            "INSERT INTO stock_balance (location_id, lot_id, product_id, warehouse_id, "
            "on_hand, reserved, updated_at) "
            "SELECT loc, lot_id, product_id, warehouse_id, sum(q), 0, now() FROM ("
            " SELECT to_location_id AS loc, lot_id, product_id, warehouse_id, quantity AS q"
            " FROM stock_move WHERE lot_id >= :l AND to_location_id IS NOT NULL"
            " UNION ALL SELECT from_location_id, lot_id, product_id, warehouse_id, -quantity"
            " FROM stock_move WHERE lot_id >= :l AND from_location_id IS NOT NULL) m "
            "GROUP BY loc, lot_id, product_id, warehouse_id HAVING sum(q) <> 0"),
            {"l": first_lot})
    with factory() as s:
        s.connection(execution_options={"isolation_level": "AUTOCOMMIT"}).execute(
            text("ANALYZE"))


def generate(url: str, days: int, scale: float, end: date, seed: int = 5) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    first = end - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC) - timedelta(days=2)
    with transaction(factory) as s:
        if not s.scalar(text("SELECT count(*) FROM warehouse")):
            demo.load(factory)
        partitions.ensure_partitions(s.connection(), start, end)
    interval_s = max(1, round(600 / scale))
    w = load_world(factory, interval_s, start)
    first_lot = w.ids["lot"]
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    totals = {"moves": 0, "readings": 0, "orders": 0}
    t0 = time.perf_counter()
    with click.progressbar(length=days, label=f"{days} days at {scale:g}x", file=sys.stderr,
                           item_show_func=lambda d: d and d.isoformat()) as bar:
        for i in range(days):
            day = first + timedelta(days=i)
            rows = generate_day(w, day, scale, rng)
            payload = readings_of(w, day, interval_s, nrng)
            totals["moves"] += write_day(factory, w, rows, payload)
            totals["orders"] += len(rows.orders)
            totals["readings"] += len(w.sensors) * (86400 // interval_s)
            bar.update(1, day)
    totals["seconds"] = time.perf_counter() - t0
    finish(factory, first_lot)
    engine.dispose()
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--end", type=date.fromisoformat,
                        default=datetime.now(UTC).date() - timedelta(days=8))
    parser.add_argument("--finish-only", action="store_true",
                        help="after an interrupted run: balances, sequences and statistics "
                             "of the days already written")
    args = parser.parse_args()
    if args.finish_only:
        engine = make_engine(args.url)
        factory = make_session_factory(engine)
        with factory() as s:
            first_lot = s.scalar(text("SELECT min(id) FROM lot WHERE lot_code LIKE 'Y%'"))
            done = s.scalar(text("SELECT count(*) FROM stock_balance WHERE lot_id >= :l"),
                            {"l": first_lot})
        if done:
            raise SystemExit("the generated lots already have balances")
        finish(factory, first_lot)
        engine.dispose()
        return
    totals = generate(args.url, args.days, args.scale, args.end)
    print(f"{args.days} days at {args.scale:g}x: {totals['orders']:,} orders, "
          f"{totals['moves']:,} moves, {totals['readings']:,} readings "
          f"in {totals['seconds']:.0f} s")


if __name__ == "__main__":
    main()
