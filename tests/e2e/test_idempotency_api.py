"""Scanner writes carry an Idempotency-Key: a retry is recorded once, a reuse is refused."""

from __future__ import annotations

import threading
import uuid
from datetime import date, timedelta

from tests.factories import ApiClient, label, receive
from tests.integration.test_concurrency import race

EXPIRY = date.today() + timedelta(days=200)


def moves(api) -> list[dict]:
    return api.as_("admin").get("/api/moves", query_string={"page_size": 100}).json


def test_a_replayed_scan_writes_one_move_and_answers_as_the_first_time(api, world):
    body = {"action": "receive", "barcode": label(world.gtins["F00001"], "R1", EXPIRY, 8),
            "location": "SH1-REC"}
    first = api.as_("staff").post("/api/scans", json=body, headers={"Idempotency-Key": "k-1"})
    again = api.as_("staff").post("/api/scans", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(moves(api)) == 1


def test_the_same_key_with_another_body_is_a_conflict_and_writes_nothing(api, world):
    gtin = world.gtins["F00001"]
    headers = {"Idempotency-Key": "k-2"}
    api.as_("staff").post("/api/scans", headers=headers, json={
        "action": "receive", "barcode": label(gtin, "R1", EXPIRY, 8), "location": "SH1-REC"})
    resp = api.as_("staff").post("/api/scans", headers=headers, json={
        "action": "receive", "barcode": label(gtin, "R1", EXPIRY, 9), "location": "SH1-REC"})
    assert resp.status_code == 409
    assert "Idempotency-Key" in resp.json["detail"]
    assert len(moves(api)) == 1


def test_a_scanner_write_without_the_header_is_refused_naming_it(api, world):
    for url, body in (("/api/scans", {"action": "receive", "location": "SH1-REC",
                                      "barcode": label(world.gtins["F00001"], "R", EXPIRY, 1)}),
                      ("/api/moves/1/reverse", {}), ("/api/orders/X/pick", {})):
        resp = api.as_("staff").post(url, json=body)
        assert resp.status_code == 428, url
        assert resp.content_type == "application/problem+json"
        assert "Idempotency-Key" in resp.json["errors"]
    assert moves(api) == []


def test_a_refused_write_is_not_remembered_so_a_retry_can_succeed(api, world, sessions):
    body = {"action": "move", "barcode": label(world.gtins["A00003"], "M1"), "quantity": 4,
            "from": "SH1-A-A01-01", "to": "SH1-A-A01-02"}
    headers = {"Idempotency-Key": "k-3"}
    receive(sessions, world, "A00003", "M1", "SH1-A-A01-01", 2)
    assert api.as_("staff").post("/api/scans", json=body, headers=headers).status_code == 409
    receive(sessions, world, "A00003", "M1", "SH1-A-A01-01", 2)
    assert api.as_("staff").post("/api/scans", json=body, headers=headers).status_code == 201


def test_keys_belong_to_their_user(api, world):
    for who in ("staff", "admin"):
        resp = api.as_(who).post("/api/scans", headers={"Idempotency-Key": "shared"}, json={
            "action": "receive", "barcode": label(world.gtins["F00001"], "U", EXPIRY, 1),
            "location": "SH1-REC"})
        assert resp.status_code == 201
    assert len(moves(api)) == 2


def test_concurrent_duplicates_write_once_and_all_get_the_same_answer(app, world):
    key = uuid.uuid4().hex
    body = {"action": "receive", "barcode": label(world.gtins["F00001"], "DUP", EXPIRY, 5),
            "location": "SH1-REC"}
    local = threading.local()

    def send(_i: int):
        if not hasattr(local, "api"):
            local.api = ApiClient(app.test_client(), world.tokens, "staff")
        resp = local.api.post("/api/scans", json=body, headers={"Idempotency-Key": key})
        return resp.status_code, resp.json

    results = race(12, send)
    assert {status for status, _ in results} == {201}
    assert len({str(body) for _, body in results}) == 1
    admin = ApiClient(app.test_client(), world.tokens, "admin")
    assert len(admin.get("/api/moves").json) == 1
    assert admin.get("/api/stock").json[0]["on_hand"] == 5


def test_http_race_for_the_last_units_one_201_the_rest_409_with_what_is_available(
        app, world, sessions):
    receive(sessions, world, "C00002", "RACE", "SH1-C-A01-01", 5)

    def send(i: int):
        api = ApiClient(app.test_client(), world.tokens, "staff")
        resp = api.post("/api/scans", headers={"Idempotency-Key": f"race-{i}"}, json={
            "action": "move", "barcode": label(world.gtins["C00002"], "RACE"), "quantity": 3,
            "from": "SH1-C-A01-01", "to": "SH1-C-A01-02"})
        return resp.status_code, resp.json

    results = race(20, send)
    assert sorted(s for s, _ in results) == [201] + [409] * 19
    assert {b["available"] for s, b in results if s == 409} == {2}
