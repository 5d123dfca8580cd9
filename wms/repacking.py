"""Repacking: input lots consumed at one location, output lots produced there, in one
transaction, with the lineage between them.

A 10 kg case of bok choy becomes twenty 500 g bags with their own GTIN and lot code.
Every unit is a ledger move: ``repack_consume`` takes the inputs out of stock,
``repack_produce`` puts the outputs in, and both ask the one move rule
(``wms.move_rules``), so held, recalled, spoiled or expired inputs are refused like any
other move. Each output lot inherits where its goods came from (supplier, origin,
harvest date, country, purchase order) from the input that weighs most, and its expiry
from ``wms.repack_rules``. Weights are the product's unit weight times the quantity
unless a line gives what the scale said.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms import repack_rules
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_
from wms.ledger import record_move
from wms.models import (
    Location,
    Lot,
    LotLineage,
    MoveKind,
    Product,
    Repack,
    RepackKind,
    RepackLine,
    Warehouse,
)
from wms.models.base import utcnow
from wms.stock import IN_WAREHOUSE

MAX_LINES = 50


def _location(session: Session, code: str) -> Location:
    loc = session.scalar(select(Location).where(Location.code == code))
    if loc is None:
        raise NotFound(N_("no location {code}", code=code), field="location")
    if loc.kind not in IN_WAREHOUSE:
        raise ValidationFailed({"location": [N_(
            "repacking happens inside a warehouse, not at a {kind} location",
            kind=loc.kind.value)]})
    return loc


def _weight(line: Mapping[str, Any], product: Product) -> Decimal:
    if line.get("weight_kg") is not None:
        return repack_rules.kg(line["weight_kg"])
    return repack_rules.kg(Decimal(str(product.unit_weight_kg)) * line["quantity"])


def _inputs(session: Session, lines: list[Mapping[str, Any]]) -> list[tuple[Lot, Mapping]]:
    seen: set[int] = set()
    out = []
    for n, line in enumerate(lines):
        lot = session.get(Lot, line["lot_id"])
        if lot is None:
            raise NotFound(N_("no lot with id {id}", id=line["lot_id"]),
                           field=f"inputs.{n}.lot_id")
        if lot.id in seen:
            raise ValidationFailed({f"inputs.{n}.lot_id": [N_(
                "lot {lot} is listed twice", lot=lot.lot_code)]})
        seen.add(lot.id)
        out.append((lot, line))
    return out


def _outputs(session: Session, lines: list[Mapping[str, Any]]
             ) -> list[tuple[Product, Mapping]]:
    codes: set[tuple[int, str]] = set()
    out = []
    for n, line in enumerate(lines):
        product = session.scalar(select(Product).where(Product.sku == line["sku"]))
        if product is None:
            raise NotFound(N_("no product {sku}", sku=line["sku"]), field=f"outputs.{n}.sku")
        code = line.get("lot_code")
        if code:
            if (product.id, code) in codes:
                raise ValidationFailed({f"outputs.{n}.lot_code": [N_(
                    "lot {lot} is listed twice", lot=code)]})
            codes.add((product.id, code))
            taken = session.scalar(select(Lot.id).where(Lot.product_id == product.id,
                                                        Lot.lot_code == code))
            if taken is not None:
                raise Conflict(N_("{sku} already has a lot {lot}; a repack makes new lots",
                                  sku=product.sku, lot=code), field=f"outputs.{n}.lot_code")
        out.append((product, line))
    return out


def _common(values: list[str]) -> str:
    return values[0] if values and all(v == values[0] for v in values) else ""


def _output_lot(product: Product, code: str, main: Lot, inputs: list[Lot], expiry: date,
                packed_on: date) -> Lot:
    harvests = [i.harvest_date for i in inputs if i.harvest_date is not None]
    return Lot(
        product_id=product.id, lot_code=code, supplier_id=main.supplier_id,
        origin_id=main.origin_id, harvest_date=min(harvests) if harvests else None,
        production_date=packed_on, expiry_date=expiry, purchase_order=main.purchase_order,
        buyer_id=main.buyer_id,
        # Only what holds for every input holds for the mix.
        certifications=_common([i.certifications for i in inputs]),
        country_of_origin=_common([i.country_of_origin
                                   or (i.origin.country if i.origin else "") for i in inputs]),
        received_at=None)


def repack(session: Session, *, location: str, inputs: list[Mapping[str, Any]],
           outputs: list[Mapping[str, Any]], kind: RepackKind = RepackKind.REPACK,
           ref: str | None = None, loss_reason: str = "", note: str = "",
           actor_id: int | None = None, max_loss_pct: float = 15.0,
           life_until: Mapping[int, date] | None = None,
           now: datetime | None = None) -> Repack:
    """Consume the inputs and produce the outputs, in the caller's transaction.

    ``life_until`` maps an input lot's id to the last day its temperature history leaves
    it (computed by the cold-chain feature, which ``wms`` does not import).
    """
    if not inputs or not outputs:
        raise ValidationFailed({("inputs" if not inputs else "outputs"): [
            N_("a repack needs at least one input and one output")]})
    if len(inputs) > MAX_LINES or len(outputs) > MAX_LINES:
        raise ValidationFailed({("inputs" if len(inputs) > MAX_LINES else "outputs"): [
            N_("at most {most} lines", most=MAX_LINES)]})
    if ref and session.scalar(select(Repack.id).where(Repack.ref == ref)) is not None:
        raise Conflict(N_("repack {ref} exists already", ref=ref), field="ref")
    loc = _location(session, location)
    warehouse = session.get(Warehouse, loc.warehouse_id)
    now = now or utcnow()
    packed_on = now.astimezone(ZoneInfo(warehouse.timezone)).date()
    ins = _inputs(session, inputs)
    outs = _outputs(session, outputs)
    in_kg = [_weight(line, lot.product) for lot, line in ins]
    out_kg = [_weight(line, product) for product, line in outs]
    balance = repack_rules.mass_balance(sum(in_kg, Decimal(0)), sum(out_kg, Decimal(0)),
                                        max_loss_pct=max_loss_pct, loss_reason=loss_reason)
    limits = life_until or {}
    lives = [repack_rules.InputLife(lot.lot_code, lot.expiry_date or lot.best_before,
                                    limits.get(lot.id)) for lot, _ in ins]
    main = max(zip(in_kg, (lot for lot, _ in ins), strict=True), key=lambda wl: wl[0])[1]
    record = Repack(ref=ref or f"RP-{now:%Y%m%d%H%M%S%f}", kind=kind,
                    warehouse_id=loc.warehouse_id, location_id=loc.id,
                    input_kg=balance.input_kg, output_kg=balance.output_kg,
                    loss_kg=balance.loss_kg, yield_pct=balance.yield_pct,
                    loss_reason=loss_reason.strip(), note=note.strip(), actor_id=actor_id,
                    created_at=now)
    session.add(record)
    session.flush()
    if not ref:
        record.ref = f"RP-{warehouse.code}-{record.id:06d}"
    why = N_("repack {ref}", ref=record.ref)
    for (lot, line), weight in zip(ins, in_kg, strict=True):
        move = record_move(session, kind=MoveKind.REPACK_CONSUME, lot=lot,
                           quantity=line["quantity"], from_location=loc, actor_id=actor_id,
                           reason=why, net_weight_kg=weight, at=now)
        session.add(RepackLine(repack_id=record.id, role="input", lot_id=lot.id,
                               quantity=line["quantity"], weight_kg=weight, move_id=move.id))
    made: list[tuple[Lot, int]] = []
    for n, ((product, line), weight) in enumerate(zip(outs, out_kg, strict=True), start=1):
        expiry = repack_rules.output_expiry(lives, packed_on=packed_on,
                                            output_shelf_life_days=product.shelf_life_days)
        lot = _output_lot(product, line.get("lot_code") or f"{record.ref}-{n}"[-20:], main,
                          [lot for lot, _ in ins], expiry.day, packed_on)
        session.add(lot)
        session.flush()
        move = record_move(session, kind=MoveKind.REPACK_PRODUCE, lot=lot,
                           quantity=line["quantity"], to_location=loc, actor_id=actor_id,
                           reason=why, net_weight_kg=weight, at=now)
        session.add(RepackLine(repack_id=record.id, role="output", lot_id=lot.id,
                               quantity=line["quantity"], weight_kg=weight, move_id=move.id))
        made.append((lot, line["quantity"]))
    for lot, line in ins:
        for out_lot, produced in made:
            session.add(LotLineage(repack_id=record.id, input_lot_id=lot.id,
                                   output_lot_id=out_lot.id, input_quantity=line["quantity"],
                                   output_quantity=produced))
    session.flush()
    return record


def get(session: Session, repack_id: int) -> Repack:
    found = session.get(Repack, repack_id)
    if found is None:
        raise NotFound(N_("no repack with id {id}", id=repack_id), field="repack")
    return found


def describe(session: Session, record: Repack) -> dict[str, Any]:
    """A repack as people read it: where, the mass balance, and each lot in and out."""
    def line(ln: RepackLine) -> dict[str, Any]:
        lot = ln.lot
        return {"lot_id": lot.id, "lot_code": lot.lot_code, "sku": lot.product.sku,
                "gtin": lot.product.gtin, "product": lot.product.name,
                "quantity": ln.quantity, "weight_kg": float(ln.weight_kg),
                "expiry_date": lot.expiry_date, "harvest_date": lot.harvest_date,
                "move_id": ln.move_id}

    return {
        "id": record.id, "ref": record.ref, "kind": record.kind.value,
        "location": record.location.code,
        "warehouse": session.get(Warehouse, record.warehouse_id).code,
        "input_kg": float(record.input_kg), "output_kg": float(record.output_kg),
        "loss_kg": float(record.loss_kg), "yield_pct": record.yield_pct,
        "loss_reason": record.loss_reason, "note": record.note,
        "created_at": record.created_at.astimezone(UTC),
        "inputs": [line(ln) for ln in record.lines if ln.role == "input"],
        "outputs": [line(ln) for ln in record.lines if ln.role == "output"],
    }
