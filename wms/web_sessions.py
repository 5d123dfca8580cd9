"""Page sessions kept in the database.

The browser holds a random 256-bit session id; the table holds its SHA-256, the user, and
when it was created, last seen, expires and was revoked. Signing out, a new password or a
disabled user revoke the row, so a copied cookie stops working at once, and a cookie made
with a leaked signing key holds no id the table knows.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from wms.models import User, WebSession
from wms.models.base import utcnow

SESSION_LIFETIME = timedelta(hours=12)
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


def _sid_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def start(session: Session, user: User, now: datetime | None = None) -> str:
    """A new session for ``user``; returns the id for the cookie (never stored)."""
    now = now or utcnow()
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(user_id=user.id, sid_hash=_sid_hash(sid), created_at=now,
                           last_seen_at=now, expires_at=now + SESSION_LIFETIME))
    session.flush()
    return sid


_SESSION_USER = (
    select(User, WebSession.id, WebSession.last_seen_at)
    .join(WebSession, WebSession.user_id == User.id)
    .where(WebSession.sid_hash == bindparam("sid_hash"), WebSession.revoked_at.is_(None),
           WebSession.expires_at > bindparam("now"))
)
# Guarded so that concurrent requests of one browser write the time once.
_SEEN = (
    update(WebSession)
    .where(WebSession.id == bindparam("session_id"),
           WebSession.last_seen_at < bindparam("before"))
    .values(last_seen_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


def user_of(session: Session, sid: str, now: datetime | None = None
            ) -> tuple[User | None, bool]:
    """The active user of a live session, and whether its last-seen time was written now
    (at minute granularity, so that not every request writes; the caller commits)."""
    now = now or utcnow()
    row = session.execute(_SESSION_USER, {"sid_hash": _sid_hash(sid), "now": now}).one_or_none()
    if row is None:
        return None, False
    user, session_id, last_seen = row
    if not user.active:
        return None, False
    if now - last_seen > LAST_SEEN_GRANULARITY:
        session.execute(_SEEN, {"session_id": session_id, "now": now,
                                "before": now - LAST_SEEN_GRANULARITY})
        return user, True
    return user, False


def end(session: Session, sid: str, now: datetime | None = None) -> None:
    session.execute(update(WebSession)
                    .where(WebSession.sid_hash == _sid_hash(sid), WebSession.revoked_at.is_(None))
                    .values(revoked_at=now or utcnow())
                    .execution_options(synchronize_session=False))
