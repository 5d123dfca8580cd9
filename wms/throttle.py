"""Throttling of password and token guessing.

Failed attempts are rows in ``auth_failure`` (scope, key, time), counted over a sliding
window: per username and per client address for sign-in (a wrong old password when changing
one's own counts as a sign-in failure), per client address for unknown bearer tokens.

The count lives in the database rather than in a process or in Redis: every gunicorn worker
and every host behind a load balancer sees the same count without anything more to run (Redis
is optional; without it jobs run inline). A check is one indexed read of a range that is
nearly always empty, made only for a sign-in or an unknown token; only failures write. Two
attempts checked at the same instant may both pass, so a guesser gets at most a handful of
attempts beyond the limit, never a stream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wms.models import AuthFailure, ThrottleScope
from wms.models.base import utcnow


@dataclass(frozen=True)
class Limit:
    failures: int
    window: timedelta


LIMITS = {
    ThrottleScope.SIGNIN_USER: Limit(5, timedelta(minutes=15)),
    # A warehouse's handhelds share one address behind its router: room for everyone's typos.
    ThrottleScope.SIGNIN_ADDRESS: Limit(20, timedelta(minutes=15)),
    ThrottleScope.TOKEN_ADDRESS: Limit(30, timedelta(minutes=15)),
    # Per pickup point: ten wrong codes in a quarter of an hour leave a guesser a chance of
    # about one in a thousand against a point with a hundred open orders.
    ThrottleScope.PICKUP_CODE: Limit(10, timedelta(minutes=15)),
}
LONGEST_WINDOW = max(limit.window for limit in LIMITS.values())
KEY_LENGTH = 120

Check = tuple[ThrottleScope, str]


class Throttled(Exception):
    """Too many recent failures; ``retry_after`` is in whole seconds."""

    def __init__(self, scope: ThrottleScope, retry_after: int) -> None:
        super().__init__(f"too many failed attempts ({scope}); retry after {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


def _key(key: str) -> str:
    return key[:KEY_LENGTH]


def check(session: Session, checks: list[Check], now: datetime | None = None) -> None:
    """Raise Throttled if any (scope, key) has reached its limit within its window."""
    now = now or utcnow()
    for scope, key in checks:
        limit = LIMITS[scope]
        # The limit-th newest failure: once it leaves the window, fewer than the limit remain.
        oldest_counted = session.scalar(
            select(AuthFailure.at)
            .where(AuthFailure.scope == scope, AuthFailure.key == _key(key),
                   AuthFailure.at > now - limit.window)
            .order_by(AuthFailure.at.desc())
            .offset(limit.failures - 1).limit(1))
        if oldest_counted is not None:
            wait = (oldest_counted + limit.window - now).total_seconds()
            raise Throttled(scope, max(1, math.ceil(wait)))


def record_failure(session: Session, checks: list[Check], now: datetime | None = None) -> None:
    """Count a failed attempt against every (scope, key); the caller commits."""
    now = now or utcnow()
    # Rows past every window count for nothing: drop them so the table stays small.
    session.execute(delete(AuthFailure).where(AuthFailure.at <= now - LONGEST_WINDOW))
    session.add_all(AuthFailure(scope=scope, key=_key(key), at=now) for scope, key in checks)
    session.flush()


def forget(session: Session, scope: ThrottleScope, key: str) -> None:
    """A successful sign-in clears that user's count (not the address's)."""
    session.execute(delete(AuthFailure).where(AuthFailure.scope == scope,
                                              AuthFailure.key == _key(key)))
