"""Every error leaves as ``application/problem+json`` (RFC 9457).

Validation errors carry ``errors``: field (or CSV line) → messages. An unhandled
exception becomes a plain 500 problem: the traceback goes to the log, never to
the client.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from flask_smorest import Api
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from wms.errors import DomainError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, *,
            errors: Any = None, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


class ProblemApi(Api):
    """flask-smorest's Api with its JSON errors replaced by problem documents."""

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        # webargs nests messages under the location ("json", "query"); keep it, it says where.
        detail = data.get("message") or error.description
        if errors and error.code in (400, 422):
            detail = "the request has invalid fields: " + ", ".join(_paths(errors))
        return problem(error.code or 500, error.name, detail, errors=errors,
                       headers=data.get("headers"))


def _paths(errors: Any, prefix: str = "") -> list[str]:
    if not isinstance(errors, dict):
        return [prefix.rstrip(".")] if prefix else []
    out: list[str] = []
    for key, value in errors.items():
        if isinstance(value, dict):
            out.extend(_paths(value, f"{prefix}{key}."))
        else:
            out.append(f"{prefix}{key}")
    return out


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return problem(exc.status, exc.title, exc.detail,
                       errors=getattr(exc, "errors", None), **exc.extra)

    @app.errorhandler(DataError)
    def _data(exc: DataError):
        # Last line of defence: the schemas should have named the field already. The
        # database refused a value (too long, too large, not text); the request's
        # uncommitted changes are rolled back.
        log.warning("value refused by the database on %s %s: %s", request.method,
                    request.path, exc.orig)
        return problem(422, "Unprocessable input",
                       "a value does not fit its database column (too long or too large)")

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception):
        if isinstance(exc, HTTPException):
            return app.extensions["wms-api"].handle_http_exception(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "Internal Server Error",
                       "the server hit an unexpected error; it has been logged")
