"""The ``wms`` command line: database, users and tokens, demo data, serving, workers."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta

import click

from routing.cli import routes_cli
from wms.db import make_engine, make_session_factory, transaction
from wms.settings import Settings


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
def main() -> None:
    """coldchain-wms: warehouse and cold-chain logistics."""


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database named by WMS_DATABASE_URL to REVISION."""
    from wms import migrations

    engine = make_engine(_settings().database_url)
    migrations.upgrade(engine, revision)
    click.echo(f"database at {engine.url.render_as_string()} is at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION (``base`` empties it)."""
    from wms import migrations

    migrations.downgrade(make_engine(_settings().database_url), revision)


@main.group()
def users() -> None:
    """People who use the system."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["admin", "staff", "dispatcher", "driver", "buyer"]))
@click.option("--name", "display_name", default=None)
@click.option("--warehouse", default=None, help="warehouse code (staff, dispatcher)")
@click.option("--vehicle", default=None, help="vehicle code (driver)")
@click.option("--password", default=None, help="for signing in to the web pages")
def users_create(username: str, role: str, display_name: str | None, warehouse: str | None,
                 vehicle: str | None, password: str | None) -> None:
    """Create a user."""
    from wms import accounts

    with _transaction() as session:
        user = accounts.create_user(session, username=username, role=role,
                                    display_name=display_name, warehouse_code=warehouse,
                                    vehicle_code=vehicle, password=password)
        click.echo(f"created {user.role} {user.username} (id {user.id})")


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--ttl-days", type=int, default=None, help="expire after this many days")
def tokens_create(username: str, name: str, ttl_days: int | None) -> None:
    """Create an API token for USERNAME and print it (it is shown only once)."""
    from sqlalchemy import select

    from wms import accounts
    from wms.models import User

    with _transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        _, secret = accounts.issue_token(
            session, user, name=name, ttl=timedelta(days=ttl_days) if ttl_days else None)
    click.echo(secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by its id."""
    from wms.models import ApiToken
    from wms.models.base import utcnow

    with _transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"no token {token_id}")
        token.revoked_at = token.revoked_at or utcnow()
    click.echo(f"token {token_id} revoked")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.option("--seed", default=7, show_default=True)
@click.option("--json-tokens", is_flag=True, help="print the tokens as JSON")
def demo_load(seed: int, json_tokens: bool) -> None:
    """Migrate and fill an empty database with the demo data set; print a token per role."""
    from wms import demo as demo_data
    from wms import migrations

    engine = make_engine(_settings().database_url)
    migrations.upgrade(engine)
    factory = make_session_factory(engine)
    with click.progressbar(length=100, label="building demo data", file=sys.stderr) as bar:
        done = [0]

        def progress(pct: float, _msg: str = "") -> None:
            bar.update(int(pct) - done[0])
            done[0] = int(pct)

        summary = demo_data.load(factory, seed=seed, progress=progress)
        progress(100)
    if json_tokens:
        click.echo(json.dumps(summary["tokens"], indent=2))
        return
    click.echo("\n" + ", ".join(f"{v} {k}" for k, v in summary["counts"].items()))
    click.echo("\nAPI tokens (send as 'Authorization: Bearer <token>'):")
    for role, info in summary["tokens"].items():
        click.echo(f"  {role:<10} {info['username']:<16} {info['token']}")


@main.command("check")
def check() -> None:
    """Check master data integrity; exit 1 if anything is wrong."""
    from wms.integrity import run_checks

    with _transaction() as session:
        report = run_checks(session)
    for name, problems in report["problems"].items():
        click.echo(f"{'ok  ' if not problems else 'FAIL'} {name}")
        for p in problems:
            click.echo(f"     {p}")
    sys.exit(0 if report["ok"] else 1)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API and pages with gunicorn."""
    os.execvp(sys.executable, [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
        "--access-logfile", "-", "api.wsgi:app",
    ])


@main.command("worker")
@click.option("--burst", is_flag=True, help="exit when the queue is empty")
def worker(burst: bool) -> None:
    """Run an rq worker for background jobs (needs WMS_REDIS_URL)."""
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("set WMS_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    from redis import Redis
    from rq import Queue, Worker

    conn = Redis.from_url(settings.redis_url)
    Worker([Queue(settings.queue_name, connection=conn)], connection=conn).work(burst=burst)


def _transaction():
    return transaction(make_session_factory(make_engine(_settings().database_url)))


main.add_command(routes_cli, "routes")
