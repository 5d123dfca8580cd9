"""The demo's repack line: a bulk bok choy case lot from a Shandong farm base, received
in Shanghai this morning and partly repacked into the consumer bags residents order, so
the trace page shows lineage from bag to case, purchase order and farm, and back."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from wms import repacking
from wms.db import transaction
from wms.gtin import make_gtin13
from wms.ledger import record_move
from wms.models import (
    Location,
    LocationKind,
    Lot,
    MoveKind,
    Origin,
    Product,
    Supplier,
    TempClass,
    Warehouse,
)
from wms.models.base import utcnow

CASE_SKU = "C-CASE-BOKCHOY"
CASE_GTIN = make_gtin13("690123499001").zfill(14)
CASES, REPACKED, BAGS = 6, 4, 76  # 4 cases of 10 kg give 76 bags of 500 g (95 %)


def load_repacks(factory: sessionmaker[Session]) -> dict[str, int]:
    now = utcnow().replace(second=0, microsecond=0)
    with transaction(factory) as s:
        wh = s.scalar(select(Warehouse).where(Warehouse.code == "SH1"))
        bag = s.scalar(select(Product).where(Product.name == "Bok choy").order_by(Product.id))
        if wh is None or bag is None:
            return {"repacks": 0}
        supplier = s.scalar(select(Supplier).where(Supplier.code == "SUP-SDV"))
        origin = s.scalar(select(Origin).where(Origin.supplier_id == supplier.id)
                          .order_by(Origin.code)) if supplier else None
        case = Product(sku=CASE_SKU, gtin=CASE_GTIN, name="Bok choy, 10 kg field case",
                       name_zh="上海青 10 公斤散装箱", category=bag.category,
                       temp_class=TempClass.CHILLED, unit="case", units_per_crate=1,
                       unit_weight_kg=10.0, shelf_life_days=bag.shelf_life_days,
                       min_remaining_days=1, kinetics_model=bag.kinetics_model,
                       ref_temp_c=bag.ref_temp_c, q10=bag.q10,
                       activation_energy_kj=bag.activation_energy_kj, tmin_c=bag.tmin_c)
        s.add(case)
        s.flush()
        today = now.astimezone(ZoneInfo(wh.timezone)).date()
        lot = Lot(product_id=case.id, lot_code=f"SDV{today:%y%m%d}C1",
                  supplier_id=supplier.id if supplier else None,
                  origin_id=origin.id if origin else None,
                  harvest_date=today - timedelta(days=1),
                  expiry_date=today + timedelta(days=int(bag.shelf_life_days)),
                  received_at=now - timedelta(hours=3), country_of_origin="CN",
                  certifications=origin.certifications if origin else "")
        s.add(lot)
        s.flush()
        dock = s.scalar(select(Location).where(Location.warehouse_id == wh.id,
                                               Location.kind == LocationKind.RECEIVING))
        table = s.scalar(select(Location).where(
            Location.warehouse_id == wh.id, Location.kind == LocationKind.STORAGE,
            Location.temp_zone == TempClass.CHILLED).order_by(Location.code))
        record_move(s, kind=MoveKind.RECEIPT, lot=lot, quantity=CASES, to_location=dock,
                    reason="demo: field cases from the farm base", at=now - timedelta(hours=3))
        record_move(s, kind=MoveKind.PUTAWAY, lot=lot, quantity=CASES, from_location=dock,
                    to_location=table, reason="demo stock",
                    at=now - timedelta(hours=2, minutes=30))
        repacking.repack(s, location=table.code, inputs=[{"lot_id": lot.id,
                                                          "quantity": REPACKED}],
                         outputs=[{"sku": bag.sku, "lot_code": f"RP{today:%y%m%d}BOK1",
                                   "quantity": BAGS}],
                         note="demo: field cases into consumer bags",
                         now=now - timedelta(hours=2))
    return {"repacks": 1}
