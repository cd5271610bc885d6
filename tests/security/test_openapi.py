"""GET /api/v1/openapi.json: every /api/v1 route, valid OpenAPI 3.1, schemas shared with validation."""

from __future__ import annotations

import jsonschema_rs
from schemathesis.specs.openapi.definitions import OPENAPI_31

from app import request_schemas
from app.api import openapi_spec
from app.notices import schemas
from app.privacy import rights as privacy

METHODS = {"get", "post", "put", "patch", "delete"}


def api_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every registered /api/v1 rule."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path, _parameters = openapi_spec._path_and_parameters(rule.rule)
            found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_the_document_covers_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    listed = {
        (path, method) for path, item in document["paths"].items() for method in item if method in METHODS
    }
    assert listed == api_operations(app)
    undocumented = sorted(
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if operation.get("x-undocumented")
    )
    assert undocumented == [], "describe these endpoints in app/api/openapi_spec.py OPERATIONS"


def test_the_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    errors = [error.message for error in jsonschema_rs.validator_for(OPENAPI_31).iter_errors(document)]
    assert errors == []
    assert document["openapi"] == "3.1.0"
    for schema in document["components"]["schemas"].values():  # each schema is a valid JSON Schema
        jsonschema_rs.validator_for(schema | {"components": document["components"]})


def test_every_operation_documents_the_error_envelope_and_its_security(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemes = document["components"]["securitySchemes"]
    for path, item in document["paths"].items():
        for operation in item.values():
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, path
            for requirement in operation["security"]:
                assert set(requirement) <= set(schemes)
            for parameter in operation["parameters"]:
                if parameter["in"] == "path":
                    assert "{" + parameter["name"] + "}" in path


def test_request_bodies_come_from_the_models_that_validate_them(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    def body_schema(path, method):
        return paths[path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit(
            "/", 1
        )[1]

    assert body_schema("/api/v1/admin/notices", "post") == schemas.NoticeIn.__name__
    assert (
        body_schema("/api/v1/admin/notices/{notice_id}/translations/{locale}", "put")
        == schemas.TranslationIn.__name__
    )
    assert body_schema("/api/v1/me", "delete") == request_schemas.AccountDeletionIn.__name__
    assert privacy.require_confirmation.__globals__["AccountDeletionIn"] is request_schemas.AccountDeletionIn


def test_the_document_refuses_other_methods_with_the_envelope(client):
    response = client.post("/api/v1/openapi.json", json={})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_an_undescribed_route_is_flagged(app):
    from flask import Blueprint

    from app.api.openapi_spec import build_document

    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/api/v1/extra/<int:item>", "thing", lambda item: "", methods=["GET"])
    app.register_blueprint(extra)
    document = build_document(app.url_map.iter_rules(), version="test")
    operation = document["paths"]["/api/v1/extra/{item}"]["get"]
    assert operation["x-undocumented"] is True
    assert operation["parameters"][0]["schema"]["type"] == "integer"
