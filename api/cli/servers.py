"""``wms serve`` and ``wms worker``: gunicorn for the web tier, rq for background jobs."""

from __future__ import annotations

import os
import sys

import click

from api.cli.common import settings
from api.cli.jobs import sweep


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API and pages with gunicorn."""
    os.execvp(sys.executable, [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
        "--access-logfile", "-", "api.wsgi:app",
    ])


@click.command("worker")
@click.option("--burst", is_flag=True, help="exit when the queue is empty")
def worker(burst: bool) -> None:
    """Run an rq worker for background jobs (needs WMS_REDIS_URL)."""
    config = settings()
    if not config.redis_url:
        raise click.ClickException("set WMS_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    from redis import Redis
    from rq import Queue, Worker

    # Jobs left "started" by a worker that died are failed before new work is taken. A
    # sweep that cannot run now (database down) must not keep the worker from starting.
    try:
        sweep(config)
    except Exception as exc:
        why = (str(exc).splitlines() or [""])[0]
        click.echo(f"sweep skipped: {type(exc).__name__}: {why}", err=True)
    conn = Redis.from_url(config.redis_url)
    Worker([Queue(config.queue_name, connection=conn)], connection=conn).work(burst=burst)
