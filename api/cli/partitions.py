"""``wms readings partitions`` and ``wms readings retention``: monthly partitions of the
readings table on PostgreSQL, made ahead of time, and the FSMA 204 retention step."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from api.cli.coldchain import readings
from api.cli.common import session_scope


@readings.command("partitions")
@click.option("--ahead", default=3, show_default=True, type=click.IntRange(0, 36),
              help="months after the current one to make partitions for")
def readings_partitions(ahead: int) -> None:
    """Make this month's readings partition and the next ones (schedule it monthly; readings
    outside every partition are kept in the default one and moved when their month's is made)."""
    from coldchain.monitoring import partitions

    with session_scope() as session:
        conn = session.connection()
        if not partitions.is_partitioned(conn):
            click.echo("readings are not partitioned on this database (SQLite): nothing to do")
            return
        made = partitions.ensure_ahead(conn, datetime.now(UTC), ahead)
        have = partitions.partitions(conn)
    click.echo(f"made {len(made)} partitions" + (f" ({', '.join(made)})" if made else ""))
    if have:
        click.echo(f"{len(have)} months of readings partitions, {have[0].month} to "
                   f"{have[-1].month}")


@readings.command("retention")
@click.option("--dry-run", is_flag=True, help="only list what would be dropped")
@click.option("--years", default=2, show_default=True, type=click.IntRange(2, None),
              help="keep readings this many years (FSMA 204: at least 2)")
def readings_retention(dry_run: bool, years: int) -> None:
    """Drop the months of readings older than the retention period, whole partitions only
    (with the voids of those readings); nothing inside the period is touched."""
    from coldchain.monitoring import partitions

    now = datetime.now(UTC)
    cutoff = partitions.retention_cutoff(now, years)
    with session_scope() as session:
        conn = session.connection()
        if not partitions.is_partitioned(conn):
            click.echo("readings are not partitioned on this database (SQLite): nothing to do")
            return
        found = partitions.apply_retention(conn, now, years, dry_run=dry_run)
    verb = "would drop" if dry_run else "dropped"
    click.echo(f"keeping readings from {cutoff:%Y-%m-%d %H:%M} UTC on; {verb} "
               f"{len(found)} month{'s' if len(found) != 1 else ''}")
    for item in found:
        click.echo(f"  {item.partition.month}: {item.readings} readings, {item.voids} voids")
