"""Bearer-token authentication for the API and role checks for views."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request

from api.credentials import bearer_user
from api.errors import problem
from api.web.session_auth import api_session_user
from wms import scope
from wms.models import Role, User

PUBLIC_PREFIXES = ("/api/openapi.json", "/api/docs")


def current_user() -> User:
    return g.user


def authenticate_request():
    """Runs before every request: /api/* needs a valid token or a page session with its
    CSRF header (docs excepted)."""
    path = request.path
    if not path.startswith("/api/") or path.startswith(PUBLIC_PREFIXES):
        return None
    header = request.headers.get("Authorization", "")
    if not header:
        # Page JavaScript: the signed-in session, only with its CSRF token in a header.
        user, why = api_session_user()
        if user is not None:
            g.user = user
            return None
        if why:
            return _unauthorized(why)
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return _unauthorized("send an API token as 'Authorization: Bearer <token>'")
    user = bearer_user(secret.strip())
    if user is None:
        return _unauthorized("the API token is unknown, expired or revoked")
    g.user = user
    return None


def _unauthorized(detail: str):
    return problem(401, "Unauthorized", detail,
                   headers={"WWW-Authenticate": 'Bearer realm="coldchain-wms"'})


def roles(*allowed: Role) -> Callable:
    """Restrict a view to some roles (admin always passes)."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any):
            scope.check_role(current_user(), *allowed)
            return fn(*args, **kwargs)

        return wrapper

    return decorate
