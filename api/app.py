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
from wms.db import make_engine, make_session_factory
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
    from api.blueprints import (
        accounts,
        catalog,
        coldchain,
        health,
        jobs,
        moves,
        orders,
        picking,
        purchasing,
        reading_voids,
        routes,
        scans,
        stock,
        trace,
        warehouses,
    )

    app.register_blueprint(health.bp)
    for module in (accounts, warehouses, catalog, jobs, scans, moves, stock, orders, picking,
                   coldchain, reading_voids, routes, trace, purchasing):
        api.register_blueprint(module.blp)
    app.register_blueprint(routes.pages)
    # The pages people sign in to; their JavaScript calls the API above.
    web.init_app(app)
    return app
