"""The scanning station on the floor, in Chromium against the demo, in Chinese and English,
at 1366×768 and on a 390×844 phone: a session that ends mid-scanning keeps the scans on the
device and sends them after signing in again, each once, with the key it got when scanned;
the same label twice waits for a confirmation; an error opens and focuses the field that
fixes it; a barcode that can never be read offers no retry; beeps and vibration for yes and
no, with a mute switch; the camera button only where there is a camera."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import PASSWORD, TIMEZONE, Pages

# The first test also waits for the demo to be built (minutes on a busy machine).
pytestmark = pytest.mark.timeout(900)

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
LOCALES = {"en": "en-GB", "zh": "zh-CN"}
SESSION_ENDED = {"en": "Your session has ended", "zh": "会话已结束"}
BOK_CHOY = "06901234000016"  # the demo's first product (A00001)


def expiry() -> str:
    return (date.today() + timedelta(days=9)).strftime("%y%m%d")


def label(lot: str, count: int | None = 12) -> str:
    return f"01{BOK_CHOY}|17{expiry()}|" + (f"37{count}|" if count else "") + f"10{lot}"


def moves_of(demo_database: dict, lot: str) -> list[tuple[str | None, int]]:
    """What the ledger holds for a lot: (idempotency key, quantity) per move."""
    from wms.db import make_engine, make_session_factory
    from wms.models import Lot, StockMove

    engine = make_engine(demo_database["url"])
    try:
        with make_session_factory(engine)() as session:
            return [tuple(r) for r in session.execute(
                select(StockMove.idempotency_key, StockMove.quantity).join(Lot)
                .where(Lot.lot_code == lot).order_by(StockMove.id)).all()]
    finally:
        engine.dispose()


def count_of(demo_database: dict, lot: str) -> int:
    return len(moves_of(demo_database, lot))


@pytest.fixture(params=[(lang, size) for lang in LOCALES for size in SIZES],
                ids=lambda p: f"{p[0]}-{p[1]}")
def station(request, browser, base_url, shots) -> Iterator[tuple[Pages, str, str]]:
    """A staff member's scanning station at SH1's receiving dock, in a language and size."""
    lang, size = request.param
    context = browser.new_context(viewport=SIZES[size], timezone_id=TIMEZONE,
                                  locale=LOCALES[lang])
    context.set_default_timeout(30_000)
    tab = Pages(context.new_page(), base_url, shots, size)
    tab.sign_in("staff-sh")
    tab.page.wait_for_url("**/scan")
    assert tab.page.locator("html").get_attribute("lang").startswith(lang)
    tab.page.fill("input[name=location]", "SH1-REC")
    yield tab, lang, size
    context.close()
    assert not tab.errors, tab.errors
    assert not tab.violations, "axe-core: " + "\n".join(tab.violations)


def scan(page, code: str) -> None:
    page.locator("#barcode").fill(code)
    page.locator("#barcode").press("Enter")


def tag(lang: str, size: str, what: str) -> str:
    return f"{what}-{lang}-{size[0]}".upper()


def test_a_session_ending_mid_scanning_loses_nothing(station, demo_database):
    tab, lang, size = station
    page = tab.page
    first, second, third = (tag(lang, size, w) for w in ("S1", "S2", "S3"))
    scan(page, label(first))
    page.wait_for_selector("#result.good")

    # The session ends (signed out elsewhere, the cookie gone): the scans go on.
    page.context.clear_cookies()
    scan(page, label(second))
    page.wait_for_selector("#result.queued")
    assert SESSION_ENDED[lang] in page.inner_text(".session-ended")
    assert "Authorization" not in page.inner_text("main")
    scan(page, label(third, 6))
    page.wait_for_function("document.getElementById('queue-count').textContent === '2'")
    assert page.locator("#queue").is_visible()
    kept = page.evaluate("JSON.parse(localStorage.getItem('wms.scan.queue.staff-sh'))")
    assert [k["body"]["barcode"] for k in kept] == [label(second), label(third, 6)]
    tab.shot(f"30-scan-session-ended-{lang}-{size}")
    assert count_of(demo_database, second) == 0

    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.headers.get("idempotency-key"))
            if r.url.endswith("/api/scans") and r.method == "POST" else None)
    page.click(".session-ended a")
    page.wait_for_url("**/signin?next=%2Fscan")
    page.fill("input[name=username]", "staff-sh")
    page.fill("input[name=password]", PASSWORD)
    page.click("#signin-submit")
    page.wait_for_url("**/scan")
    page.wait_for_selector("#queue", state="hidden")
    page.wait_for_function(f"document.getElementById('recent').textContent.includes('{third}')")

    # Sent in scanning order, each with the key it got when scanned; recorded once each.
    assert sent == [k["key"] for k in kept]
    assert moves_of(demo_database, second) == [(kept[0]["key"], 12)]
    assert moves_of(demo_database, third) == [(kept[1]["key"], 6)]

    # A scan the server already has (its answer was lost on the way) is answered as
    # recorded when it is sent again with its key, and not written twice.
    page.evaluate("(item) => localStorage.setItem('wms.scan.queue.staff-sh', "
                  "JSON.stringify([item]))", kept[0])
    page.reload()
    page.wait_for_selector("#queue", state="hidden")
    page.wait_for_selector("#result.idle")
    assert count_of(demo_database, second) == 1
    assert second in page.inner_text("#recent li:first-child")


def test_the_same_label_twice_waits_for_a_confirmation(station, demo_database):
    tab, lang, size = station
    page = tab.page
    lot = tag(lang, size, "TWICE")
    # The window as configured (WMS_SCAN_REPEAT_WINDOW_S), long enough for a slow machine.
    page.evaluate("document.getElementById('scan-form').dataset.repeatWindow = '3600'")
    scan(page, label(lot))
    page.wait_for_selector("#result.good")
    scan(page, label(lot))
    page.wait_for_selector("#result.warn")
    assert page.locator("#pending").is_visible()
    assert page.inner_text("#pending-code") == label(lot)
    tab.shot(f"31-scan-same-label-{lang}-{size}")
    assert count_of(demo_database, lot) == 1  # held, not recorded

    page.click("#discard")
    assert count_of(demo_database, lot) == 1
    scan(page, label(lot))
    page.wait_for_selector("#result.warn")
    page.click("#retry")  # "Record again": it is another unit
    page.wait_for_selector("#result.good")
    assert [q for _, q in moves_of(demo_database, lot)] == [12, 12]


def test_an_error_opens_and_focuses_the_field_that_fixes_it(station, demo_database):
    tab, lang, size = station
    page = tab.page
    lot = tag(lang, size, "GLU-A1")
    # A scanner that does not send the separator: the count ran into the lot.
    scan(page, f"01{BOK_CHOY}|17{expiry()}|10{lot}3712")
    page.wait_for_selector("#result.bad")
    result = page.inner_text("#result")
    assert "override_reason" not in result and "37" in result  # the hint names the count
    assert page.locator("details.more").get_attribute("open") is not None
    assert page.evaluate("document.activeElement.name") == "quantity"
    assert page.locator("#pending").is_visible()
    tab.shot(f"32-scan-field-focused-{lang}-{size}")
    page.fill("input[name=quantity]", "12")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result.good")
    assert [q for _, q in moves_of(demo_database, f"{lot}3712")] == [12]


GREEN_BEANS = "06901234000092"  # C00009: no other browser test orders or scans it


def open_orders_for_green_beans(demo_database: dict, run: str) -> list[str]:
    """Two purchase orders sent to SH1 for green beans, as a buyer places them."""
    from wms import purchasing
    from wms.db import make_engine, make_session_factory, transaction

    engine = make_engine(demo_database["url"])
    refs = []
    try:
        with transaction(make_session_factory(engine)) as session:
            for n in (1, 2):
                order = purchasing.create(session, {
                    "ref": f"PO-BEANS-{run}-{n}", "supplier": "SUP-SDV", "warehouse": "SH1",
                    "expected_date": date.today(),
                    "lines": [{"sku": "C00009", "quantity": 40, "unit_price": 4.2}]},
                    actor_id=None)
                purchasing.send(session, order)
                refs.append(order.ref)
    finally:
        engine.dispose()
    return refs


def received_on(demo_database: dict, ref: str) -> int:
    from wms import purchasing
    from wms.db import make_engine, make_session_factory

    engine = make_engine(demo_database["url"])
    try:
        with make_session_factory(engine)() as session:
            return sum(ln.received for ln in purchasing.get(session, ref).lines)
    finally:
        engine.dispose()


def test_receiving_a_product_open_on_two_orders_asks_which(station, demo_database):
    tab, lang, size = station
    page = tab.page
    first, second = open_orders_for_green_beans(demo_database, tag(lang, size, "R"))
    page.reload()  # the open orders are offered from the page
    page.fill("input[name=location]", "SH1-REC")
    lot = tag(lang, size, "BEAN")
    scan(page, f"01{GREEN_BEANS}|17{expiry()}|3712|10{lot}")
    page.wait_for_selector("#result.bad")
    assert "PO-" in page.inner_text("#result")  # the open orders are named (the first few)
    assert page.evaluate("document.activeElement.name") == "purchase_order"
    offered = page.eval_on_selector_all("#open-orders option", "os => os.map(o => o.value)")
    assert {first, second} <= set(offered)
    tab.shot(f"35-scan-which-order-{lang}-{size}")
    page.fill("input[name=purchase_order]", second)
    page.keyboard.press("Enter")
    page.wait_for_selector("#result.good")
    assert [q for _, q in moves_of(demo_database, lot)] == [12]
    assert (received_on(demo_database, first), received_on(demo_database, second)) == (0, 12)


def test_a_barcode_that_can_never_be_read_offers_no_retry(station):
    tab, lang, size = station
    page = tab.page
    scan(page, "0106901234000017")  # the check digit is wrong
    page.wait_for_selector("#result.bad")
    assert page.locator("#pending").is_hidden()
    assert page.locator("#retry").is_hidden()
    assert page.evaluate("document.activeElement.id") == "barcode"
    tab.shot(f"33-scan-bad-barcode-{lang}-{size}")

    # No connection is another matter: the same scan may still go through.
    page.route("**/api/scans/preview", lambda route: route.abort())
    scan(page, label(tag(lang, size, "NET")))
    page.wait_for_selector("#result.bad")
    assert page.locator("#retry").is_visible()


RECORDER = """
window.__beeps = []; window.__buzz = [];
navigator.vibrate = (pattern) => { window.__buzz.push(pattern); return true; };
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  createOscillator() {
    const osc = super.createOscillator();
    const start = osc.start.bind(osc);
    osc.start = (at) => { window.__beeps.push(osc.frequency.value); start(at); };
    return osc;
  }
};
"""


def test_beeps_and_vibration_for_yes_and_no_and_a_mute_switch(phone):
    page = phone.page
    page.add_init_script(RECORDER)
    phone.sign_in("staff-sh")
    page.fill("input[name=location]", "SH1-REC")
    scan(page, label("BEEP-1"))
    page.wait_for_selector("#result.good")
    scan(page, "0106901234000017")
    page.wait_for_selector("#result.bad")
    assert page.evaluate("window.__buzz") == [60, [140, 90, 140]]
    beeps = page.evaluate("window.__beeps")
    assert beeps[0] > 1000 and len(beeps) == 3 and all(f < 300 for f in beeps[1:])

    page.check("#mute")
    page.reload()
    assert page.is_checked("#mute")  # remembered on this device
    page.fill("input[name=location]", "SH1-REC")
    scan(page, "0106901234000017")
    page.wait_for_selector("#result.bad")
    assert page.evaluate("window.__beeps") == []
    assert page.evaluate("window.__buzz") == [[140, 90, 140]]


NO_CAMERA = "Object.defineProperty(navigator, 'mediaDevices', { value: undefined });"
CAMERA = """
Object.defineProperty(navigator, 'mediaDevices', { value: {
  enumerateDevices: async () => [{ kind: 'videoinput', deviceId: 'back', label: '' }],
  getUserMedia: async () => {
    const c = document.createElement('canvas'); c.width = 64; c.height = 48;
    c.getContext('2d').fillRect(0, 0, 64, 48);
    return c.captureStream(5);
  },
}});
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ['data_matrix', 'code_128', 'qr_code']; }
  constructor(opts) { window.__formats = opts.formats; }
  async detect() { return [{ format: 'data_matrix', rawValue: CODE }]; }
};
"""


def test_the_camera_button_only_where_there_is_a_camera(phone):
    page = phone.page
    page.add_init_script(NO_CAMERA)
    phone.sign_in("staff-sh")
    page.wait_for_load_state("networkidle")
    assert page.locator("#camera").is_hidden()


def test_a_code_the_camera_reads_is_scanned(phone, demo_database):
    page = phone.page
    code = f"]d201{BOK_CHOY}17{expiry()}\x1d3712\x1d10CAM-1"  # GS1 DataMatrix, ASCII 29
    page.add_init_script(CAMERA.replace("CODE", json.dumps(code)))
    phone.sign_in("staff-sh")
    page.fill("input[name=location]", "SH1-REC")
    page.wait_for_selector("#camera", state="visible")
    page.click("#camera")
    page.wait_for_selector("#result.good")
    assert "CAM-1" in page.inner_text("#recent li:first-child")
    assert "data_matrix" in page.evaluate("window.__formats")
    assert page.locator("#camera-view").is_hidden()
    assert [q for _, q in moves_of(demo_database, "CAM-1")] == [12]
    phone.shot("34-scan-camera")

