"""Customer orders per pickup point and delivery date, and the stock reserved for them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, str_enum, utcnow
from wms.models.master import Location, Lot, PickupPoint, Product


class OrderStatus(enum.StrEnum):
    PLACED = "placed"  # nothing reserved yet (or everything on backorder)
    PARTIAL = "partial"  # some units reserved, some on backorder
    ALLOCATED = "allocated"
    PICKED = "picked"
    LOADED = "loaded"
    DELIVERED = "delivered"
    COLLECTED = "collected"  # handed over to the residents at the pickup point
    CANCELLED = "cancelled"


class CustomerOrder(Base):
    __tablename__ = "customer_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(64), unique=True)
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_point.id"))
    # The serving warehouse, copied from the pickup point when the order is placed.
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    delivery_date: Mapped[date] = mapped_column(Date)
    # The date the customer asked for; differs from ``delivery_date`` when the order came
    # after that date's cut-off (``moved_by_cutoff``).
    requested_date: Mapped[date | None] = mapped_column(Date)
    moved_by_cutoff: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The storefront's customer, and a masked phone (138****5678) for the group leader to
    # tell residents apart: never the whole number (see README, "Customer orders").
    customer_ref: Mapped[str] = mapped_column(String(64), default="", server_default="")
    customer_contact: Mapped[str] = mapped_column(String(20), default="", server_default="")
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "order_status"), default=OrderStatus.PLACED
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pickup_point: Mapped[PickupPoint] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.line_no")

    __table_args__ = (
        Index("ix_customer_order_warehouse_date", "warehouse_id", "delivery_date"),
    )


class OrderLine(Base):
    """``allocated`` counts units currently reserved (wherever they are on their way);
    ``handed_over`` counts units collected. The rest is on backorder."""

    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    handed_over: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[CustomerOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("allocated >= 0 AND handed_over >= 0", name="counts_nonneg"),
        CheckConstraint("allocated + handed_over <= quantity", name="within_quantity"),
    )

    @property
    def backorder(self) -> int:
        return self.quantity - self.allocated - self.handed_over


class Reservation(Base):
    """Units of one lot at one location held for an order line.

    A reservation follows its stock: when the units are picked, loaded or delivered
    the row's location changes with them, and the balance's ``reserved`` with it.
    """

    __tablename__ = "reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[OrderLine] = relationship()
    lot: Mapped[Lot] = relationship()
    location: Mapped[Location] = relationship()

    __table_args__ = (
        UniqueConstraint("order_line_id", "lot_id", "location_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_reservation_location_lot", "location_id", "lot_id"),
    )
