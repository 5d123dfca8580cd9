"""Repacking: bulk lots turned into consumer packs, and the lineage from each input lot
to each output lot."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, str_enum, utcnow
from wms.models.master import Location, Lot


class RepackKind(enum.StrEnum):
    # Bulk goods already packed by the supplier, packed again (FSMA 204: transformation).
    REPACK = "repack"
    # A raw agricultural commodity packed for the first time, here (FSMA 204: initial packing).
    INITIAL_PACKING = "initial_packing"


class Repack(Base):
    """One repack at one location: what went in, what came out, and the weight lost.

    The stock itself moves in the ledger (``repack_consume`` and ``repack_produce``
    moves); this row keeps the decision and its mass balance.
    """

    __tablename__ = "repack"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[RepackKind] = mapped_column(str_enum(RepackKind, "repack_kind"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    input_kg: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    output_kg: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    loss_kg: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    yield_pct: Mapped[float] = mapped_column(Float)
    loss_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    location: Mapped[Location] = relationship()
    lines: Mapped[list[RepackLine]] = relationship(back_populates="repack",
                                                   order_by="RepackLine.id")

    __table_args__ = (
        CheckConstraint("output_kg <= input_kg", name="mass_balance"),
        CheckConstraint("loss_kg >= 0", name="loss_nonneg"),
    )


class RepackLine(Base):
    """One input consumed or one output produced, with the ledger move that did it."""

    __tablename__ = "repack_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    repack_id: Mapped[int] = mapped_column(ForeignKey("repack.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # input | output
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_move.id"), unique=True)

    repack: Mapped[Repack] = relationship(back_populates="lines")
    lot: Mapped[Lot] = relationship()

    __table_args__ = (
        CheckConstraint("role IN ('input', 'output')", name="role"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )


class LotLineage(Base):
    """An input lot became (part of) an output lot in a repack: the edge a trace follows.

    ``input_quantity`` is what the repack consumed of the input lot, ``output_quantity``
    what it produced of the output lot; with several inputs and outputs every pair is an
    edge, since the goods are mixed on the packing table.
    """

    __tablename__ = "lot_lineage"

    id: Mapped[int] = mapped_column(primary_key=True)
    repack_id: Mapped[int] = mapped_column(ForeignKey("repack.id"), index=True)
    input_lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    output_lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    input_quantity: Mapped[int] = mapped_column(Integer)
    output_quantity: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("repack_id", "input_lot_id", "output_lot_id"),
        CheckConstraint("input_lot_id <> output_lot_id", name="not_itself"),
    )
