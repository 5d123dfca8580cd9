"""``wms purchase-orders import FILE``: purchase orders from a buyer's spreadsheet."""

from __future__ import annotations

import sys

import click

from api.cli.common import session_scope
from wms.errors import ValidationFailed

BAD_INPUT = 2


@click.group("purchase-orders")
def purchase_orders() -> None:
    """Purchase orders to farm bases and importers."""


@purchase_orders.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--send", is_flag=True, help="send the orders at once (default: drafts)")
def import_command(path: str, send: bool) -> None:
    """Import a CSV file, one row per order line; nothing is stored if any line is wrong.

    Columns: ref, supplier, warehouse, expected_date, sku, quantity, unit_price, and
    optionally window_start, window_end, currency, origin, harvest_date, production_date,
    certifications, note.
    """
    from wms import purchasing
    from wms.po_import import import_csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    try:
        with session_scope() as session:
            orders = import_csv(session, text, actor_id=None)
            for order in orders if send else ():
                purchasing.send(session, order)
            summary = [(o.ref, o.supplier.code, o.warehouse.code, len(o.lines), o.state.value)
                       for o in orders]
    except ValidationFailed as exc:
        for where, messages in exc.errors.items():
            for message in messages:
                click.echo(f"wms: {path}: {where}: {message}", err=True)
        click.echo(f"wms: {path}: nothing imported ({len(exc.errors)} lines with errors)",
                   err=True)
        sys.exit(BAD_INPUT)
    for ref, supplier, warehouse, lines, state in summary:
        click.echo(f"{ref}  {supplier}  {warehouse}  {lines} lines  {state}")
    click.echo(f"{len(summary)} purchase orders imported")
