"""Each role does its whole day's job in Chromium from the fresh demo, through the pages
only (clicks and typing; the test reads the database only to choose whom to sign in as),
in Chinese and in English, on a 1366×768 screen and a 390×844 phone. Every run works on
objects of its own (another warehouse, day, route or product), so the runs share one demo
database in any order. Screenshots of each step go to ``bench/out/screenshots/roles-*``;
axe-core checks each of them (``conftest.Pages.axe``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations

from tests.browser.conftest import TIMEZONE
from tests.browser.staff_steps import every_truck_shown, order_with_a_lot_of_its_own, recall

pytestmark = pytest.mark.timeout(600)

CATALOGUE = Translations.load(str(Path(__file__).resolve().parents[2] / "api" / "translations"),
                              ["zh"])
# Which of the demo's objects each run works on, by its language and window size.
RUNS = {"en-desktop": 0, "en-phone": 1, "zh-desktop": 2, "zh-phone": 3}
CITY = ["sh", "bj", "gz", "sh"]
WAREHOUSE = ["SH1", "BJ1", "GZ1", "SH1"]
DRIVEN = ["SH1-T02", "GZ1-T02", "BJ1-T02", "SH1-T03"]
RECALLED_SKU = ["C00002", "C00003", "C00004", "C00005"]
GTIN_BOK_CHOY = "06901234000016"


def say(tab, msgid: str, **values) -> str:
    """What the page says for ``msgid`` in the tab's language, filled in like the pages
    fill it (``{n}`` in page scripts, ``%(n)s`` in templates)."""
    text = CATALOGUE.gettext(msgid) if tab.lang == "zh" else msgid
    for key, value in values.items():
        text = text.replace(f"{{{key}}}", str(value)).replace(f"%({key})s", str(value))
    return text


def shot(tab, name: str) -> None:
    """The window as the person sees it (a whole day's pick list is too long to shoot)."""
    tab.shot(name, full_page=False)


def reloading(page, action) -> None:
    """Do what the page answers by showing the ledger again (it reloads once done)."""
    with page.expect_navigation(timeout=60_000):
        action()


def run_of(tab) -> int:
    return RUNS[f"{tab.lang}-{tab.size}"]


def sign_in(tab, username: str) -> None:
    """Sign in, then choose the run's language with the switch of the page (it is kept on
    the user, whatever an earlier run chose)."""
    tab.sign_in(username)
    page = tab.page
    want = "zh-Hans-CN" if tab.lang == "zh" else "en"
    if page.locator("html").get_attribute("lang") != want:
        page.click(f".lang-switch button[value={tab.lang}]")
        page.wait_for_selector(f"html[lang={want}]")


def local_today() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


# --- staff -------------------------------------------------------------------------------

def test_staff_receive_pick_load_and_resolve_held_lots(tab, browser):
    run, page = run_of(tab), tab.page
    name = f"roles-staff-{tab.lang}-{tab.size}"
    sign_in(tab, f"staff-{CITY[run]}")
    assert page.url.endswith("/scan")
    # Receive by scan, as a keyboard-wedge scanner types the label.
    page.fill("input[name=location]", f"{WAREHOUSE[run]}-REC")
    expiry = (local_today() + timedelta(days=9)).strftime("%y%m%d")
    lot = f"ROLE{run}{tab.lang.upper()}"
    page.locator("#barcode").press_sequentially(f"01{GTIN_BOK_CHOY}|17{expiry}|3712|10{lot}")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result.good")
    assert lot in page.inner_text("#recent li:first-child")
    assert ("上海青" if tab.lang == "zh" else "Bok choy") in page.inner_text("#parsed")
    shot(tab, f"{name}-1-scan")

    # The pick list: which order, bin and lot; pick the first order still to pick.
    page.click(".mainnav a[href='/pick-lists']")
    page.wait_for_selector("#pick-orders")
    assert page.locator(".pick-table tbody tr").count() > 0
    assert say(tab, "Sorting by pickup point") in page.inner_text(".sorting h2")
    ref, own_lot = order_with_a_lot_of_its_own(page)
    shot(tab, f"{name}-2-pick-list")
    reloading(page, page.locator(f"[data-pick='{ref}']").click)
    page.wait_for_selector(f"tr[data-order='{ref}'] .badge.picked")
    assert page.locator(f"[data-pick='{ref}']").count() == 0

    # The loading dock: the picked order goes on its truck.
    page.click(".mainnav a[href='/loading']")
    every_truck_shown(page)
    load = page.locator(f"[data-load='{ref}']")
    # An order with chilled and frozen lines may ride on two vehicles: load it on each.
    routes = load.evaluate_all("bs => bs.map(b => b.closest('[data-route]').dataset.route)")
    for route in routes:
        card = page.locator(f"[data-route='{route}']")
        card.locator(f"[data-load='{ref}']").click()
        card.locator(".flash.good").wait_for()
        rows = card.locator("table.load-table tbody tr", has_text=ref)
        assert rows.count() > 0
        assert all(say(tab, "Loaded") in r.inner_text() for r in rows.all())
    shot(tab, f"{name}-3-loading")

    # The buyer recalls a lot now on the truck: staff release its reservations and bring
    # its units back from the truck.
    recall(browser, tab.base, tab.shots, own_lot)
    page.click(".mainnav a[href='/holds']")
    held = page.locator(f"[data-code='{own_lot}']")
    held.wait_for()
    assert "recalled" in held.locator(".badge").first.get_attribute("class")
    page.once("dialog", lambda d: d.accept())
    reloading(page, held.locator("[data-do=reservations]").click)
    held = page.locator(f"[data-code='{own_lot}']")
    truck = held.locator("[data-place][data-field='1']").first
    truck.wait_for()
    assert held.locator("[data-do=reservations]").count() == 0
    shot(tab, f"{name}-4-recalled-on-truck")
    truck.locator("input[name=reason]").fill("recalled by the supplier")
    reloading(page, truck.locator("[data-do=return]").click)
    page.wait_for_selector(f"[data-code='{own_lot}'] [data-place$='-QRT']")

    # Held lots: one the cold chain held (an alert waits on it) goes back to stock, units
    # of one held without an alert are scrapped in place with a witness.
    page.click(".mainnav a[href='/holds']")
    page.wait_for_selector("#holds")
    alerted = page.locator("[data-lot]", has=page.locator("a[href$='/alerts']")).nth(run)
    quiet = page.locator("[data-lot]:not(:has(a[href$='/alerts']))").nth(run)
    released, scrapped = alerted.get_attribute("data-code"), quiet.get_attribute("data-code")
    shot(tab, f"{name}-5-holds")
    alerted.locator("[name=release_reason]").fill("probe check 2.8 °C")
    page.once("dialog", lambda d: d.accept())
    reloading(page, alerted.locator("[data-do=release]").click)
    page.wait_for_selector(f"[data-code='{scrapped}']")
    assert page.locator(f"[data-code='{released}']").count() == 0
    quiet = page.locator(f"[data-code='{scrapped}']")
    row = quiet.locator("[data-place]").first
    place = row.get_attribute("data-place")
    before = int(row.locator("input[name=quantity]").get_attribute("max"))
    row.locator("input[name=quantity]").fill("1")
    row.locator("input[name=reason]").fill("crushed crates")
    row.locator("input[name=witnessed_by]").fill("Wang Fang")
    page.once("dialog", lambda d: d.accept())
    reloading(page, row.locator("[data-do=scrap]").click)
    if before > 1:
        page.wait_for_selector(f"[data-code='{scrapped}'] [data-place='{place}'] "
                               f"input[name=quantity][max='{before - 1}']")
    shot(tab, f"{name}-6-holds-done")


# --- dispatcher ----------------------------------------------------------------------------

def test_dispatcher_enters_imports_allocates_plans_and_publishes(tab):
    run, page = run_of(tab), tab.page
    name = f"roles-dispatch-{tab.lang}-{tab.size}"
    day = (local_today() + timedelta(days=run + 1)).isoformat()
    sign_in(tab, f"dispatch-{CITY[run]}")
    assert "/dispatch" in page.url
    tab.goto(f"/dispatch?date={day}")
    points = [o.get_attribute("value") for o in
              page.locator("#order-form select[name=pickup_point] option").all()]
    # One order typed in.
    page.click("#order-entry summary")
    page.fill("#order-form input[name=external_ref]", f"ROLE-{run}-ONE")
    page.select_option("#order-form select[name=pickup_point]", points[0])
    page.fill("#order-form input[name=sku]", "C00006")
    page.fill("#order-form input[name=quantity]", "3")
    page.click("#order-form button[type=submit]")
    page.wait_for_selector("#order-flash.good")
    page.wait_for_selector(f"#orders >> text=ROLE-{run}-ONE")
    # Two from a file.
    page.click("#order-import summary")
    csv = ("external_ref,pickup_point,delivery_date,sku,quantity\n"
           f"ROLE-{run}-CSV1,{points[1]},{day},C00007,2\n"
           f"ROLE-{run}-CSV1,{points[1]},{day},C00008,1\n"
           f"ROLE-{run}-CSV2,{points[2]},{day},C00006,1\n")
    page.set_input_files("#import-form input[name=file]", files=[
        {"name": "orders.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-flash.good")
    page.wait_for_selector(f"#orders >> text=ROLE-{run}-CSV2")
    shot(tab, f"{name}-1-orders")
    # Allocate, then again: nothing is left to allocate.
    page.click("#allocate")
    page.wait_for_selector("#allocate-flash.good")
    page.wait_for_selector(f"#allocate >> text={say(tab, 'Allocate again')}")
    page.click("#allocate")
    page.wait_for_selector("#allocate-flash.info")
    # Plan: the progress bar moves while the job runs in the web process (no Redis).
    widths: list[str] = []
    page.expose_binding("recordWidth", lambda _source, w: widths.append(w))
    page.evaluate("""() => new MutationObserver(() => window.recordWidth(
        document.getElementById('job-bar').style.width)).observe(
        document.getElementById('job-bar'), {attributes: true})""")
    page.select_option("select[name=time_limit_s]", "5")
    page.click("#plan-form button")
    page.wait_for_url("**plan=*", timeout=120_000)
    assert len(set(widths)) >= 2, widths
    page.wait_for_selector("svg.map")
    routes = page.locator(".route-card").count()
    assert routes > 0 and page.locator("svg.map polyline").count() == routes
    shot(tab, f"{name}-2-plan")
    page.once("dialog", lambda d: d.accept())
    page.click("#publish")
    page.wait_for_selector("#publish-flash.good")
    assert say(tab, "Published") in page.inner_text("#publish-flash")
    shot(tab, f"{name}-3-published")


# --- driver --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def routes_driven(demo_database) -> dict[str, dict]:
    """Today's published route of each vehicle the runs drive, and its first stop."""
    from routing.dispatch.manifests import published_routes
    from wms.db import make_engine, make_session_factory

    engine = make_engine(demo_database["url"])
    out = {}
    with make_session_factory(engine)() as session:
        # Only published plans' routes reach a driver; a draft planned by another test
        # for the same day has routes of the same vehicles.
        published = published_routes(session, date.fromisoformat(demo_database["day"]))
        taken: set[int] = set()
        for code in DRIVEN:
            # The vehicle named, if the plan gave it a route; else another of its warehouse
            # (the planner decides which trucks the day needs).
            driven = [r for r in published if r.driver_id is not None and r.id not in taken
                      and r.vehicle.code.startswith(code[:4])]
            route = next((r for r in driven if r.vehicle.code == code),
                         driven[0] if driven else None)
            assert route is not None, f"the demo published no route of {code[:3]} today"
            taken.add(route.id)
            out[code] = {"id": route.id, "driver": route.driver.username,
                         "vehicle": route.vehicle.code}
    engine.dispose()
    return out


def _staff_loads(browser, base_url, shots, warehouse: str, route_id: int,
                 refs: list[str]) -> None:
    """The warehouse picks and loads the stop's orders, on its own pages."""
    from tests.browser.conftest import _tab

    tabs = _tab(browser, base_url, shots, "desktop")
    staff = next(tabs)
    staff.sign_in(f"staff-{warehouse[:2].lower()}")
    page = staff.page
    staff.goto("/pick-lists")
    for ref in refs:
        button = page.locator(f"[data-pick='{ref}']")
        if button.count():
            reloading(page, button.click)
            page.wait_for_selector(f"tr[data-order='{ref}'] .badge.picked")
    staff.goto("/loading")
    every_truck_shown(page)
    card = page.locator(f"[data-route='{route_id}']")
    for ref in refs:
        button = card.locator(f"[data-load='{ref}']")
        if button.count():
            button.click()
            card.locator(".flash.good").wait_for()
            card.locator(f"[data-load='{ref}']").wait_for(state="detached")
    next(tabs, None)


def test_driver_confirms_a_stop_with_a_short_line(tab, browser, base_url, shots,
                                                  routes_driven):
    run, page = run_of(tab), tab.page
    name = f"roles-driver-{tab.lang}-{tab.size}"
    route = routes_driven[DRIVEN[run]]
    sign_in(tab, route["driver"])
    assert "/driver" in page.url
    first = page.locator("[data-stop]:not(.done)").first
    first.wait_for()
    refs = sorted({li.get_attribute("data-order") for li in first.locator(".handover li").all()})
    shot(tab, f"{name}-1-route")
    # The printable manifest opens from the page, with the page's session.
    page.click(f"a[href='/manifests/{route['id']}']")
    page.wait_for_selector("h1")
    assert route["vehicle"] in page.inner_text("h1")
    assert page.locator("table").count() > 0
    shot(tab, f"{name}-2-manifest")
    page.go_back()
    first = page.locator("[data-stop]:not(.done)").first
    # Goods that are not on the truck cannot be confirmed: a sentence says why.
    unloaded = first.locator(".handover li[data-loaded='0']")
    if unloaded.count():
        product = unloaded.first.get_attribute("data-product")
        first.locator("[data-confirm]").click()
        first.locator(".flash.bad").wait_for()
        refusal = first.locator(".flash.bad").inner_text()
        assert product in refusal and "lines[" not in refusal
        assert say(tab, "Not sent") in refusal
        shot(tab, f"{name}-3-refused")
    _staff_loads(browser, tab.base, shots, DRIVEN[run][:3], route["id"], refs)
    page.reload()
    first = page.locator("[data-stop]:not(.done)").first
    seq = first.get_attribute("data-stop")
    lines = first.locator(".handover li")
    n_lines = lines.count()
    assert n_lines == first.locator(".line-state.loaded").count()
    # One line is short by a unit: only that line asks for the quantity.
    short = lines.first
    short.locator("[data-problem]").click()
    assert page.locator(f"[data-stop='{seq}'] .exc-row:visible").count() == 1
    short.locator("select[name=kind]").select_option("short")
    short.locator("input[name=quantity]").fill("1")
    short.locator("input[name=reason]").fill("one crate missing")
    first.locator("[data-confirm]").click()
    page.wait_for_selector(f"[data-stop='{seq}'].done")
    done = page.locator(f"[data-stop='{seq}']")
    outcome = done.locator(".handover li").first.locator(".outcome").inner_text()
    assert say(tab, "short") in outcome and "1" in outcome
    assert done.locator(".outcome").count() == n_lines  # ``first`` is the next stop now
    assert "exceptions" in done.locator(".badge").get_attribute("class")
    shot(tab, f"{name}-4-confirmed")


# --- buyer ---------------------------------------------------------------------------------

def test_buyer_traces_recalls_and_ends_the_recall(tab):
    run, page = run_of(tab), tab.page
    name = f"roles-buyer-{tab.lang}-{tab.size}"
    sign_in(tab, "buyer")
    assert page.url.endswith("/trace")
    sku = RECALLED_SKU[run]
    page.fill("input[name=q]", sku)
    page.click("#search button[type=submit]")
    hit = page.locator("#results li", has=page.locator(".badge.available")).first
    hit.wait_for()
    hit.locator("[data-open]").click()
    page.wait_for_selector("#lot-status .badge")
    lot = page.get_attribute("#lot-title", "data-lot")
    assert page.locator("#moves li").count() >= 1
    shot(tab, f"{name}-1-trace")
    page.click("#recall-open")
    page.fill("#recall-form input[name=reason]", "supplier notice: possible contamination")
    page.check("#recall-form input[name=sure]")
    page.once("dialog", lambda d: d.accept())
    page.click("#recall-form button[type=submit]")
    page.wait_for_selector("#recall-flash.good")
    page.wait_for_selector("#lot-status .badge.recalled")
    # The search results say so too.
    page.click("#search button[type=submit]")
    row = page.locator("#results li", has_text=lot).first
    row.locator(".badge.recalled").wait_for()
    assert say(tab, "recalled").lower() in row.inner_text().lower()
    shot(tab, f"{name}-2-recalled")
    row.locator("[data-open]").click()
    page.wait_for_selector("#release-form:not([hidden])")
    page.fill("#release-form input[name=reason]", "lab test negative")
    page.once("dialog", lambda d: d.accept())
    # The recall's own message is still showing: wait for the answer to this submit.
    before = page.inner_text("#recall-flash")
    page.click("#release-form button[type=submit]")
    page.wait_for_function("(before) => document.getElementById('recall-flash').innerText "
                           "!== before", arg=before)
    flash = page.locator("#recall-flash")
    assert "good" in (flash.get_attribute("class") or ""), flash.inner_text()
    page.wait_for_selector("#lot-status .badge:not(.recalled)")
    shot(tab, f"{name}-3-released")
