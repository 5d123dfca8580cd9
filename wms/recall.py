"""Recalling a lot: every unit still in stock is blocked, and the report says where the
rest went.

A recall is a decision about the whole lot, in every warehouse. Units in a warehouse go
to quarantine by ``hold`` moves (as ``hold_lot`` does) after their unpicked reservations
are released; units on a truck or at a pickup point stay where they are, still reserved
for their orders, but the lot's status forbids delivering and handing them over
(``wms.move_rules``) until they are returned (``wms.returns``) or scrapped there.
Recalling a recalled lot changes nothing. Releasing a recall is its own recorded decision.

A recall follows the lot's lineage: every lot repacked from it (and on from those) is
recalled with it, in the same transaction, with a reason that names the input lot, so the
bags made of a recalled case are blocked wherever they are and the report lists their
pickup points (``derived_lots``). Releasing the input's recall does not release them:
each output lot's recall is released on its own decision, once someone has checked it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms import lineage, outbox, trace
from wms.errors import Conflict, NotFound, ValidationFailed
from wms.i18n import N_
from wms.ledger import record_move
from wms.models import (
    CustomerOrder,
    Location,
    LocationKind,
    Lot,
    LotRecall,
    LotStatus,
    MoveKind,
    OrderStatus,
    Reservation,
    StockBalance,
    StockMove,
)
from wms.models.base import utcnow
from wms.stock import IN_WAREHOUSE, release_lot, release_reservations, sibling

IN_THE_FIELD = ("vehicle", "pickup_point")


@dataclass
class RecallReport:
    lot: Lot
    recall: LotRecall | None
    created: bool = False
    moves: list[StockMove] = field(default_factory=list)
    released_reservations: int = 0
    forward: trace.Forward | None = None
    derived: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Pickup points, orders and quantities already handed over, what is still in
        stock per location, what is still in the field (trucks, then pickup points) and
        what came back from it."""
        assert self.forward is not None
        fw = self.forward
        field_stock = sorted(((p, n) for p, n in fw.stock if p.area in IN_THE_FIELD),
                             key=lambda pn: (IN_THE_FIELD.index(pn[0].area), pn[0].code))
        returns = [m for m in fw.moves if m.kind == MoveKind.RETURN and m.stands]
        return {
            "in_field": [{"location": p.code, "area": p.area, "vehicle": p.vehicle,
                          "pickup_point": p.pickup_point, "on_hand": n}
                         for p, n in field_stock],
            "returned": sum(m.quantity for m in returns),
            "returns": [{"at": m.at, "from": m.from_.code if m.from_ else None,
                         "to": m.to.code if m.to else None, "quantity": m.quantity,
                         "route_id": m.route_id, "actor": m.actor} for m in returns],
            "handed_over": fw.quantities.handed_over,
            "in_stock": fw.quantities.on_hand,
            "quantities": fw.quantities.as_dict(),
            "stock": [{"location": p.code, "name": p.name, "area": p.area,
                       "warehouse": p.warehouse, "vehicle": p.vehicle,
                       "pickup_point": p.pickup_point, "on_hand": n} for p, n in fw.stock],
            "pickup_points": fw.pickup_points,
            "orders": [o for o in fw.orders if o["loaded"] or o["delivered"]
                       or o["handed_over"]],
            "derived_lots": self.derived,
        }


def _locked_lot(session: Session, lot_id: int) -> Lot:
    # FOR NO KEY UPDATE, as wms.stock takes it: moves of the lot (whose foreign key takes a
    # key-share lock on it) written by an order being picked do not wait for the recall.
    lot = session.scalar(select(Lot).where(Lot.id == lot_id).with_for_update(key_share=True)
                         .execution_options(populate_existing=True))
    if lot is None:
        raise NotFound(N_("no lot with id {id}", id=lot_id), field="lot")
    return lot


def open_recall(session: Session, lot_id: int) -> LotRecall | None:
    return session.scalar(select(LotRecall).where(
        LotRecall.lot_id == lot_id, LotRecall.released_at.is_(None))
        .order_by(LotRecall.id.desc()).limit(1))


def recalls(session: Session, lot_id: int) -> list[LotRecall]:
    return list(session.scalars(select(LotRecall).where(LotRecall.lot_id == lot_id)
                                .order_by(LotRecall.id)))


def recall_lot(session: Session, lot_id: int, reason: str, *, actor_id: int | None
               ) -> RecallReport:
    """Recall a lot and every lot made of it, in the caller's transaction. A second
    recall returns the first."""
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [N_("say why the lot is recalled")]})
    out = _recall_one(session, lot_id, reason, actor_id=actor_id)
    code = out.lot.lot_code
    for derived_id in lineage.descendant_ids(session, lot_id):
        _recall_one(session, derived_id, f"made from recalled lot {code}: {reason.strip()}",
                    actor_id=actor_id)
    if out.created:
        session.flush()
        out.derived = lineage.reached(session, lot_id)
    return out


def _recall_one(session: Session, lot_id: int, reason: str, *, actor_id: int | None
                ) -> RecallReport:
    lot = _locked_lot(session, lot_id)
    current = open_recall(session, lot.id)
    if lot.status == LotStatus.RECALLED and current is not None:
        return report(session, lot.id, recall=current)
    record = LotRecall(lot_id=lot.id, reason=reason.strip(), previous_status=lot.status,
                       recalled_by=actor_id, recalled_at=utcnow(), release_reason="")
    session.add(record)
    affected = _orders_with_lot(session, lot.id)
    lot.status, lot.status_reason = LotStatus.RECALLED, N_("recalled: {reason}",
                                                            reason=reason.strip())
    released = release_reservations(session, lot.id, None)
    moves = []
    for bal in _balances(session, lot.id):
        if bal.on_hand == 0:
            continue
        quarantine = sibling(session, bal.location, LocationKind.QUARANTINE,
                             lot.product.temp_class)
        if quarantine is None:
            raise Conflict(N_("warehouse of {location} has no quarantine location for {temp} "
                              "goods; the recall needs one", location=bal.location.code,
                              temp=lot.product.temp_class),
                           location=bal.location.code)
        moves.append(record_move(session, kind=MoveKind.HOLD, lot=lot, quantity=bal.on_hand,
                                 from_location=bal.location, to_location=quarantine,
                                 actor_id=actor_id,
                                 reason=N_("recall: {reason}", reason=reason.strip())))
    session.flush()
    for order in affected:
        outbox.emit(session, order, outbox.RECALLED, {
            "lot": lot.lot_code, "sku": lot.product.sku, "reason": reason.strip()})
    out = report(session, lot.id, recall=record)
    out.created, out.moves, out.released_reservations = True, moves, released
    return out


def _orders_with_lot(session: Session, lot_id: int) -> list[CustomerOrder]:
    """Every customer order that holds or received units of the lot: the storefront tells
    each of their residents."""
    reserved = select(Reservation.order_id).where(Reservation.lot_id == lot_id)
    moved = select(StockMove.order_id).where(StockMove.lot_id == lot_id,
                                             StockMove.order_id.is_not(None))
    ids = set(session.scalars(reserved)) | set(session.scalars(moved))
    return list(session.scalars(select(CustomerOrder).where(
        CustomerOrder.id.in_(ids), CustomerOrder.status != OrderStatus.CANCELLED)
        .order_by(CustomerOrder.id)))


def release_recall(session: Session, lot_id: int, reason: str, *, actor_id: int | None
                   ) -> RecallReport:
    """End a recall. The lot returns to the status it had before; if that was available,
    its quarantined stock goes back to storage by ``release`` moves."""
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [N_("say why the recall is released")]})
    lot = _locked_lot(session, lot_id)
    current = open_recall(session, lot.id)
    if current is None or lot.status != LotStatus.RECALLED:
        raise Conflict(N_("lot {lot} is not recalled", lot=lot.lot_code),
                       lot_status=lot.status.value)
    current.released_by, current.released_at = actor_id, utcnow()
    current.release_reason = reason.strip()
    moves: list[StockMove] = []
    if current.previous_status == LotStatus.AVAILABLE:
        # release_lot owns the way back from quarantine; it starts from a held lot.
        lot.status = LotStatus.HOLD
        moves = release_lot(session, lot.id, N_("recall released: {reason}",
                                                 reason=reason.strip()), actor_id=actor_id)
    else:
        lot.status = current.previous_status
        lot.status_reason = N_("recall released: {reason}", reason=reason.strip())
    session.flush()
    out = report(session, lot.id, recall=current)
    out.moves = moves
    return out


def report(session: Session, lot_id: int, *, recall: LotRecall | None = None) -> RecallReport:
    """The lot's recall (the open one, else the latest) and where its units are and went."""
    lot = trace.get_lot(session, lot_id)
    if recall is None:
        found = recalls(session, lot_id)
        recall = found[-1] if found else None
    return RecallReport(lot=lot, recall=recall, forward=trace.forward(session, lot_id),
                        derived=lineage.reached(session, lot_id))


def _balances(session: Session, lot_id: int) -> list[StockBalance]:
    stmt = (select(StockBalance).join(Location, Location.id == StockBalance.location_id)
            .where(StockBalance.lot_id == lot_id, Location.kind.in_(IN_WAREHOUSE))
            .order_by(StockBalance.location_id)
            .with_for_update(of=StockBalance).execution_options(populate_existing=True))
    return list(session.scalars(stmt))
