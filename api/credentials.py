"""Checking the credentials a request presents (a bearer token, a username and password),
with guessing throttled per client address and per username (see ``wms.throttle``).

A password is only checked while its username and address are under their limits, so a
blocked guesser cannot tell a hit from a miss. A bearer token is looked up first and the
count consulted only when it is unknown: a token is a 256-bit secret nobody guesses, a valid
one costs no extra statement (scans are the hot path), and the handhelds of a warehouse that
share one address keep working while a misconfigured client there is answered 429.
"""

from __future__ import annotations

from flask import Flask, request

from api.errors import problem
from api.runtime import db
from wms import throttle
from wms.accounts import authenticate_password, token_user
from wms.i18n import N_
from wms.models import ThrottleScope, User
from wms.throttle import Throttled

WAIT_REASONS = {
    ThrottleScope.SIGNIN_USER: N_("too many failed sign-ins for this user"),
    ThrottleScope.SIGNIN_ADDRESS: N_("too many failed sign-ins from your address"),
    ThrottleScope.TOKEN_ADDRESS: N_("too many unknown API tokens from your address"),
    ThrottleScope.PICKUP_CODE: N_("too many wrong pickup codes at this pickup point"),
}


def client_address() -> str:
    # The peer address as the WSGI server saw it; behind a proxy, configure the proxy to pass
    # it on (werkzeug's ProxyFix) or every client shares the proxy's count.
    return request.remote_addr or "unknown"


def bearer_user(secret: str) -> User | None:
    """The active user of an API token, or None (the failure counted against the address)."""
    session = db()
    user, used_now = token_user(session, secret)
    if user is None:
        checks = [(ThrottleScope.TOKEN_ADDRESS, client_address())]
        throttle.check(session, checks)
        throttle.record_failure(session, checks)
        session.commit()
        return None
    if used_now:
        session.commit()  # the token's last use
    return user


def password_user(username: str, password: str) -> User | None:
    """The active user with this username and password, or None (the failure counted against
    the username and the address). A success clears the username's count."""
    checks = [(ThrottleScope.SIGNIN_USER, username),
              (ThrottleScope.SIGNIN_ADDRESS, client_address())]
    session = db()
    throttle.check(session, checks)
    user = authenticate_password(session, username, password)
    if user is None:
        throttle.record_failure(session, checks)
        session.commit()
        return None
    throttle.forget(session, ThrottleScope.SIGNIN_USER, username)
    return user


def too_many_attempts(exc: Throttled):
    minutes = max(1, round(exc.retry_after / 60))
    return problem(429, "Too Many Requests",
                   N_("{reason}; try again in about {minutes} min",
                      reason=WAIT_REASONS[exc.scope], minutes=minutes),
                   headers={"Retry-After": str(exc.retry_after)}, retry_after=exc.retry_after)


def init_app(app: Flask) -> None:
    app.register_error_handler(Throttled, too_many_attempts)
