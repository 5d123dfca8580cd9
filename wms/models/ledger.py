"""The stock ledger: append-only moves, balances per (location, lot), idempotency keys.

Quantities are whole numbers in the product's own unit (``Product.unit``: each,
pack, crate…); a barcode's net weight is recorded on the move but never used as a
quantity, so stock of one product always adds up in one unit.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, MessageText, UTCDateTime, str_enum, utcnow
from wms.models.master import Location, Lot, Product


class MoveKind(enum.StrEnum):
    RECEIPT = "receipt"
    PUTAWAY = "putaway"
    TRANSFER = "transfer"
    PICK = "pick"
    LOAD = "load"
    DELIVER = "deliver"
    HANDOVER = "handover"
    ADJUST = "adjust"
    SCRAP = "scrap"
    HOLD = "hold"
    RELEASE = "release"
    REVERSAL = "reversal"
    RETURN = "return"
    # A repack takes units of its input lots out of stock and puts the output lots in.
    REPACK_CONSUME = "repack_consume"
    REPACK_PRODUCE = "repack_produce"


class StockMove(Base):
    """One change of stock. Rows are only ever inserted: a mistake gets a reversing move.

    A receipt has no from-location (the goods come from the supplier); handover and
    scrap have no to-location (the goods leave stock); an adjustment has one or the
    other. ``route_id`` will reference the routing feature's route table once it
    exists; until then it is a plain integer.
    """

    __tablename__ = "stock_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MoveKind] = mapped_column(str_enum(MoveKind, "move_kind"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    reason: Mapped[str] = mapped_column(MessageText, default="")
    override_reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("customer_order.id"))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"))
    route_id: Mapped[int | None] = mapped_column(Integer)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("stock_move.id"), unique=True)
    raw_scan: Mapped[str | None] = mapped_column(Text)
    net_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    # Who saw goods written off outside the warehouse (a driver, a group leader).
    witnessed_by: Mapped[str | None] = mapped_column(String(120))

    product: Mapped[Product] = relationship()
    lot: Mapped[Lot] = relationship()
    from_location: Mapped[Location | None] = relationship(foreign_keys=[from_location_id])
    to_location: Mapped[Location | None] = relationship(foreign_keys=[to_location_id])

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_location_id IS NOT NULL OR to_location_id IS NOT NULL",
                        name="has_a_location"),
        CheckConstraint("from_location_id IS NULL OR to_location_id IS NULL "
                        "OR from_location_id <> to_location_id", name="moves_somewhere"),
        Index("ix_stock_move_lot_created", "lot_id", "created_at"),
        Index("ix_stock_move_from_created", "from_location_id", "created_at"),
        Index("ix_stock_move_to_created", "to_location_id", "created_at"),
        Index("ix_stock_move_product_created", "product_id", "created_at"),
        Index("ix_stock_move_warehouse_created", "warehouse_id", "created_at"),
        Index("ix_stock_move_order_id", "order_id"),
    )


class StockBalance(Base):
    """On-hand and reserved quantity of one lot at one location, kept with every move.

    The database itself refuses negative stock and reservations beyond what is on
    hand, so no code path, however wrong, can oversell.
    """

    __tablename__ = "stock_balance"

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lot: Mapped[Lot] = relationship()
    product: Mapped[Product] = relationship()
    location: Mapped[Location] = relationship()

    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_nonneg"),
        CheckConstraint("reserved >= 0", name="reserved_nonneg"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        Index("ix_stock_balance_product_warehouse", "product_id", "warehouse_id"),
        Index("ix_stock_balance_lot_id", "lot_id"),
    )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class IdempotencyKey(Base):
    """A scanner write's key and the response it got, stored with the write itself."""

    __tablename__ = "idempotency_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key"),)
