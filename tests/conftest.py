"""Fixtures shared by every layer of tests.

Databases: every test that asks for ``engine`` runs twice, on SQLite and on
PostgreSQL. Each test run creates its own PostgreSQL database (dropped at the
end) and each test starts from empty tables, so runs never see each other's rows.
Without PostgreSQL or Redis those tests are skipped on a laptop; under CI=true
a missing service fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

import coldchain.monitoring.models  # noqa: F401  (every table of the product is on Base.metadata)
import routing.dispatch.models  # noqa: F401
from tests import factories
from wms import migrations
from wms.db import make_engine, make_session_factory
from wms.models import Base

# The suite reads jobs' results from the answer that started them; the tests of background
# threads ask for WMS_JOBS=thread themselves.
os.environ.setdefault("WMS_JOBS", "inline")
# Tests place orders for today and tomorrow at any hour; the cut-off tests switch it on.
os.environ.setdefault("WMS_ORDER_CUTOFF", "off")

IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
PG_ADMIN_URL = os.environ.get(
    "WMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("WMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _unavailable(service: str, why: Exception) -> None:
    message = f"{service} is not reachable ({type(why).__name__}: {why})"
    if IN_CI:
        pytest.fail(f"{message}; under CI=true this is a failure, not a skip", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test run's own, migrated to head."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"wms_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _unavailable("PostgreSQL", exc)
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy instead of migrating again."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "wms.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine):
    return make_session_factory(engine)


@pytest.fixture
def world(sessions) -> factories.World:
    """Two small warehouses with zones, bins, a truck, pickup points, products and people."""
    return factories.build_world(sessions)


@pytest.fixture
def redis_url() -> str:
    try:
        from redis import Redis

        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        _unavailable("Redis", exc)
    return REDIS_URL


@pytest.fixture
def queue_name() -> str:
    """A queue of this test's own, so parallel runs never take each other's jobs."""
    return f"wms-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def app(database_url: str, world: factories.World, tmp_path: Path):
    from api.app import create_app

    app = create_app({"TESTING": True, "WMS_DATABASE_URL": database_url,
                      "WMS_REDIS_URL": "", "WMS_DOCUMENT_STORE": str(tmp_path / "documents")})
    yield app
    # Each test's app has its own pool: close it now rather than when it is collected, so
    # a long run never holds more PostgreSQL connections than one test needs.
    app.extensions["wms"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client, world: factories.World) -> factories.ApiClient:
    """The test client, signed in as one of the world's people by role name."""
    return factories.ApiClient(client, world.tokens)
