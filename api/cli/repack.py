"""``wms repack``: record a repack done at a packing table (bulk lots into consumer packs)."""

from __future__ import annotations

import click

from api.cli.common import session_scope, settings


def _line(text: str, what: str) -> list[str]:
    parts = text.split(":")
    if not 2 <= len(parts) <= 3 or not all(parts[:2]):
        raise click.BadParameter(f"{text!r}: expected {what}")
    return parts


def _quantity(text: str, where: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise click.BadParameter(f"{where}: the quantity must be a whole number above zero")
    return int(text)


def _weight(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 100_000:
        raise click.BadParameter(f"{where}: the weight must be kilograms above zero")
    return value


@click.command("repack")
@click.argument("location")
@click.option("--input", "inputs", multiple=True, required=True, metavar="LOT_ID:QTY[:KG]",
              help="an input lot by id, the quantity taken, and optionally what it weighed")
@click.option("--output", "outputs", multiple=True, required=True,
              metavar="SKU:QTY[:LOT_CODE]", help="an output product, the quantity made, and "
                                                 "optionally the new lot's code")
@click.option("--kind", type=click.Choice(["repack", "initial_packing"]), default="repack",
              show_default=True)
@click.option("--ref", default=None, help="the repack's reference (default: one is made)")
@click.option("--loss-reason", default="", help="why more weight than usual was lost")
@click.option("--note", default="")
@click.option("--by", "username", default=None, help="the user recorded as repacking")
def repack(location: str, inputs: tuple[str, ...], outputs: tuple[str, ...], kind: str,
           ref: str | None, loss_reason: str, note: str, username: str | None) -> None:
    """Consume input lots at LOCATION and produce output lots there, in the ledger, with
    their lineage; prints the new lots with their expiry dates."""
    from coldchain.monitoring.life_left import life_until
    from wms import accounts, repacking
    from wms.models import RepackKind

    ins = []
    for text in inputs:
        lot, qty, *kg = _line(text, "LOT_ID:QTY[:KG]")
        if not lot.isdigit():
            raise click.BadParameter(f"{text!r}: the lot is given by its id")
        ins.append({"lot_id": int(lot), "quantity": _quantity(qty, text),
                    "weight_kg": _weight(kg[0], text) if kg else None})
    outs = []
    for text in outputs:
        sku, qty, *code = _line(text, "SKU:QTY[:LOT_CODE]")
        outs.append({"sku": sku, "quantity": _quantity(qty, text),
                     "lot_code": code[0] if code else None})
    with session_scope() as session:
        actor = accounts.user_by_name(session, username).id if username else None
        record = repacking.repack(session, location=location, inputs=ins, outputs=outs,
                                  kind=RepackKind(kind), ref=ref, loss_reason=loss_reason,
                                  note=note, actor_id=actor,
                                  max_loss_pct=settings().repack_max_loss_pct,
                                  life_until=life_until(session, [i["lot_id"] for i in ins],
                                                        settings().timezone))
        done = repacking.describe(session, record)
    click.echo(f"{done['ref']}  at {done['location']}  {done['input_kg']:g} kg in, "
               f"{done['output_kg']:g} kg out ({done['yield_pct']:g} % yield)")
    for lot in done["outputs"]:
        click.echo(f"  lot {lot['lot_id']}  {lot['sku']}  {lot['lot_code']}  "
                   f"{lot['quantity']}  expires {lot['expiry_date']}")
