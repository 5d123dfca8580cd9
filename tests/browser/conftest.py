"""A real browser against the app served on 127.0.0.1 with a fresh demo database.

The demo (warehouses, stock, sensors, today's orders and published routes) is built once
per test session by ``wms demo load`` in a subprocess, and the app is served from a
thread by werkzeug. Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright.
Without Chromium or Playwright the tests skip on a laptop; under CI=true they fail.
Screenshots of every page go to ``bench/out/screenshots/`` (printed at the end).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
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


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def pytest_terminal_summary(terminalreporter):
    if SHOTS.exists() and any(SHOTS.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {SHOTS}")


class Pages:
    """A browser tab of the app, with sign-in and screenshots."""

    def __init__(self, page, base_url: str, shots: Path):
        self.page, self.base, self.shots = page, base_url, shots
        self.errors: list[str] = []
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

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


def _tab(browser, base_url: str, shots: Path, viewport: dict) -> Iterator[Pages]:
    context = browser.new_context(viewport=viewport, timezone_id=TIMEZONE, locale="en-GB")
    context.set_default_timeout(30_000)
    tab = Pages(context.new_page(), base_url, shots)
    yield tab
    context.close()
    assert not tab.errors, tab.errors


@pytest.fixture
def desktop(browser, base_url, shots) -> Iterator[Pages]:
    yield from _tab(browser, base_url, shots, {"width": 1280, "height": 900})


@pytest.fixture
def phone(browser, base_url, shots) -> Iterator[Pages]:
    yield from _tab(browser, base_url, shots, {"width": 390, "height": 844})
