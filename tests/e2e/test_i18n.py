"""Chinese and English: the language a person reads, chosen per user or by the browser;
API problems translated with their values; every page in Chinese shows no English UI
word; times on the warehouse clock with the zone named; products named in both."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from sqlalchemy import select

from api.i18n import CODE_WORDS
from coldchain.monitoring.models import Alert
from tests.e2e.test_pages import page_token, sign_in
from tests.e2e.test_pages import people as people  # the fixture, re-exported for these tests
from tests.factories import label
from tests.integration.test_dispatch import DAY, stock_up
from wms import orders
from wms.db import transaction
from wms.models import (
    Location,
    Lot,
    PickupPoint,
    Product,
    Supplier,
    User,
    Vehicle,
    Warehouse,
)
from wms.stock import hold_lot

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.8"}


def receive_body(world, lot: str = "I18N-LOT", location: str = "SH1-REC") -> dict:
    return {"barcode": label(world.gtins["C00002"], lot, date(2031, 1, 1), count=24),
            "action": "receive", "location": location}


# --- the API ---------------------------------------------------------------------------

def test_a_problem_with_values_reads_in_the_browsers_language(api, world):
    body = receive_body(world, location="BJ1-REC")
    zh = api.as_("staff").post("/api/scans/preview", json=body, headers=ZH)
    assert zh.status_code == 403
    assert zh.json["title"] == "禁止访问"
    assert zh.json["detail"] == "库位 BJ1-REC 不属于你的仓库"
    en = api.as_("staff").post("/api/scans/preview", json=body, headers=EN)
    assert en.json["title"] == "Forbidden"
    assert en.json["detail"] == "location BJ1-REC is not in your warehouse"
    # Without Accept-Language: English, as before.
    plain = api.as_("staff").post("/api/scans/preview", json=body)
    assert plain.json["detail"] == "location BJ1-REC is not in your warehouse"


def test_validation_messages_and_their_detail_are_translated(api, world):
    resp = api.as_("staff").post("/api/scans/preview", json={"action": "receive"}, headers=ZH)
    assert resp.status_code == 422
    assert resp.json["title"] == "无法处理的内容"
    assert resp.json["errors"]["json"]["barcode"] == ["缺少必填字段。"]
    assert resp.json["detail"] == "请求中有无效字段：json.barcode"
    # A domain validation: the detail is made again from the translated field messages.
    body = {**receive_body(world), "location": "NOWHERE"}
    resp = api.as_("staff").post("/api/scans/preview", json=body, headers=ZH)
    assert resp.status_code == 422
    assert resp.json["errors"] == {"location": ["没有库位 'NOWHERE'；请重新扫描库位标签"]}
    assert resp.json["detail"] == "location: 没有库位 'NOWHERE'；请重新扫描库位标签"


def test_scan_errors_from_the_barcode_reader_are_translated(api, world):
    resp = api.as_("staff").post("/api/scans/preview", headers=ZH, json={
        "barcode": "(01)06901234000016(15)250230(10)X", "action": "receive",
        "location": "SH1-REC"})
    assert resp.status_code == 422
    [message] = resp.json["errors"]["barcode"]
    assert message == ("最佳食用日期日期 '250230' 不是有效日期（二月只有 28 天，没有 30 日）"
                       "— 请检查标签，重新扫描或手动输入")


def test_the_preview_says_what_it_would_do_in_chinese(api, world):
    resp = api.as_("staff").post("/api/scans/preview", json=receive_body(world), headers=ZH)
    assert resp.status_code == 200
    assert resp.json["would"] == ("收货 24 × C00002 批次 I18N-LOT（新批次，有效期至 2031-01-01）"
                                  "到 SH1-REC")
    assert resp.json["product"]["name_zh"] == "测试商品 C00002"
    assert resp.json["product"]["name_en"] == "Product C00002"


def test_users_choose_their_language_and_it_beats_the_browser(api, sessions, world):
    staff = api.as_("staff")
    assert staff.get("/api/me").json["language"] is None
    resp = staff.put("/api/me/language", json={"language": "zh"})
    assert resp.status_code == 200 and resp.json["language"] == "zh"
    body = receive_body(world, location="BJ1-REC")
    assert staff.post("/api/scans/preview", json=body, headers=EN).json["detail"] == \
        "库位 BJ1-REC 不属于你的仓库"
    # A language nobody offers is refused, naming the field (in the user's language), and
    # changes nothing.
    bad = staff.put("/api/me/language", json={"language": "fr"}, headers=EN)
    assert bad.status_code == 422
    assert bad.json["errors"]["json"]["language"] == ["必须是 zh（简体中文）或 en（英文）"]
    with transaction(sessions) as s:
        assert s.scalar(select(User.language).where(User.username == "staff")) == "zh"
    # null hands the choice back to the browser.
    assert staff.put("/api/me/language", json={"language": None}).json["language"] is None
    assert staff.post("/api/scans/preview", json=body, headers=EN).json["detail"] == \
        "location BJ1-REC is not in your warehouse"


def test_products_carry_both_names(api, world):
    resp = api.as_("buyer").post("/api/products", json={
        "sku": "C09001", "gtin": "06901234090017", "name": "Bok choy", "name_zh": "上海青",
        "temp_class": "chilled", "units_per_crate": 20, "unit_weight_kg": 0.5,
        "shelf_life_days": 5, "ref_temp_c": 2, "q10": 2.0})
    assert resp.status_code == 201, resp.json
    got = api.as_("buyer").get("/api/products/C09001").json
    assert (got["name"], got["name_en"], got["name_zh"]) == ("Bok choy", "Bok choy", "上海青")
    too_long = api.as_("buyer").post("/api/products", json={
        "sku": "C09002", "gtin": "06901234090024", "name": "Long", "name_zh": "长" * 161,
        "temp_class": "chilled", "units_per_crate": 20, "unit_weight_kg": 0.5,
        "shelf_life_days": 5, "ref_temp_c": 2, "q10": 2.0})
    assert too_long.status_code == 422 and "name_zh" in too_long.json["errors"]["json"]


# --- the pages -------------------------------------------------------------------------

def test_the_switch_before_sign_in_carries_into_the_session(client, people):
    page = client.get("/signin", headers=EN).get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "中文" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/language", data={"language": "zh", "next": "/signin",
                                          "csrf_token": token}, headers=EN)
    assert resp.status_code == 302 and resp.location == "/signin"
    page = client.get("/signin", headers=EN).get_data(as_text=True)
    assert '<html lang="zh-Hans-CN">' in page and "登录" in page
    assert "Wrong username or password" not in sign_in(client, "staff", "wrong").get_data(True)
    assert "用户名或密码错误" in sign_in(client, "staff", "wrong").get_data(True)
    sign_in(client, "staff")
    assert "扫码工作台" in client.get("/scan", headers=EN).get_data(as_text=True)


def test_the_switch_when_signed_in_is_kept_on_the_user(app, client, people, sessions):
    sign_in(client, "dispatcher")
    resp = client.post("/language", data={"language": "zh", "next": "/dispatch?date=2031-03-04",
                                          "csrf_token": page_token(client)})
    assert resp.location == "/dispatch?date=2031-03-04"
    with transaction(sessions) as s:
        assert s.scalar(select(User.language).where(User.username == "dispatcher")) == "zh"
    other = app.test_client()  # another browser, which asks for English
    sign_in(other, "dispatcher")
    assert "规划线路" in other.get("/dispatch", headers=EN).get_data(as_text=True)
    refused = client.post("/language", data={"language": "xx",
                                             "csrf_token": page_token(client)})
    assert refused.status_code == 400


def test_times_are_on_the_warehouse_clock_with_the_zone_named(client, people, world):
    sign_in(client, "staff")
    headers = {"X-CSRF-Token": page_token(client), "Idempotency-Key": uuid.uuid4().hex}
    assert client.post("/api/scans", json=receive_body(world), headers=headers).status_code == 201
    en = client.get("/scan", headers=EN).get_data(as_text=True)
    assert re.search(r'<time datetime="[^"]+\+08:00">\d\d:\d\d:\d\d <span class="zone">'
                     r'CST \(Asia/Shanghai\)</span></time>', en), en
    client.post("/language", data={"language": "zh", "csrf_token": page_token(client)})
    zh = client.get("/scan").get_data(as_text=True)
    assert re.search(r'\d\d:\d\d:\d\d <span class="zone">中国标准时间</span>', zh)
    assert "测试商品 C00002" in zh  # the product in the reader's language
    assert 'content="Asia/Shanghai" data-label="中国标准时间"' in zh  # for the page scripts


class VisibleText(HTMLParser):
    """What a person reads: text outside scripts and styles, and the attributes a browser
    shows (placeholders, tooltips, labels of stacked table cells)."""

    SHOWN = ("placeholder", "title", "aria-label", "data-label")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts.extend(v for k, v in attrs if k in self.SHOWN and v)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible(html: str, data: list[str]) -> str:
    parser = VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):  # data values are not UI words
        text = text.replace(value, " ")
    return text


def english_ui_words() -> list[str]:
    """The English text of the templates' messages and of the code words they show, in
    pieces between placeholders, leaving out words spelt the same in Chinese (SKU, GTIN)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    method_map = [(p, m) for p, m in method_map if p.startswith("api/templates")]
    ids: set[str] = set(CODE_WORDS.values())
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map,
                                                 keywords={"_": None, "ngettext": (1, 2)}):
        ids.update([message] if isinstance(message, str) else message)
    # Text written into a template without a message around it is English too.
    for template in (ROOT / "api" / "templates").glob("*.html"):
        source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "\n", template.read_text(),
                        flags=re.S)
        parser = VisibleText()
        parser.feed(source)
        ids.update(part.strip() for part in parser.parts)
    pieces = set()
    for msgid in ids:
        for piece in re.split(r"%\(\w+\)[sd]|\{\w+\}", msgid):
            piece = piece.strip(" .,:;()…—·")
            if re.search(r"[A-Za-z]{2,}", piece) and piece not in ("SKU", "GTIN", "SSCC",
                                                                    "GB 31605-2020",
                                                                    "SKU / GTIN", "ETA", "CSV"):
                pieces.add(piece)
    return sorted(pieces)


def data_values(sessions) -> list[str]:
    with transaction(sessions) as s:
        values = [*s.scalars(select(Location.name)), *s.scalars(select(Warehouse.name)),
                  *s.scalars(select(Warehouse.city)), *s.scalars(select(PickupPoint.name)),
                  *s.scalars(select(PickupPoint.address)),
                  *s.scalars(select(PickupPoint.leader_name)),
                  *s.scalars(select(Product.name)), *s.scalars(select(Product.unit)),
                  *s.scalars(select(Supplier.name)), *s.scalars(select(User.display_name)),
                  *s.scalars(select(Vehicle.plate)), *s.scalars(select(Alert.message)),
                  *s.scalars(select(Alert.ack_comment))]
    return [v for v in values if v]


@pytest.fixture
def busy_day(client, people, sessions, world) -> dict:
    """A day with something on every page: a scan, alerts (one acknowledged, one resolved),
    orders, a published plan with a route driven by the world's driver."""
    stock_up(sessions, world)
    with transaction(sessions) as s:
        orders.place_order(s, {"external_ref": "I18N-ORDER-1", "pickup_point": "SH-P001",
                               "delivery_date": DAY,
                               "lines": [{"sku": "C00002", "quantity": 5}]}, actor_id=None)
        orders.place_order(s, {"external_ref": "I18N-ORDER-2", "pickup_point": "SH-P002",
                               "delivery_date": DAY,
                               "lines": [{"sku": "F00001", "quantity": 3}]}, actor_id=None)
        s.add(Alert(kind="excursion", severity="severe", message="cold room SH1-C at 9.5 °C",
                    warehouse_id=world.warehouses["SH1"], location_id=world.locations["SH1-C"]))
    sign_in(client, "staff")
    headers = {"X-CSRF-Token": page_token(client), "Idempotency-Key": uuid.uuid4().hex}
    assert client.post("/api/scans", json=receive_body(world), headers=headers).status_code == 201
    with transaction(sessions) as s:  # a lot on the holds page, held without an alert
        lot = s.scalar(select(Lot).where(Lot.lot_code == "I18N-LOT"))
        hold_lot(s, lot.id, "探针复查", actor_id=None)
    client.post("/signout", data={"csrf_token": page_token(client)})
    sign_in(client, "dispatcher")
    api = {"X-CSRF-Token": page_token(client)}
    assert client.post("/api/allocations", json={"warehouse": "SH1", "date": str(DAY)},
                       headers=api).status_code == 200
    job = client.post("/api/route-plans", json={"warehouse": "SH1", "date": str(DAY),
                                                "time_limit_s": 1}, headers=api).json
    job = client.get(f"/api/jobs/{job['id']}", headers=api).json
    assert job["status"] == "finished", job
    plan_id = job["result"]["plan_id"]
    assert client.post(f"/api/route-plans/{plan_id}/publish", json={},
                       headers=api).status_code == 200
    route_id = client.get(f"/api/route-plans/{plan_id}", headers=api).json["routes"][0]["id"]
    client.post("/signout", data={"csrf_token": page_token(client)})
    return {"route_id": route_id}


RECORD = f"/records/daily?location=SH1-C&date={DAY}"
# Every page of every role, with something on it (busy_day), and the refusals people meet.
PAGES = {
    "staff": ["/scan", "/alerts", "/dispatch",  # /dispatch: the "not your page" answer
              f"/pick-lists?date={DAY}", f"/loading?date={DAY}", "/holds", RECORD,
              "/records/daily", "/records/daily?date=yesterday",
              f"/pick-lists?warehouse=BJ1&date={DAY}", "/loading?warehouse=XX1"],
    "dispatcher": [f"/dispatch?date={DAY}", "/alerts", RECORD],
    "driver": [f"/driver?date={DAY}", f"/driver?date={DAY + timedelta(days=1)}"],
    "buyer": ["/trace?lot=1", "/alerts", RECORD, "/purchasing", "/purchasing/scorecard"],
    "admin": ["/alerts", f"/dispatch?date={DAY}", "/trace", "/scan",
              f"/pick-lists?warehouse=SH1&date={DAY}", f"/loading?warehouse=SH1&date={DAY}",
              "/holds", RECORD],
}
def english_left_on(client, sessions, world, busy_day, pages: dict[str, list[str]], *,
                    manifest: bool) -> dict[str, list[str]]:
    """The English UI words each page shows when read in Chinese by its role."""
    words = english_ui_words()
    assert {"Scanning station", "Loading list", "Delivered in full", "Sign in"} <= set(words)
    leftovers: dict[str, list[str]] = {}

    def check(path: str, html: str) -> None:
        assert 'lang="zh-Hans-CN"' in html, path
        text = visible(html, data_values(sessions))
        found = [w for w in words if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])",
                                               text)]
        if found:
            leftovers[path] = found

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = ZH["Accept-Language"]
    check("/signin", client.get("/signin").get_data(as_text=True))
    for who, paths in pages.items():
        sign_in(client, who)
        for path in paths:
            resp = client.get(path)
            assert resp.status_code in (200, 403, 404, 422), (who, path, resp.status_code)
            check(f"{who} {path}", resp.get_data(as_text=True))
        client.post("/signout", data={"csrf_token": page_token(client)})
    if manifest:
        page = client.get(f"/manifests/{busy_day['route_id']}",
                          headers={"Authorization": f"Bearer {world.tokens['driver']}"})
        assert page.status_code == 200
        check("manifest", page.get_data(as_text=True))
    return leftovers


def test_every_page_in_chinese_shows_no_english_ui_word(client, people, sessions, world,
                                                        busy_day):
    leftovers = english_left_on(client, sessions, world, busy_day, PAGES, manifest=True)
    assert not leftovers, "\n".join(f"{k}: {v}" for k, v in leftovers.items())


def test_the_english_pages_still_read_in_english(client, people, busy_day):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = EN["Accept-Language"]
    sign_in(client, "driver")
    page = client.get(f"/driver?date={DAY}").get_data(as_text=True)
    assert "Delivered in full" in page and "Loading list" in page
    assert "Product C00002" in page and "测试商品" not in page

