"""People who use the system, the API tokens and page sessions they authenticate with, and
the failed attempts that throttle guessing."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
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


class WebSession(Base):
    """A signed-in browser. The cookie carries a random id; only its SHA-256 is stored, so
    neither a leaked database nor a leaked cookie-signing key lets anyone make a session."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ThrottleScope(enum.StrEnum):
    """What a failed attempt is counted against."""

    SIGNIN_USER = "signin-user"
    SIGNIN_ADDRESS = "signin-address"
    TOKEN_ADDRESS = "token-address"
    PICKUP_CODE = "pickup-code"  # wrong pickup codes typed at a pickup point


class AuthFailure(Base):
    """One failed sign-in or unknown bearer token, counted per username or client address."""

    __tablename__ = "auth_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[ThrottleScope] = mapped_column(str_enum(ThrottleScope, "throttle_scope"))
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (Index("ix_auth_failure_scope_key_at", "scope", "key", "at"),)
