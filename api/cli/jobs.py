"""``wms jobs``: background jobs (the sweep that fails jobs whose rq worker died)."""

from __future__ import annotations

import click

from api.cli.common import settings
from wms.db import make_engine, make_session_factory
from wms.settings import Settings


@click.group("jobs")
def jobs() -> None:
    """Background jobs."""


@jobs.command("sweep")
def jobs_sweep() -> None:
    """Fail queued or started jobs whose rq worker died (also run by every worker at start)."""
    config = settings()
    if not config.redis_url:
        raise click.ClickException("set WMS_REDIS_URL: without it jobs run inline")
    failed = sweep(config)
    click.echo(f"{len(failed)} job(s) failed whose worker died")


def sweep(config: Settings) -> dict[str, str]:
    from wms.job_reconcile import sweep as reconcile

    engine = make_engine(config.database_url)
    try:
        failed = reconcile(make_session_factory(engine), redis_url=config.redis_url,
                           queue_name=config.queue_name)
    finally:
        engine.dispose()
    for job_id, reason in failed.items():
        click.echo(f"job {job_id} failed: {reason}")
    return failed
