"""Guessing passwords and tokens: failures are counted per user and per address in the
database (shared by every web process), answered with 429 and Retry-After, and a sign-in
costs one scrypt whether or not the user exists."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update

from tests.e2e.test_pages import PASSWORD, csrf, sign_in  # noqa: F401
from wms import accounts
from wms.db import transaction
from wms.models import AuthFailure
from wms.models.base import utcnow


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_throttled(resp) -> int:
    assert resp.status_code == 429, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/problem+json"
    wait = int(resp.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    return wait


def test_five_wrong_passwords_lock_the_user_not_the_others(app, people):
    client = from_address(app.test_client(), "10.0.0.1")
    for _ in range(5):
        assert sign_in(client, "staff", "guess-" + secrets.token_hex(4)).status_code == 401
    assert_throttled(sign_in(client, "staff"))  # the right password no longer helps
    elsewhere = from_address(app.test_client(), "10.0.0.2")
    assert_throttled(sign_in(elsewhere, "staff"))  # per user, whichever address
    assert sign_in(from_address(app.test_client(), "10.0.0.1"), "buyer").status_code == 302


def test_twenty_failures_from_one_address_block_that_address(app, people):
    client = from_address(app.test_client(), "10.0.0.9")
    for n in range(20):
        assert sign_in(client, f"nobody-{n}", "guess").status_code == 401
    assert_throttled(sign_in(client, "dispatcher"))
    assert sign_in(from_address(app.test_client(), "10.0.0.10"),
                   "dispatcher").status_code == 302


def test_failures_older_than_the_window_no_longer_count(app, people, sessions):
    client = from_address(app.test_client(), "10.0.0.3")
    for _ in range(5):
        sign_in(client, "staff", "wrong")
    assert_throttled(sign_in(client, "staff"))
    with transaction(sessions) as s:
        s.execute(update(AuthFailure).values(at=utcnow() - timedelta(minutes=16)))
    assert sign_in(client, "staff").status_code == 302


def test_the_count_is_shared_by_every_web_process(database_url, people):
    from api.app import create_app

    config = {"TESTING": True, "WMS_DATABASE_URL": database_url, "WMS_REDIS_URL": "",
              "SECRET_KEY": "s" * 64}
    one, two = create_app(config), create_app(config)
    for _ in range(5):
        sign_in(from_address(one.test_client(), "10.0.1.1"), "buyer", "wrong")
    assert_throttled(sign_in(from_address(two.test_client(), "10.0.1.1"), "buyer"))


def test_guessed_bearer_tokens_are_throttled_per_address(client, world):
    from_address(client, "10.0.2.1")
    answers = [client.get("/api/me", headers={
        "Authorization": f"Bearer wms_{secrets.token_urlsafe(32)}"}).status_code
        for _ in range(40)]
    assert 401 in answers and 429 in answers
    first = answers.index(429)
    assert set(answers[first:]) == {429}
    assert_throttled(client.get("/api/me", headers={"Authorization": "Bearer wms_more"}))
    # In the reader's language, with the wait in it.
    zh = client.get("/api/me", headers={"Authorization": "Bearer wms_more",
                                         "Accept-Language": "zh-CN"})
    assert zh.status_code == 429 and "无效 API 令牌次数过多" in zh.json["detail"]
    assert zh.headers["Retry-After"] and "分钟后再试" in zh.json["detail"]
    # A real token (256 random bits, never guessed) still works from that address: the
    # other handhelds behind the same router are not locked out by one bad client.
    assert client.get("/api/me", headers={
        "Authorization": f"Bearer {world.tokens['staff']}"}).status_code == 200
    from_address(client, "10.0.2.2")
    assert client.get("/api/me", headers={"Authorization": "Bearer wms_x"}).status_code == 401


def test_an_unknown_user_costs_the_same_one_scrypt_as_a_known_one(client, people, world,
                                                                  sessions, monkeypatch):
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(kwargs.get("n"))
        return real(*args, **kwargs)

    monkeypatch.setattr(accounts.hashlib, "scrypt", counting)
    client.post("/api/users", json={"username": "nopass", "role": "buyer"},
                headers={"Authorization": f"Bearer {world.tokens['admin']}"})
    counts = {}
    for who in ("staff", "no-such-user", "nopass"):
        token = csrf(client)
        calls.clear()
        resp = client.post("/signin", data={"username": who, "password": "wrong password",
                                            "csrf_token": token})
        assert resp.status_code == 401
        counts[who] = list(calls)
    # Same number of scrypt runs with the same cost parameters on every path.
    assert counts["staff"] == counts["no-such-user"] == counts["nopass"] == [2**14]
