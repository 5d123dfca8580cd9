"""Which certificates a lot must have when it is received, and which it lacks.

A product names the kinds it always needs (``Product.required_certificates``); a purchase
order line's "certificates expected" adds those of its words that are kinds of document
(``organic``, ``origin``, ``inspection``, ``pesticide_residue``; other words, such as GAP or
HACCP, are the supplier's standards, not documents we check). A kind is present when a
document of that kind on the lot, or on its supplier, is valid on the day of receipt; a
pesticide-residue test counts only if it passed. A lot that lacks one is received into
quarantine and held with the reason ``certificate missing: ...``; it is released once the
certificates are there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wms.errors import Conflict
from wms.i18n import N_
from wms.models import Document, DocumentKind, Lot

MISSING = "certificate missing"
KIND_VALUES = frozenset(k.value for k in DocumentKind)
# Words buyers write on an order for the kinds of document.
ALIASES = {"quarantine": DocumentKind.INSPECTION, "pesticide": DocumentKind.PESTICIDE_RESIDUE,
           "residue": DocumentKind.PESTICIDE_RESIDUE}


def kinds_in(text: str | None) -> set[DocumentKind]:
    """The kinds of document a free text of certificates names."""
    out: set[DocumentKind] = set()
    for word in re.split(r"[,;/\s]+", (text or "").lower()):
        word = word.strip().replace("-", "_")
        if word in KIND_VALUES:
            out.add(DocumentKind(word))
        elif word in ALIASES:
            out.add(ALIASES[word])
    return out


def required_kinds(product_required: str | None, expected: str | None = None
                   ) -> set[DocumentKind]:
    return kinds_in(product_required) | kinds_in(expected)


def covered(documents: Iterable[Document], on: date) -> set[DocumentKind]:
    """The kinds the documents prove on day ``on``."""
    return {d.kind for d in documents
            if d.valid_from <= on and (d.valid_to is None or d.valid_to >= on)
            and (d.kind != DocumentKind.PESTICIDE_RESIDUE or d.passed)}


def missing(session: Session, kinds: set[DocumentKind], *, lot_id: int | None,
            supplier_id: int | None, on: date) -> list[DocumentKind]:
    """The required kinds no valid document of the lot or its supplier proves on ``on``."""
    if not kinds:
        return []
    owners = []
    if lot_id is not None:
        owners.append(Document.lot_id == lot_id)
    if supplier_id is not None:
        owners.append(Document.supplier_id == supplier_id)
    docs = session.scalars(select(Document).where(or_(*owners), Document.kind.in_(kinds))
                           ).all() if owners else []
    return sorted(kinds - covered(docs, on))


def hold_reason(kinds: Iterable[DocumentKind]) -> str:
    return f"{MISSING}: " + ", ".join(k.value for k in kinds)


def held_for_certificates(lot: Lot) -> list[DocumentKind]:
    """The kinds a lot was held for at receipt, read back from its hold reason."""
    if not (lot.status_reason or "").startswith(MISSING):
        return []
    return sorted(kinds_in(lot.status_reason[len(MISSING):]))


def receipt_day(lot: Lot, timezone: str) -> date:
    received = lot.received_at or lot.created_at
    return received.astimezone(ZoneInfo(timezone)).date()


def check_release(session: Session, lot: Lot, timezone: str) -> None:
    """Refuse to release a lot held for a missing certificate until one valid on the day
    it was received is there."""
    kinds = held_for_certificates(lot)
    if not kinds:
        return
    on = receipt_day(lot, timezone)
    still = missing(session, set(kinds), lot_id=lot.id, supplier_id=lot.supplier_id, on=on)
    if still:
        raise Conflict(N_("lot {lot} is held because a certificate is missing ({kinds}); "
                          "upload it to the lot or its supplier, then release the lot",
                          lot=lot.lot_code, kinds=", ".join(k.value for k in still)),
                       missing=[k.value for k in still])
