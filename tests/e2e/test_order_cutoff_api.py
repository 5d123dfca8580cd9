"""Order cut-off over the API and in CSV imports, and the minimal contact kept per order."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from wms.cutoff import Cutoff

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def app(database_url, world):
    from api.app import create_app

    return create_app({"TESTING": True, "WMS_DATABASE_URL": database_url, "WMS_REDIS_URL": "",
                       "WMS_ORDER_CUTOFF": True})


def local_now() -> datetime:
    return datetime.now(ZONE)


def expected_date(requested):
    """The date the default rule (23:00 the day before) gives an order placed now; None
    when the clock passes the cut-off during the request (the test cannot tell then)."""
    before = Cutoff().delivery_date(requested, local_now())
    return before


def order(ref: str, day, **extra) -> dict:
    return {"external_ref": ref, "pickup_point": "SH-P001", "delivery_date": day.isoformat(),
            "lines": [{"sku": "C00002", "quantity": 2}], **extra}


def test_an_order_for_today_is_past_its_cutoff_and_moves_to_the_next_date(api, world):
    today = local_now().date()
    want = expected_date(today)
    resp = api.as_("dispatcher").post("/api/orders", json=order("WEB-LATE", today),
                                      headers=ZH)
    assert resp.status_code == 201, resp.json
    if want != expected_date(today):
        pytest.skip("the clock passed 23:00 local during the request")
    body = resp.json
    assert body["moved_by_cutoff"] is True
    assert body["requested_date"] == today.isoformat()
    assert body["delivery_date"] == want.isoformat() and want > today
    deadline = f"{today - timedelta(days=1)} 23:00"
    assert body["cutoff_message"] == (
        f"{today.isoformat()} 的截单时间（{deadline}）之后下单：改为 {want.isoformat()} 配送")
    english = api.as_("dispatcher").get("/api/orders/WEB-LATE").json["cutoff_message"]
    assert english == (f"placed after the cut-off for {today.isoformat()} ({deadline}): "
                       f"it goes out on {want.isoformat()}")
    events = api.as_("dispatcher").get("/api/orders/WEB-LATE/events").json
    assert [e["kind"] for e in events] == ["accepted", "moved_by_cutoff"]
    assert events[1]["payload"]["requested_date"] == today.isoformat()
    assert events[1]["payload"]["delivery_date"] == want.isoformat()
    # It is planned on the day it goes out, not on the day asked.
    listed = api.as_("dispatcher").get("/api/orders", query_string={"date": want.isoformat()})
    assert [o["external_ref"] for o in listed.json] == ["WEB-LATE"]


def test_an_order_in_good_time_keeps_its_date_and_keeps_only_a_masked_phone(api, world):
    later = local_now().date() + timedelta(days=3)
    resp = api.as_("dispatcher").post("/api/orders", json=order(
        "WEB-EARLY", later, customer_ref="C-88231", contact_phone="138 1234 5678"))
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert (body["delivery_date"], body["moved_by_cutoff"], body["cutoff_message"]) == (
        later.isoformat(), False, None)
    assert body["customer_ref"] == "C-88231"
    assert body["customer_contact"] == "138****5678"
    assert "contact_phone" not in body
    assert "12345678" not in str(api.as_("admin").get("/api/orders/WEB-EARLY").json)


def test_a_bad_phone_is_refused_naming_the_field(api, world):
    resp = api.as_("dispatcher").post("/api/orders", json=order(
        "WEB-BAD", local_now().date() + timedelta(days=3), contact_phone="call me"))
    assert resp.status_code == 422
    assert "contact_phone" in resp.json["errors"]["json"]
    assert api.as_("admin").get("/api/orders/WEB-BAD").status_code == 404


def test_the_csv_import_says_per_line_which_orders_moved(api, world):
    today, later = local_now().date(), local_now().date() + timedelta(days=3)
    want = expected_date(today)
    csv = ("external_ref,pickup_point,delivery_date,sku,quantity\n"
           f"CSV-1,SH-P001,{later},C00002,1\n"
           f"CSV-2,SH-P001,{today},C00002,1\n"
           f"CSV-2,SH-P001,{today},A00003,1\n")
    resp = api.as_("dispatcher").post("/api/orders/import", data={
        "file": (io.BytesIO(csv.encode()), "orders.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.json
    if want != expected_date(today):
        pytest.skip("the clock passed 23:00 local during the request")
    assert resp.json["imported"] == 2
    (moved,) = resp.json["moved_by_cutoff"]
    assert (moved["line"], moved["order"], moved["requested_date"], moved["delivery_date"]) \
        == ("line 3", "CSV-2", today.isoformat(), want.isoformat())
    assert moved["message"].startswith(f"placed after the cut-off for {today.isoformat()}")
