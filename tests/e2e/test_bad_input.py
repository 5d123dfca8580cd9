"""Bad input is a 4xx problem that names the field and changes nothing, never a 500.

Each case here once reached the database or the date arithmetic unchecked: numbers
wider than a database integer, NUL characters (PostgreSQL text cannot hold them),
dates at the calendar's ends, strings longer than their column, unknown enum values.
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DataError

from api import policy

PROBLEM = "application/problem+json"
TOO_WIDE = [2**31, 10**20]


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type == PROBLEM
    return resp.json


def _order_count(api) -> int:
    return len(api.as_("admin").get("/api/orders", query_string={"page_size": 100}).json)


def test_an_unknown_order_status_filter_is_named(api):
    body = _problem(api.as_("admin").get("/api/orders", query_string={"status": "lost"}), 422)
    assert "status" in body["errors"]["query"]


@pytest.mark.parametrize("number", TOO_WIDE)
@pytest.mark.parametrize("method, template", [
    ("GET", "/api/lots/{}"),
    ("GET", "/api/lots/{}/trace"),
    ("GET", "/api/moves/{}"),
    ("GET", "/api/routes/{}"),
    ("GET", "/api/route-plans/{}"),
    ("POST", "/api/lots/{}/hold"),
    ("DELETE", "/api/tokens/{}"),
])
def test_path_ids_wider_than_a_database_integer_are_not_found(api, method, template, number):
    send = getattr(api.as_("admin"), method.lower())
    kw = {"json": {"reason": "x"}} if method == "POST" else {}
    _problem(send(template.format(number), **kw), 404)


@pytest.mark.parametrize("url", ["/api/jobs/%00", "/api/orders/a%00b", "/api/products/%00"])
def test_a_nul_in_a_path_segment_is_not_found(api, url):
    _problem(api.as_("admin").get(url), 404)


def test_a_nul_in_a_body_field_is_named_and_stores_nothing(api):
    before = _order_count(api)
    resp = api.as_("staff").post("/api/orders", json={
        "external_ref": "WEB-\x00-1", "pickup_point": "SH-P001", "delivery_date": "2026-12-01",
        "lines": [{"sku": "C00002", "quantity": 1}]})
    body = _problem(resp, 422)
    assert list(body["errors"]["json"]) == ["external_ref"]
    assert _order_count(api) == before


@pytest.mark.parametrize("url, param", [
    ("/api/lots", "sku"), ("/api/moves", "location"), ("/api/stock", "warehouse"),
    ("/api/products", "q"),
])
def test_a_nul_in_a_query_parameter_is_named(api, url, param):
    body = _problem(api.as_("admin").get(url, query_string={param: "a\x00b"}), 422)
    assert param in body["errors"]["query"]


@pytest.mark.parametrize("number", TOO_WIDE)
def test_integer_parameters_wider_than_a_database_integer_are_named(api, number):
    body = _problem(api.as_("admin").get("/api/moves", query_string={"lot_id": number}), 422)
    assert "lot_id" in body["errors"]["query"]
    body = _problem(api.as_("admin").get("/api/stock", query_string={"lot_id": number}), 422)
    assert "lot_id" in body["errors"]["query"]


def test_a_page_far_past_the_end_is_empty(api):
    resp = api.as_("admin").get("/api/lots", query_string={"page": 10**20})
    assert resp.status_code == 200
    assert resp.json == []
    assert api.as_("admin").get("/api/products", query_string={"page": 2**40}).json == []


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00", "9999-12-31T23:59:59-05:00",
                                   "0001-01-01T00:00:00+05:00"])
def test_move_times_need_a_zone_and_a_sane_year(api, since):
    body = _problem(api.as_("admin").get("/api/moves", query_string={"since": since}), 422)
    assert "since" in body["errors"]["query"]


def _sensor(api, serial: str = "QT-BAD-1") -> str:
    resp = api.as_("staff").post("/api/sensors", json={"serial": serial, "location": "SH1-C"})
    assert resp.status_code == 201, resp.json
    return serial


@pytest.mark.parametrize("query", [{"from": "9999-12-31T23:59:59-05:00"},
                                   {"to": "0001-01-01T00:00:00Z"}])
def test_reading_windows_at_the_calendar_ends_are_named(api, query):
    serial = _sensor(api)
    for url in (f"/api/sensors/{serial}/readings", "/api/locations/SH1-C/readings"):
        body = _problem(api.as_("staff").get(url, query_string=query), 422)
        assert set(body["errors"]["query"]) == set(query)


def test_hanging_a_sensor_at_the_end_of_time_is_named(api):
    serial = _sensor(api)
    resp = api.as_("staff").post(f"/api/sensors/{serial}/attachments",
                                 json={"location": "SH1-F", "at": "9999-12-31T23:59:59-05:00"})
    assert "at" in _problem(resp, 422)["errors"]["json"]


def test_allocating_the_last_day_of_the_calendar_is_named(api):
    resp = api.as_("staff").post("/api/allocations",
                                 json={"warehouse": "SH1", "date": "9999-12-31"})
    assert "date" in _problem(resp, 422)["errors"]["json"]


def test_a_sensor_model_longer_than_its_column_is_named(api):
    resp = api.as_("staff").post("/api/sensors", json={"serial": "QT-LONG", "model": "m" * 61})
    assert "model" in _problem(resp, 422)["errors"]["json"]
    _problem(api.as_("staff").get("/api/sensors/QT-LONG"), 404)


@pytest.mark.parametrize("field, value", [("min_remaining_days", 10**7),
                                          ("shelf_life_days", 1e9)])
def test_product_day_counts_stay_within_a_century(api, field, value):
    product = {"sku": "BAD-1", "gtin": "6901234999990", "name": "Too long lived",
               "temp_class": "chilled", "units_per_crate": 10, "unit_weight_kg": 0.5,
               "shelf_life_days": 7, "ref_temp_c": 4, field: value}
    body = _problem(api.as_("admin").post("/api/products", json=product), 422)
    assert list(body["errors"]["json"]) == [field]
    _problem(api.as_("admin").get("/api/products/BAD-1"), 404)


def test_a_second_inline_job_on_one_token_does_not_wait_for_its_own_request(api):
    # The first request records the token's use and commits; the second, within the
    # minute, reads only, and on SQLite its open transaction held the lock the job needs.
    for _ in range(2):
        resp = api.as_("admin").post("/api/checks")
        assert resp.status_code == 202, resp.json
        assert resp.json["status"] == "finished"


def test_a_value_the_database_refuses_is_a_422_problem(app, client):
    @app.get("/test-data-error")
    @policy.rule("public")
    def _refused():
        raise DataError("INSERT ...", {}, Exception("value too long for type character varying"))

    body = _problem(client.get("/test-data-error"), 422)
    assert "database column" in body["detail"]


def test_readings_with_a_nul_serial_or_a_year_zero_time_are_rejected_by_line(api):
    serial = _sensor(api)
    resp = api.as_("staff").post("/api/readings", json={"readings": [
        {"serial": serial, "timestamp": "2026-11-25T08:00:00+08:00", "temperature": 3.5},
        {"serial": "QT-\x00", "timestamp": "2026-11-25T08:05:00+08:00", "temperature": 3.5},
        {"serial": serial, "timestamp": "0001-01-01T00:00:00+05:00", "temperature": 3.5},
    ]})
    assert resp.status_code < 300, resp.json
    assert resp.json["stored"] == 1
    reasons = {e["where"]: e["reason"] for e in resp.json["errors"]}
    assert "unknown sensor serial" in reasons["readings[1]"]
    assert "1900" in reasons["readings[2]"]
