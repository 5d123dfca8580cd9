"""Signing people in to the pages: username and password, a server-side session, and a
per-session CSRF token.

The signed cookie holds only a random session id and the CSRF token; who is signed in,
since when and until when is a row in the database (``wms.web_sessions``), so any number
of web processes serve it, signing out ends it everywhere, and a cookie made with a
leaked signing key names no session. Failed sign-ins are throttled per username and per
address (``api.credentials``); a new password or a disabled user ends every session.

Every POST to a page carries the token in a hidden ``csrf_token`` field. Page
JavaScript calls ``/api/*`` with the cookie only together with the token in an
``X-CSRF-Token`` header, which a form on another site cannot send.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from api import i18n, policy
from api.credentials import password_user
from api.runtime import db
from wms import web_sessions
from wms.i18n import N_
from wms.models import Role, User

bp = Blueprint("session_auth", __name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# What a page's API call hears when its session is gone; the page sends the person to sign in.
SESSION_ENDED = N_("the page session has expired; sign in again")

# Where each role starts its day.
LANDING = {
    Role.STAFF: "web.scan",
    Role.DISPATCHER: "web.dispatch",
    Role.DRIVER: "web.driver",
    Role.LEADER: "web.leader",
    Role.BUYER: "web.trace",
    Role.ADMIN: "web.alerts",
}


def csrf_token() -> str:
    """The session's CSRF token, created with the session (also before sign-in, for the
    sign-in form itself)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def signed_in_user() -> User | None:
    """The person this browser is signed in as, or None (once per request)."""
    if "web_user" in g:
        return g.web_user
    user = None
    sid = session.get("sid")
    if isinstance(sid, str) and sid:
        user, seen_now = web_sessions.user_of(db(), sid)
        if seen_now:
            db().commit()
    g.web_user = user
    return user


def api_session_user() -> tuple[User | None, str | None]:
    """For an ``/api/*`` request without a bearer token: the signed-in user when the request
    carries the session's CSRF token, else None and why not (None when there is no session
    at all, so the caller's own message applies)."""
    if "sid" not in session:
        return None, None
    user = signed_in_user()
    if user is None:
        return None, SESSION_ENDED
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        return None, N_("a request made with the page session must carry its {header} header",
                        header=CSRF_HEADER)
    return user, None


def check_form_token() -> None:
    """Refuse any POST to a page whose form does not carry the session's CSRF token."""
    if request.method != "POST":
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        abort(400, description=_("This form has expired or did not come from this site. "
                                 "Reload the page and try again."))


bp.before_request(check_form_token)


def landing_url(user: User) -> str:
    return url_for(LANDING.get(user.role, "web.alerts"))


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site: a sign-in link must not send people elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/signin", methods=["GET", "POST"])
@policy.rule("public")
def signin():
    if request.method == "GET":
        user = signed_in_user()
        if user is not None:
            return redirect(landing_url(user))
        return render_template("signin.html", next=_safe_next(request.args.get("next")))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    nxt = _safe_next(request.form.get("next"))
    user = password_user(username, password) if username and password else None
    if user is None:
        return render_template("signin.html", next=nxt, username=username,
                               error=_("Wrong username or password.")), 401
    _end_this_session()
    sid = web_sessions.start(db(), user)
    db().commit()
    # A fresh session (and CSRF token) at sign-in: a token planted before it is worthless.
    # The language chosen on the sign-in page stays.
    chosen = session.get(i18n.SESSION_KEY)
    session.clear()
    if chosen:
        session[i18n.SESSION_KEY] = chosen
    session.update(sid=sid, csrf=secrets.token_urlsafe(32))
    g.web_user = user
    return redirect(nxt or landing_url(user))


def _end_this_session() -> None:
    sid = session.get("sid")
    if isinstance(sid, str) and sid:
        web_sessions.end(db(), sid)


@bp.post("/language")
@policy.rule("public")
def language():
    """The language switch on every page: for this browser from now on and, once signed
    in, for the user wherever they sign in."""
    chosen = request.form.get("language", "")
    if chosen not in i18n.LANGUAGES:
        abort(400, description=_("Choose one of the offered languages."))
    session[i18n.SESSION_KEY] = chosen
    user = signed_in_user()
    if user is not None:
        user.language = chosen
        db().commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("session_auth.signin"))


@bp.post("/signout")
@policy.rule("public")
def signout():
    _end_this_session()
    db().commit()
    session.clear()
    return redirect(url_for("session_auth.signin"))
