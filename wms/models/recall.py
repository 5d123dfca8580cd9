"""Recalls of lots: who recalled a lot, when and why, and who released it again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, str_enum, utcnow
from wms.models.enums import LotStatus
from wms.models.master import Lot


class LotRecall(Base):
    """One recall of a lot; open while ``released_at`` is null.

    The stock itself is recorded in the ledger (hold moves to quarantine); this row
    keeps the decision. ``previous_status`` is what the lot returns to on release,
    so a lot that was already held for temperature stays held.
    """

    __tablename__ = "lot_recall"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    previous_status: Mapped[LotStatus] = mapped_column(
        str_enum(LotStatus, "lot_recall_previous_status"))
    recalled_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recalled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str] = mapped_column(Text, default="")

    lot: Mapped[Lot] = relationship()
