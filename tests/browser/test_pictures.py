"""Pictures and clocks a person can read, in Chromium, in English and Chinese: the lot's
temperature chart (a line, an axis that holds every reading, the band and each peak, one
row per excursion, the measured share), the route map (districts, a scale, routes shown one
at a time, stop numbers that do not cover one another), the warehouse's clock in a browser
set to New York, and the alerts page on a phone. Figures measured are printed."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Pages

# The first test of a run also waits for the demo database to be built.
pytestmark = pytest.mark.timeout(1200)

WORDS = {
    "en": {"coverage": "Temperature measured for", "all": "All routes"},
    "zh": {"coverage": "温度实测覆盖", "all": "全部线路"},
}


def use_language(tab: Pages, lang: str) -> None:
    """Choose the page language with the switch on the page (it sticks to the user)."""
    html = "zh-Hans-CN" if lang == "zh" else "en"
    if tab.page.locator("html").get_attribute("lang") != html:
        tab.page.click(f".lang-switch button[value={lang}]")
        tab.page.wait_for_selector(f"html[lang={html}]")


@pytest.fixture
def speak():
    """``speak(tab, "zh")`` chooses the language; afterwards, pass or fail, each user is
    back to the browser's language, so later tests read the pages in English."""
    tabs: list[Pages] = []

    def use(tab: Pages, lang: str) -> None:
        tabs.append(tab)
        use_language(tab, lang)
    yield use
    for tab in tabs:
        done = tab.page.evaluate(
            "WMS.api('PUT', '/api/me/language', { language: null }).then((r) => r.ok)")
        if not done:
            use_language(tab, "en")


def svg_texts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "els => els.map((e) => e.textContent)")


def drawn_px(page, selector: str) -> float:
    """The smallest font size, in CSS pixels as shown, of the SVG texts ``selector``."""
    return page.evaluate("""(sel) => {
      const texts = [...document.querySelectorAll(sel)];
      if (!texts.length) return 0;
      return Math.min(...texts.map((el) => {
        const svg = el.ownerSVGElement;
        const ratio = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(el.getAttribute("font-size")) * ratio;
      }));
    }""", selector)


def _held_lot_with_an_excursion(tab: Pages) -> tuple[int, dict]:
    """A lot of the demo that sat through an excursion, and what the API says of it (asked
    the way the pages ask, with the page's session)."""
    # A language switch just before reloads the page: ask once its script is there.
    tab.page.wait_for_function("() => typeof WMS !== 'undefined'")
    found = tab.page.evaluate("""async () => {
      const alerts = await WMS.api("GET", "/api/alerts?status=open&page_size=100");
      if (!alerts.ok) return { error: alerts.data };
      for (const alert of alerts.data) {
        for (const lot of alert.lots || []) {
          const temp = await WMS.api("GET", `/api/lots/${lot.lot_id}/temperature?max_points=600`);
          const seen = temp.ok && temp.data.events.length && temp.data.points.length;
          if (seen) return { id: lot.lot_id, temp: temp.data };
        }
      }
      return { error: "no held lot with an excursion and readings" };
    }""")
    assert "error" not in found, found
    return found["id"], found["temp"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_temperature_chart_reads_on_a_phone(phone, speak, lang):
    phone.sign_in("buyer")
    speak(phone, lang)
    page = phone.page
    lot_id, temp = _held_lot_with_an_excursion(phone)
    phone.goto(f"/trace?lot={lot_id}")
    page.wait_for_selector("#temp-chart svg.chart")
    svg = page.locator("#temp-chart svg.chart")
    # a line of the readings, not one dot
    assert page.locator("#temp-chart polyline.reading-line").count() >= 1
    drawn = sum(len(p.split()) for p in page.eval_on_selector_all(
        "#temp-chart polyline.reading-line", "els => els.map(e => e.getAttribute('points'))"))
    assert drawn >= min(len(temp["points"]), 2)
    # the axis covers every reading, the allowed band (0–4 °C chilled) and every peak
    y_min, y_max = float(svg.get_attribute("data-y-min")), float(svg.get_attribute("data-y-max"))
    readings = [c for _, c in temp["points"]]
    peaks = [e["peak_c"] for e in temp["events"] if e["peak_c"] is not None]
    assert y_min <= min(readings) and y_max >= max(readings + peaks)
    band = page.locator("#temp-chart rect.band").bounding_box()
    plot = svg.bounding_box()
    assert band["height"] > 0 and band["y"] >= plot["y"]
    # each excursion marked with its peak, and one table row per event
    assert page.locator("#temp-chart g.peak").count() == len(peaks)
    shown_peaks = svg_texts(page, "#temp-chart g.peak text")
    assert all("°C" in text for text in shown_peaks)
    rows = page.locator("#temp-excursions tbody tr")
    assert rows.count() == len(temp["events"])
    lasted = rows.first.locator("td").nth(2).inner_text()
    spoken = r"\d+ (min|h \d\d min|d \d+ h)|\d+ (分钟|小时 \d\d 分钟|天 \d+ 小时)"
    assert re.search(spoken, lasted), lasted
    assert not re.search(r"\d+\.\d+", lasted)
    # the measured share of the lot's time, in words
    coverage = page.inner_text("#temp-coverage")
    assert WORDS[lang]["coverage"] in coverage and "%" in coverage
    # legible on a 390 px phone: axis labels at least 11 px as drawn
    size = drawn_px(page, "#temp-chart text.y-tick, #temp-chart text.x-tick")
    print(f"chart [{lang}] on 390 px: {drawn} points drawn, y {y_min}..{y_max} °C, "
          f"peaks {peaks}, {rows.count()} excursion rows, axis labels {size:.1f} px")
    assert size >= 11
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.shot(f"20-trace-chart-phone-{lang}")


def _stop_overlaps(page) -> int:
    return page.evaluate("""() => {
      const boxes = [...document.querySelectorAll("svg.map g.stop > circle[r='11']")]
        .map((c) => c.getBoundingClientRect());
      const depot = document.querySelector("svg.map g.depot rect").getBoundingClientRect();
      const hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
        && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
      let n = 0;
      boxes.forEach((a, i) => {
        if (hit(a, depot)) n++;
        boxes.slice(i + 1).forEach((b) => {
          const d = Math.hypot((a.left + a.right - b.left - b.right) / 2,
                               (a.top + a.bottom - b.top - b.bottom) / 2);
          if (d < (a.width + b.width) / 2 - 0.5) n++;
        });
      });
      return n;
    }""")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_route_map_has_districts_a_scale_and_routes_one_at_a_time(phone, demo_database,
                                                                      speak, lang):
    phone.sign_in("dispatch-sh")
    speak(phone, lang)
    page = phone.page
    phone.goto(f"/dispatch?date={demo_database['day']}")
    page.wait_for_selector("svg.map path.district")
    routes = page.locator(".route-card").count()
    assert routes > 1
    districts = page.locator("svg.map path.district").count()
    names = svg_texts(page, "svg.map text.district-name")
    assert districts == 16 and names  # Shanghai's sixteen districts, those in view named
    if lang == "zh":
        assert all(name.endswith("区") for name in names), names
    else:
        assert all(re.fullmatch(r"[A-Z][a-z']+", name) for name in names), names
    assert page.locator("svg.map g.scale-bar").count() == 1
    assert re.search(r"\d+ (km|公里)", svg_texts(page, "svg.map g.scale-bar text")[0])
    assert page.locator("svg.map polyline.route-line").count() == routes
    # every stop of every route is on the map (as a dot when a phone has no room for numbers)
    stops_all = page.locator("svg.map g.stop, svg.map g.stop-dot").count()
    assert stops_all == page.locator(".route-card tbody tr").count()
    overlaps_all = _stop_overlaps(page)
    phone.shot(f"21-dispatch-map-phone-{lang}")
    # one route alone: only its line and its stops
    page.locator("#map-legend [data-show='1']").click()
    page.wait_for_selector("#map-legend [data-show='1'][aria-pressed=true]")
    assert page.locator("svg.map polyline.route-line").count() == 1
    assert page.locator("svg.map polyline.route-line").get_attribute("data-route") == "1"
    stops = page.locator("svg.map g.stop").count()
    assert stops == page.locator(".route-card").nth(1).locator("tbody tr").count()
    assert page.locator("svg.map g.stop:not([data-route='1'])").count() == 0
    assert page.locator("svg.map path.district").count() == 16
    overlaps_one = _stop_overlaps(page)
    size = drawn_px(page, "svg.map g.stop text")
    phone.shot(f"22-dispatch-map-one-route-{lang}")
    page.get_by_role("button", name=WORDS[lang]["all"]).click()
    page.wait_for_selector("#map-legend [data-show='all'][aria-pressed=true]")
    assert page.locator("svg.map polyline.route-line").count() == routes
    print(f"map [{lang}] on 390 px: {routes} routes, {stops_all} stops, {districts} districts, "
          f"stop numbers "
          f"{size:.1f} px, overlapping stop markers: {overlaps_all} (all), {overlaps_one} "
          f"(one route)")
    assert size >= 11 and overlaps_all == 0 and overlaps_one == 0


@pytest.fixture
def new_york(browser, base_url, shots):
    """A laptop whose clock is set to New York, reading Shanghai's warehouse."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  timezone_id="America/New_York", locale="en-US")
    context.set_default_timeout(30_000)
    tab = Pages(context.new_page(), base_url, shots)
    yield tab
    context.close()
    assert not tab.errors, tab.errors
    assert not tab.violations, "axe-core: " + "\n".join(tab.violations)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_browser_in_new_york_shows_the_warehouse_clock(new_york, speak, lang):
    tab = new_york
    tab.sign_in("staff-sh")
    speak(tab, lang)
    page = tab.page
    zone = "CST (Asia/Shanghai)" if lang == "en" else "中国标准时间"
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == \
        "America/New_York"
    # the page scripts' one formatter: 17:00 UTC is 01:00 in Shanghai, 12:00 in New York
    shown = page.evaluate("WMS.when('2026-12-01T17:00:00Z')")
    assert "01:00" in shown and zone in shown and "12:00" not in shown
    assert page.evaluate("WMS.clock(new Date('2026-12-01T17:00:00Z'))").startswith("01:00:00")
    tab.goto("/alerts")
    times = page.locator("time[datetime]")
    assert times.count() > 0
    for el in times.all()[:20]:
        stamp = el.get_attribute("datetime")
        assert stamp.endswith("+08:00"), stamp
        hh_mm = stamp[11:16]
        text = el.inner_text()
        assert hh_mm in text and zone in text, (stamp, text)
    # alert texts never give UTC "17:00Z" beside local times
    texts = " ".join(page.locator("#alerts .msg").all_inner_texts())
    assert not re.search(r"\d\d:\d\dZ\b", texts)
    assert re.search(r"\d\d:\d\d CST", texts) or not texts
    tab.shot(f"23-alerts-new-york-{lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_alerts_page_is_compact_on_a_phone(phone, speak, lang):
    phone.sign_in("staff-sh")
    speak(phone, lang)
    page = phone.page
    phone.goto("/alerts")
    cards = page.locator("[data-alert]")
    n = cards.count()
    assert n > 0
    folded = page.evaluate("document.documentElement.scrollHeight")
    assert page.locator("[data-alert] details[open]").count() == 0
    phone.shot(f"24-alerts-phone-{lang}")
    # details on demand: the first card opens to its lots and buttons
    first = cards.first
    first.locator("summary").click()
    assert first.locator("input[name=comment]").is_visible()
    page.evaluate("document.querySelectorAll('[data-more]').forEach((d) => d.open = true)")
    unfolded = page.evaluate("document.documentElement.scrollHeight")
    print(f"alerts [{lang}] on 390×844: {n} cards, {folded} px folded, {unfolded} px unfolded "
          f"({folded / n:.0f} px a card)")
    assert folded <= 170 * n + 700
    assert folded < unfolded


def test_the_alert_cards_stay_open_on_a_desktop(desktop):
    desktop.sign_in("staff-sh")
    desktop.goto("/alerts")
    page = desktop.page
    assert page.locator("[data-alert] details[open]").count() == \
        page.locator("[data-alert]").count()
