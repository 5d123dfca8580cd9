"""The demo's certificates and lab results, and one lot that came without its certificate.

Organic certificates of the organic farm bases, an entry inspection certificate on lots of
the importers, pesticide-residue tests on a few vegetable lots (one over its limit), each
with a small real PDF in the document store. And one order of Shouguang's, whose buyer
expected an organic certificate the cooperative never sent: its pallet is scanned in today
through the dock's own path, so it sits in quarantine, held, until someone uploads it.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms import documents, scanning
from wms.document_store import DocumentStore, store_from_setting
from wms.models import (
    Lot,
    PoState,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierKind,
    TempClass,
    User,
    Warehouse,
)
from wms.models.base import utcnow
from wms.pdf import text_pdf
from wms.settings import INSTANCE_DIR, Settings

ORGANIC_SUPPLIERS = ("SUP-YNF", "SUP-HLJ")
MISSING_FROM = "SUP-SDV"  # sends no organic certificate for an order that expects one
HOME = "SH1"


def _pdf(title: str, *lines: str) -> tuple[bytes, str]:
    return text_pdf([title, "", *lines, "", "Demo document - coldchain-wms"]), \
        title.lower().replace(" ", "-") + ".pdf"


def _add(s: Session, store: DocumentStore, facts: dict, pdf: tuple[bytes, str], *,
         actor: int | None, **owner) -> None:
    documents.add(s, store, facts, content=pdf[0], filename=pdf[1], actor_id=actor, **owner)


def load_documents(s: Session, rng: random.Random, store: DocumentStore | None = None
                   ) -> dict[str, int]:
    store = store or store_from_setting(Settings.from_env().document_store, INSTANCE_DIR)
    buyer = s.scalar(select(User.id).where(User.username == "buyer"))
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    made = 0
    for code in ORGANIC_SUPPLIERS:
        sup = s.scalar(select(Supplier).where(Supplier.code == code))
        if sup is None:
            continue
        number = f"OC-{today.year}-{rng.randint(10000, 99999)}"
        _add(s, store, {"kind": "organic", "issuer": "China Organic Food Certification Center",
                        "number": number, "valid_from": today - timedelta(days=200),
                        "valid_to": today + timedelta(days=165)},
             _pdf(f"Organic certificate {number}", f"Holder: {sup.name}",
                  "Standard: GB/T 19630-2019"), actor=buyer, supplier_id=sup.id)
        made += 1
    lots = s.scalars(select(Lot).join(Supplier, Supplier.id == Lot.supplier_id)
                     .where(Lot.purchase_order != "").order_by(Lot.id)).all()
    imported = [lot for lot in lots if lot.supplier.kind == SupplierKind.IMPORTER][:4]
    for lot in imported:
        number = f"CIQ{rng.randint(10**9, 10**10 - 1)}"
        _add(s, store, {"kind": "inspection", "issuer": "Shanghai Customs District",
                        "number": number, "valid_from": (lot.received_at or utcnow()).date()},
             _pdf(f"Entry inspection certificate {number}", f"Lot {lot.lot_code}",
                  f"Importer: {lot.supplier.name}"), actor=buyer, lot_id=lot.id)
        made += 1
    greens = [lot for lot in lots if lot.supplier.code in ("SUP-SDV", "SUP-YNF")][:3]
    for k, lot in enumerate(greens):
        result = 0.31 if k == 2 else round(rng.uniform(0.005, 0.04), 3)
        number = f"SGS-PR-{rng.randint(100000, 999999)}"
        _add(s, store, {"kind": "pesticide_residue", "issuer": "SGS Shanghai", "number": number,
                        "valid_from": (lot.received_at or utcnow()).date(),
                        "analyte": "chlorpyrifos", "result": result, "limit": 0.1,
                        "unit": "mg/kg"},
             _pdf(f"Pesticide residue report {number}", f"Lot {lot.lot_code}",
                  f"Chlorpyrifos {result} mg/kg (limit 0.1 mg/kg, GB 2763-2021)"),
             actor=buyer, lot_id=lot.id)
        made += 1
    return {"certificates and lab results": made,
            "lots in quarantine for a missing certificate": _missing_certificate(s, today)}


def _missing_certificate(s: Session, today: date) -> int:
    """An order expecting an organic certificate, received in full today without one."""
    wh = s.scalar(select(Warehouse).where(Warehouse.code == HOME))
    sup = s.scalar(select(Supplier).where(Supplier.code == MISSING_FROM))
    product = s.scalar(select(Product).where(Product.temp_class == TempClass.CHILLED,
                                             Product.name == "Bok choy"))
    staff = s.scalar(select(User.id).where(User.username == "staff-sh"))
    if wh is None or sup is None or product is None:
        return 0
    tz = ZoneInfo(wh.timezone)
    ref = f"PO-{HOME}-{today:%y%m%d}-ORGC"
    po = PurchaseOrder(ref=ref, supplier_id=sup.id, warehouse_id=wh.id, expected_date=today,
                       window_start=time(0), window_end=time(23, 30),
                       due_at=datetime.combine(today, time(23, 30), tz), state=PoState.SENT,
                       sent_at=utcnow() - timedelta(days=2),
                       note="demo: the buyer asked for the organic certificate")
    s.add(po)
    s.flush()
    # The whole quantity comes: the order is received, not left open for other receipts
    # of bok choy to be matched against (and quarantined with it).
    s.add(PurchaseOrderLine(order_id=po.id, line_no=1, product_id=product.id, quantity=120,
                            unit_price=Decimal("2.80"), currency="CNY",
                            harvest_date=today - timedelta(days=1),
                            certifications="GAP, organic"))
    s.flush()
    expiry = today + timedelta(days=int(product.shelf_life_days))
    scanning.scan(s, {"barcode": f"01{product.gtin}|17{expiry:%y%m%d}|37120|10ORGC{today:%m%d}",
                      "action": "receive", "location": f"{HOME}-REC", "purchase_order": ref},
                  separator="|", warehouse_ids=None, actor_id=staff)
    return 1
