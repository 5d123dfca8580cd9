"""The web pages people use: sign-in, scanning station, dispatcher console, driver
manifest, buyer trace and cold-chain alerts. Server-rendered with Jinja; a little plain
JavaScript calls the JSON API with the signed-in session. Every asset is served by the
app itself, so the pages work in a warehouse without internet access."""

from __future__ import annotations

import os

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https (or
    ``WMS_COOKIE_SECURE`` is set, for TLS ended at a proxy in front of the app)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def init_app(app: Flask) -> None:
    """Register the pages and harden the session cookie they sign people in with."""
    # records, floor, holds, leader, purchasing, documents and sorting add their pages to
    # the views blueprint.
    from api.web import (  # noqa: F401
        documents,
        floor,
        holds,
        leader,
        purchasing,
        records,
        session_auth,
        sorting,
        views,
    )

    # The session cookie is the pages' credential: never readable by scripts, and not
    # sent along with cross-site POSTs (the CSRF token guards the rest).
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if _flag(app.config.get("WMS_COOKIE_SECURE", os.environ.get("WMS_COOKIE_SECURE", ""))):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = SessionCookie()
    app.register_blueprint(session_auth.bp)
    app.register_blueprint(views.bp)
