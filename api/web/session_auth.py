"""Signing people in to the pages: username and password, a signed session cookie, and a
per-session CSRF token.

The session lives in Flask's signed cookie (nothing is kept in a process between
requests, so any number of web processes can serve it). It holds the user's id, the
CSRF token, when it was issued and a fingerprint of the password hash: changing a
password signs out every browser that used the old one, and a cookie stops working
after ``SESSION_HOURS``.

Every POST to a page carries the token in a hidden ``csrf_token`` field. Page
JavaScript calls ``/api/*`` with the cookie only together with the token in an
``X-CSRF-Token`` header, which a form on another site cannot send.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
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
from api.runtime import db
from wms.accounts import authenticate_password
from wms.i18n import N_
from wms.models import Role, User

bp = Blueprint("session_auth", __name__)

SESSION_HOURS = 12
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

# Where each role starts its day.
LANDING = {
    Role.STAFF: "web.scan",
    Role.DISPATCHER: "web.dispatch",
    Role.DRIVER: "web.driver",
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


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def signed_in_user() -> User | None:
    """The person this browser is signed in as, or None (once per request)."""
    if "web_user" in g:
        return g.web_user
    user = None
    uid, issued = session.get("uid"), session.get("at", 0)
    if isinstance(uid, int) and time.time() - issued < SESSION_HOURS * 3600:
        found = db().get(User, uid)
        if found is not None and found.active and session.get("pw") == _fingerprint(found):
            user = found
    g.web_user = user
    return user


def api_session_user() -> tuple[User | None, str | None]:
    """For an ``/api/*`` request without a bearer token: the signed-in user when the request
    carries the session's CSRF token, else None and why not (None when there is no session
    at all, so the caller's own message applies)."""
    if "uid" not in session:
        return None, None
    user = signed_in_user()
    if user is None:
        return None, N_("the page session has expired; sign in again")
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
    user = authenticate_password(db(), username, password) if username and password else None
    if user is None:
        return render_template("signin.html", next=nxt, username=username,
                               error=_("Wrong username or password.")), 401
    # A fresh session (and CSRF token) at sign-in: a token planted before it is worthless.
    # The language chosen on the sign-in page stays.
    chosen = session.get(i18n.SESSION_KEY)
    session.clear()
    if chosen:
        session[i18n.SESSION_KEY] = chosen
    session.update(uid=user.id, at=int(time.time()), pw=_fingerprint(user),
                   csrf=secrets.token_urlsafe(32))
    g.web_user = user
    return redirect(nxt or landing_url(user))


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
    session.clear()
    return redirect(url_for("session_auth.signin"))
