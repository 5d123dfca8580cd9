"""``wms check``, ``wms stock`` and ``wms orders``: master data, the ledger, allocation."""

from __future__ import annotations

import sys

import click

from api.cli.common import session_scope, settings
from wms.db import make_engine, make_session_factory, transaction


@click.command("check")
def check() -> None:
    """Check master data integrity; exit 1 if anything is wrong."""
    from wms.integrity import run_checks

    with session_scope() as session:
        report = run_checks(session)
    for name, problems in report["problems"].items():
        click.echo(f"{'ok  ' if not problems else 'FAIL'} {name}")
        for p in problems:
            click.echo(f"     {p}")
    sys.exit(0 if report["ok"] else 1)


@click.group("stock")
def stock() -> None:
    """Stock ledger and balances."""


@stock.command("verify")
def stock_verify() -> None:
    """Rebuild every balance from the ledger and compare; exit 1 on any difference."""
    from sqlalchemy import select

    from wms.ledger import counts, verify
    from wms.models import Location, Lot

    with session_scope() as session:
        differences = verify(session)
        moves, rows = counts(session)
        codes = dict(session.execute(select(Location.id, Location.code)).all())
        lots = dict(session.execute(select(Lot.id, Lot.lot_code)).all())
    for d in differences:
        click.echo(f"DIFF {codes.get(d.location_id, d.location_id)} lot "
                   f"{lots.get(d.lot_id, d.lot_id)}: on hand {d.balance_on_hand} kept, "
                   f"{d.ledger_on_hand} by the ledger; reserved {d.balance_reserved} kept, "
                   f"{d.reservations} by reservations")
    verdict = "differ" if differences else "agree"
    click.echo(f"{moves} moves, {rows} balances: {len(differences)} differences; "
               f"balances and ledger {verdict}")
    sys.exit(1 if differences else 0)


@click.group("orders")
def orders() -> None:
    """Customer orders."""


@orders.command("allocate")
@click.option("--warehouse", required=True, help="warehouse code")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="delivery date")
@click.option("--strategy", default="fefo", show_default=True,
              help="fefo, or lsfo (least remaining shelf life first, from temperatures)")
def orders_allocate(warehouse: str, day, strategy: str) -> None:
    """Allocate a warehouse's open orders for a delivery date, one transaction per order."""
    from sqlalchemy import select

    import coldchain.monitoring.allocation  # noqa: F401  (registers "lsfo")
    from wms.models import Warehouse
    from wms.orders import allocate_day

    factory = make_session_factory(make_engine(settings().database_url))
    with transaction(factory) as session:
        warehouse_id = session.scalar(select(Warehouse.id).where(Warehouse.code == warehouse))
    if warehouse_id is None:
        raise click.ClickException(f"no warehouse {warehouse!r}")
    try:
        reports = allocate_day(factory, warehouse_id, day.date(), strategy=strategy)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    allocated = backorder = 0
    for report in reports:
        a = sum(ln.allocated for ln in report.lines)
        b = sum(ln.backorder for ln in report.lines)
        allocated, backorder = allocated + a, backorder + b
        note = f"  ({report.error})" if report.error else ""
        click.echo(f"{report.order:<24} {report.status:<10} allocated {a:>6} "
                   f"backorder {b:>6}{note}")
    click.echo(f"{len(reports)} orders: {allocated} units allocated, {backorder} on backorder")
