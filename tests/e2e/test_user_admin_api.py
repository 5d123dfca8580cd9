"""Admins disable, enable and reset users; people change their own password with the old one."""

from __future__ import annotations

import pytest

from tests.e2e.test_pages import PASSWORD, sign_in


def test_only_admins_disable_enable_and_reset_others(api, world):
    staff = world.users["staff"]
    for who in ("staff", "dispatcher", "buyer", "driver"):
        assert api.as_(who).post(f"/api/users/{world.users['buyer']}/disable").status_code == 403
        assert api.as_(who).post(f"/api/users/{staff}/enable").status_code == 403
    resp = api.as_("dispatcher").put(f"/api/users/{staff}/password",
                                     json={"password": "someone else's pass"})
    assert resp.status_code == 403
    assert api.as_("staff").get("/api/me").status_code == 200  # nothing changed
    assert api.as_("admin").post("/api/users/999999/disable").status_code == 404


def test_an_admin_cannot_disable_themselves(api, world):
    resp = api.as_("admin").post(f"/api/users/{world.users['admin']}/disable")
    assert resp.status_code == 409 and resp.mimetype == "application/problem+json"
    assert api.as_("admin").get("/api/me").json["active"] is True


def test_a_user_changes_their_own_password_with_the_old_one(app, api, people, world):
    url = f"/api/users/{world.users['buyer']}/password"
    resp = api.as_("buyer").put(url, json={"password": "my new passphrase"})
    assert resp.status_code == 422 and "old_password" in resp.json["errors"]
    resp = api.as_("buyer").put(url, json={"old_password": "not it at all",
                                           "password": "my new passphrase"})
    assert resp.status_code == 422 and "old_password" in resp.json["errors"]
    resp = api.as_("buyer").put(url, json={"old_password": PASSWORD, "password": "short"})
    assert resp.status_code == 422 and "password" in resp.json["errors"]["json"]
    assert sign_in(app.test_client(), "buyer").status_code == 302  # still the old one
    resp = api.as_("buyer").put(url, json={"old_password": PASSWORD,
                                           "password": "my new passphrase"})
    assert resp.status_code == 200, resp.json
    assert sign_in(app.test_client(), "buyer", "my new passphrase").status_code == 302
    # Every token of theirs ended with the old password, this one too.
    assert api.as_("buyer").get("/api/me").status_code == 401


@pytest.mark.parametrize("body, field", [({}, "password"), ({"password": 12}, "password"),
                                         ({"password": "x" * 201}, "password")])
def test_bad_password_bodies_name_the_field(api, world, body, field):
    resp = api.as_("admin").put(f"/api/users/{world.users['staff']}/password", json=body)
    assert resp.status_code == 422 and field in resp.json["errors"]["json"]
    assert api.as_("staff").get("/api/me").status_code == 200


def test_wrong_old_passwords_are_throttled_like_sign_ins(api, people, world):
    url = f"/api/users/{world.users['buyer']}/password"
    for _ in range(5):
        resp = api.as_("buyer").put(url, json={"old_password": "a wrong guess",
                                               "password": "my new passphrase"})
        assert resp.status_code == 422
    resp = api.as_("buyer").put(url, json={"old_password": PASSWORD,
                                           "password": "my new passphrase"})
    assert resp.status_code == 429 and "Retry-After" in resp.headers
