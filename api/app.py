"""The Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from flask import Flask, send_from_directory
from werkzeug.routing import IntegerConverter, UnicodeConverter

from api import credentials, errors, i18n, policy, request_limits, web
from api.auth import guard_request
from api.iso_json import IsoJSONProvider
from api.runtime import Runtime, close_db
from wms import outbox_delivery
from wms.db import make_engine, make_session_factory
from wms.document_store import store_from_setting
from wms.settings import INSTANCE_DIR, Settings, load_or_create_secret

SWAGGER_ASSETS = Path(swagger_ui_bundle.swagger_ui_path)

_SETTINGS_KEYS = {
    "WMS_DATABASE_URL": "database_url",
    "WMS_REDIS_URL": "redis_url",
    "WMS_SECRET_KEY": "secret_key",
    "WMS_QUEUE": "queue_name",
    "WMS_JOBS": "job_mode",
    "WMS_SCAN_SEPARATOR": "scan_separator",
    "WMS_SCAN_REPEAT_WINDOW_S": "scan_repeat_window_s",
    "WMS_READING_MAX_SKEW_MIN": "reading_max_skew_min",
    "WMS_PO_OVER_RECEIPT_PCT": "po_over_receipt_pct",
    "WMS_ORDER_CUTOFF": "order_cutoff",
    "WMS_OUTBOX_MAX_ATTEMPTS": "outbox_max_attempts",
    "WMS_OUTBOX_BACKOFF_S": "outbox_backoff_s",

    "WMS_DOCUMENT_STORE": "document_store",
}


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in a path: a row id, so at most a 32-bit INTEGER; a larger number
    matches no route (404) instead of failing in the database."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """A path segment (a code, a reference): no NUL character, which PostgreSQL refuses."""

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides Flask settings and ``WMS_*`` environment values."""
    config = dict(config or {})
    overrides = {attr: config.pop(key) for key, attr in _SETTINGS_KEYS.items() if key in config}
    settings = Settings.from_env(**overrides)
    instance_dir = Path(config.pop("WMS_INSTANCE_DIR", None) or INSTANCE_DIR)
    secret_key = (config.get("SECRET_KEY") or settings.secret_key
                  or load_or_create_secret(instance_dir))

    app = Flask(__name__)
    app.url_map.converters.update(int=RowIdConverter, default=TextConverter,
                                  string=TextConverter)
    app.json = IsoJSONProvider(app)
    app.config.update(
        SECRET_KEY=secret_key,
        API_TITLE="coldchain-wms",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Served from the installed swagger-ui-bundle: the docs work with no internet.
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        API_SPEC_OPTIONS={
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "info": {"description": "Stock ledger, scanning, routes, cold chain and "
                                    "traceability for a fresh-food cold chain."},
        },
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
    )
    app.config.update(config)

    engine = make_engine(settings.database_url)
    app.extensions["wms"] = Runtime(settings, engine, make_session_factory(engine))
    dispatcher = outbox_delivery.Dispatcher(
        factory=app.extensions["wms"].sessions, mode=settings.outbox_mode,
        database_url=engine.url.render_as_string(hide_password=False),
        redis_url=settings.redis_url, queue_name=settings.queue_name,
        policy=outbox_delivery.Policy.from_settings(settings))
    dispatcher.watch(app.extensions["wms"].sessions)
    app.extensions["wms-outbox"] = dispatcher
    if settings.outbox_mode == "thread":
        dispatcher.kick()  # what waited while no process ran (the demo's first events)

    app.extensions["wms-documents"] = store_from_setting(settings.document_store, instance_dir)

    i18n.init_app(app)
    api = errors.ProblemApi(app)
    app.extensions["wms-api"] = api
    errors.register(app)
    credentials.init_app(app)
    app.before_request(guard_request)
    request_limits.init_app(app)
    app.teardown_appcontext(close_db)

    @app.get("/api/docs/assets/<path:filename>")
    @policy.rule("public")
    def swagger_assets(filename: str):
        return send_from_directory(SWAGGER_ASSETS, filename)

    # Registers the "lsfo" allocation strategy before any request can ask for it.
    import coldchain.monitoring.allocation
    import routing.dispatch.order_events  # noqa: F401  (the ETA of out-for-delivery events)
    from api.blueprints import (
        accounts,
        catalog,
        coldchain,
        documents,
        enterprise,
        health,
        jobs,
        leader,
        moves,
        orders,
        outbox,
        picking,
        purchasing,
        reading_voids,
        repacks,
        routes,
        scans,
        sorting,
        stock,
        trace,
        warehouses,
    )

    app.register_blueprint(health.bp)
    for module in (accounts, warehouses, catalog, jobs, scans, moves, stock, orders, picking,
                   coldchain, reading_voids, routes, trace, purchasing, leader, outbox,
                   sorting, enterprise, documents, repacks):
        api.register_blueprint(module.blp)
    app.register_blueprint(routes.pages)
    # The pages people sign in to; their JavaScript calls the API above.
    web.init_app(app)
    return app
