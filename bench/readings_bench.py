"""Readings ingestion on PostgreSQL against raw COPY of the same rows, in one run.

The ``reading`` table first gets ``--prefill`` rows of history (a year's scale: by default
20 million readings of the same sensors, written by the server itself), so every path
pays for a large primary-key index. Then three ways in, each with the same number of new
readings in a window of its own (nothing is truncated between them):
  * COPY: psycopg's COPY of the rows straight into the table (the baseline);
  * CSV import: the ``wms readings import`` path (parse a logger CSV, resolve
    serials, store once per (sensor, timestamp));
  * JSON API: batches of 10,000 readings POSTed to /api/readings on gunicorn
    (2 workers); evaluation is queued on Redis, as in production.
Prints readings per second and the ratio of each path to COPY.

    .venv/bin/python bench/readings_bench.py [--sensors 1000] [--per-sensor 1000]
        [--prefill 20000000] [--repeat 2] [--db-prefix wms_bench_readings]
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
from common import scratch_database, served_api
from redis import Redis
from sqlalchemy import text

from coldchain.analysis.files import parse_logger_file
from coldchain.monitoring.ingest import ingest_parsed
from coldchain.monitoring.models import Sensor
from wms import accounts
from wms.db import make_engine, make_session_factory, transaction
from wms.migrations import upgrade
from wms.models import Location, LocationKind, Role, TempClass, Warehouse

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def setup(url: str, sensors: int) -> tuple[object, list[str], str]:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as s:
        wh = Warehouse(code="B1", name="Bench", city="Shanghai", lat=31.2, lon=121.4)
        s.add(wh)
        s.flush()
        room = Location(warehouse_id=wh.id, code="B1-C", name="room", kind=LocationKind.ZONE,
                        temp_zone=TempClass.CHILLED)
        s.add(room)
        s.flush()
        serials = [f"BENCH-{i:04d}" for i in range(sensors)]
        s.add_all(Sensor(serial=x, sampling_interval_s=60, location_id=room.id)
                  for x in serials)
        admin = accounts.create_user(s, username="bench", role=Role.ADMIN)
        _, token = accounts.issue_token(s, admin)
    return factory, serials, token


def prefill(factory, count: int, sensors: int) -> float:
    """``count`` readings of history before T0, minute by minute per sensor (server-side)."""
    if count <= 0:
        return 0.0
    per = -(-count // sensors)
    start = time.perf_counter()
    with transaction(factory) as s:
        s.execute(text(
            "INSERT INTO reading (sensor_id, ts, temp_c) "
            "SELECT s.id, CAST(:t0 AS timestamptz) - make_interval(mins => g), "
            "round((3 + random())::numeric, 2) "
            "FROM (SELECT id FROM sensor ORDER BY id LIMIT :sensors) s, "
            "generate_series(1, :per) g"), {"t0": T0, "sensors": sensors, "per": per})
        s.execute(text("ANALYZE reading"))
    return time.perf_counter() - start


def rows(serials: list[str], per_sensor: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    n = len(serials) * per_sensor
    sensor_idx = np.repeat(np.arange(len(serials)), per_sensor)
    offsets = np.tile(np.arange(per_sensor) * 60, len(serials))
    temps = np.round(rng.normal(3.0, 0.8, n), 2)
    return [serials[i] for i in sensor_idx], offsets, temps


def bench_copy(factory, ids: dict[str, int], serials, offsets, temps) -> float:
    # (offsets already place the rows in this path's own window)
    """COPY of the same rows, already as text: the server's own speed, no Python per row."""
    data = "".join(f"{ids[s]}\t{(T0 + timedelta(seconds=o)).isoformat()}\t{t}\n"
                   for s, o, t in zip(serials, offsets.tolist(), temps.tolist(), strict=True)
                   ).encode()
    start = time.perf_counter()
    with transaction(factory) as s:
        raw = s.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy(
                "COPY reading (sensor_id, ts, temp_c) FROM STDIN") as copy:
            for chunk in range(0, len(data), 1 << 20):
                copy.write(data[chunk:chunk + (1 << 20)])
    return time.perf_counter() - start


def bench_csv(factory, serials, offsets, temps) -> float:
    lines = ["serial,timestamp,temperature_c"]
    lines += [f"{s},{(T0 + timedelta(seconds=o)).isoformat()},{t}"
              for s, o, t in zip(serials, offsets.tolist(), temps.tolist(), strict=True)]
    data = ("\n".join(lines) + "\n").encode()
    start = time.perf_counter()
    _, parsed = parse_logger_file(data)
    with transaction(factory) as s:
        report = ingest_parsed(s, parsed, source="csv", filename="bench.csv")
    elapsed = time.perf_counter() - start
    assert report.stored == len(serials), report.to_dict()
    return elapsed


def bench_json(url: str, token: str, serials, offsets, temps, clients: int) -> float:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    batches = []
    for start in range(0, len(serials), 10_000):
        part = range(start, min(start + 10_000, len(serials)))
        batches.append(json.dumps({"readings": [
            {"serial": serials[i],
             "timestamp": (T0 + timedelta(seconds=int(offsets[i]))).isoformat(),
             "temperature": float(temps[i])} for i in part]}).encode())
    env = {"WMS_DATABASE_URL": url, "WMS_REDIS_URL": "redis://127.0.0.1:6379/0",
           "WMS_QUEUE": queue}
    with served_api(env) as port:
        todo = list(batches)
        lock = threading.Lock()
        failures = []

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while True:
                with lock:
                    if not todo:
                        return
                    body = todo.pop()
                conn.request("POST", "/api/readings", body=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                resp = conn.getresponse()
                payload = resp.read()
                if resp.status != 200:
                    failures.append((resp.status, payload[:200]))

        start = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    Redis.from_url("redis://127.0.0.1:6379/0").delete(f"rq:queue:{queue}")
    if failures:
        raise SystemExit(f"{len(failures)} batches failed: {failures[:2]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=1000)
    parser.add_argument("--per-sensor", type=int, default=1000)
    parser.add_argument("--prefill", type=int, default=20_000_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--db-prefix", default="wms_bench_readings")
    args = parser.parse_args()
    with scratch_database(args.db_prefix) as url:
        factory, serials_list, token = setup(url, args.sensors)
        with transaction(factory) as s:
            ids = dict(s.execute(text("SELECT serial, id FROM sensor")).all())
        filled = prefill(factory, args.prefill, args.sensors)
        with transaction(factory) as s:
            history = s.scalar(text("SELECT count(*) FROM reading"))
        serials, offsets, temps = rows(serials_list, args.per_sensor)
        n = len(serials)
        window = args.per_sensor * 60  # each run writes new readings after the previous
        # The paths take turns, ``--repeat`` rounds, each run in a window of its own; the
        # best run of each path counts (the machine is shared: a turn-taking best-of keeps
        # a burst of someone else's load from deciding a ratio).
        runs = {"COPY (baseline)": [], "CSV import path": [], "JSON API (gunicorn)": []}
        for r in range(args.repeat):
            at = 3 * r * window
            runs["COPY (baseline)"].append(
                bench_copy(factory, ids, serials, offsets + at, temps))
            runs["CSV import path"].append(
                bench_csv(factory, serials, offsets + at + window, temps))
            runs["JSON API (gunicorn)"].append(
                bench_json(url, token, serials, offsets + at + 2 * window, temps,
                           args.clients))
        results = {name: min(times) for name, times in runs.items()}
        with transaction(factory) as s:
            stored = s.scalar(text("SELECT count(*) FROM reading"))
            # A partitioned table's own size is nothing: its partitions hold the rows.
            size = s.scalar(text(
                "SELECT pg_size_pretty(pg_total_relation_size('reading') + coalesce((SELECT "
                "sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                "WHERE inhparent = 'reading'::regclass), 0))"))
        assert stored == history + 3 * n * args.repeat, \
            f"stored {stored - history} of {3 * n * args.repeat}"
        factory.kw["bind"].dispose()
    base = n / results["COPY (baseline)"]
    print(f"{history:,} readings of history (written in {filled:.0f} s), then "
          f"{n:,} new readings per path from {args.sensors} sensors; table {size} at the end")
    print(f"{'path':<22}{'best s':>9}{'readings/s':>13}{'vs COPY':>9}   every run (s)")
    for name, secs in results.items():
        rate = n / secs
        every = " ".join(f"{x:.2f}" for x in runs[name])
        print(f"{name:<22}{secs:>9.2f}{rate:>13,.0f}{rate / base:>9.0%}   {every}")


if __name__ == "__main__":
    main()
