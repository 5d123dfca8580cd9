"""Every error leaves as ``application/problem+json`` (RFC 9457).

Validation errors carry ``errors``: field (or CSV line) → messages. An unhandled
exception becomes a plain 500 problem: the traceback goes to the log, never to
the client. ``title``, ``detail`` and the field messages are in the reader's language
(``api.i18n``): messages made with ``wms.i18n.N_`` are translated with their values,
plain ones (HTTP reasons, marshmallow's) are looked up in the catalogue as they are.
"""

from __future__ import annotations

import http
import logging
from typing import Any

import psycopg
import redis.exceptions
from apispec import BasePlugin
from flask import Flask, Response, current_app, g, json, request
from flask_smorest import Api
from flask_smorest.spec import prepare_response
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from api.i18n import tr
from api.runtime import close_db, first_line
from wms import idempotency
from wms.db import is_unavailable
from wms.errors import DomainError, ValidationFailed, flatten
from wms.i18n import N_
from wms.jobs import QueueUnavailable

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, *,
            errors: Any = None, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": tr(title),
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = tr(detail)
    if errors:
        body["errors"] = tr(errors)
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


IDEMPOTENCY_HEADER = idempotency.HEADER
# What any API operation can answer, whatever it does: no or a bad token, a role or a
# warehouse it may not use, an unexpected error, and the database or queue unreachable.
EVERY_OPERATION = (401, 403, 429, 500, 503)


class ProblemApi(Api):
    """flask-smorest's Api with its JSON errors replaced by problem documents, in the
    answers and in the OpenAPI document alike."""

    def __init__(self, app: Flask | None = None, **kwargs: Any) -> None:
        from api.schemas.common import ProblemSchema

        self.ERROR_SCHEMA = ProblemSchema
        spec_kwargs = kwargs.setdefault("spec_kwargs", {})
        spec_kwargs.setdefault("extra_plugins", []).append(ProblemDocPlugin())
        super().__init__(app, **kwargs)

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        # webargs nests messages under the location ("json", "query"); keep it, it says where.
        detail = data.get("message") or error.description
        if errors and error.code in (400, 422):
            detail = N_("the request has invalid fields: {fields}",
                        fields=", ".join(_paths(errors)))
        headers = dict(data.get("headers") or {})
        # 405 says which methods the path has (werkzeug's own headers carry it).
        headers.update({k: v for k, v in error.get_headers() if k == "Allow"})
        return problem(error.code or 500, error.name, detail, errors=errors,
                       headers=headers)

    def _register_responses(self):
        """Every error response of the document is a problem, as every error answer is."""
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def _register_pagination_header(self):
        # The header's value is JSON text, not an object in OpenAPI's "simple" style.
        self.spec.components.header("PAGINATION", {
            "description": "page, page size, total, first, last, previous and next page "
                           "as a JSON object",
            "schema": {"type": "string", "contentMediaType": "application/json",
                       "contentSchema": {"$ref": "#/components/schemas/PaginationMetadata"}},
        }, lazy=True)


class ProblemDocPlugin(BasePlugin):
    """Documents what every operation can answer besides its success, from what it is:
    any operation 401/403/500/503; one with parameters or a body 422 (and 404 when it
    looks something up); one with a body 400 (not JSON) and 413 (too large); one that
    writes 409; a scanner write its ``Idempotency-Key`` header and 428. Each error is an
    ``application/problem+json`` document. flask-smorest's catch-all ``default``
    response is dropped: the statuses are listed one by one, so a client (and the
    conformance tests) can rely on them."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        path_params = bool(rule is not None and rule.arguments)
        for method, op in (operations or {}).items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            responses.pop("default", None)
            params = op.get("parameters") or []
            has_body = "requestBody" in op
            idempotent = op.pop("x-idempotent", False)
            statuses = set(EVERY_OPERATION)
            if params or has_body or path_params:
                statuses |= {404, 422}
            if has_body:
                statuses |= {400, 413}
            if method in ("post", "put", "patch", "delete"):
                statuses |= {404, 409, 422}
            if idempotent:
                statuses |= {409, 428}
                if not any(p.get("name") == IDEMPOTENCY_HEADER for p in params):
                    op["parameters"] = [*params, {
                        "name": IDEMPOTENCY_HEADER, "in": "header", "required": True,
                        "description": "a new unique value per write, the same value when "
                                       "retrying it: a retry answers as the first time "
                                       "and writes nothing; without it the answer is 428",
                        "schema": {"type": "string", "pattern": r"\S",
                                   "maxLength": idempotency.MAX_LENGTH}}]
            for status in statuses:
                responses.setdefault(str(status), http.HTTPStatus(status).name)
            for status, response in list(responses.items()):
                if int(status) >= 400 and isinstance(response, dict):
                    # An alt_response with only a description: keep it, with the problem.
                    response["content"] = {PROBLEM: {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}


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
    register_fault_handlers(app)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        errors = getattr(exc, "errors", None)
        detail = exc.detail
        if isinstance(exc, ValidationFailed) and exc.detail_from_errors:
            # Made of the field messages: made again from them in the reader's language.
            detail = "; ".join(flatten(tr(errors)))
        return problem(exc.status, exc.title, detail, errors=errors, **exc.extra)

    @app.errorhandler(DataError)
    def _data(exc: DataError):
        # Last line of defence: the schemas should have named the field already. The
        # database refused a value (too long, too large, not text); the request's
        # uncommitted changes are rolled back.
        log.warning("value refused by the database on %s %s: %s", request.method,
                    request.path, exc.orig)
        return problem(422, N_("Unprocessable input"),
                       N_("a value does not fit its database column (too long or too large)"))

    @app.errorhandler(Exception)
    def _unhandled(exc: Exception):
        if isinstance(exc, HTTPException):
            return app.extensions["wms-api"].handle_http_exception(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, N_("Internal Server Error"),
                       N_("the server hit an unexpected error; it has been logged"))


# --- faults of the services underneath: the database and the job queue ---------------------

DB_RETRY_AFTER_S = 2
QUEUE_RETRY_AFTER_S = 10
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def register_fault_handlers(app: Flask) -> None:
    """A lost database connection or an unreachable queue is a 503 with Retry-After.

    Reads are retried once on a fresh connection (the pool drops connections of a
    restarted server, and pre-ping catches the rest at checkout). Writes are not: a
    commit cut off mid-way may or may not have happened, so the client repeats the
    request with its Idempotency-Key and gets either the first answer or a new write.
    """

    @app.errorhandler(DBAPIError)
    @app.errorhandler(DisconnectionError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(psycopg.InterfaceError)
    def _database(exc: Exception):
        if not is_unavailable(exc):
            log.exception("unhandled error on %s %s", request.method, request.path)
            return problem(500, N_("Internal Server Error"),
                           N_("the server hit an unexpected error; it has been logged"))
        # One line, no traceback: the cause is outside the code, and a restart of the
        # database would otherwise bury the log in identical stacks.
        log.warning("database connection lost or refused on %s %s: %s", request.method,
                    request.path, first_line(exc))
        close_db()
        if request.method in _SAFE_METHODS and not g.get("db_retried"):
            g.db_retried = True
            try:
                answer = current_app.preprocess_request()
                return answer if answer is not None else current_app.dispatch_request()
            except Exception as again:
                return current_app.handle_user_exception(again)
        return problem(503, N_("Service Unavailable"),
                       N_("the database connection was lost or refused; retry the request in "
                          "{seconds} s (scanner writes with the same Idempotency-Key)",
                          seconds=DB_RETRY_AFTER_S),
                       headers={"Retry-After": str(DB_RETRY_AFTER_S)})

    @app.errorhandler(QueueUnavailable)
    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    def _queue(exc: Exception):
        log.warning("job queue unreachable on %s %s: %s: %s", request.method, request.path,
                    type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
        return problem(503, N_("Service Unavailable"),
                       N_("the job queue is unreachable, nothing was started; retry in "
                          "{seconds} s", seconds=QUEUE_RETRY_AFTER_S),
                       headers={"Retry-After": str(QUEUE_RETRY_AFTER_S)})
