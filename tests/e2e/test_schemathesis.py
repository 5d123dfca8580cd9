"""Schemathesis against the served app: every operation of the OpenAPI document, with
data that fits the document and data that does not, signed in as admin on a small
warehouse world. It fails on any 5xx and on any answer the document does not describe
(status, media type, headers, body), on valid data refused and on invalid data accepted.

The WSGI app runs in-process; each operation gets a bounded number of examples so the
whole run stays within a few minutes on two cores."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy import delete

from tests import factories
from wms import migrations
from wms.db import make_engine, make_session_factory
from wms.models.auth import AuthFailure

MAX_EXAMPLES = 25
# An inline route plan runs the solver for its time limit (up to 600 s) inside the
# request when there is no Redis; the planner has its own tests (test_dispatch_*).
SLOW = {("POST", "/api/route-plans")}


def _serve():
    """The app on a migrated SQLite file with the test world in it, and an admin token.

    Built when the module is collected: schemathesis' eager ``parametrize`` needs the
    document then (its fixture-based loader does not run on this pytest)."""
    from api.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="wms-schemathesis-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    url = f"sqlite:///{folder / 'wms.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    world = factories.build_world(make_session_factory(engine))
    engine.dispose()
    app = create_app({"TESTING": True, "WMS_DATABASE_URL": url, "WMS_REDIS_URL": "",
                      "WMS_DOCUMENT_STORE": str(folder / "documents")})
    return app, world.tokens["admin"]


# Every check runs. One is tuned, not dropped: a request can fit the document and still
# name a thing that does not exist or a state that forbids it (an unknown vehicle code, an
# expired lot, a location of another zone). The API answers those 422 naming the field,
# which the document lists, so 422 counts as a fair answer to schema-valid data; a 400,
# 413, 415 or 428 for valid data still fails the run. And a scanner write without its
# Idempotency-Key answers 428 Precondition Required (RFC 6585), the status the document
# lists for it, not the 400 the check expects of a missing header by default.
CONFIG = SchemathesisConfig.from_dict({
    "checks": {
        "enabled": True,
        "missing_required_header": {"expected-statuses": [
            400, 401, 403, 406, 415, 422, 428]},
        "positive_data_acceptance": {"expected-statuses": [
            "2XX", "3XX", 401, 403, 404, 409, 422]},
    },
    "generation": {"max-examples": MAX_EXAMPLES},
})
APP, TOKEN = _serve()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP, config=CONFIG)
for _method, _path in SLOW:
    schema = schema.exclude(method=_method, path=_path)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_document_says(case):
    _forget_failed_credentials()
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})


def _forget_failed_credentials() -> None:
    """Each generated case is a client of its own. Without this the check that sends
    invalid credentials soon meets the sign-in throttle (429, tested in
    test_sign_in_throttle.py) instead of the 401 it looks for."""
    with APP.app_context():
        session = APP.extensions["wms"].sessions()
        session.execute(delete(AuthFailure))
        session.commit()
        session.close()
