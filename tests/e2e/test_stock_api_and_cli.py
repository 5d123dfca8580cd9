"""Stock queries, reversing over the API, holds, and ``wms stock verify``."""

from __future__ import annotations

import uuid

from click.testing import CliRunner
from sqlalchemy import text

from api.cli import main
from tests.factories import receive


def test_stock_filters_scope_and_lot_locations(api, world, sessions):
    lot = receive(sessions, world, "A00003", "S1", "SH1-A-A01-01", 5)
    receive(sessions, world, "A00003", "S1", "SH1-A-A01-02", 2)
    receive(sessions, world, "A00003", "S2", "BJ1-A-A01-01", 9)
    rows = api.as_("staff").get("/api/stock", query_string={"sku": "A00003"}).json
    assert {(r["warehouse"], r["location"], r["available"]) for r in rows} == {
        ("SH1", "SH1-A-A01-01", 5), ("SH1", "SH1-A-A01-02", 2)}
    resp = api.as_("admin").get("/api/stock", query_string={"warehouse": "BJ1", "page_size": 1})
    assert [r["lot"] for r in resp.json] == ["S2"]
    assert "X-Pagination" in resp.headers
    assert api.as_("staff").get("/api/stock", query_string={"warehouse": "BJ1"}
                                ).status_code == 403
    places = api.as_("admin").get(f"/api/lots/{lot}/locations").json
    assert [(r["location"], r["on_hand"]) for r in places] == [("SH1-A-A01-01", 5),
                                                               ("SH1-A-A01-02", 2)]


def test_reverse_over_the_api_once(api, world, sessions):
    receive(sessions, world, "A00003", "RV", "SH1-A-A01-01", 5)
    move_id = api.as_("admin").get("/api/moves").json[0]["id"]
    post = lambda: api.as_("staff").post(  # noqa: E731
        f"/api/moves/{move_id}/reverse", json={"reason": "received twice"},
        headers={"Idempotency-Key": uuid.uuid4().hex})
    first = post()
    assert first.status_code == 201 and first.json["reverses_id"] == move_id
    assert first.json["from"] == "SH1-A-A01-01" and first.json["to"] is None
    second = post()
    assert second.status_code == 409 and "already reversed" in second.json["detail"]
    assert api.as_("admin").get("/api/stock").json == []


def test_hold_blocks_allocation_and_release_returns_the_stock(api, world, sessions):
    lot = receive(sessions, world, "F00001", "H", "SH1-F-A01-01", 4)
    assert api.as_("buyer").post(f"/api/lots/{lot}/hold", json={}).status_code == 422
    held = api.as_("buyer").post(f"/api/lots/{lot}/hold", json={"reason": "lab test"})
    assert held.status_code == 200
    assert [(m["kind"], m["to"]) for m in held.json["moves"]] == [("hold", "SH1-F-QRT")]
    assert api.as_("buyer").post(f"/api/lots/{lot}/hold",
                                 json={"reason": "again"}).status_code == 409
    released = api.as_("staff").post(f"/api/lots/{lot}/release",
                                     json={"to": "SH1-F-A01-02", "reason": "lab ok"})
    assert released.status_code == 200
    assert [(m["kind"], m["to"]) for m in released.json["moves"]] == [
        ("release", "SH1-F-A01-02")]


def test_wms_stock_verify(database_url, world, sessions, monkeypatch, engine):
    receive(sessions, world, "A00003", "CLI", "SH1-A-A01-01", 5)
    monkeypatch.setenv("WMS_DATABASE_URL", database_url)
    ok = CliRunner().invoke(main, ["stock", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "0 differences" in ok.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE stock_balance SET on_hand = 7"))
    bad = CliRunner().invoke(main, ["stock", "verify"])
    assert bad.exit_code == 1
    assert "DIFF SH1-A-A01-01 lot CLI: on hand 7 kept, 5 by the ledger" in bad.output
