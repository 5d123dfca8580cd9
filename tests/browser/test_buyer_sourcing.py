"""A sourcing buyer's pages in Chromium, in Chinese and English, on a laptop and a phone:
the purchase orders and one order's lines (received against ordered, lateness), a new
order placed on the page, the supplier scorecard and its CSV, and a certificate uploaded
for the lot that came into quarantine without one, shown on the trace page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.conftest import PASSWORD, Pages, _tab
from wms.pdf import text_pdf

# The first test waits for the demo to be built (several minutes on a busy machine).
pytestmark = pytest.mark.timeout(1800)

WORDS = {
    "en": {"purchasing": "Purchasing", "scorecard": "Supplier scorecard", "sent": "sent",
           "late": "min late", "missing": "missing", "lang": "en"},
    "zh": {"purchasing": "采购", "scorecard": "供应商评分卡", "sent": "已发送",
           "late": "晚到", "missing": "缺少", "lang": "zh-Hans-CN"},
}


@pytest.fixture(params=["desktop", "phone"])
def tab(request, browser, base_url, shots):
    yield from _tab(browser, base_url, shots, request.param)


def _sign_in(tab: Pages, lang: str) -> None:
    """Sign in, then choose the language with the page's switch (the button of the language
    shown is disabled; the choice is kept on the user, whatever an earlier run chose)."""
    page = tab.page
    tab.goto("/signin")
    page.fill("input[name=username]", "buyer")
    page.fill("input[name=password]", PASSWORD)
    page.click("#signin-submit")
    page.wait_for_load_state()
    if page.locator("html").get_attribute("lang") != WORDS[lang]["lang"]:
        page.click(f".lang-switch button[value={lang}]")
        page.wait_for_selector(f"html[lang={WORDS[lang]['lang']}]")


def _quarantined_lot(demo_database: dict) -> int:
    from wms.db import make_engine, make_session_factory
    from wms.models import Lot

    engine = make_engine(demo_database["url"])
    try:
        with make_session_factory(engine)() as s:
            lot_id = s.scalar(select(Lot.id).where(
                Lot.status_reason.like("certificate missing%")).order_by(Lot.id))
    finally:
        engine.dispose()
    assert lot_id is not None, "the demo has no lot held for a missing certificate"
    return lot_id


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_buyer_orders_scores_suppliers_and_uploads_a_certificate(tab, lang, demo_database,
                                                                 tmp_path):
    w, page = WORDS[lang], tab.page
    size = tab.size
    name = f"buyer-{lang}-{size}"
    _sign_in(tab, lang)

    # The orders, a late one among them, and its lines: received against ordered.
    tab.goto("/purchasing")
    assert page.inner_text("h1") == w["purchasing"]
    assert page.locator("#purchase-orders tbody tr").count() >= 10
    # A late order that has come in (an open one turns late as the clock passes its window).
    came = page.eval_on_selector_all("#purchase-orders tbody tr", r"""rows => rows.findIndex(
        (r) => r.querySelector('.badge.bad')
          && Number(r.cells[7].innerText.replace(/\D/g, "")) > 0)""")
    assert came >= 0, "no late order has come in"
    late = page.locator("#purchase-orders tbody tr").nth(came)
    # Badges are shown capitalised ("67 Min Late"): compare the words, not the case.
    assert w["late"] in late.inner_text().lower()
    tab.shot(f"20-{name}-purchase-orders")
    late.locator("a").first.click()
    page.wait_for_selector("#po-lines")
    assert w["late"] in page.inner_text("#po-late").lower()
    first = page.locator("#po-lines tbody tr").first
    cells = first.locator("td")
    ordered, received = int(cells.nth(6).inner_text()), int(cells.nth(7).inner_text())
    assert 0 < received <= ordered
    tab.shot(f"21-{name}-purchase-order")

    # A new order placed on the page: sent, and its page opened.
    tab.goto("/purchasing")
    page.click("#new-po summary")
    form = page.locator("#po-form")
    form.locator("select[name=supplier]").select_option("SUP-SDV")
    form.locator("select[name=warehouse]").select_option("SH1")
    line = page.locator("#po-form-lines tbody tr").first
    line.locator("input[name=sku]").fill("C00007")
    line.locator("input[name=quantity]").fill("120")
    line.locator("input[name=unit_price]").fill("2.6")
    line.locator("input[name=certifications]").fill("GAP")
    page.click("#po-add-line")
    second = page.locator("#po-form-lines tbody tr").nth(1)
    second.locator("input[name=sku]").fill("C00008")
    second.locator("input[name=quantity]").fill("80")
    second.locator("input[name=unit_price]").fill("3.1")
    tab.shot(f"22-{name}-new-order")
    page.click("#po-submit")
    page.wait_for_url("**/purchasing/PO-SH1-*")
    assert page.inner_text("#po-state").lower() == w["sent"]  # shown capitalised
    assert page.locator("#po-lines tbody tr").count() == 2

    # The scorecard: suppliers differ, and its CSV downloads.
    tab.goto("/purchasing")
    page.click("#scorecard-link")
    page.wait_for_selector("#scorecard")
    assert page.inner_text("h1") == w["scorecard"]
    rows = page.locator("#scorecard tbody tr")
    assert rows.count() >= 5
    otif = {rows.nth(i).locator("td").nth(3).inner_text() for i in range(rows.count())}
    assert len(otif - {"—"}) >= 3, otif  # real differences between suppliers
    tab.shot(f"23-{name}-scorecard")
    with page.expect_download() as got:
        page.click("#scorecard-csv")
    table = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text("utf-8"))))
    assert len(table) == rows.count()
    assert {"otif_share", "rejected_temperature_share", "remaining_days_at_handover"} <= \
        set(table[0])

    # The lot that came without its organic certificate: upload it on the trace page.
    lot_id = _quarantined_lot(demo_database)
    tab.goto(f"/trace?lot={lot_id}")
    page.wait_for_selector("#documents-card:not([hidden])")
    # The demo has one such lot: the first run finds it missing, later runs add another copy.
    if page.locator("#documents-table a").count() == 0:
        assert w["missing"] in page.inner_text("#documents-required").lower()
    page.click("#documents-upload summary")
    pdf = tmp_path / f"organic-{lang}-{size}.pdf"
    pdf.write_bytes(text_pdf(["Organic certificate", f"OC-{lang}-{size}"]))
    up = page.locator("#document-form")
    up.locator("select[name=kind]").select_option("organic")
    up.locator("input[name=issuer]").fill("China Organic Food Certification Center")
    up.locator("input[name=number]").fill(f"OC-{lang}-{size}")
    up.locator("input[name=valid_from]").fill("2026-01-01")
    up.locator("input[name=file]").set_input_files(str(pdf))
    page.click("#document-submit")
    page.wait_for_selector("#documents-flash.good")
    page.wait_for_selector(f"#documents-table a:has-text('{pdf.name}')")
    assert w["missing"] not in page.inner_text("#documents-required").lower()
    assert page.locator("#documents-release").is_visible()
    tab.shot(f"24-{name}-trace-certificate")
    link = page.locator(f"#documents-table a:has-text('{pdf.name}')")
    with page.expect_download() as got:
        link.click()
    assert Path(got.value.path()).read_bytes() == pdf.read_bytes()
