"""Where a receive scan spends its CPU: a cProfile summary of the scan path, in-process.

Creates a scratch PostgreSQL database with the demo, builds the app on it and sends
``--scans`` receive scans through Flask's test client (the whole request: routing,
authentication, parsing, the ledger's statements, the answer), under cProfile. Prints
the CPU per scan, the function calls per scan and the functions with the most own
time and the most cumulative time; ``--out`` also writes the summary to a file, so
that a change to the scan path can be profiled before and after.

    .venv/bin/python bench/scan_profile.py --scans 2000 --out bench/scan_profile_after.txt
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.scan_bench import PG, _admin, _labels  # noqa: E402
from wms import demo  # noqa: E402
from wms.db import make_engine, make_session_factory  # noqa: E402
from wms.migrations import upgrade  # noqa: E402


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time summed per installed package, project package or the standard library."""
    totals: dict[str, float] = {}
    for (filename, _line, _func), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        site = re.search(r"site-packages/([^/]+)", filename)
        if site:
            package = site.group(1).removesuffix(".py")
        elif filename.startswith(str(ROOT)):
            package = Path(filename).relative_to(ROOT).parts[0]
        elif filename == "~":
            package = "(built-in functions)"
        else:
            package = "(standard library)"
        totals[package] = totals.get(package, 0.0) + own
    return sorted(totals.items(), key=lambda kv: -kv[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=2000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    name = f"wms_scan_profile_{os.getpid()}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG}/{name}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        summary = demo.load(make_session_factory(engine), seed=7)
        token = summary["tokens"]["staff"]["token"]
        labels = _labels(make_session_factory(engine), args.scans)
        engine.dispose()

        from api.app import create_app

        app = create_app({"WMS_DATABASE_URL": url, "WMS_REDIS_URL": "", "TESTING": True})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        run = uuid.uuid4().hex[:12]

        def scan(i: int, barcode: str) -> None:
            answer = client.post("/api/scans", json={
                "action": "receive", "location": "SH1-REC", "barcode": barcode},
                headers={**headers, "Idempotency-Key": f"{run}-{i}"})
            if answer.status_code != 201:
                raise SystemExit(f"scan {i} answered {answer.status_code}: {answer.json}")

        for i, barcode in enumerate(labels[:50]):  # warm up caches and the pool
            scan(-i - 1, barcode)
        profiler = cProfile.Profile()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profiler.enable()
        for i, barcode in enumerate(labels):
            scan(i, barcode)
        profiler.disable()
        cpu = (time.process_time() - cpu0) / len(labels)
        wall = (time.perf_counter() - wall0) / len(labels)

        stats = pstats.Stats(profiler)
        calls = stats.total_calls / len(labels)
        out = io.StringIO()
        out.write(f"{len(labels)} receive scans in-process on PostgreSQL (under cProfile, "
                  f"which roughly doubles Python time)\n")
        out.write(f"CPU {cpu * 1000:.2f} ms per scan, wall {wall * 1000:.2f} ms per scan, "
                  f"{calls:,.0f} function calls per scan\n\n")
        out.write("--- own time by package (ms per scan) ---\n")
        for package, seconds in by_package(stats):
            out.write(f"{package:<24} {seconds * 1000 / len(labels):6.2f}\n")
        out.write("\n")
        for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
            out.write(f"--- top {args.top} by {title} ---\n")
            stats.stream = out
            stats.sort_stats(key).print_stats(args.top)
        report = out.getvalue()
        print(report)
        if args.out:
            args.out.write_text(report.replace(str(ROOT) + "/", "").replace(
                sys.prefix + "/", ""))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
