"""A real browser against the app served on 127.0.0.1 with a fresh demo database.

The demo (warehouses, stock, sensors, today's orders and published routes) is built once
per test session by ``wms demo load`` in a subprocess, and the app is served from a
thread by werkzeug. Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright.
Without Chromium or Playwright the tests skip on a laptop; under CI=true they fail.
Screenshots of every page go to ``bench/out/screenshots/`` (printed at the end).

Every page a test screenshots is also checked by axe-core (``tests/browser/vendor/``, a
test-only copy from npm, MPL-2.0; the app never serves it): a serious or critical
violation fails the test, and the counts per page and window size are printed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import IN_CI

CHROMIUM = os.environ.get("WMS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
# The demo's warehouses are in China; the browser reads their clocks the same way.
TIMEZONE = "Asia/Shanghai"
SHOTS = Path(__file__).resolve().parents[2] / "bench" / "out" / "screenshots"
PASSWORD = "coldchain-demo"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
# Impacts that fail a test; moderate and minor ones are counted and printed only.
BLOCKING = ("serious", "critical")
# (page path, size) → impact → violated nodes, for the summary at the end of the run.
AXE_COUNTS: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
# (page path, size) → seconds axe-core took on it at most, and how often it ran there.
AXE_SECONDS: dict[tuple[str, str], list[float]] = defaultdict(list)


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what}; under CI=true the browser tests must run", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[dev]')")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_api):
    browser = playwright_api.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory, playwright_api) -> dict:
    """A SQLite file filled by ``wms demo load``, and the demo's day and routed driver."""
    path = tmp_path_factory.mktemp("browser") / "demo.db"
    url = f"sqlite:///{path}"
    documents = str(path.parent / "documents")
    built = os.environ.get("WMS_BROWSER_DEMO_DB")
    if built:
        # A demo built today by `wms demo load` (on a busy machine it takes many minutes);
        # the tests work on a copy of it (its certificate files are not copied).
        shutil.copyfile(built, path)
    else:
        env = {**os.environ, "WMS_DATABASE_URL": url, "WMS_REDIS_URL": "", "TZ": TIMEZONE,
               "WMS_DOCUMENT_STORE": documents}
        wms = Path(sys.executable).with_name("wms")
        done = subprocess.run([str(wms), "demo", "load"], env=env, capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
    from routing.dispatch.models import Route
    from wms.db import make_engine, make_session_factory
    from wms.models import User

    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        route = session.scalars(select(Route).join(User, User.id == Route.driver_id)
                                .where(Route.delivery_date >= date.today())
                                .order_by(Route.delivery_date, Route.id)).first()
        assert route is not None, "the demo published no route with a driver"
        info = {"url": url, "day": route.delivery_date.isoformat(), "documents": documents,
                "driver": route.driver.username, "route_id": route.id}
    engine.dispose()
    return info


@pytest.fixture(scope="session")
def base_url(demo_database: dict) -> Iterator[str]:
    from werkzeug.serving import make_server

    from api.app import create_app
    from api.cli.demo import DEMO_WEBHOOK_SECRET
    from wms.db import make_engine, make_session_factory, transaction
    from wms.models import WebhookSubscription
    from wms.webhook_receiver import serve_in_thread

    # The demo storefront listens, as under `make demo`: order events are delivered, not
    # retried against a closed port by the server's delivery thread all through the run.
    receiver = serve_in_thread(DEMO_WEBHOOK_SECRET)
    engine = make_engine(demo_database["url"])
    with transaction(make_session_factory(engine)) as session:
        for sub in session.scalars(select(WebhookSubscription)):
            sub.url = f"http://127.0.0.1:{receiver.server_port}/webhooks"
    engine.dispose()
    # Jobs as a real installation without Redis runs them: in a thread, progress polled.
    app = create_app({"WMS_DATABASE_URL": demo_database["url"], "WMS_REDIS_URL": "",
                      "WMS_JOBS": "thread", "SECRET_KEY": os.urandom(16).hex(),
                      "WMS_DOCUMENT_STORE": demo_database["documents"]})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    receiver.shutdown()
    receiver.server_close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def pytest_terminal_summary(terminalreporter):
    if SHOTS.exists() and any(SHOTS.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {SHOTS}")
    if AXE_COUNTS:
        terminalreporter.write_sep("-", "axe-core: violated nodes per page and size")
        for (path, size), counts in sorted(AXE_COUNTS.items()):
            shown = ", ".join(f"{impact} {counts.get(impact, 0)}"
                              for impact in ("critical", "serious", "moderate", "minor"))
            took = AXE_SECONDS.get((path, size), [0.0])
            terminalreporter.write_line(f"{path:<28} {size:<8} {shown}   "
                                        f"({len(took)} runs, longest {max(took):.1f} s)")


class Pages:
    """A browser tab of the app, with sign-in and screenshots."""

    def __init__(self, page, base_url: str, shots: Path, size: str = "desktop"):
        self.page, self.base, self.shots, self.size = page, base_url, shots, size
        self.errors: list[str] = []
        self.violations: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", self._offline_only)

    def _offline_only(self, request) -> None:
        if not (request.url.startswith(self.base) or request.url.startswith("data:")):
            self.errors.append(f"request left the app: {request.url}")

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def sign_in(self, username: str) -> None:
        self.goto("/signin")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("#signin-submit")
        self.page.wait_for_load_state()

    def shot(self, name: str, *, full_page: bool = True) -> None:
        # A whole day's pick list is a long page: shooting it takes a while on a busy machine.
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full_page,
                             timeout=120_000)
        self.axe()

    def axe(self) -> list[dict]:
        """Run axe-core on the page as it stands; serious and critical violations are
        kept for the end of the test. Evaluated through the browser's debugging protocol,
        so the page's Content-Security-Policy stays as it is."""
        started = time.monotonic()
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
        found = self.page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length})))")
        path = self.page.url.removeprefix(self.base).split("?")[0] or "/"
        AXE_SECONDS[(path, self.size)].append(time.monotonic() - started)
        counts = AXE_COUNTS[(path, self.size)]
        for impact in ("critical", "serious", "moderate", "minor"):
            counts.setdefault(impact, 0)
        for v in found:
            counts[v["impact"]] = max(counts[v["impact"]], 0) + v["count"]
            if v["impact"] in BLOCKING:
                self.violations.append(f"{path} {self.size}: {v['impact']} {v['id']} "
                                       f"({v['help']}) on {v['count']}: {v['nodes']}")
        return found


def _tab(browser, base_url: str, shots: Path, size: str, locale: str = "en-GB"
         ) -> Iterator[Pages]:
    context = browser.new_context(viewport=SIZES[size], timezone_id=TIMEZONE, locale=locale)
    context.set_default_timeout(30_000)
    tab = Pages(context.new_page(), base_url, shots, size)
    tab.lang = locale[:2]
    yield tab
    context.close()
    assert not tab.errors, tab.errors
    assert not tab.violations, "axe-core: " + "\n".join(tab.violations)


@pytest.fixture
def desktop(browser, base_url, shots) -> Iterator[Pages]:
    yield from _tab(browser, base_url, shots, "desktop")


@pytest.fixture
def phone(browser, base_url, shots) -> Iterator[Pages]:
    yield from _tab(browser, base_url, shots, "phone")


@pytest.fixture(params=[("en", "desktop"), ("en", "phone"), ("zh", "desktop"), ("zh", "phone")],
                ids=lambda p: f"{p[0]}-{p[1]}")
def tab(request, browser, base_url, shots) -> Iterator[Pages]:
    """A tab in each language and window size: the browser asks for that language."""
    lang, size = request.param
    yield from _tab(browser, base_url, shots, size, "zh-CN" if lang == "zh" else "en-GB")
