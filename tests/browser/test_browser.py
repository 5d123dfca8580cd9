"""The pages in Chromium against the demo: a receipt scanned, routes planned and drawn, a
stop confirmed on a phone, a lot traced and recalled, an alert acknowledged. Every page
is saved as a screenshot; no request may leave the app (the pages work offline)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.timeout(300)


def test_sign_in_page_and_a_wrong_password(phone):
    phone.goto("/")
    assert phone.page.url.endswith("/signin")
    phone.shot("01-signin")
    phone.page.fill("input[name=username]", "staff-sh")
    phone.page.fill("input[name=password]", "nope")
    phone.page.click("#signin-submit")
    assert "Wrong username or password" in phone.page.inner_text(".flash.bad")


def test_staff_scan_a_receipt_and_see_a_refusal(phone):
    phone.sign_in("staff-sh")
    page = phone.page
    assert page.url.endswith("/scan")
    page.fill("input[name=location]", "SH1-REC")
    expiry = (date.today() + timedelta(days=9)).strftime("%y%m%d")
    # Typed as a keyboard-wedge scanner sends it: the label, then Enter.
    page.locator("#barcode").press_sequentially(f"0106901234000016|17{expiry}|3724|10BROWSER1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result.good")
    assert "Receive recorded" in page.inner_text("#result")
    assert "Bok choy" in page.inner_text("#parsed")
    assert "BROWSER1" in page.inner_text("#recent li:first-child")
    assert page.evaluate("document.activeElement.id") == "barcode"

    page.locator("#barcode").press_sequentially("0106901234000016|17200101|3724|10OLD1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result.bad")
    assert "expired on 2020-01-01" in page.inner_text("#result")
    assert not page.locator("#pending").is_hidden()
    phone.shot("02-scan-phone")


def test_dispatcher_plans_routes_and_sees_them_on_the_map(desktop, demo_database):
    desktop.sign_in("dispatch-sh")
    page = desktop.page
    assert page.url.endswith("/dispatch")
    desktop.goto(f"/dispatch?date={demo_database['day']}")
    page.wait_for_selector("svg.map")
    published = page.locator(".route-card").count()
    assert published > 0 and page.locator("svg.map polyline").count() == published
    page.select_option("select[name=time_limit_s]", "5")
    page.click("#plan-form button")
    page.wait_for_url("**plan=*", timeout=120_000)
    page.wait_for_selector("svg.map")
    assert "draft" in page.inner_text("#plan-title")
    routes = page.locator(".route-card").count()
    assert routes > 0 and page.locator("svg.map polyline").count() == routes
    assert page.locator("svg.map g.stop").count() >= routes
    assert page.locator(".route-card tbody tr").count() == page.locator("svg.map g.stop").count()
    assert not page.locator("#publish").is_hidden()
    desktop.shot("03-dispatch")


def test_driver_confirms_a_stop_with_an_exception(phone, demo_database):
    phone.sign_in(demo_database["driver"])
    page = phone.page
    assert "/driver" in page.url
    phone.goto(f"/driver?date={demo_database['day']}")
    first = page.locator("[data-stop]").first
    assert first.locator(".handover li").count() > 0
    assert page.locator("#loading tbody tr").count() > 0
    phone.shot("04-driver-manifest")
    # Nothing was loaded onto the demo truck: the server says so in the driver's words.
    first.locator("[data-confirm]").click()
    first.locator(".flash.bad").wait_for()
    assert "on the vehicle" in first.locator(".flash.bad").inner_text()
    first.locator("[data-problems]").click()
    for line in first.locator(".handover li").all():
        line.locator("select[name=kind]").select_option("short")
        line.locator("input[name=quantity]").fill(line.get_attribute("data-qty"))
        line.locator("input[name=reason]").fill("not on the truck at the stop")
    first.locator("[data-confirm]").click()
    page.wait_for_selector("[data-stop].done")
    assert "exceptions" in page.locator("[data-stop]").first.inner_text().lower()
    phone.shot("05-driver-confirmed")


def test_buyer_traces_a_lot_and_recalls_it(desktop):
    desktop.sign_in("buyer")
    page = desktop.page
    assert page.url.endswith("/trace")
    page.fill("input[name=q]", "C00001")
    page.click("#search button[type=submit]")
    page.locator("#results [data-open]").first.click()
    page.wait_for_selector("#temp-chart svg.chart")
    assert page.locator("#temp-chart rect.band").count() == 1
    assert "0 to 4 °C" in page.inner_text("#temp-summary")
    assert page.locator("#moves li").count() >= 1
    lot = page.inner_text("#lot-title")
    page.click("#recall-open")
    page.fill("#recall-form input[name=reason]", "supplier notice: possible contamination")
    page.check("#recall-form input[name=sure]")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#recall-form button[type=submit]")
    page.wait_for_selector("#recall-flash.good")
    assert lot.replace("Lot ", "") in page.inner_text("#recall-flash")
    page.wait_for_selector("#lot-status .badge.recalled")
    desktop.shot("06-trace-recalled")


def test_alerts_are_acknowledged_with_a_comment(desktop):
    desktop.sign_in("staff-sh")
    desktop.goto("/alerts")
    page = desktop.page
    item = page.locator("[data-alert]").first
    item.locator("[data-do=acknowledge]").click()
    assert "Write a comment first" in item.locator(".flash").inner_text()
    item.locator("input[name=comment]").fill("door closed, room back to 3 °C")
    alert_id = item.get_attribute("data-alert")
    item.locator("[data-do=acknowledge]").click()
    page.wait_for_selector(f"[data-alert='{alert_id}'].acknowledged")
    desktop.shot("07-alerts")
