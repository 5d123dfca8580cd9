"""``wms db``: the database schema (Alembic migrations)."""

from __future__ import annotations

import click

from api.cli.common import settings
from wms.db import make_engine


@click.group("db")
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database named by WMS_DATABASE_URL to REVISION."""
    from wms import migrations

    engine = make_engine(settings().database_url)
    migrations.upgrade(engine, revision)
    click.echo(f"database at {engine.url.render_as_string()} is at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION (``base`` empties it)."""
    from wms import migrations

    migrations.downgrade(make_engine(settings().database_url), revision)
