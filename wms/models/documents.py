"""Certificates and lab results attached to a lot or to a supplier, and the file that
proves each (a scan or PDF kept by the document store, found by its SHA-256)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, str_enum, utcnow
from wms.models.master import Lot, Supplier


class DocumentKind(enum.StrEnum):
    ORGANIC = "organic"
    ORIGIN = "origin"
    INSPECTION = "inspection"  # quarantine / inspection certificate
    PESTICIDE_RESIDUE = "pesticide_residue"  # a lab's residue test: analyte, result, limit


class Document(Base):
    """One certificate or lab result. Exactly one of ``lot_id`` and ``supplier_id`` is
    set: a supplier's certificate covers every lot it delivers while it is valid."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(160))
    number: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    analyte: Mapped[str | None] = mapped_column(String(80))
    result: Mapped[float | None] = mapped_column(Float)
    limit: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    # A residue test passes when the result is at most the limit; other kinds: null.
    passed: Mapped[bool | None] = mapped_column(Boolean)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[Lot | None] = relationship()
    supplier: Mapped[Supplier | None] = relationship()

    __table_args__ = (
        CheckConstraint("(lot_id IS NULL) <> (supplier_id IS NULL)", name="one_owner"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_order"),
        CheckConstraint("size > 0", name="size_positive"),
    )
