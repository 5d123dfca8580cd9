"""Flash sale through the HTTP API: many residents ordering the last units of one SKU.

Creates a scratch PostgreSQL database with the small test world, receives ``--units``
of one SKU in two lots, serves the API with gunicorn and lets ``--clients`` keep-alive
connections place ``--orders`` one-unit orders with ``POST /api/orders/reserved`` (each
order placed and reserved in one transaction, or refused with 409 and the units left).
Before and after it, on the same server in the same run, ``--clients`` connections send
the same number of ``GET /api/me`` (the cheapest authenticated read) as the baseline, and
the ratio of the sale's rate to the mean of the two is printed.

Afterwards the database is checked: every acknowledged order is stored with its unit
reserved, no refused one is, nothing is oversold and the ledger agrees with the balances.
Every refused answer must be a 409 problem whose ``available`` is a number of units.

    .venv/bin/python bench/flash_sale_bench.py --clients 100 --orders 5000 --units 2500

``--in-process`` runs the earlier measurement instead: allocation of already placed
orders by threads calling ``allocate_order`` directly.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.common import free_port, scratch_database  # noqa: E402
from tests.factories import build_world, receive  # noqa: E402
from wms.db import make_engine, make_session_factory, transaction  # noqa: E402
from wms.ledger import verify  # noqa: E402
from wms.migrations import upgrade  # noqa: E402
from wms.models import CustomerOrder, OrderLine, Reservation, StockBalance  # noqa: E402
from wms.orders import allocate_order, place_order  # noqa: E402

SKU = "A00003"


def _stock(factory, world, units: int) -> None:
    far = date.today() + timedelta(days=100)
    half = units // 2
    receive(factory, world, SKU, "SALE-1", "SH1-A-A01-01", half, expiry=far)
    receive(factory, world, SKU, "SALE-2", "SH1-A-A01-02", units - half,
            expiry=far + timedelta(days=1))


class _Conn:
    """One keep-alive connection of the load generator and the request it has in flight."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = b""
        self.index = -1

    def response(self) -> tuple[int, bytes] | None:
        """(status, body) once a whole response is buffered, else None."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = self.buf[:end].decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buf) < end + 4 + length:
            return None
        body = self.buf[end + 4:end + 4 + length]
        self.buf = self.buf[end + 4 + length:]
        return int(lines[0].split(" ", 2)[1]), body


def drive(port: int, requests: list[bytes], clients: int, done_at: list[float] | None = None
          ) -> tuple[float, list[tuple[int, bytes]]]:
    """Send every request once, ``clients`` in flight at a time over keep-alive connections;
    (seconds, (status, body) per request). ``done_at``, if given, gets the second each
    answer arrived at, in request order.

    One thread drives every connection with pre-built requests: the load generator shares
    the two cores with the servers and PostgreSQL, so it must cost as little as it can.
    """
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(requests)
    sel = selectors.DefaultSelector()
    nxt = 0

    def send(conn: _Conn) -> bool:
        nonlocal nxt
        if nxt >= len(requests):
            return False
        conn.index = nxt
        conn.sock.sendall(requests[nxt])
        nxt += 1
        return True

    t0 = time.perf_counter()
    open_conns = 0
    for _ in range(min(clients, len(requests))):
        conn = _Conn(port)
        sel.register(conn.sock, selectors.EVENT_READ, conn)
        send(conn)
        open_conns += 1
    while open_conns:
        events = sel.select(timeout=60)
        if not events:
            raise SystemExit("no answer from the server for 60 s")
        for key, _ in events:
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
            answers[conn.index] = result
            if done_at is not None:
                done_at[conn.index] = time.perf_counter() - t0
            if not send(conn):
                sel.unregister(conn.sock)
                conn.sock.close()
                open_conns -= 1
    sel.close()
    return time.perf_counter() - t0, answers


def _order_request(token: str, ref: str, point: str, day: date) -> bytes:
    body = json.dumps({"external_ref": ref, "pickup_point": point,
                       "delivery_date": day.isoformat(),
                       "lines": [{"sku": SKU, "quantity": 1}]}).encode()
    return (f"POST /api/orders/reserved HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _me_request(token: str) -> bytes:
    return (f"GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\n\r\n").encode()


def _wait_up(port: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def over_http(args: argparse.Namespace) -> None:
    with scratch_database(args.db_prefix) as url:
        engine = make_engine(url)
        upgrade(engine)
        factory = make_session_factory(engine)
        world = build_world(factory)
        _stock(factory, world, args.units)
        token = world.tokens["staff"]
        day = date.today() + timedelta(days=1)
        refs = [f"SALE-{i:06d}" for i in range(args.orders)]
        orders = [_order_request(token, ref, f"SH-P00{i % 3 + 1}", day)
                  for i, ref in enumerate(refs)]
        me = [_me_request(token)] * args.orders
        engine.dispose()

        port = free_port()
        env = {**os.environ, "WMS_DATABASE_URL": url, "WMS_REDIS_URL": "",
               "WMS_ORDER_CUTOFF": "off"}
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(args.workers), "--threads",
             str(args.threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "--backlog", "2048", "api.wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)
        try:
            _wait_up(port)
            # Warm every worker's connections, caches and imports before anything counts.
            drive(port, me[:args.clients * 4], args.clients)
            # The baseline before and after the sale: the machine is shared, and a load
            # that changes during the run then weighs on both sides of the ratio alike.
            before_s, before_answers = drive(port, me, args.clients)
            done_at = [0.0] * len(orders)
            sale_s, sale = drive(port, orders, args.clients, done_at)
            me_s, me_answers = drive(port, me, args.clients)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)

        acked = [ref for ref, (st, _) in zip(refs, sale, strict=True) if st == 201]
        refused = [(ref, body) for ref, (st, body) in zip(refs, sale, strict=True)
                   if st == 409]
        other = [st for st, _ in sale if st not in (201, 409)]
        bad_409 = [ref for ref, body in refused
                   if not isinstance(json.loads(body).get("available"), int)]
        left_told = sorted({json.loads(body)["available"] for _, body in refused})
        me_ok = sum(1 for st, _ in me_answers if st == 200)

        engine = make_engine(url)
        factory = make_session_factory(engine)
        with transaction(factory) as s:
            stored = set(s.scalars(select(CustomerOrder.external_ref).where(
                CustomerOrder.external_ref.like("SALE-%"))))
            reserved_refs = set(s.scalars(
                select(CustomerOrder.external_ref).join(
                    Reservation, Reservation.order_id == CustomerOrder.id)))
            allocated = s.scalar(select(func.sum(OrderLine.allocated))) or 0
            on_balances = s.scalar(select(func.sum(StockBalance.reserved))) or 0
            over = s.scalar(select(func.count()).select_from(StockBalance).where(
                StockBalance.reserved > StockBalance.on_hand))
            diffs = verify(s)
        engine.dispose()

    rate, after_rate = len(sale) / sale_s, len(me_answers) / me_s
    before_rate = len(before_answers) / before_s
    me_rate = (before_rate + after_rate) / 2
    me_ok += sum(1 for st, _ in before_answers if st == 200)
    # Until the last unit is sold every order is served by a reservation; after it, by
    # the refusal alone.
    sold_out_at = max((t for t, (st, _) in zip(done_at, sale, strict=True) if st == 201),
                      default=0.0)
    selling = sum(1 for t in done_at if t <= sold_out_at)
    lost = [r for r in acked if r not in stored or r not in reserved_refs]
    ghosts = stored - set(acked)
    print(f"{args.clients} clients, {args.orders} one-unit orders for {args.units} units; "
          f"gunicorn {args.workers} workers × {args.threads} threads; load {_load()}")
    print(f"flash sale: {rate:.0f} orders/s ({sale_s:.2f} s): {len(acked)} placed and "
          f"reserved (201), {len(refused)} refused (409), {len(other)} other answers")
    print(f"  while units were left: {selling / max(sold_out_at, 1e-9):.0f} answers/s "
          f"({selling} in {sold_out_at:.2f} s); after: "
          f"{(len(sale) - selling) / max(sale_s - sold_out_at, 1e-9):.0f} answers/s")
    print(f"baseline GET /api/me: {me_rate:.0f} requests/s (before the sale {before_rate:.0f}, "
          f"after it {after_rate:.0f}; {me_ok} × 200)")
    print(f"ratio orders/s : /api/me requests/s = {rate / me_rate:.1%}")
    print(f"after the run: {len(stored)} sale orders stored, acknowledged but not stored or "
          f"not reserved {len(lost)}, stored but refused {len(ghosts)}; units allocated "
          f"{allocated}, reserved on balances {on_balances}, oversold "
          f"{max(0, allocated - args.units)}, balances over-reserved {over}, ledger "
          f"differences {len(diffs)}; 409s without the units left {len(bad_409)} "
          f"(units left told: {left_told[:5]})")
    if lost or ghosts or other or bad_409 or over or diffs or allocated > args.units:
        raise SystemExit("the flash sale broke a promise (see above)")


def in_process(args: argparse.Namespace) -> None:
    with scratch_database(args.db_prefix) as url:
        engine = make_engine(url, pool_size=args.clients, max_overflow=0)
        upgrade(engine)
        factory = make_session_factory(engine)
        world = build_world(factory)
        _stock(factory, world, args.units)
        orders: queue.SimpleQueue[int] = queue.SimpleQueue()
        with transaction(factory) as s:
            for i in range(args.orders):
                orders.put(place_order(s, {
                    "external_ref": f"SALE-{i:06d}", "pickup_point": "SH-P00" + str(i % 3 + 1),
                    "delivery_date": date.today() + timedelta(days=1),
                    "lines": [{"sku": SKU, "quantity": 1}]}, actor_id=None).id)
        barrier = threading.Barrier(args.clients)

        def worker() -> None:
            barrier.wait()
            while True:
                try:
                    order_id = orders.get_nowait()
                except queue.Empty:
                    return
                with transaction(factory) as s:
                    allocate_order(s, order_id)

        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        with transaction(factory) as s:
            allocated = s.scalar(select(func.sum(OrderLine.allocated))) or 0
            over = s.scalar(select(func.count()).select_from(StockBalance).where(
                StockBalance.reserved > StockBalance.on_hand))
            diffs = verify(s)
        engine.dispose()
    print(f"{args.clients} threads, {args.orders} one-unit orders for {args.units} units; "
          f"load {_load()}")
    print(f"{args.orders / elapsed:.0f} allocations/s ({elapsed:.2f} s); units allocated "
          f"{allocated}, oversold {max(0, allocated - args.units)}, balances over-reserved "
          f"{over}, ledger differences {len(diffs)}")


def _load() -> str:
    return "average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--units", type=int, default=2500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--db-prefix", default="wms_flash_bench")
    parser.add_argument("--in-process", action="store_true",
                        help="allocate placed orders from threads, without HTTP")
    args = parser.parse_args()
    (in_process if args.in_process else over_http)(args)


if __name__ == "__main__":
    main()
