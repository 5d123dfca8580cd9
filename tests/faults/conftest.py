"""Fault injection on real services: PostgreSQL, Redis, rq workers and gunicorn.

Every test here runs on PostgreSQL (the production database) and starts what it breaks
as a process of its own: a private redis-server it can kill, a ``wms worker`` it can
SIGKILL, a gunicorn whose database connections it terminates. Shared services are never
stopped. Without PostgreSQL the tests skip on a laptop and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import text

from tests.conftest import IN_CI
from wms.db import make_engine
from wms.models import Base

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Callable[[], object], timeout: float, what: str, every: float = 0.1):
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def kill_at_once(pid: int, timeout: float = 15) -> None:
    """SIGKILL ``pid`` and wait until the kernel has ended it.

    The signal is only acted on when the process next runs; on a busy machine, or in the
    middle of a disk write, it can still be there for a moment, and the job it runs then
    rightly reads ``started``.
    """
    os.kill(pid, signal.SIGKILL)

    def ended() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return True
        return state in ("Z", "X")

    wait_for(ended, timeout, f"process {pid} to end after SIGKILL", every=0.02)


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (an rq worker's work horse)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                out.append(int(entry.name))
    return out


@pytest.fixture
def database_url(postgres_url: str) -> Iterator[str]:
    """PostgreSQL only: the faults are those of a networked database."""
    engine = make_engine(postgres_url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield postgres_url


@pytest.fixture
def private_redis() -> Iterator[dict]:
    """A redis-server of this test's own on a free port; ``stop()`` kills it (SIGKILL)."""
    exe = shutil.which("redis-server")
    if exe is None:
        if IN_CI:
            pytest.fail("redis-server is not installed; under CI=true this is a failure")
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"

    def up() -> bool:
        try:
            return bool(Redis.from_url(url, socket_connect_timeout=0.5).ping())
        except Exception:
            return False

    wait_for(up, 10, "the private redis-server")

    def stop() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(5)

    yield {"url": url, "stop": stop}
    stop()


class WorkerProcess:
    """``wms worker`` as production runs it: a forking rq worker in a process of its own."""

    def __init__(self, database_url: str, redis_url: str, queue_name: str, log: Path):
        env = {**os.environ, "WMS_DATABASE_URL": database_url, "WMS_REDIS_URL": redis_url,
               "WMS_QUEUE": queue_name}
        self.log = log
        self.proc = subprocess.Popen([str(BIN / "wms"), "worker"], env=env,
                                     stdout=log.open("ab"), stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def horse(self, timeout: float = 20) -> int:
        return wait_for(lambda: (children(self.proc.pid) or [None])[0], timeout,
                        "the worker's work horse")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)


@pytest.fixture
def start_worker(database_url: str, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(redis_url: str, queue_name: str) -> WorkerProcess:
        w = WorkerProcess(database_url, redis_url, queue_name,
                          tmp_path / f"worker-{len(started)}.log")
        started.append(w)
        return w

    yield start
    for w in started:
        for pid in children(w.proc.pid):
            os.kill(pid, signal.SIGKILL)
        w.kill()
