"""People who use the system and the API tokens they authenticate with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wms.models.base import Base, UTCDateTime, str_enum, utcnow
from wms.models.enums import Role
from wms.models.master import Vehicle, Warehouse


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The language the user reads the pages and messages in ("zh", "en"); none: the
    # browser's Accept-Language decides.
    language: Mapped[str | None] = mapped_column(String(8))

    warehouse: Mapped[Warehouse | None] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()

    __table_args__ = (
        # Staff and dispatchers work for exactly one warehouse.
        CheckConstraint(
            "role NOT IN ('staff', 'dispatcher') OR warehouse_id IS NOT NULL",
            name="scoped_role_has_warehouse",
        ),
    )


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the secret is shown once at creation."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
