"""How each supplier's lots fare, per supplier and origin: a buyer's scorecard.

For the lots received in a period: how many and how much, the share put on hold (for
quality, temperature or a recall), units scrapped and lots spoiled, the temperature
excursions they sat through, and how much shelf life they had left when they arrived
and when residents collected them.

Shelf life left is counted by the label: days from the day of receipt (or handover) to
the lot's expiry date, and as a share of the product's shelf life. Excursions are the
findings of the sensors in the places the ledger says the lot was while they lasted
(``coldchain.monitoring.exposure``), counted once per lot.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from coldchain.monitoring.exposure import exposed_lots
from coldchain.monitoring.models import Finding, FindingKind
from wms.models import Lot, LotStatus, MoveKind, StockMove
from wms.models.base import utcnow


@dataclass
class ScoreRow:
    supplier: str | None
    supplier_name: str | None
    origin: str | None
    origin_name: str | None
    lots: int = 0
    quantity_received: int = 0
    lots_held: int = 0
    held_share: float = 0.0
    units_scrapped: int = 0
    lots_spoiled: int = 0
    loss_share: float = 0.0
    excursions: int = 0
    lots_with_excursions: int = 0
    excursions_per_lot: float = 0.0
    units_handed_over: int = 0
    remaining_days_at_receipt: float | None = None
    remaining_share_at_receipt: float | None = None
    remaining_days_at_handover: float | None = None
    remaining_share_at_handover: float | None = None


COLUMNS = tuple(ScoreRow.__dataclass_fields__)


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(start, time.min, tzinfo=UTC) if start else None
    hi = datetime.combine(end, time.min, tzinfo=UTC) + timedelta(days=1) if end else None
    return lo, hi


def scorecard(session: Session, start: date | None = None, end: date | None = None
              ) -> list[ScoreRow]:
    """One row per (supplier, origin) with lots received between ``start`` and ``end``
    (UTC days, both included), best-known suppliers first."""
    lo, hi = _bounds(start, end)
    stmt = select(Lot).options(joinedload(Lot.product), joinedload(Lot.supplier),
                               joinedload(Lot.origin))
    received = func.coalesce(Lot.received_at, Lot.created_at)
    if lo is not None:
        stmt = stmt.where(received >= lo)
    if hi is not None:
        stmt = stmt.where(received < hi)
    lots = {lot.id: lot for lot in session.scalars(stmt).unique()}
    if not lots:
        return []
    by_kind = _net_by_kind(session, lots)
    handovers = _handovers(session, lots)
    excursions = _excursions(session, lots)
    groups: dict[tuple[int | None, int | None], list[Lot]] = defaultdict(list)
    for lot in lots.values():
        groups[(lot.supplier_id, lot.origin_id)].append(lot)
    rows = [_row(members, by_kind, handovers, excursions) for members in groups.values()]
    return sorted(rows, key=lambda r: (r.supplier or "~", r.origin or "~"))


def _net_by_kind(session: Session, lots: dict[int, Lot]) -> dict[int, dict[MoveKind, int]]:
    reversed_ids = select(StockMove.reverses_id).where(StockMove.reverses_id.is_not(None))
    out: dict[int, dict[MoveKind, int]] = defaultdict(lambda: defaultdict(int))
    for chunk in _chunks(list(lots)):
        rows = session.execute(
            select(StockMove.lot_id, StockMove.kind, func.sum(StockMove.quantity))
            .where(StockMove.lot_id.in_(chunk), StockMove.kind != MoveKind.REVERSAL,
                   StockMove.id.not_in(reversed_ids))
            .group_by(StockMove.lot_id, StockMove.kind))
        for lot_id, kind, qty in rows:
            out[lot_id][kind] += int(qty)
    return out


def _handovers(session: Session, lots: dict[int, Lot]) -> dict[int, list[tuple[int, date]]]:
    reversed_ids = select(StockMove.reverses_id).where(StockMove.reverses_id.is_not(None))
    out: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for chunk in _chunks(list(lots)):
        for lot_id, qty, at in session.execute(
                select(StockMove.lot_id, StockMove.quantity, StockMove.created_at)
                .where(StockMove.lot_id.in_(chunk), StockMove.kind == MoveKind.HANDOVER,
                       StockMove.id.not_in(reversed_ids))):
            out[lot_id].append((qty, at.date()))
    return out


def _excursions(session: Session, lots: dict[int, Lot]) -> dict[int, int]:
    """Lot id → number of excursions it sat through (any time after its first move)."""
    first = min(session.scalar(select(func.min(StockMove.created_at))
                               .where(StockMove.lot_id.in_(chunk))) or utcnow()
                for chunk in _chunks(list(lots)))
    findings = session.scalars(select(Finding).where(
        Finding.kind == FindingKind.EXCURSION,
        Finding.end.is_(None) | (Finding.end >= first))).all()
    out: dict[int, int] = defaultdict(int)
    for finding in findings:
        for lot_id in exposed_lots(session, finding.location, finding.start, finding.end):
            if lot_id in lots:
                out[lot_id] += 1
    return out


def _row(members: list[Lot], by_kind: dict[int, dict[MoveKind, int]],
         handovers: dict[int, list[tuple[int, date]]], excursions: dict[int, int]) -> ScoreRow:
    first = members[0]
    row = ScoreRow(supplier=first.supplier.code if first.supplier else None,
                   supplier_name=first.supplier.name if first.supplier else None,
                   origin=first.origin.code if first.origin else None,
                   origin_name=first.origin.name if first.origin else None,
                   lots=len(members))
    lost = 0
    at_receipt: list[tuple[float, float]] = []
    at_handover: list[tuple[float, float, int]] = []
    for lot in members:
        kinds = by_kind.get(lot.id, {})
        got = kinds.get(MoveKind.RECEIPT, 0)
        row.quantity_received += got
        if kinds.get(MoveKind.HOLD) or lot.status in (LotStatus.HOLD, LotStatus.RECALLED):
            row.lots_held += 1
        row.units_scrapped += kinds.get(MoveKind.SCRAP, 0)
        lost += kinds.get(MoveKind.SCRAP, 0)
        if lot.status == LotStatus.SPOILED:
            row.lots_spoiled += 1
            # A spoiled lot's units that were never handed over are lost too.
            lost += max(0, got - kinds.get(MoveKind.SCRAP, 0) - kinds.get(MoveKind.HANDOVER, 0))
        seen = excursions.get(lot.id, 0)
        row.excursions += seen
        row.lots_with_excursions += 1 if seen else 0
        expiry = lot.expiry_date or lot.best_before
        life = lot.product.shelf_life_days
        if expiry is not None:
            arrived = (lot.received_at or lot.created_at).date()
            at_receipt.append(((expiry - arrived).days, (expiry - arrived).days / life))
            for qty, day in handovers.get(lot.id, []):
                at_handover.append(((expiry - day).days, (expiry - day).days / life, qty))
        row.units_handed_over += sum(q for q, _ in handovers.get(lot.id, []))
    row.held_share = round(row.lots_held / row.lots, 4)
    row.loss_share = round(lost / row.quantity_received, 4) if row.quantity_received else 0.0
    row.excursions_per_lot = round(row.excursions / row.lots, 3)
    if at_receipt:
        row.remaining_days_at_receipt = round(sum(d for d, _ in at_receipt) / len(at_receipt), 2)
        row.remaining_share_at_receipt = round(sum(s for _, s in at_receipt) / len(at_receipt),
                                               4)
    units = sum(q for _, _, q in at_handover)
    if units:
        row.remaining_days_at_handover = round(sum(d * q for d, _, q in at_handover) / units, 2)
        row.remaining_share_at_handover = round(sum(s * q for _, s, q in at_handover) / units,
                                                4)
    return row


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    # SQLite limits bound parameters per statement.
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def to_dicts(rows: list[ScoreRow]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def to_csv(rows: list[ScoreRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(["" if v is None else v for v in asdict(r).values()])
    return out.getvalue()
