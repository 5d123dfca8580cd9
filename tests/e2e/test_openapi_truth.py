"""The OpenAPI document describes the API it serves, checked over the whole document:
headers the views require, bodies they read, files they take, the media type and schema
of every answer, and dates as ISO 8601."""

from __future__ import annotations

import re

import pytest

PROBLEM = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def doc_app():
    from api.app import create_app

    return create_app({"TESTING": True, "WMS_DATABASE_URL": "sqlite:///:memory:"})


@pytest.fixture(scope="module")
def spec(doc_app) -> dict:
    return doc_app.test_client().get("/api/openapi.json").json


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _response(spec: dict, response: dict) -> dict:
    ref = response.get("$ref")
    return spec["components"]["responses"][ref.rsplit("/", 1)[1]] if ref else response


def _openapi_path(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _idempotent_operations(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in METHODS:
            fn = getattr(view_class, method, None) if view_class else None
            if fn is not None and getattr(fn, "idempotent", False):
                out.add((_openapi_path(rule), method))
    return out


def test_every_idempotent_write_documents_its_header_and_428(doc_app, spec):
    wrapped = _idempotent_operations(doc_app)
    assert len(wrapped) >= 10  # scans, moves, picking, loading, deliveries, recalls
    for path, method in wrapped:
        op = spec["paths"][path][method]
        header = [p for p in op.get("parameters", [])
                  if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert header and header[0]["required"], (method, path)
        assert "428" in op["responses"], (method, path)


def test_no_other_operation_claims_the_header(doc_app, spec):
    wrapped = _idempotent_operations(doc_app)
    for path, method, op in _operations(spec):
        if (path, method) not in wrapped:
            assert not any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))


def test_every_error_response_is_a_problem_document(spec):
    for path, method, op in _operations(spec):
        for status, response in op["responses"].items():
            if status == "default" or int(status) >= 400:
                content = _response(spec, response)["content"]
                assert list(content) == [PROBLEM], (method, path, status)
                assert content[PROBLEM]["schema"] == {"$ref": PROBLEM_REF}


def test_every_operation_documents_the_errors_it_can_answer(spec):
    for path, method, op in _operations(spec):
        statuses = set(op["responses"])
        assert {"401", "403", "500", "503"} <= statuses, (method, path)
        if "requestBody" in op or op.get("parameters"):
            assert "422" in statuses, (method, path)
        if "requestBody" in op:
            assert {"400", "413"} <= statuses, (method, path)
        if method != "get":
            assert {"404", "409"} <= statuses, (method, path)
        assert "default" not in statuses, (method, path)


def test_the_problem_schema_has_the_rfc_9457_members(spec):
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(
        problem["properties"])
    assert problem.get("additionalProperties", True) is not False


def test_every_success_response_has_a_schema(spec):
    for path, method, op in _operations(spec):
        successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert successes, (method, path)
        for status, response in successes.items():
            content = _response(spec, response).get("content")
            assert content, (method, path, status)
            for media, body in content.items():
                assert body.get("schema"), (method, path, status, media)


def test_every_body_the_views_read_is_documented(spec):
    readings = spec["paths"]["/api/readings"]["post"]["requestBody"]
    assert readings["required"]
    assert "application/json" in readings["content"]
    upload = spec["paths"]["/api/readings/files"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    ref = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    form = spec["components"]["schemas"][ref]
    assert form["properties"]["file"] == {"type": "string", "format": "binary",
                                          "description": form["properties"]["file"][
                                              "description"]}
    assert "file" in form["required"]


def test_the_pagination_header_is_a_json_string(spec):
    header = spec["components"]["headers"]["PAGINATION"]["schema"]
    assert header["type"] == "string"
    assert header["contentMediaType"] == "application/json"


def test_list_bodies_document_their_maximum(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["OrderIn"]["properties"]["lines"]["maxItems"] == 500
    assert schemas["ReadingBatch"]["properties"]["readings"]["maxItems"] == 10_000
    assert schemas["Delivery"]["properties"]["lines"]["maxItems"] == 1_000


def test_dates_are_iso_8601_in_answers_built_with_and_without_schemas(api, world, sessions):
    from datetime import date, timedelta

    from tests.factories import receive

    receive(sessions, world, "C00002", "ISO-1", "SH1-REC", 3,
            expiry=date.today() + timedelta(days=9))
    stock = api.as_("admin").get("/api/stock", query_string={"warehouse": "SH1"}).json
    assert stock[0]["expiry_date"] == (date.today() + timedelta(days=9)).isoformat()
    lot_id = stock[0]["lot_id"]
    facts = api.as_("buyer").get(f"/api/lots/{lot_id}/facts").json
    assert facts["expiry_date"] == stock[0]["expiry_date"]


def test_the_stock_schema_says_the_expiry_is_a_date(spec):
    expiry = spec["components"]["schemas"]["Stock"]["properties"]["expiry_date"]
    assert expiry["format"] == "date"
