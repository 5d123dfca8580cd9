"""Scan throughput through the HTTP API, against pgbench on the same PostgreSQL server.

Creates a scratch database, loads the demo (with its stock), serves the API with
gunicorn and keeps ``--clients`` receive scans in flight over keep-alive
connections, each with its own Idempotency-Key. The load generator is one thread
sending pre-built requests, so that it takes as little as possible of the CPU the
servers and the database share with it. Then runs ``pgbench -b simple-update`` with the
same number of clients for the same time on a scratch pgbench database, and prints
the ratio. Both scratch databases are dropped at the end.

    .venv/bin/python bench/scan_bench.py --clients 8 --seconds 15
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402

from wms import demo  # noqa: E402
from wms.db import make_engine, make_session_factory, transaction  # noqa: E402
from wms.migrations import upgrade  # noqa: E402
from wms.models import Product  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _admin():
    return create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _labels(factory, n: int) -> list[str]:
    expiry = date.today() + timedelta(days=120)
    with transaction(factory) as s:
        gtins = s.scalars(select(Product.gtin).order_by(Product.sku)).all()
    rng = random.Random(1)
    # A pool of lots: most scans receive more of a lot already seen, some create one.
    return [f"01{rng.choice(gtins)}|17{expiry:%y%m%d}|37{rng.randint(1, 40)}|10B{i % 997:04d}"
            for i in range(n)]


def _wait_up(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def _requests(token: str, labels: list[str]) -> list[tuple[bytes, bytes]]:
    """Each label's request, split around the Idempotency-Key value, built once."""
    out = []
    for barcode in labels:
        body = json.dumps({"action": "receive", "location": "SH1-REC",
                           "barcode": barcode}).encode()
        head = (f"POST /api/scans HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nIdempotency-Key: ").encode()
        out.append((head, b"\r\n\r\n" + body))
    return out


class _Conn:
    """One keep-alive connection of the load generator and its request in flight."""

    refusals: ClassVar[dict[int, str]] = {}  # the first answer of each refusing status, to print

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = b""
        self.sent_at = 0.0

    def response(self) -> tuple[int, bool] | None:
        """(status, keep-alive) once a whole response is buffered, else None."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = self.buf[:end].decode("latin-1").split("\r\n")
        length, keep_alive = 0, True
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                keep_alive = value.strip().lower() != "close"
        if len(self.buf) < end + 4 + length:
            return None
        status = int(lines[0].split(" ", 2)[1])
        if status != 201 and status not in self.refusals:
            self.refusals[status] = self.buf[end + 4:end + 4 + length].decode()
        self.buf = self.buf[end + 4 + length:]
        return status, keep_alive


def load(port: int, token: str, labels: list[str], clients: int, seconds: float
         ) -> tuple[int, Counter, list[float]]:
    """Keep ``clients`` requests in flight for ``seconds``; (ok, failures by status, latencies).

    One thread drives every connection with pre-built requests: the load generator
    shares the cores with the servers, so it must cost as little as possible.
    """
    requests = _requests(token, labels)
    run = uuid.uuid4().hex[:12]
    sel = selectors.DefaultSelector()
    latencies: list[float] = []
    ok = 0
    failed: Counter = Counter()
    n = 0

    def send(conn: _Conn) -> None:
        nonlocal n
        head, tail = requests[n % len(requests)]
        n += 1
        conn.sent_at = time.perf_counter()
        conn.sock.sendall(head + f"{run}-{n:x}".encode() + tail)

    stop = time.perf_counter() + seconds
    for _ in range(clients):
        conn = _Conn(port)
        sel.register(conn.sock, selectors.EVENT_READ, conn)
        send(conn)
    open_conns = clients
    while open_conns:
        for key, _ in sel.select(timeout=30):
            conn = key.data
            try:
                chunk = conn.sock.recv(65536)
            except BlockingIOError:
                continue
            if not chunk:
                raise SystemExit("the server closed a connection")
            conn.buf += chunk
            result = conn.response()
            if result is None:
                continue
            now = time.perf_counter()
            latencies.append(now - conn.sent_at)
            status, keep_alive = result
            if status == 201:
                ok += 1
            else:
                failed[status] += 1
            if not keep_alive:
                sel.unregister(conn.sock)
                conn.sock.close()
                conn = _Conn(port)
                sel.register(conn.sock, selectors.EVENT_READ, conn)
            if now < stop:
                send(conn)
            else:
                sel.unregister(conn.sock)
                conn.sock.close()
                open_conns -= 1
    sel.close()
    return ok, failed, latencies


def pgbench(clients: int, seconds: int) -> float:
    name = f"pgbench_scratch_{os.getpid()}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        base = ["pgbench", "-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run([*base, "-i", "-q", "-s", "1", name], check=True, capture_output=True)
        out = subprocess.run([*base, "-b", "simple-update", "-c", str(clients), "-j", "2",
                              "-T", str(seconds), name], check=True, capture_output=True,
                             text=True).stdout
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class")
    args = parser.parse_args()

    name = f"wms_scan_bench_{os.getpid()}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG}/{name}"
    server = None
    try:
        engine = make_engine(url)
        upgrade(engine)
        factory = make_session_factory(engine)
        t0 = time.perf_counter()
        summary = demo.load(factory, seed=7)
        print(f"demo loaded in {time.perf_counter() - t0:.0f} s: {summary['counts']}")
        token = summary["tokens"]["staff"]["token"]
        labels = _labels(factory, 5000)
        engine.dispose()

        port = _free_port()
        env = {**os.environ, "WMS_DATABASE_URL": url, "WMS_REDIS_URL": ""}
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(args.workers), "--threads",
             str(args.threads), "--worker-class", args.worker_class, "--bind",
             f"127.0.0.1:{port}", "--log-level", "warning", "api.wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)
        _wait_up(port)
        load(port, token, labels, args.clients, 2)  # warm up connections and caches
        cpu = time.process_time()
        ok, errors, lat = load(port, token, labels, args.clients, args.seconds)
        client_cpu = (time.process_time() - cpu) / max(len(lat), 1)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        server = None

        check = make_engine(url)
        with check.connect() as conn:
            diff = conn.execute(text("SELECT count(*) FROM (" + _verify_sql() + ") d")).scalar()
        check.dispose()

        tps = pgbench(args.clients, args.seconds)
        rate = ok / args.seconds
        q = statistics.quantiles(lat, n=100)
        print(f"clients {args.clients}, {args.seconds} s, gunicorn {args.workers} workers × "
              f"{args.threads} threads ({args.worker_class}); load generator "
              f"{client_cpu * 1e6:.0f} µs CPU per request")
        refused = ", ".join(f"{n} answered {status}" for status, n in sorted(errors.items()))
        print(f"scans: {ok} ok, {refused or 'none refused'} -> {rate:.0f} scans/s; latency p50 "
              f"{q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms")
        for status, body in sorted(_Conn.refusals.items()):
            print(f"first {status} answer: {body[:300]}")
        print(f"pgbench simple-update: {tps:.0f} tps")
        print(f"ratio scans/s : pgbench tps = {rate / tps:.1%}")
        print(f"ledger check after the run: {diff} differences")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _verify_sql() -> str:
    from wms.ledger import VERIFY_SQL

    return VERIFY_SQL.text


if __name__ == "__main__":
    main()
