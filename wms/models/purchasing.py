"""Purchase orders to farm bases and importers, their advance shipping notices, and what
arrived against each line: received into stock, rejected at the dock, or short at closing."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, str_enum, utcnow
from wms.models.master import Origin, Product, Supplier, Warehouse


class PoState(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RejectionReason(enum.StrEnum):
    DAMAGED = "damaged"
    TEMPERATURE = "temperature"
    QUALITY = "quality"
    WRONG_PRODUCT = "wrong_product"


class PurchaseOrder(Base):
    __tablename__ = "purchase_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    expected_date: Mapped[date] = mapped_column(Date, index=True)
    # The delivery window on the expected date, the warehouse's local time.
    window_start: Mapped[time] = mapped_column(Time)
    window_end: Mapped[time] = mapped_column(Time)
    # The window's end as a moment, so lateness is a comparison the database can make.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[PoState] = mapped_column(str_enum(PoState, "po_state"),
                                           default=PoState.DRAFT)
    note: Mapped[str] = mapped_column(Text, default="")
    close_reason: Mapped[str] = mapped_column(Text, default="")
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    supplier: Mapped[Supplier] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", order_by="PurchaseOrderLine.line_no")

    __table_args__ = (CheckConstraint("window_start < window_end", name="window_order"),)


class PurchaseOrderLine(Base):
    """``received`` counts units taken into stock, ``rejected`` units refused at the dock
    (never in stock); ``short`` is what the closing found missing."""

    __tablename__ = "purchase_order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    currency: Mapped[str] = mapped_column(String(3))
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("origin.id"))
    harvest_date: Mapped[date | None] = mapped_column(Date)
    production_date: Mapped[date | None] = mapped_column(Date)
    certifications: Mapped[str] = mapped_column(String(255), default="")
    received: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    short: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    origin: Mapped[Origin | None] = relationship()

    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="price_nonneg"),
        CheckConstraint("received >= 0 AND rejected >= 0 AND short >= 0",
                        name="counts_nonneg"),
    )

    @property
    def open_quantity(self) -> int:
        return max(0, self.quantity - self.received)


class AsnPallet(Base):
    """One pallet of a supplier's advance shipping notice: its SSCC and what it carries."""

    __tablename__ = "asn_pallet"

    id: Mapped[int] = mapped_column(primary_key=True)
    sscc: Mapped[str] = mapped_column(String(18), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    harvest_date: Mapped[date | None] = mapped_column(Date)
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_move_id: Mapped[int | None] = mapped_column(ForeignKey("stock_move.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[PurchaseOrderLine] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("length(sscc) = 18", name="sscc18"),
    )


class PoReceipt(Base):
    """A receipt move taken against a purchase order line."""

    __tablename__ = "po_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_move.id"), unique=True)
    quantity: Mapped[int] = mapped_column(Integer)
    sscc: Mapped[str | None] = mapped_column(String(18))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PoRejection(Base):
    """Goods of a line refused at the dock: recorded here, never moved into stock."""

    __tablename__ = "po_rejection"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[RejectionReason] = mapped_column(
        str_enum(RejectionReason, "po_rejection_reason"))
    note: Mapped[str] = mapped_column(Text, default="")
    lot_code: Mapped[str] = mapped_column(String(20), default="")
    sscc: Mapped[str | None] = mapped_column(String(18))
    probe_temp_c: Mapped[float | None] = mapped_column(Float)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[PurchaseOrderLine] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
