"""What one flash-sale request costs in-process: statements and round trips to PostgreSQL
for an accepted order, a refused one (sold out) and the ``GET /api/me`` baseline, each
measured after a warm-up, and optionally a cProfile summary.

    .venv/bin/python bench/flash_sale_profile.py [--sql] [--profile N]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.common import scratch_database  # noqa: E402
from tests.factories import build_world, receive  # noqa: E402
from wms.db import make_engine, make_session_factory  # noqa: E402
from wms.migrations import upgrade  # noqa: E402

SKU = "A00003"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sql", action="store_true", help="print each statement")
    parser.add_argument("--profile", type=int, default=0,
                        help="profile this many requests and print the top functions")
    parser.add_argument("--kind", choices=("accepted", "refused", "me"), default="accepted",
                        help="which request --profile profiles")
    parser.add_argument("--repeat", type=int, default=200, help="requests timed per kind")
    args = parser.parse_args()
    with scratch_database("wms_flash_profile") as url:
        engine = make_engine(url)
        upgrade(engine)
        factory = make_session_factory(engine)
        world = build_world(factory)
        far = date.today() + timedelta(days=100)
        units = 3 * args.repeat + args.profile + 10
        receive(factory, world, SKU, "SALE-1", "SH1-A-A01-01", units, expiry=far)
        engine.dispose()

        # As the HTTP benchmark serves it: orders for tomorrow at any hour.
        os.environ["WMS_ORDER_CUTOFF"] = "off"
        from api.app import create_app

        app = create_app({"WMS_DATABASE_URL": url, "WMS_REDIS_URL": ""})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {world.tokens['staff']}"}
        day = (date.today() + timedelta(days=1)).isoformat()
        n = 0

        def order(qty: int = 1):
            nonlocal n
            n += 1
            return client.post("/api/orders/reserved", headers=headers, json={
                "external_ref": f"P-{n:06d}", "pickup_point": "SH-P001",
                "delivery_date": day, "lines": [{"sku": SKU, "quantity": qty}]})

        statements: list[str] = []
        app_engine = app.extensions["wms"].engine

        @event.listens_for(app_engine, "before_cursor_execute")
        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        # BEGIN and COMMIT are round trips as well (psycopg sends BEGIN before the first
        # statement of a transaction).
        @event.listens_for(app_engine, "begin")
        def began(conn):
            statements.append("BEGIN")

        @event.listens_for(app_engine, "commit")
        def committed(conn):
            statements.append("COMMIT")

        @event.listens_for(app_engine, "rollback")
        def rolled_back(conn):
            statements.append("ROLLBACK")

        def measure(label: str, call, expect: int) -> None:
            for _ in range(5):
                assert call().status_code == expect
            statements.clear()
            resp = call()
            assert resp.status_code == expect, resp.json
            seen = list(statements)
            t0 = time.perf_counter()
            for _ in range(args.repeat):
                call()
            ms = (time.perf_counter() - t0) / args.repeat * 1000
            print(f"{label}: {len(seen)} round trips, {ms:.2f} ms per request")
            if args.sql:
                for s in seen:
                    print("    " + " ".join(s.split())[:160])

        measure("GET /api/me", lambda: client.get("/api/me", headers=headers), 200)
        measure("accepted order", order, 201)
        measure("refused order", lambda: order(10 ** 6), 409)
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            call = {"accepted": order, "refused": lambda: order(10 ** 6),
                    "me": lambda: client.get("/api/me", headers=headers)}[args.kind]
            for _ in range(args.profile):
                call()
            prof.disable()
            pstats.Stats(prof).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(60)
        app_engine.dispose()


if __name__ == "__main__":
    main()
