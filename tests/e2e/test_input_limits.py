"""Limits on what one request may ask of the server: nesting, size, counts, integers, date
ranges and the plausibility of what a barcode says. Each is a fast 4xx problem naming
what is wrong, and nothing is written."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from marshmallow import fields

from tests.factories import label

PROBLEM = "application/problem+json"
SOON = date.today() + timedelta(days=30)


def _problem(resp, *statuses: int) -> dict:
    assert resp.status_code in statuses, resp.get_data(as_text=True)[:500]
    assert resp.content_type == PROBLEM
    return resp.json


def _orders(api) -> list:
    return api.as_("admin").get("/api/orders", query_string={"page_size": 100}).json


def _scan(api, **body):
    return api.as_("staff").post("/api/scans", json=body,
                                 headers={"Idempotency-Key": uuid.uuid4().hex})


def _order(lines: list, ref: str = "LIM-1") -> dict:
    return {"external_ref": ref, "pickup_point": "SH-P001", "delivery_date": "2026-12-01",
            "lines": lines}


# --- nesting and size ------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/orders", "/api/readings", "/api/scans/preview"])
def test_json_nested_a_thousand_deep_is_refused_quickly(api, url):
    # Refused by the body check that runs before every view (its own detail), so no
    # schema or view code that recurses per level ever sees it.
    body = '{"lines": ' + "[" * 1000 + "]" * 1000 + "}"
    resp = api.as_("staff").post(url, data=body, content_type="application/json")
    problem = _problem(resp, 422)
    assert "nested too deep" in problem["detail"]
    assert problem["errors"] == {"json": ["nested deeper than 32 levels"]}
    assert _orders(api) == []


def test_a_json_body_over_the_size_limit_is_413_before_it_is_parsed(api, monkeypatch):
    body = json.dumps(_order([{"sku": "C00002", "quantity": 1}] * 200_000))
    assert len(body) > 5_000_000
    parsed = []
    real = json.loads
    monkeypatch.setattr(json, "loads", lambda raw, *a, **k: parsed.append(len(raw))
                        or real(raw, *a, **k))
    resp = api.as_("staff").post("/api/orders", data=body, content_type="application/json")
    problem = _problem(resp, 413)
    assert "bytes" in problem["detail"]
    assert not [n for n in parsed if n > 5_000_000], "the body was parsed before it was refused"
    assert _orders(api) == []


# --- counts before items ---------------------------------------------------------------

def test_an_order_with_too_many_lines_is_refused_before_each_line_is_checked(api,
                                                                             monkeypatch):
    # Under the size limit, but 40 times the lines an order may have; every line is also
    # bad, so an answer naming lines one by one would show the count came too late.
    lines = [{"sku": "", "quantity": 0}] * 20_000
    checked = []
    real = fields.Nested._deserialize

    def counting(self, value, attr, data, **kwargs):
        checked.append(attr)
        return real(self, value, attr, data, **kwargs)

    monkeypatch.setattr(fields.Nested, "_deserialize", counting)
    resp = api.as_("staff").post("/api/orders", json=_order(lines))
    problem = _problem(resp, 422)
    assert problem["errors"] == {"json": {"lines": ["at most 500 items, got 20000"]}}
    assert checked == [], "the lines were read one by one before their count was checked"
    assert _orders(api) == []


def test_too_many_delivery_lines_or_handover_lines_are_named(api):
    many = [{"order": "X", "line": 1}] * 2_000
    resp = api.as_("driver").post("/api/routes/1/stops/1/deliveries", json={"lines": many},
                                  headers={"Idempotency-Key": uuid.uuid4().hex})
    assert "at most" in str(_problem(resp, 422)["errors"]["json"]["lines"])
    resp = api.as_("staff").post("/api/orders/NOPE/handover",
                                 json={"lines": [{"line": 1, "quantity": 1}] * 2_000},
                                 headers={"Idempotency-Key": uuid.uuid4().hex})
    assert "at most" in str(_problem(resp, 422)["errors"]["json"]["lines"])


# --- integers are integers -------------------------------------------------------------

@pytest.mark.parametrize("value", [2.5, 2.0, "2", True])
def test_an_order_quantity_that_is_not_a_json_integer_is_named(api, value):
    resp = api.as_("staff").post("/api/orders",
                                 json=_order([{"sku": "C00002", "quantity": value}]))
    problem = _problem(resp, 422)
    assert problem["errors"] == {"json": {"lines": {"0": {"quantity": [
        "Not a valid integer."]}}}}
    assert _orders(api) == []


def test_a_scan_quantity_of_one_and_a_half_is_named_and_writes_nothing(api, world):
    resp = _scan(api, action="receive", location="SH1-REC", quantity=1.5,
                 barcode=label(world.gtins["C00002"], "HALF", SOON))
    assert _problem(resp, 422)["errors"] == {"json": {"quantity": ["Not a valid integer."]}}
    assert api.as_("admin").get("/api/moves").json == []


def test_integers_in_a_query_string_still_read_as_integers(api):
    assert api.as_("admin").get("/api/moves", query_string={"lot_id": "7"}).status_code == 200
    problem = _problem(api.as_("admin").get("/api/moves", query_string={"lot_id": "2.5"}), 422)
    assert "lot_id" in problem["errors"]["query"]


# --- plausible barcodes ----------------------------------------------------------------

def test_a_count_no_pallet_holds_is_named_and_writes_nothing(api, world):
    resp = _scan(api, action="receive", location="SH1-REC",
                 barcode=label(world.gtins["C00002"], "BIG", SOON, 99_999_999))
    problem = _problem(resp, 422)
    assert problem["field"] == "count"
    assert "99999999" in problem["errors"]["barcode"][0]
    assert "WMS_MAX_SCAN_COUNT" in problem["errors"]["barcode"][0]
    assert api.as_("admin").get("/api/moves").json == []


def test_a_net_weight_no_pallet_has_is_named(api, world):
    resp = _scan(api, action="receive", location="SH1-REC",
                 barcode=label(world.gtins["C00002"], "HEAVY", SOON, 5, ai3100="999999"))
    problem = _problem(resp, 422)
    assert problem["field"] == "net_weight_kg"
    assert "999999 kg" in problem["errors"]["barcode"][0]
    assert api.as_("admin").get("/api/moves").json == []


def test_a_typed_quantity_is_held_to_the_same_bound(api, world):
    resp = _scan(api, action="receive", location="SH1-REC", quantity=5_000_000,
                 barcode=label(world.gtins["C00002"], "TYPED", SOON))
    assert "quantity" in _problem(resp, 422)["errors"]


def test_the_bounds_are_configurable(database_url, world, monkeypatch):
    from api.app import create_app
    from tests.factories import ApiClient

    monkeypatch.setenv("WMS_MAX_SCAN_COUNT", "10")
    app = create_app({"TESTING": True, "WMS_DATABASE_URL": database_url, "WMS_REDIS_URL": ""})
    api = ApiClient(app.test_client(), world.tokens)
    resp = _scan(api, action="receive", location="SH1-REC",
                 barcode=label(world.gtins["C00002"], "ELEVEN", SOON, 11))
    assert "at most 10 " in _problem(resp, 422)["errors"]["barcode"][0]


# --- bounded ranges --------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/exports/epcis", "/api/exports/fsma.csv",
                                 "/api/suppliers/scorecard", "/api/suppliers/scorecard.csv"])
def test_exports_refuse_a_range_longer_than_the_maximum(api, url):
    resp = api.as_("buyer").get(url, query_string={"from": "2026-01-01", "to": "2026-06-30"})
    problem = _problem(resp, 422)
    assert "at most 31 days" in problem["errors"]["query"]["to"][0]


def test_an_export_by_product_without_dates_covers_the_last_31_days(api):
    resp = api.as_("buyer").get("/api/exports/fsma.csv", query_string={"product": "C00002"})
    assert resp.status_code == 200
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the warehouses' day
    disposition = resp.headers["Content-Disposition"]
    assert f"from-{today - timedelta(days=30)}" in disposition
    assert f"to-{today}" in disposition


@pytest.mark.parametrize("query", [
    {"from": "2026-01-01T00:00:00+08:00", "to": "2026-06-30T00:00:00+08:00"},
    {"from": "2026-01-01T00:00:00+08:00"},
])
def test_reading_windows_are_bounded(api, query):
    api.as_("staff").post("/api/sensors", json={"serial": "WIN-1", "location": "SH1-REC"})
    resp = api.as_("staff").get("/api/sensors/WIN-1/readings", query_string=query)
    assert "at most 31 days" in str(_problem(resp, 422)["errors"]["query"])


# --- unknown query parameters ----------------------------------------------------------

def test_a_misspelt_filter_is_named_instead_of_ignored(api):
    resp = api.as_("admin").get("/api/stock", query_string={"warehose": "SH1"})
    assert _problem(resp, 422)["errors"] == {"query": {"warehose": ["Unknown field."]}}
    ok = api.as_("admin").get("/api/stock", query_string={"warehouse": "SH1", "page_size": 5})
    assert ok.status_code == 200
