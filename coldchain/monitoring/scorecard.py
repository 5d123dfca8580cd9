"""How each supplier's lots fare, per supplier and origin: a buyer's scorecard.

For the purchase orders due in a period: on time and in full (OTIF) per order line, and
the units refused at the dock per reason. For the lots received in the period: how many
and how much, the probe temperature at receipt, the share put on hold (for quality,
temperature or a recall) and recalled, units scrapped and lots spoiled, the temperature
excursions they sat through, and how much shelf life they had left when they arrived and
when residents collected them.

Shelf life left is computed from each lot's temperature history (``lot_history``: the
readings of the places the ledger says it was, and nominal ageing at the reference
temperature from its harvest or production day until the first reading), in days at the
reference temperature and as a share of the product's shelf life. The label's days are
kept beside it (``label_days_*``) so a buyer sees where the two part. Excursions are the
findings of the sensors in the places the ledger says the lot was while they lasted
(``coldchain.monitoring.exposure``), counted once per lot. The arithmetic is in
``coldchain.analysis.supplier_scores``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from coldchain.analysis import supplier_scores as scores
from coldchain.analysis.shelf_life import Kinetics
from coldchain.monitoring.exposure import exposed_lots
from coldchain.monitoring.lot_history import history
from coldchain.monitoring.models import Finding, FindingKind
from wms import csv_safety
from wms.models import (
    Lot,
    LotRecall,
    LotStatus,
    MoveKind,
    Origin,
    PoRejection,
    PoState,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptProbe,
    RejectionReason,
    StockMove,
    Supplier,
)
from wms.models.base import utcnow

Key = tuple[int | None, int | None]
REASONS = tuple(r.value for r in RejectionReason)


@dataclass
class ScoreRow:
    supplier: str | None
    supplier_name: str | None
    origin: str | None
    origin_name: str | None
    po_lines: int = 0
    on_time_share: float | None = None
    in_full_share: float | None = None
    otif_share: float | None = None
    units_ordered: int = 0
    units_rejected: int = 0
    rejected_share: float = 0.0
    rejected_damaged_share: float = 0.0
    rejected_temperature_share: float = 0.0
    rejected_quality_share: float = 0.0
    rejected_wrong_product_share: float = 0.0
    probes: int = 0
    probe_mean_c: float | None = None
    probe_max_c: float | None = None
    probe_out_of_range_share: float | None = None
    lots: int = 0
    quantity_received: int = 0
    lots_held: int = 0
    held_share: float = 0.0
    recalls: int = 0
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
    label_days_at_receipt: float | None = None
    label_days_at_handover: float | None = None


COLUMNS = tuple(ScoreRow.__dataclass_fields__)


@dataclass
class _Group:
    lots: list[Lot] = field(default_factory=list)
    lines: list[scores.PoLineFacts] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    probes: list[tuple[float, float | None]] = field(default_factory=list)


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    lo = datetime.combine(start, time.min, tzinfo=UTC) if start else None
    hi = datetime.combine(end, time.min, tzinfo=UTC) + timedelta(days=1) if end else None
    return lo, hi


def scorecard(session: Session, start: date | None = None, end: date | None = None,
              *, now: datetime | None = None) -> list[ScoreRow]:
    """One row per (supplier, origin) with purchase orders due, or lots received, between
    ``start`` and ``end`` (days, both included), best-known suppliers first."""
    now = now or utcnow()
    lo, hi = _bounds(start, end)
    stmt = select(Lot).options(joinedload(Lot.product), joinedload(Lot.supplier),
                               joinedload(Lot.origin))
    received = func.coalesce(Lot.received_at, Lot.created_at)
    if lo is not None:
        stmt = stmt.where(received >= lo)
    if hi is not None:
        stmt = stmt.where(received < hi)
    lots = {lot.id: lot for lot in session.scalars(stmt).unique()}
    groups: dict[Key, _Group] = defaultdict(_Group)
    for lot in lots.values():
        groups[(lot.supplier_id, lot.origin_id)].lots.append(lot)
    _orders(session, groups, start, end, now)
    _probes(session, groups, lots)
    if not groups:
        return []
    by_kind = _net_by_kind(session, lots) if lots else {}
    handovers = _handovers(session, lots) if lots else {}
    excursions = _excursions(session, lots) if lots else {}
    recalls = _recalls(session, lots) if lots else {}
    receipts = _first_receipts(session, lots) if lots else {}
    names = _names(session, groups)
    rows = [_row(key, g, names, by_kind, handovers, excursions, recalls, receipts, session,
                 now)
            for key, g in groups.items()]
    return sorted(rows, key=lambda r: (r.supplier or "~", r.origin or "~"))


def _orders(session: Session, groups: dict[Key, _Group], start: date | None,
            end: date | None, now: datetime) -> None:
    """Lines of the orders due in the range that are over: received, closed, or past their
    window (an order still awaited within its window is not judged yet)."""
    stmt = (select(PurchaseOrderLine, PurchaseOrder)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrder.state.not_in((PoState.DRAFT, PoState.CANCELLED)),
                   (PurchaseOrder.state.in_((PoState.RECEIVED, PoState.CLOSED)))
                   | (PurchaseOrder.due_at < now)))
    if start is not None:
        stmt = stmt.where(PurchaseOrder.expected_date >= start)
    if end is not None:
        stmt = stmt.where(PurchaseOrder.expected_date <= end)
    found = session.execute(stmt).all()
    for line, order in found:
        g = groups[(order.supplier_id, line.origin_id)]
        g.lines.append(scores.PoLineFacts(line.quantity, line.received, line.rejected,
                                          order.due_at, order.first_receipt_at))
    ids = [line.id for line, _ in found]
    keys = {line.id: (order.supplier_id, line.origin_id) for line, order in found}
    for chunk in _chunks(ids):
        for line_id, reason, qty, probe in session.execute(
                select(PoRejection.line_id, PoRejection.reason, PoRejection.quantity,
                       PoRejection.probe_temp_c).where(PoRejection.line_id.in_(chunk))):
            g = groups[keys[line_id]]
            g.rejected[RejectionReason(reason).value] += qty
            if probe is not None and reason == RejectionReason.TEMPERATURE:
                # Refused for temperature: a probe reading out of range by the dock's verdict.
                g.probes.append((probe, float("-inf")))


def _probes(session: Session, groups: dict[Key, _Group], lots: dict[int, Lot]) -> None:
    for chunk in _chunks(list(lots)):
        for lot_id, temp, limit in session.execute(
                select(ReceiptProbe.lot_id, ReceiptProbe.probe_temp_c, ReceiptProbe.limit_c)
                .where(ReceiptProbe.lot_id.in_(chunk))):
            lot = lots[lot_id]
            groups[(lot.supplier_id, lot.origin_id)].probes.append((temp, limit))


def _names(session: Session, groups: dict[Key, _Group]) -> dict[str, dict[int, Any]]:
    sup_ids = {k[0] for k in groups} - {None}
    org_ids = {k[1] for k in groups} - {None}
    return {"supplier": {s.id: s for s in session.scalars(
                select(Supplier).where(Supplier.id.in_(sup_ids)))} if sup_ids else {},
            "origin": {o.id: o for o in session.scalars(
                select(Origin).where(Origin.id.in_(org_ids)))} if org_ids else {}}


def _first_receipts(session: Session, lots: dict[int, Lot]) -> dict[int, datetime]:
    out: dict[int, datetime] = {}
    for chunk in _chunks(list(lots)):
        out.update(session.execute(
            select(StockMove.lot_id, func.min(StockMove.created_at))
            .where(StockMove.lot_id.in_(chunk), StockMove.kind == MoveKind.RECEIPT)
            .group_by(StockMove.lot_id)).all())
    return out


def _recalls(session: Session, lots: dict[int, Lot]) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for chunk in _chunks(list(lots)):
        for lot_id, n in session.execute(
                select(LotRecall.lot_id, func.count(LotRecall.id))
                .where(LotRecall.lot_id.in_(chunk)).group_by(LotRecall.lot_id)):
            out[lot_id] = int(n)
    return out


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


def _handovers(session: Session, lots: dict[int, Lot]) -> dict[int, list[tuple[int, datetime]]]:
    reversed_ids = select(StockMove.reverses_id).where(StockMove.reverses_id.is_not(None))
    out: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for chunk in _chunks(list(lots)):
        for lot_id, qty, at in session.execute(
                select(StockMove.lot_id, StockMove.quantity, StockMove.created_at)
                .where(StockMove.lot_id.in_(chunk), StockMove.kind == MoveKind.HANDOVER,
                       StockMove.id.not_in(reversed_ids))):
            out[lot_id].append((qty, at))
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


def _row(key: Key, g: _Group, names: dict[str, dict[int, Any]],
         by_kind: dict[int, dict[MoveKind, int]],
         handovers: dict[int, list[tuple[int, datetime]]], excursions: dict[int, int],
         recalls: dict[int, int], receipts: dict[int, datetime], session: Session,
         now: datetime) -> ScoreRow:
    supplier = names["supplier"].get(key[0]) if key[0] is not None else None
    origin = names["origin"].get(key[1]) if key[1] is not None else None
    row = ScoreRow(supplier=supplier.code if supplier else None,
                   supplier_name=supplier.name if supplier else None,
                   origin=origin.code if origin else None,
                   origin_name=origin.name if origin else None, lots=len(g.lots))
    kept = scores.otif(g.lines)
    row.po_lines = kept.lines
    row.on_time_share, row.in_full_share, row.otif_share = (
        kept.share(kept.on_time), kept.share(kept.in_full), kept.share(kept.otif))
    row.units_ordered = sum(ln.ordered for ln in g.lines)
    row.units_rejected = sum(g.rejected.values())
    delivered = sum(ln.received + ln.rejected for ln in g.lines)
    shares = scores.rejection_shares({r: g.rejected.get(r, 0) for r in REASONS}, delivered)
    row.rejected_share = round(row.units_rejected / delivered, 4) if delivered else 0.0
    for reason, share in shares.items():
        setattr(row, f"rejected_{reason}_share", share)
    probe = scores.probe_stats(g.probes)
    row.probes, row.probe_mean_c, row.probe_max_c, row.probe_out_of_range_share = (
        probe.count, probe.mean_c, probe.max_c, probe.out_of_range_share)
    _lots_part(row, g.lots, by_kind, handovers, excursions, recalls, receipts, session, now)
    return row


def _lots_part(row: ScoreRow, members: list[Lot], by_kind: dict[int, dict[MoveKind, int]],
               handovers: dict[int, list[tuple[int, datetime]]], excursions: dict[int, int],
               recalls: dict[int, int], receipts: dict[int, datetime], session: Session,
               now: datetime) -> None:
    if not members:
        return
    lost = 0
    at_receipt: list[tuple[float, float]] = []
    at_handover: list[tuple[float, float]] = []
    share_handover: list[tuple[float, float]] = []
    label_receipt: list[tuple[float, float]] = []
    label_handover: list[tuple[float, float]] = []
    for lot in members:
        kinds = by_kind.get(lot.id, {})
        got = kinds.get(MoveKind.RECEIPT, 0)
        row.quantity_received += got
        if kinds.get(MoveKind.HOLD) or lot.status in (LotStatus.HOLD, LotStatus.RECALLED):
            row.lots_held += 1
        row.recalls += recalls.get(lot.id, 0)
        row.units_scrapped += kinds.get(MoveKind.SCRAP, 0)
        lost += kinds.get(MoveKind.SCRAP, 0)
        if lot.status == LotStatus.SPOILED:
            row.lots_spoiled += 1
            # A spoiled lot's units that were never handed over are lost too.
            lost += max(0, got - kinds.get(MoveKind.SCRAP, 0) - kinds.get(MoveKind.HANDOVER, 0))
        seen = excursions.get(lot.id, 0)
        row.excursions += seen
        row.lots_with_excursions += 1 if seen else 0
        handed = handovers.get(lot.id, [])
        row.units_handed_over += sum(q for q, _ in handed)
        arrived = lot.received_at or lot.created_at
        kinetics = Kinetics.of(lot.product)
        # The ledger's receipt is when the goods came; the lot row may be written later.
        came = receipts.get(lot.id, arrived)
        # Before its receipt a lot was in no place of ours: its history up to then is the
        # nominal ageing from harvest or production (lot_history does the same), so only
        # lots handed over need their measured history read.
        left = scores.nominal_remaining(kinetics, _born(lot), int(came.timestamp()))
        at_receipt.append((left, 1.0))
        if handed:
            real = history(session, lot.id, now=max([now, *(at for _, at in handed)]))
        for qty, at in handed:
            then = scores.remaining_at(real.times, real.temps, kinetics, int(at.timestamp()))
            if then is not None:
                at_handover.append((then, qty))
                share_handover.append((then / kinetics.shelf_life_days, qty))
        expiry = lot.expiry_date or lot.best_before
        if expiry is not None:
            label_receipt.append(((expiry - arrived.date()).days, 1.0))
            label_handover.extend(((expiry - at.date()).days, qty) for qty, at in handed)
    row.held_share = round(row.lots_held / row.lots, 4)
    row.loss_share = round(lost / row.quantity_received, 4) if row.quantity_received else 0.0
    row.excursions_per_lot = round(row.excursions / row.lots, 3)
    row.remaining_days_at_receipt = scores.weighted_mean(at_receipt)
    row.remaining_days_at_handover = scores.weighted_mean(at_handover)
    # Shares per lot, against each lot's own product: a row may mix products.
    shares_r = [(d / lot.product.shelf_life_days, w)
                for (d, w), lot in zip(at_receipt, members, strict=True)]
    row.remaining_share_at_receipt = _share(shares_r)
    row.remaining_share_at_handover = _share(share_handover)
    row.label_days_at_receipt = scores.weighted_mean(label_receipt)
    row.label_days_at_handover = scores.weighted_mean(label_handover)


def _born(lot: Lot) -> int | None:
    day = lot.harvest_date or lot.production_date
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp()) if day else None


def _share(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(w for _, w in pairs)
    return round(sum(v * w for v, w in pairs) / total, 4) if total else None


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
        writer.writerow(csv_safety.row("" if v is None else v for v in asdict(r).values()))
    return out.getvalue()
