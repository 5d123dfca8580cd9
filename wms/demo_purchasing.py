"""The demo's purchase orders: the week's receipts were bought, so each delivery of a
supplier to a warehouse on a morning is one order, received against (the lots carry origin,
harvest date and the order's reference). Some came late, some short and were closed so, and
one frozen pallet was rejected for temperature. Each warehouse also has orders still open:
one due today with its shipping notice, one partly received, one in draft for tomorrow.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from wms.db import transaction
from wms.demo_documents import load_documents
from wms.gtin import check_digit
from wms.models import (
    AsnPallet,
    Lot,
    MoveKind,
    Origin,
    PoReceipt,
    PoRejection,
    PoState,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptProbe,
    RejectionReason,
    StockMove,
    TempClass,
    User,
    Warehouse,
)
from wms.models.base import utcnow

OPEN_LINES = 4
OPEN_QUANTITY = 400  # far above a scan's count: a demo receipt fits in what is open


def demo_sscc(serial: int) -> str:
    body = f"0690123409{serial:07d}"
    return body + str(check_digit(body))


def load_purchase_orders(factory: sessionmaker[Session], seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed * 53 + 5)
    with transaction(factory) as s:
        buyer = s.scalar(select(User.id).where(User.username == "buyer"))
        origins: dict[int, list[Origin]] = defaultdict(list)
        for origin in s.scalars(select(Origin).order_by(Origin.code)):
            origins[origin.supplier_id].append(origin)
        receipts = s.execute(
            select(StockMove, Lot).join(Lot, Lot.id == StockMove.lot_id)
            .where(StockMove.kind == MoveKind.RECEIPT, Lot.supplier_id.is_not(None))
            .order_by(StockMove.id)).all()
        deliveries: dict[tuple[int, int, object], list[tuple[StockMove, Lot]]] = \
            defaultdict(list)
        warehouses = {w.id: w for w in s.scalars(select(Warehouse))}
        for move, lot in receipts:
            wh = warehouses[move.warehouse_id]
            day = move.created_at.astimezone(ZoneInfo(wh.timezone)).date()
            deliveries[(wh.id, lot.supplier_id, day)].append((move, lot))
        counts = {"purchase orders": len(deliveries), "late": 0, "closed short": 0,
                  "with a pallet rejected for temperature": 0}
        rejected_one = False
        # Each supplier keeps time and quantities its own way: the scorecard tells them apart.
        suppliers = sorted({key[1] for key in deliveries})
        late_p = {sid: rng.choice((0.0, 0.05, 0.15, 0.3, 0.6)) for sid in suppliers}
        short_p = {sid: rng.choice((0.0, 0.05, 0.2, 0.4)) for sid in suppliers}
        warm_c = {sid: rng.choice((0.0, 0.5, 1.0, 2.0)) for sid in suppliers}
        for n, ((wh_id, supplier_id, day), got) in enumerate(sorted(
                deliveries.items(), key=lambda kv: (kv[0][0], str(kv[0][2]), kv[0][1]))):
            wh = warehouses[wh_id]
            tz = ZoneInfo(wh.timezone)
            first = min(m.created_at for m, _ in got)
            late = rng.random() < late_p[supplier_id]
            # A window the first truck missed by 30-150 minutes, or one it kept.
            end = (first.astimezone(tz) - timedelta(minutes=rng.randint(30, 150)) if late
                   else first.astimezone(tz) + timedelta(minutes=rng.randint(20, 90)))
            end_t = end.time().replace(second=0, microsecond=0)
            start_t = time(max(0, end_t.hour - 3), end_t.minute)
            if start_t >= end_t:
                start_t, end_t = time(0), max(end_t, time(0, 30))
            ref = f"PO-{wh.code}-{day:%y%m%d}-{n:04d}"
            po = PurchaseOrder(ref=ref, supplier_id=supplier_id, warehouse_id=wh_id,
                               expected_date=day, window_start=start_t, window_end=end_t,
                               due_at=datetime.combine(day, end_t, tz), state=PoState.CLOSED,
                               buyer_id=buyer, created_at=first - timedelta(days=3),
                               sent_at=first - timedelta(days=3), first_receipt_at=first,
                               last_receipt_at=max(m.created_at for m, _ in got),
                               closed_at=max(m.created_at for m, _ in got) + timedelta(hours=2))
            s.add(po)
            s.flush()
            counts["late"] += po.first_receipt_at > po.due_at
            short = rng.random() < short_p[supplier_id]
            for line_no, (move, lot) in enumerate(got, start=1):
                origin = rng.choice(origins[supplier_id]) if origins[supplier_id] else None
                missing = rng.randint(1, 3) * 5 if short and line_no == 1 else 0
                line = PurchaseOrderLine(
                    order_id=po.id, line_no=line_no, product_id=lot.product_id,
                    quantity=move.quantity + missing,
                    unit_price=Decimal(rng.randint(150, 4000)) / 100, currency="CNY",
                    origin_id=origin.id if origin else None,
                    harvest_date=(lot.production_date or day) - timedelta(days=rng.randint(0, 1)),
                    certifications=origin.certifications if origin else "",
                    received=move.quantity, short=missing)
                s.add(line)
                s.flush()
                s.add(PoReceipt(line_id=line.id, move_id=move.id, quantity=move.quantity,
                                received_at=move.created_at))
                s.add(_probe(move, lot, warm_c[supplier_id], buyer, rng))
                lot.purchase_order, lot.origin_id = ref, line.origin_id
                lot.harvest_date, lot.certifications = line.harvest_date, line.certifications
                lot.buyer_id = buyer
                if origin is not None:
                    lot.country_of_origin = origin.country
            if short:
                counts["closed short"] += 1
                po.close_reason = "supplier short: the rest could not be harvested in time"
            if not rejected_one and lot.product.temp_class == TempClass.FROZEN:
                _reject_warm_pallet(s, po, lot.product, first, buyer, rng)
                rejected_one = True
                counts["with a pallet rejected for temperature"] += 1
        counts.update(_open_orders(s, rng, warehouses, buyer))
        counts.update(load_documents(s, rng))
    return {(k if k == "purchase orders" else f"purchase orders {k}"): v
            for k, v in counts.items()}


# The probe at the dock: a class's usual core temperature, what the supplier's trucks add,
# and the spread of a hand probe; these pallets were accepted, so under the class's limit.
PROBE_USUAL = {TempClass.FROZEN: -19.0, TempClass.CHILLED: 2.5, TempClass.AMBIENT: 18.0}
PROBE_LIMIT = {TempClass.FROZEN: -15.0, TempClass.CHILLED: 5.0, TempClass.AMBIENT: 30.0}


def _probe(move: StockMove, lot: Lot, warm: float, who: int | None,
           rng: random.Random) -> ReceiptProbe:
    temp_class = lot.product.temp_class
    limit = PROBE_LIMIT[temp_class]
    temp = min(limit - 0.1, PROBE_USUAL[temp_class] + warm + rng.gauss(0, 0.7))
    return ReceiptProbe(move_id=move.id, lot_id=lot.id, probe_temp_c=round(temp, 1),
                        limit_c=limit, outcome="accepted", measured_by=who,
                        measured_at=move.created_at)


def _reject_warm_pallet(s: Session, po: PurchaseOrder, product: Product, at: datetime,
                        buyer: int | None, rng: random.Random) -> None:
    """A second frozen pallet on the same order arrived at -9 °C and was sent back."""
    line = PurchaseOrderLine(order_id=po.id, line_no=len(po.lines) + 1, product_id=product.id,
                             quantity=product.units_per_crate * 4, unit_price=Decimal("18.00"),
                             currency="CNY", received=0,
                             rejected=product.units_per_crate * 4,
                             short=product.units_per_crate * 4)
    s.add(line)
    s.flush()
    s.add(PoRejection(line_id=line.id, quantity=line.quantity,
                      reason=RejectionReason.TEMPERATURE, probe_temp_c=-9.0,
                      note="probe -9.0 °C at the dock; frozen goods must be -15 °C or colder",
                      lot_code=f"WARM{rng.randint(100, 999)}", recorded_by=buyer,
                      recorded_at=at + timedelta(minutes=10)))
    po.close_reason = po.close_reason or "the warm pallet was returned, not replaced"


def _open_orders(s: Session, rng: random.Random, warehouses: dict[int, Warehouse],
                 buyer: int | None) -> dict[str, int]:
    """Per warehouse: sent and due today (with its shipping notice), partly received
    yesterday (late, still open), and a draft for tomorrow; no product on two of them."""
    products = s.scalars(select(Product).order_by(Product.sku)).all()
    suppliers = sorted({o.supplier_id for o in s.scalars(select(Origin))})
    now = utcnow()
    serial = 1
    made = 0
    for k, wh in enumerate(sorted(warehouses.values(), key=lambda w: w.code)):
        tz = ZoneInfo(wh.timezone)
        today = now.astimezone(tz).date()
        chosen = rng.sample(products, OPEN_LINES * 3)
        for j, (state, day, window) in enumerate((
                (PoState.SENT, today, (time(14), time(18))),
                (PoState.PARTIALLY_RECEIVED, today - timedelta(days=1), (time(5), time(7))),
                (PoState.DRAFT, today + timedelta(days=1), (time(5), time(8))))):
            supplier = suppliers[(k + j) % len(suppliers)]
            origin = s.scalar(select(Origin).where(Origin.supplier_id == supplier)
                              .order_by(Origin.code))
            po = PurchaseOrder(
                ref=f"PO-{wh.code}-{day:%y%m%d}-{state.value[:4].upper()}",
                supplier_id=supplier, warehouse_id=wh.id, expected_date=day,
                window_start=window[0], window_end=window[1],
                due_at=datetime.combine(day, window[1], tz), state=state, buyer_id=buyer,
                sent_at=None if state == PoState.DRAFT else now - timedelta(days=2),
                note="demo: open order")
            s.add(po)
            s.flush()
            for n, product in enumerate(chosen[j * OPEN_LINES:(j + 1) * OPEN_LINES], start=1):
                line = PurchaseOrderLine(
                    order_id=po.id, line_no=n, product_id=product.id, quantity=OPEN_QUANTITY,
                    unit_price=Decimal(rng.randint(150, 4000)) / 100, currency="CNY",
                    origin_id=origin.id if origin else None,
                    harvest_date=day - timedelta(days=1),
                    certifications=origin.certifications if origin else "")
                s.add(line)
                s.flush()
                if state == PoState.SENT:
                    s.add(AsnPallet(sscc=demo_sscc(serial), order_id=po.id, line_id=line.id,
                                    lot_code=f"ASN{wh.code[:2]}{serial:05d}",
                                    quantity=OPEN_QUANTITY // 2, harvest_date=day - timedelta(
                                        days=1),
                                    expiry_date=day + timedelta(
                                        days=int(product.shelf_life_days)),
                                    shipped_at=now - timedelta(hours=6)))
                    serial += 1
            if state == PoState.PARTIALLY_RECEIVED:
                # What came yesterday was rejected (quality); the rest is still awaited.
                first = po.lines[0] if po.lines else None
                if first is not None:
                    first.rejected = 20
                    s.add(PoRejection(line_id=first.id, quantity=20,
                                      reason=RejectionReason.QUALITY, recorded_by=buyer,
                                      note="demo: bruised on arrival",
                                      recorded_at=po.due_at + timedelta(hours=2)))
                    po.first_receipt_at = po.last_receipt_at = po.due_at + timedelta(hours=2)
            made += 1
    return {"open": made}
