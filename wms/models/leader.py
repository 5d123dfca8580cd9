"""The group leader's day at a pickup point: the points a leader runs, residents' pickup
codes, the leader's receipt of a delivery (and what they dispute), the day-end count and the
goods sent back to the warehouse."""

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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from wms.models.auth import User
from wms.models.base import Base, UTCDateTime, str_enum, utcnow
from wms.models.enums import TempClass
from wms.models.master import Lot, PickupPoint, Product
from wms.models.orders import CustomerOrder, OrderLine


class LeaderPickupPoint(Base):
    """A group leader runs these pickup points (one or more)."""

    __tablename__ = "leader_pickup_point"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_point.id"),
                                                 primary_key=True, index=True)

    user: Mapped[User] = relationship()
    pickup_point: Mapped[PickupPoint] = relationship()


class PickupCode(Base):
    """The code a resident shows to collect an order (提货码). Kept in clear: the leader
    looks orders up by it and shows it on request; it is unique among the pickup point's
    open orders (``closed_at`` is set once nothing is left to collect)."""

    __tablename__ = "pickup_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customer_order.id"), unique=True)
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_point.id"))
    code: Mapped[str] = mapped_column(String(12))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[CustomerOrder] = relationship(
        backref=backref("pickup_code", uselist=False))

    # Unique among the point's open codes: a code is issued by inserting it and trying
    # another when this index refuses it, instead of reading every open code first.
    __table_args__ = (Index("ux_pickup_code_open", "pickup_point_id", "code", unique=True,
                            postgresql_where=text("closed_at IS NULL"),
                            sqlite_where=text("closed_at IS NULL")),)


class ReceiptState(enum.StrEnum):
    CONFIRMED = "confirmed"  # everything the driver delivered was there
    DISPUTED = "disputed"    # some line came short; the difference went back to the truck


class PickupReceipt(Base):
    """The leader's side of a delivery: one per route and pickup point."""

    __tablename__ = "pickup_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_point.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    # The routing feature's route; a plain integer like ``StockMove.route_id`` (wms knows
    # no routing tables).
    route_id: Mapped[int] = mapped_column(Integer)
    delivery_date: Mapped[date] = mapped_column(Date)
    state: Mapped[ReceiptState] = mapped_column(str_enum(ReceiptState, "receipt_state"))
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(Text)  # a data: URL of the leader's photo
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pickup_point: Mapped[PickupPoint] = relationship()
    lines: Mapped[list[PickupReceiptLine]] = relationship(
        back_populates="receipt", order_by="PickupReceiptLine.id")

    __table_args__ = (UniqueConstraint("route_id", "pickup_point_id"),)


class PickupReceiptLine(Base):
    """What the driver delivered of an order line and what the leader found."""

    __tablename__ = "pickup_receipt_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("pickup_receipt.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"))
    delivered: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    receipt: Mapped[PickupReceipt] = relationship(back_populates="lines")
    line: Mapped[OrderLine] = relationship()

    __table_args__ = (
        CheckConstraint("received >= 0 AND received <= delivered", name="received_range"),
    )


class PickupCount(Base):
    """One product's day-end count at a pickup point: what the ledger expects and what the
    leader counted. A difference is recorded, never booked away."""

    __tablename__ = "pickup_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_point.id"), index=True)
    count_date: Mapped[date] = mapped_column(Date)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    expected: Mapped[int] = mapped_column(Integer)
    counted: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()

    __table_args__ = (CheckConstraint("counted >= 0 AND expected >= 0", name="counts_nonneg"),)


class ReturnRequestStatus(enum.StrEnum):
    OPEN = "open"          # waiting for a route to pick it up
    PLANNED = "planned"    # on a route plan as a pickup
    RETURNED = "returned"  # back in the warehouse
    CANCELLED = "cancelled"


class ReturnRequest(Base):
    """Uncollected goods a leader sends back: units of a lot at the pickup point's location,
    waiting for the dispatcher's next plan to collect them."""

    __tablename__ = "return_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    pickup_point_id: Mapped[int] = mapped_column(ForeignKey("pickup_point.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    temp_class: Mapped[TempClass] = mapped_column(str_enum(TempClass, "return_temp_class"))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"))
    delivery_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ReturnRequestStatus] = mapped_column(
        str_enum(ReturnRequestStatus, "return_request_status"),
        default=ReturnRequestStatus.OPEN)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pickup_point: Mapped[PickupPoint] = relationship()
    lot: Mapped[Lot] = relationship()
    product: Mapped[Product] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),
                      Index("ix_return_request_status", "warehouse_id", "status"))
