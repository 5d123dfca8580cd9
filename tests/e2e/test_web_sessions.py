"""Signing in to the pages: the secret key, server-side sessions, signing out, and what ends a
session (a new password, a disabled user)."""

from __future__ import annotations

import hashlib
import stat
import time

import pytest
from sqlalchemy import select

from tests.e2e.test_pages import PASSWORD, page_token, sign_in
from wms.db import transaction
from wms.models import User, WebSession
from wms.settings import load_or_create_secret

OLD_DEFAULT_KEY = "dev-only-change-me"


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- the secret key ----------------------------------------------------------------------

def test_the_generated_secret_is_random_private_and_kept(tmp_path):
    first = load_or_create_secret(tmp_path)
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 64 and first != OLD_DEFAULT_KEY
    assert load_or_create_secret(tmp_path) == first  # a restart, another worker
    assert load_or_create_secret(tmp_path / "elsewhere") != first


def test_an_app_without_a_configured_key_uses_its_instance_secret(tmp_path, monkeypatch,
                                                                  database_url):
    from api.app import create_app

    monkeypatch.delenv("WMS_SECRET_KEY", raising=False)
    one = create_app({"WMS_DATABASE_URL": database_url, "WMS_INSTANCE_DIR": str(tmp_path)})
    two = create_app({"WMS_DATABASE_URL": database_url, "WMS_INSTANCE_DIR": str(tmp_path)})
    assert one.secret_key == two.secret_key == (tmp_path / "secret_key").read_text().strip()
    assert one.secret_key != OLD_DEFAULT_KEY
    monkeypatch.setenv("WMS_SECRET_KEY", "from-the-environment-" + "x" * 40)
    assert create_app({"WMS_DATABASE_URL": database_url}).secret_key.startswith("from-the-env")


def test_a_cookie_signed_with_the_key_signs_nobody_in(client, people, world):
    # Whoever holds the key can write any cookie: the old cookie format for a user without
    # a password (what `wms users create` makes) must not be a way in.
    created = client.post("/api/users", json={"username": "nopass", "role": "admin"},
                          headers=bearer(world.tokens["admin"]))
    assert created.status_code == 201
    with client.session_transaction() as s:
        s.update(uid=created.json["id"], at=int(time.time()),
                 pw=hashlib.sha256(b"").hexdigest()[:16], csrf="forged",
                 sid="a-session-id-nobody-issued")
    assert client.get("/alerts").status_code == 302
    resp = client.post("/api/users", json={"username": "intruder", "role": "admin"},
                       headers={"X-CSRF-Token": "forged"})
    assert resp.status_code == 401 and resp.mimetype == "application/problem+json"


def test_a_user_without_a_password_cannot_sign_in(client, people, world):
    client.post("/api/users", json={"username": "nopass", "role": "buyer"},
                headers=bearer(world.tokens["admin"]))
    for guess in ("", "x", "None", PASSWORD):
        assert sign_in(client, "nopass", guess).status_code in (400, 401)
    assert session_cookie(client) is None or client.get("/trace").status_code == 302


# --- server-side sessions ----------------------------------------------------------------

def test_the_session_is_a_row_and_the_cookie_holds_only_a_random_id(client, people, sessions):
    assert sign_in(client, "staff").status_code == 302
    with client.session_transaction() as s:
        sid = s["sid"]
        assert set(s) <= {"sid", "csrf"}
    with transaction(sessions) as db:
        row = db.scalar(select(WebSession))
        staff = db.scalar(select(User).where(User.username == "staff"))
        assert row.user_id == staff.id and row.revoked_at is None
        assert row.sid_hash == hashlib.sha256(sid.encode()).hexdigest() != sid
        assert 11.9 * 3600 < (row.expires_at - row.created_at).total_seconds() <= 12 * 3600
        assert row.last_seen_at is not None


def test_signing_out_ends_the_session_for_a_copied_cookie(client, people):
    sign_in(client, "staff")
    copied = session_cookie(client)
    assert client.get("/scan").status_code == 200
    client.post("/signout", data={"csrf_token": page_token(client)})
    client.set_cookie("session", copied)  # someone kept the cookie
    assert client.get("/scan").status_code == 302
    with client.session_transaction() as s:
        csrf = s["csrf"]
    assert client.get("/api/me", headers={"X-CSRF-Token": csrf}).status_code == 401


def test_a_new_password_ends_every_session_and_token(app, people, world):
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "staff")
    sign_in(phone, "staff")
    admin = app.test_client()
    resp = admin.put(f"/api/users/{world.users['staff']}/password",
                     json={"password": "a brand new passphrase"},
                     headers=bearer(world.tokens["admin"]))
    assert resp.status_code == 200, resp.json
    for device in (laptop, phone):
        assert device.get("/scan").status_code == 302
    assert admin.get("/api/me", headers=bearer(world.tokens["staff"])).status_code == 401
    assert sign_in(app.test_client(), "staff").status_code == 401
    assert sign_in(app.test_client(), "staff", "a brand new passphrase").status_code == 302


def test_a_disabled_user_gets_401_everywhere(app, people, world):
    browser = app.test_client()
    sign_in(browser, "staff")
    csrf = page_token(browser)
    other = app.test_client()
    resp = other.post(f"/api/users/{world.users['staff']}/disable",
                      headers=bearer(world.tokens["admin"]))
    assert resp.status_code == 200 and resp.json["active"] is False
    assert other.get("/api/me", headers=bearer(world.tokens["staff"])).status_code == 401
    assert browser.get("/api/me", headers={"X-CSRF-Token": csrf}).status_code == 401
    assert browser.get("/scan").status_code == 302
    assert sign_in(app.test_client(), "staff").status_code == 401
    assert other.get("/manifests/1", headers=bearer(world.tokens["staff"])).status_code == 401
    # Enabling the user again lets them sign in; the old token stays revoked.
    assert other.post(f"/api/users/{world.users['staff']}/enable",
                      headers=bearer(world.tokens["admin"])).json["active"] is True
    assert sign_in(app.test_client(), "staff").status_code == 302
    assert other.get("/api/me", headers=bearer(world.tokens["staff"])).status_code == 401


# --- the cookie ---------------------------------------------------------------------------

@pytest.mark.parametrize("secure_flag, base_url, secure", [
    (None, "http://localhost", False), ("1", "http://localhost", True),
    (None, "https://localhost", True)])
def test_the_session_cookie_is_secure_when_configured_or_over_https(
        database_url, people, secure_flag, base_url, secure):
    from api.app import create_app

    config = {"TESTING": True, "WMS_DATABASE_URL": database_url, "WMS_REDIS_URL": "",
              "SECRET_KEY": "k" * 64}
    if secure_flag:
        config["WMS_COOKIE_SECURE"] = secure_flag
    client = create_app(config).test_client()
    client.get("/signin", base_url=base_url)
    with client.session_transaction(base_url=base_url) as s:
        csrf = s["csrf"]
    resp = client.post("/signin", base_url=base_url, data={
        "username": "staff", "password": PASSWORD, "csrf_token": csrf})
    assert resp.status_code == 302
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("; Secure" in cookie) is secure


# --- a page's API calls after its session ended ------------------------------------------

@pytest.mark.parametrize("how", ["expired", "cookie gone"])
def test_a_page_call_after_the_session_ended_is_told_to_sign_in_again(client, people, sessions,
                                                                      how):
    sign_in(client, "staff")
    token = page_token(client)
    if how == "expired":
        with transaction(sessions) as db:
            db.query(WebSession).delete()
    else:
        client.delete_cookie("session")
    resp = client.post("/api/scans/preview", json={"action": "receive", "barcode": "x"},
                       headers={"X-CSRF-Token": token})
    assert resp.status_code == 401 and resp.content_type == "application/problem+json"
    assert resp.json["detail"] == "the page session has expired; sign in again"
    assert resp.json["sign_in"] == "/signin"
    # A program without a token (nor a page cookie) still learns how to send one.
    client.delete_cookie("session")
    bare = client.post("/api/scans/preview", json={})
    assert bare.status_code == 401 and "Bearer" in bare.json["detail"]
    assert "sign_in" not in bare.json
