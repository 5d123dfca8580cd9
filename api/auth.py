"""Who is asking: bearer tokens or the page session, then the access policy.

``guard_request`` runs before every request. It identifies the user (API: a bearer token,
or the page session with its CSRF header; pages: the session, else a redirect to sign in)
and hands the decision to ``api.policy.enforce``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api import policy
from api.credentials import bearer_user
from api.errors import problem
from api.i18n import label
from api.web.session_auth import (
    CSRF_HEADER,
    LANDING,
    SESSION_ENDED,
    api_session_user,
    signed_in_user,
)
from wms.errors import Forbidden
from wms.i18n import N_
from wms.models import User


def current_user() -> User:
    return g.user


def guard_request():
    """Runs before every request: identify the user, then apply the endpoint's rule."""
    if request.endpoint is None:
        # No such URL or method: under /api/ only a signed-in user learns which (401 first).
        return authenticate_api() if request.path.startswith("/api/") else None
    if policy.is_public():
        return None
    if request.path.startswith("/api/"):
        refused = authenticate_api()
        if refused is not None:
            return refused
        policy.enforce(g.user)
        return None
    return _guard_page()


def _guard_page():
    if request.headers.get("Authorization"):
        # A page fetched by a program (a printed manifest): the API's bearer token.
        refused = authenticate_api()
        if refused is not None:
            return refused
        policy.enforce(g.user)
        return None
    user = signed_in_user()
    if user is None:
        return redirect(url_for("session_auth.signin", next=_back_to()))
    g.user = user
    try:
        policy.enforce(user)
    except Forbidden:
        own = url_for(LANDING.get(user.role, "web.alerts"))
        return render_template("base.html", user=user, title=_("Not your page"),
                               message=_("This page is not for the %(role)s role.",
                                         role=label(user.role)),
                               link=own), 403
    return None


# Never carried on into a sign-in link: no credential belongs in a URL (access logs keep it).
CREDENTIAL_PARAMS = frozenset({"token", "access_token", "api_key"})


def _back_to() -> str:
    """Where to return after signing in: this page with its query, less any credential."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in CREDENTIAL_PARAMS]
    return request.path + ("?" + urlencode(kept) if kept else "")


def authenticate_api():
    """/api/* needs a valid token, or a page session with its CSRF header."""
    header = request.headers.get("Authorization", "")
    if not header:
        # Page JavaScript: the signed-in session, only with its CSRF token in a header.
        user, why = api_session_user()
        if user is not None:
            g.user = user
            return None
        if why:
            return _unauthorized(why, sign_in=url_for("session_auth.signin"))
        if request.headers.get(CSRF_HEADER):
            # A page's own call whose session cookie is gone (cleared, or the browser
            # restarted): the person signs in again; a token is no business of theirs.
            return _unauthorized(SESSION_ENDED, sign_in=url_for("session_auth.signin"))
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return _unauthorized(N_("send an API token as 'Authorization: Bearer <token>'"))
    user = bearer_user(secret.strip())
    if user is None:
        return _unauthorized(N_("the API token is unknown, expired or revoked"))
    g.user = user
    return None


def _unauthorized(detail: str, **extra: str):
    return problem(401, N_("Unauthorized"), detail, **extra,
                   headers={"WWW-Authenticate": 'Bearer realm="coldchain-wms"'})
