"""Trace, stock and export speed over a year of data (``bench/year_data.py``), on PostgreSQL.

Every figure is printed with a baseline measured in the same run, interleaved with it
(one baseline call before each timed call, so a burst of someone else's load on this
shared machine hits both), and the ratio of the two p95s:

- API rows (through the app's test client, with authentication and serialisation)
  against ``GET /api/me``, the cheapest authenticated request;
- service rows (``wms.trace`` on one session) against a primary-key lookup of a move.

Samples are drawn across the whole year: lots that were handed over (forward trace),
collected orders and (pickup point, day) pairs (backward), products, bins and lots
(stock). With ``--export`` it also streams the FSMA 204 spreadsheet and the EPCIS
document of ``--export-days`` (a month by default) and prints the time, the size, the
events per second and the process's resident memory before and at most while doing it.

    .venv/bin/python bench/year_bench.py --url postgresql+psycopg://postgres@127.0.0.1/wms_year
        [--samples 200] [--export]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from wms import accounts, trace  # noqa: E402
from wms.db import make_engine, make_session_factory, transaction  # noqa: E402
from wms.models import Role, StockMove, User  # noqa: E402


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _paired(fn: Callable, base: Callable, items: list) -> tuple[list[float], list[float]]:
    timed, baseline = [], []
    for item in items:
        t0 = time.perf_counter()
        base()
        t1 = time.perf_counter()
        fn(item)
        t2 = time.perf_counter()
        baseline.append((t1 - t0) * 1000)
        timed.append((t2 - t1) * 1000)
    return timed, baseline


def _sample(factory, n: int, rng: random.Random) -> dict[str, list]:
    with factory() as s:
        def pick(sql: str) -> list:
            rows = [tuple(r) if len(r) > 1 else r[0] for r in s.execute(text(sql)).all()]
            return rng.sample(rows, min(n, len(rows)))

        # TABLESAMPLE keeps the draw cheap on tens of millions of rows.
        return {
            "lots": pick("SELECT DISTINCT lot_id FROM stock_move TABLESAMPLE SYSTEM (0.2) "
                         "WHERE kind = 'handover'"),
            "orders": pick("SELECT external_ref FROM customer_order TABLESAMPLE SYSTEM (1) "
                           "WHERE status = 'collected'"),
            "point_days": pick("SELECT p.code, o.delivery_date FROM customer_order o "
                               "TABLESAMPLE SYSTEM (0.2) JOIN pickup_point p "
                               "ON p.id = o.pickup_point_id"),
            "skus": pick("SELECT p.sku, w.code FROM product p CROSS JOIN warehouse w"),
            "bins": pick("SELECT DISTINCT l.code FROM stock_balance b JOIN location l "
                         "ON l.id = b.location_id WHERE b.on_hand > 0"),
            "stocked_lots": pick("SELECT DISTINCT lot_id FROM stock_balance WHERE on_hand > 0"),
            "move_ids": pick("SELECT id FROM stock_move TABLESAMPLE SYSTEM (0.1)"),
        }


def _token(factory) -> str:
    with transaction(factory) as s:
        admin = s.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
        _, secret = accounts.issue_token(s, admin, name="year bench")
    return secret


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _export(client, auth, first: date, days: dict[str, int]
            ) -> Iterator[tuple[str, int, float, int, float, float]]:
    """Stream each export of ``days`` from ``first``; a thread samples the process's
    resident memory meanwhile (tracemalloc would slow the export down several times)."""
    for name, path in (("FSMA 204 CSV", "/api/exports/fsma.csv"),
                       ("EPCIS 2.0 JSON-LD", "/api/exports/epcis")):
        last = first + timedelta(days=days[name] - 1)
        before = _rss_mib()
        peak = [before]
        running = threading.Event()
        running.set()

        def sample(peak=peak, running=running) -> None:
            while running.is_set():
                peak[0] = max(peak[0], _rss_mib())
                time.sleep(0.05)

        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        t0 = time.perf_counter()
        size = 0
        with client.get(path, headers=auth, buffered=False,
                        query_string={"from": first.isoformat(), "to": last.isoformat()}
                        ) as resp:
            assert resp.status_code == 200, resp.status_code
            for chunk in resp.response:
                size += len(chunk)
        elapsed = time.perf_counter() - t0
        running.clear()
        watcher.join()
        yield name, days[name], elapsed, size, before, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--export", action="store_true")
    parser.add_argument("--month", type=date.fromisoformat, default=None,
                        help="first day of the export (default: the last whole month)")
    parser.add_argument("--export-days", type=int, default=31)
    parser.add_argument("--epcis-days", type=int, default=1,
                        help="days of the EPCIS export: each lot's temperature history is "
                             "composed for it, which a month of a busy year makes slow")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    engine = make_engine(args.url)
    factory = make_session_factory(engine)
    with factory() as s:
        counts = {t: s.scalar(text(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{t}'"))
                  for t in ("stock_move", "customer_order", "order_line", "lot", "stock_balance")}
        counts["reading"] = s.scalar(text(
            "SELECT sum(c.reltuples)::bigint FROM pg_inherits i JOIN pg_class c "
            "ON c.oid = i.inhrelid WHERE i.inhparent = 'reading'::regclass"))
        first, last = s.execute(text("SELECT min(delivery_date), max(delivery_date) "
                                     "FROM customer_order WHERE external_ref LIKE 'Y%'")).one()
    print(f"data {first} to {last}: " + ", ".join(f"{k} ~{v:,}" for k, v in counts.items()))
    picked = _sample(factory, args.samples, rng)
    token = _token(factory)

    from api.app import create_app

    app = create_app({"TESTING": True, "WMS_DATABASE_URL": args.url, "WMS_REDIS_URL": ""})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}

    def get(url: str, **query) -> None:
        with client.get(url, headers=auth, query_string=query) as resp:
            assert resp.status_code == 200, (url, resp.status_code, resp.get_data()[:300])

    def me() -> None:
        get("/api/me")

    get(f"/api/lots/{picked['lots'][0]}/trace")  # warm the app and the pool
    api = {
        "forward trace, API (with temperature)": (
            lambda lot: get(f"/api/lots/{lot}/trace"), picked["lots"]),
        "backward from an order, API": (
            lambda ref: get("/api/trace/backward", order=ref), picked["orders"]),
        "backward from a pickup point's day, API": (
            lambda pd: get("/api/trace/backward", pickup_point=pd[0], date=pd[1].isoformat()),
            picked["point_days"]),
        "stock of a product in a warehouse, API": (
            lambda sw: get("/api/stock", sku=sw[0], warehouse=sw[1]), picked["skus"]),
        "stock in a bin, API": (lambda code: get("/api/stock", location=code), picked["bins"]),
        "where a lot is, API": (
            lambda lot: get(f"/api/lots/{lot}/locations"), picked["stocked_lots"]),
    }
    rows = []
    for name, (fn, items) in api.items():
        timed, base = _paired(fn, me, items)
        rows.append((name, timed, "GET /api/me", base))
    with factory() as s:
        ids = picked["move_ids"]

        def by_key() -> None:
            s.execute(select(StockMove.id, StockMove.kind).where(
                StockMove.id == rng.choice(ids))).one()

        service = {
            "forward trace, service (ledger only)": (
                lambda lot: trace.forward(s, lot), picked["lots"]),
            "backward from an order, service": (
                lambda ref: trace.from_order(s, ref), picked["orders"]),
            "backward from a pickup point's day, service": (
                lambda pd: trace.from_pickup_point(s, pd[0], pd[1]), picked["point_days"]),
        }
        for name, (fn, items) in service.items():
            timed, base = _paired(fn, by_key, items)
            s.rollback()
            rows.append((name, timed, "move by primary key", base))
    print(f"{'query':45s} {'n':>4s} {'p50':>7s} {'p95':>7s}   {'baseline':20s} "
          f"{'p95':>6s} {'ratio':>6s}")
    for name, timed, base_name, base in rows:
        p95, b95 = _p(timed, 0.95), _p(base, 0.95)
        print(f"{name:45s} {len(timed):4d} {statistics.median(timed):7.1f} {p95:7.1f}   "
              f"{base_name:20s} {b95:6.2f} {p95 / b95:5.1f}x")
    if args.export:
        first = args.month or (last.replace(day=1) - timedelta(days=1)).replace(day=1)
        days = {"FSMA 204 CSV": args.export_days, "EPCIS 2.0 JSON-LD": args.epcis_days}
        for name, n, secs, size, before, peak in _export(client, auth, first, days):
            with factory() as s:
                events = s.scalar(text(
                    "SELECT count(*) FROM stock_move WHERE created_at >= :a AND created_at < :b "
                    "AND kind IN ('receipt', 'load', 'deliver', 'handover', 'hold', 'release', "
                    "'scrap', 'repack_consume', 'repack_produce')"),
                    {"a": first, "b": first + timedelta(days=n)})
            print(f"{name:18s} {n:3d} days from {first}: ~{events:,} events in {secs:.1f} s "
                  f"({events / secs:,.0f}/s), {size / 2**20:.1f} MiB out; resident memory "
                  f"{before:.0f} MiB before, {peak:.0f} MiB at most ({peak - before:+.0f} MiB)")
    app.extensions["wms"].engine.dispose()
    engine.dispose()


if __name__ == "__main__":
    main()
