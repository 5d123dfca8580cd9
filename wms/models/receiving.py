"""What was measured when goods arrived: the probe temperature kept with the receipt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wms.models.base import Base, UTCDateTime, utcnow


class ReceiptProbe(Base):
    """A core temperature taken at receipt (GB 31605 asks for it on every delivery).

    ``outcome`` is ``accepted`` (within the class's limit), or ``quarantined`` (warmer:
    received into quarantine and the lot held). Refused deliveries write no receipt.
    """

    __tablename__ = "receipt_probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("stock_move.id"), unique=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    probe_temp_c: Mapped[float] = mapped_column(Float)
    limit_c: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    measured_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
