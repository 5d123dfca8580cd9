"""Lot lineage: which lots a lot was repacked from, and which lots it was repacked into.

Both directions follow the edges of ``lot_lineage`` to the end (a case repacked into
bags, the bags into gift boxes), each lot once. Backward answers "where did the goods in
this bag come from" (the input lots with their supplier, origin and purchase order);
forward answers "what did this case become" (the output lots), which a recall of the
case needs. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from wms import trace
from wms.models import Lot, LotLineage, Repack


@dataclass(frozen=True)
class Edge:
    repack_id: int
    repack_ref: str
    input_lot_id: int
    output_lot_id: int
    input_quantity: int
    output_quantity: int
    depth: int  # 1: made directly from / into the lot asked about


def _walk(session: Session, lot_id: int, *, forward: bool) -> list[Edge]:
    here = LotLineage.input_lot_id if forward else LotLineage.output_lot_id
    seen, frontier, depth, out = {lot_id}, {lot_id}, 0, []
    while frontier:
        depth += 1
        rows = session.execute(
            select(LotLineage, Repack.ref).join(Repack, Repack.id == LotLineage.repack_id)
            .where(here.in_(frontier)).order_by(LotLineage.id)).all()
        frontier = set()
        for edge, ref in rows:
            out.append(Edge(edge.repack_id, ref, edge.input_lot_id, edge.output_lot_id,
                            edge.input_quantity, edge.output_quantity, depth))
            nxt = edge.output_lot_id if forward else edge.input_lot_id
            if nxt not in seen:
                seen.add(nxt)
                frontier.add(nxt)
    return out


def descendants(session: Session, lot_id: int) -> list[Edge]:
    """Every edge from the lot to the lots made of it, and on from those."""
    return _walk(session, lot_id, forward=True)


def ancestors(session: Session, lot_id: int) -> list[Edge]:
    """Every edge from the lots the lot was made of, and back from those."""
    return _walk(session, lot_id, forward=False)


def descendant_ids(session: Session, lot_id: int) -> list[int]:
    """The lots made of the lot, nearest first, each once."""
    out: list[int] = []
    for e in descendants(session, lot_id):
        if e.output_lot_id not in out:
            out.append(e.output_lot_id)
    return out


def _lots(session: Session, ids: set[int]) -> dict[int, Lot]:
    if not ids:
        return {}
    return {lot.id: lot for lot in session.scalars(select(Lot).where(Lot.id.in_(ids)).options(
        joinedload(Lot.product), joinedload(Lot.supplier), joinedload(Lot.origin)))}


def _lot_row(lot: Lot, edge: Edge, quantity: int) -> dict[str, Any]:
    return {"lot_id": lot.id, "lot_code": lot.lot_code, "sku": lot.product.sku,
            "gtin": lot.product.gtin, "product": lot.product.name,
            "status": lot.status.value, "expiry_date": lot.expiry_date,
            "repack_id": edge.repack_id, "repack": edge.repack_ref, "depth": edge.depth,
            "quantity": quantity, **trace.origin_of(lot)}


def inputs(session: Session, lot_id: int) -> list[dict[str, Any]]:
    """The lots this one was made of (nearest first), each with where it came from and
    the quantity the repack consumed of it."""
    return _rows(session, ancestors(session, lot_id), "input_lot_id", "input_quantity")


def outputs(session: Session, lot_id: int) -> list[dict[str, Any]]:
    """The lots made of this one (nearest first), with the quantity each repack produced."""
    return _rows(session, descendants(session, lot_id), "output_lot_id", "output_quantity")


def _rows(session: Session, edges, lot_field: str, quantity_field: str) -> list[dict[str, Any]]:
    # One row per (lot, repack): a lot reached along two paths of the graph is one answer.
    lots = _lots(session, {getattr(e, lot_field) for e in edges})
    out, seen = [], set()
    for e in edges:
        key = (getattr(e, lot_field), e.repack_id)
        if key not in seen:
            seen.add(key)
            out.append(_lot_row(lots[key[0]], e, getattr(e, quantity_field)))
    return out


def reached(session: Session, lot_id: int) -> list[dict[str, Any]]:
    """The lots made of this one, each with the pickup points and orders its own units
    reached (a forward trace of every output lot): what a recall of the input must find."""
    out = []
    for row in outputs(session, lot_id):
        fw = trace.forward(session, row["lot_id"])
        out.append({**row, "pickup_points": fw.pickup_points,
                    "orders": [o for o in fw.orders if o["loaded"] or o["delivered"]
                               or o["handed_over"]],
                    "on_hand": fw.quantities.on_hand,
                    "handed_over": fw.quantities.handed_over})
    return out


def both(session: Session, lot_id: int, *, with_places: bool = False) -> dict[str, Any]:
    """Inputs and outputs of the lot; ``with_places`` adds where each output's units went."""
    return {"inputs": inputs(session, lot_id),
            "outputs": reached(session, lot_id) if with_places else outputs(session, lot_id)}
