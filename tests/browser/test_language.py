"""The language switch in Chromium: chosen on the sign-in page before signing in, it
carries into the staff member's scanning station (page and script words, the product's
Chinese name, the warehouse clock), and switching back gives English again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.timeout(300)


def test_switch_to_chinese_on_the_sign_in_page_then_back_to_english(phone):
    page = phone.page
    phone.goto("/signin")
    assert page.locator("html").get_attribute("lang") == "en"  # the browser asks for en-GB
    page.click(".lang-switch button[value=zh]")
    page.wait_for_selector("html[lang=zh-Hans-CN]")
    assert page.inner_text("h1") == "登录"
    phone.shot("10-signin-zh")

    page.fill("input[name=username]", "staff-sh")
    page.fill("input[name=password]", PASSWORD)
    page.click("#signin-submit")
    page.wait_for_url("**/scan")
    assert page.inner_text("h1") == "扫码工作台"
    assert "最近扫码" in page.inner_text(".scan-log")
    assert page.locator(".mainnav a[aria-current=page]").inner_text() == "扫码"

    page.fill("input[name=location]", "SH1-REC")
    expiry = (date.today() + timedelta(days=9)).strftime("%y%m%d")
    page.locator("#barcode").press_sequentially(f"0106901234000016|17{expiry}|3712|10LANG-ZH1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result.good")
    assert "收货已记录" in page.inner_text("#result .result-title")  # from the page script
    assert "上海青" in page.inner_text("#parsed")  # Bok choy, by its Chinese name
    assert "中国标准时间" in page.inner_text("#recent li:first-child")
    page.locator("#barcode").press_sequentially("0106901234000016|17200101|3712|10OLD-ZH")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result.bad")
    assert "未记录" in page.inner_text("#result .result-title")
    assert "已于 2020-01-01 过期" in page.inner_text("#result")  # the API's words, translated
    phone.shot("11-scan-zh")

    page.click(".lang-switch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.url.endswith("/scan")
    assert page.inner_text("h1") == "Scanning station"
    assert "CST (Asia/Shanghai)" in page.inner_text("#recent li:first-child")
    assert "Bok choy" in page.inner_text("#recent li:first-child")
    phone.shot("12-scan-en")
