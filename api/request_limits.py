"""What a JSON body may be before anything reads it: its size and its nesting depth.

Runs before every view. A body over the size limit is refused from its Content-Length
alone (413), before a byte of it is parsed; a body nested deeper than any schema of the
API (32 levels) is refused (422) instead of reaching code that recurses per level. The
parsed document is kept on the request, so views reading ``request.get_json()`` do not
parse it again.
"""

from __future__ import annotations

import json
import re

from flask import Flask, current_app, request

from api.errors import problem
from wms.i18n import N_

# The largest body of the API is a batch of 10,000 readings (about 1 MB); an order of
# 500 lines is 20 KB. Files go through /api/readings/files, under MAX_CONTENT_LENGTH.
MAX_JSON_BYTES = 4 * 1024 * 1024
# The deepest schema (a stop's delivery lines with their exceptions) nests 4 levels.
MAX_JSON_DEPTH = 32


def check_json_body():
    if not request.is_json:
        return None
    length = request.content_length
    if length is not None and length > MAX_JSON_BYTES:
        return _too_large(length)
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:  # chunked: no Content-Length to go by
        return _too_large(len(raw))
    if not raw:
        return None
    try:
        document = json.loads(raw)
    except RecursionError:
        return _too_deep()
    except ValueError:
        return None  # not JSON: the view's parser names that
    if _deeper_than(document, MAX_JSON_DEPTH):
        return _too_deep()
    # Flask's own cache of the parsed body (silent and strict reads alike).
    request._cached_json = (document, document)
    return None


def _deeper_than(document, limit: int) -> bool:
    """Level by level, so the walk itself never recurses."""
    level, depth = [document], 0
    while level:
        containers = [v for v in level if isinstance(v, dict | list)]
        if not containers:
            return False
        depth += 1
        if depth > limit:
            return True
        level = [c for v in containers for c in (v.values() if isinstance(v, dict) else v)]
    return False


def _too_large(length: int):
    return problem(413, N_("Content Too Large"),
                   N_("a JSON body may have at most {most} bytes; this one has {length} bytes",
                      most=MAX_JSON_BYTES, length=length))


def _too_deep():
    return problem(422, N_("Unprocessable input"),
                   N_("the JSON body is nested too deep: at most {most} levels of arrays and "
                      "objects", most=MAX_JSON_DEPTH),
                   errors={"json": [N_("nested deeper than {most} levels", most=MAX_JSON_DEPTH)]})


def check_query_names():
    """A query parameter the operation does not document is refused, not ignored: a typo
    (``?warehose=SH1``) would otherwise widen a filter to everything silently."""
    if not request.args or request.url_rule is None or not request.path.startswith("/api/"):
        return None
    allowed = _documented_query_names().get((request.url_rule.rule, request.method.lower()))
    if allowed is None:
        return None  # not in the document (pages, docs)
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        return problem(422, N_("Unprocessable input"),
                       N_("the request has invalid fields: {fields}",
                          fields=", ".join(f"query.{name}" for name in unknown)),
                       errors={"query": {name: ["Unknown field."] for name in unknown}})
    return None


def _documented_query_names() -> dict[tuple[str, str], set[str]]:
    cache = current_app.extensions.get("wms-query-names")
    if cache is None:
        spec = current_app.extensions["wms-api"].spec.to_dict()
        cache = {}
        for rule in current_app.url_map.iter_rules():
            item = spec["paths"].get(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
            for method, op in (item or {}).items():
                if isinstance(op, dict) and "responses" in op:
                    cache[(rule.rule, method)] = {p["name"] for p in op.get("parameters", [])
                                                  if p.get("in") == "query"}
        current_app.extensions["wms-query-names"] = cache
    return cache


def init_app(app: Flask) -> None:
    app.before_request(check_json_body)
    app.before_request(check_query_names)
