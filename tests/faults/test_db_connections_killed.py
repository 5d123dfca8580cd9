"""PostgreSQL connections terminated under the app: a 503 with Retry-After and one warning
line instead of a 500 and a traceback; reads retried once; scans exactly once in the ledger."""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import subprocess
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from api.cli import main
from tests.factories import ApiClient, label, receive
from tests.faults.conftest import BIN, free_port, wait_for
from wms.models import StockMove

pytestmark = [pytest.mark.faults]

SOON = date.today() + timedelta(days=30)
APP_NAME = "wms-faults-app"


def admin_engine(database_url: str):
    return create_engine(database_url, isolation_level="AUTOCOMMIT")


def terminate(admin, pid: int) -> None:
    """End a backend and wait until it is gone, so the next statement on it fails."""
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        wait_for(lambda: conn.execute(text("SELECT count(*) FROM pg_stat_activity "
                                           "WHERE pid = :pid"), {"pid": pid}).scalar() == 0,
                 5, f"backend {pid} to exit")


class Saboteur:
    """Terminates the app's own connection just before a matching statement runs."""

    def __init__(self, app, database_url: str):
        self.admin = admin_engine(database_url)
        self.pattern, self.times = "", 0
        event.listen(app.extensions["wms"].engine, "before_cursor_execute", self._before)

    def arm(self, pattern: str, times: int = 1) -> None:
        self.pattern, self.times = pattern, times

    def _before(self, conn, _cursor, statement, *_args) -> None:
        if self.times and self.pattern in statement:
            self.times -= 1
            terminate(self.admin, conn.connection.dbapi_connection.info.backend_pid)


@pytest.fixture
def saboteur(app, database_url):
    s = Saboteur(app, database_url)
    yield s
    s.admin.dispose()


def scan_body(world, lot: str) -> dict:
    return {"action": "receive", "location": "SH1-REC",
            "barcode": label(world.gtins["C00002"], lot, SOON, 6)}


def fault_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_read_whose_connection_dies_is_retried_once_on_a_fresh_one(
        app, world, sessions, saboteur, caplog):
    receive(sessions, world, "C00002", "L-READ", "SH1-C-A01-01", 10)
    api = ApiClient(app.test_client(), world.tokens, "staff")
    assert api.get("/api/stock?warehouse=SH1").status_code == 200

    saboteur.arm("stock_balance")
    resp = api.get("/api/stock?warehouse=SH1")
    assert resp.status_code == 200, resp.json
    assert "L-READ" in resp.get_data(as_text=True)

    caplog.clear()
    saboteur.arm("stock_balance", times=2)  # the retry's connection dies too: no third try
    resp = api.get("/api/stock?warehouse=SH1")
    assert resp.status_code == 503
    assert resp.content_type == "application/problem+json"
    assert int(resp.headers["Retry-After"]) > 0
    records = fault_records(caplog)
    assert len(records) == 2  # one line per lost connection
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in records)
    assert all("\n" not in r.getMessage() for r in records)
    assert "database connection lost" in records[-1].getMessage()


def test_a_scan_whose_connection_dies_is_503_and_its_retry_is_recorded_once(
        app, world, sessions, saboteur, caplog):
    api = ApiClient(app.test_client(), world.tokens, "staff")
    key = {"Idempotency-Key": uuid.uuid4().hex}
    saboteur.arm("INSERT INTO stock_move")
    caplog.clear()
    resp = api.post("/api/scans", json=scan_body(world, "L-W1"), headers=key)
    assert resp.status_code == 503, resp.json
    assert resp.content_type == "application/problem+json"
    assert int(resp.headers["Retry-After"]) > 0
    assert "retry" in resp.json["detail"]
    [record] = fault_records(caplog)  # writes are not retried by the server
    assert record.levelno == logging.WARNING and record.exc_info is None

    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(StockMove)) == 0
    again = api.post("/api/scans", json=scan_body(world, "L-W1"), headers=key)
    assert again.status_code == 201, again.json
    replay = api.post("/api/scans", json=scan_body(world, "L-W1"), headers=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(StockMove)) == 1


def test_the_engine_tests_pooled_connections_before_use(app):
    assert app.extensions["wms"].engine.pool._pre_ping is True


# --- several hundred scans through gunicorn while connections are terminated -------------------

class Gunicorn:
    def __init__(self, database_url: str, log: Path):
        url = make_url(database_url).update_query_dict({"application_name": APP_NAME})
        self.port = free_port()
        self.log = log
        env = {**os.environ, "WMS_DATABASE_URL": url.render_as_string(hide_password=False),
               "WMS_REDIS_URL": ""}
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "api.wsgi:app"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
        wait_for(self._healthy, 30, "gunicorn to answer /health", every=0.2)

    def _healthy(self) -> bool:
        try:
            return self.request("GET", "/health", None, {})[0] == 200
        except OSError:
            return False

    def request(self, method: str, path: str, body: dict | None, headers: dict):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            payload = None if body is None else json.dumps(body)
            conn.request(method, path, payload, {"Content-Type": "application/json", **headers})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def test_scans_through_gunicorn_survive_terminated_connections_exactly_once(
        database_url, world, sessions, tmp_path, monkeypatch):
    server = Gunicorn(database_url, tmp_path / "gunicorn.log")
    admin = admin_engine(database_url)
    stop = threading.Event()
    terminated = [0]

    def killer() -> None:
        rnd = random.Random(7)
        with admin.connect() as conn:
            while not stop.is_set():
                terminated[0] += conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :app AND datname = current_database()"),
                    {"app": APP_NAME}).scalar()
                stop.wait(rnd.uniform(0.02, 0.15))

    seen: list[int] = []
    acked: dict[str, int] = {}
    lock = threading.Lock()
    auth = {"Authorization": f"Bearer {world.tokens['staff']}"}

    def scanner(n: int, count: int) -> None:
        for i in range(count):
            key = f"fault-{n}-{i}-{uuid.uuid4().hex[:8]}"
            body = scan_body(world, f"LF{n}X{i}")
            for _attempt in range(30):
                status, headers, raw = server.request("POST", "/api/scans", body,
                                                      {**auth, "Idempotency-Key": key})
                with lock:
                    seen.append(status)
                if 200 <= status < 300:
                    with lock:
                        acked[key] = json.loads(raw)["moves"][0]["id"] if raw else 0
                    break
                if status != 503:
                    break
                assert int(headers["Retry-After"]) > 0
                time.sleep(0.02)  # a scanner's quick retry; Retry-After is for people

    kill_thread = threading.Thread(target=killer, daemon=True)
    threads = [threading.Thread(target=scanner, args=(n, 100)) for n in range(4)]
    try:
        kill_thread.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        stop.set()
        kill_thread.join(5)
        admin.dispose()
        server.stop()

    log = server.log.read_text(errors="replace")
    assert set(seen) <= {200, 201, 409, 503}, sorted(set(seen))
    assert terminated[0] > 20 and 503 in seen, (terminated[0], len(seen))  # faults did hit
    assert len(acked) == 400, f"{400 - len(acked)} scans never acknowledged"
    assert "Traceback" not in log, log[-3000:]
    with sessions() as s:
        by_key = dict(s.execute(select(StockMove.idempotency_key, func.count())
                                .group_by(StockMove.idempotency_key)).all())
    assert {k: by_key.get(k, 0) for k in acked if by_key.get(k, 0) != 1} == {}
    assert sum(by_key.values()) == len(acked)  # nothing written that no client was told of
    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["stock", "verify"])
    assert result.exit_code == 0, result.output
