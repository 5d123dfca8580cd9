"""Receiving a lot whose required certificate is missing: into quarantine only, held with
the reason ``certificate missing: ...`` (``wms.certificates`` decides what is missing)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from wms import certificates
from wms.errors import Conflict
from wms.i18n import N_, Msg
from wms.models import DocumentKind, Location, LocationKind, Lot, LotStatus, Product, StockMove
from wms.stock import hold_lot, sibling


def lacking(session: Session, *, product: Product, expected: str | None, lot: Lot | None,
            supplier_id: int | None, on: date) -> list[DocumentKind]:
    """The certificates the goods need and nobody has uploaded, valid on ``on``."""
    kinds = certificates.required_kinds(product.required_certificates, expected)
    return certificates.missing(session, kinds, lot_id=lot.id if lot is not None else None,
                                supplier_id=supplier_id, on=on)


def quarantine_for(session: Session, dock: Location, product: Product,
                   kinds: list[DocumentKind]) -> Location:
    if dock.kind == LocationKind.QUARANTINE:
        return dock
    found = sibling(session, dock, LocationKind.QUARANTINE, product.temp_class)
    if found is None:
        raise Conflict(N_("a certificate is missing ({kinds}) and {warehouse} has no "
                          "{temp} quarantine to receive the goods into",
                          kinds=", ".join(k.value for k in kinds),
                          warehouse=dock.warehouse.code, temp=product.temp_class.value),
                       field="barcode")
    return found


def hold(session: Session, lot: Lot, kinds: list[DocumentKind], receipt: StockMove,
         actor_id: int | None) -> tuple[list[StockMove], Msg]:
    """Hold the lot received without its certificates; the moves and a line for the
    person at the scanner."""
    hint = N_("certificate missing ({kinds}): received into quarantine {location} and the "
              "lot is on hold until the certificate is uploaded",
              kinds=", ".join(k.value for k in kinds), location=receipt.to_location.code)
    if lot.status != LotStatus.AVAILABLE:
        return [], hint
    return hold_lot(session, lot.id, certificates.hold_reason(kinds), actor_id=actor_id,
                    warehouse_ids={receipt.warehouse_id}), hint
