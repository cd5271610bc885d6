"""The request schemas in the OpenAPI document agree with what each route accepts and refuses.

For each route that checks its body by hand, sample bodies are judged twice: by the document's
JSON Schema and by the route. A body the schema refuses must be refused by the route as malformed
(400 request.invalid or 422 request.validation); a body the schema accepts must not be.
"""

from __future__ import annotations

import jsonschema_rs
import pytest

from app.accounts import service_points
from app.api.openapi_spec import OPERATIONS

SHAPE_CODES = {"request.invalid", "request.validation", "account.delete_not_confirmed"}
LONG = "x" * 65

SAMPLES = {
    ("POST", "/api/v1/auth/login", "api.auth.login"): [
        {"code": "abc"},
        {"code": "abc", "language": "zh_CN"},
        {"code": ""},
        {"code": "x" * 129},
        {"code": 5},
        {},
    ],
    ("PATCH", "/api/v1/me", "api.me.update"): [{"locale": "en"}, {"locale": None}, {}, {"locale": 5}],
    ("POST", "/api/v1/flows/verify", "api.flows.submit"): [
        {"step": "start", "action": "continue"},
        {"step": "start", "action": "continue", "answers": None},
        {"step": "start", "action": "continue", "answers": {"a": "b"}},
        {"step": 1, "action": "continue"},
        {"step": "start"},
        {"step": "start", "action": "continue", "answers": []},
        {"step": LONG, "action": "continue"},
        {"step": "start", "action": LONG},
        {"step": "start", "action": "continue", "answers": {str(i): i for i in range(21)}},
    ],
    ("POST", "/api/v1/qr/verify", "api.qr.verify_qr"): [{"payload": "abc"}, {"payload": 5}, {}],
    ("POST", "/api/v1/subscriptions", "api.subscriptions.report"): [
        {"results": {"tmpl_a": "accept", "errMsg": "requestSubscribeMessage:ok"}},
        {"results": {"tmpl_a": "reject"}, "report_id": "r-1"},
        {"results": {}},
        {"results": {"tmpl_a": "maybe"}},
        {"results": {"bad id!": "accept"}},
        {"results": ["accept"]},
        {},
    ],
    ("POST", "/api/v1/admin/auth", "api.admin_api.auth"): [
        {"username": "someone", "password": "secret"},
        {"username": "", "password": "x"},
        {"username": "someone"},
        {"username": 5, "password": "x"},
    ],
    ("DELETE", "/api/v1/me", "api.privacy.delete_account"): [
        {"confirm": True},
        {"confirm": False},
        {"confirm": 1},
        {"confirm": "true"},
        {},
    ],
}


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def body_validator(document, path: str, method: str):
    """A JSON Schema validator for the operation's request body, with the document's components."""
    operation = document["paths"][path][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return jsonschema_rs.validator_for({**schema, "components": document["components"]})


@pytest.mark.parametrize(("method", "path", "endpoint"), list(SAMPLES))
def test_schema_and_route_agree_on_sample_bodies(
    app, client, login, document, wechat_emulator, method, path, endpoint
):
    _point, key = service_points.create_service_point("Schema counter")
    access = OPERATIONS[endpoint].access
    template = path.replace("/flows/verify", "/flows/{name}")
    validator = body_validator(document, template, method)
    for body in SAMPLES[(method, path, endpoint)]:
        headers = {"X-Service-Point-Key": key} if access == "service_point" else login()
        response = client.open(path, method=method, json=body, headers=headers)
        payload = response.get_json(silent=True) or {}
        refused_as_malformed = payload.get("error", {}).get("code") in SHAPE_CODES
        assert validator.is_valid(body) is not refused_as_malformed, (body, response.status_code, payload)
