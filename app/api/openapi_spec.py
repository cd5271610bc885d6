"""The OpenAPI 3.1 document of /api/v1, built from the app's routes and the request models.

Every `/api/v1` rule of the URL map appears; what a route needs (who may call it, its body, its
query parameters) comes from OPERATIONS, keyed by endpoint. An endpoint missing there is still
listed, marked `x-undocumented`, and the test of this document fails until it is described, so a
new route cannot slip in without saying who may call it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from app import request_schemas as schemas
from app.client_texts import ClientTexts
from app.notices.schemas import NoticeIn, SubscriptionReportIn, TranslationIn

API_PREFIX = "/api/v1"
#: What an `<int:…>` path segment accepts (app/api/converters.py): a signed 64-bit integer.
MAX_PATH_ID = 2**63 - 1

#: Who may call a route: nobody in particular, a signed-in user, a service point's key, an admin.
PUBLIC, USER, SERVICE_POINT, ADMIN = "public", "user", "service_point", "admin"


@dataclass(frozen=True)
class Operation:
    """What the document says about one endpoint."""

    access: str
    summary: str
    body: type[BaseModel] | None = None
    query: dict[str, dict] = field(default_factory=dict)
    permission: str | None = None  # the admin permission it needs
    response: type[BaseModel] | None = None  # the success body, where clients rely on its shape


_YEAR = {"type": "string", "pattern": "^[0-9]{4}$"}
_PAGE = {"type": "integer", "minimum": 1}

OPERATIONS: dict[str, Operation] = {
    "api.auth.login": Operation(PUBLIC, "Sign in with a wx.login code", schemas.LoginIn),
    "api.auth.logout": Operation(USER, "End this session"),
    "api.locales.list_locales": Operation(PUBLIC, "Languages on offer"),
    "api.client_texts.show": Operation(
        PUBLIC, "Texts the mini program shows outside screen documents", response=ClientTexts
    ),
    "api.guides.list_guides": Operation(PUBLIC, "Every guide"),
    "api.guides.show_guide": Operation(
        PUBLIC,
        "One page of a guide",
        query={"page": {"type": "string"}, "category": {"type": "string", "enum": ["A", "B", "C"]}},
    ),
    "api.glossary.search_glossary": Operation(
        PUBLIC, "Search the glossary", query={"q": {"type": "string", "maxLength": 100}}
    ),
    "api.me.show": Operation(USER, "The signed-in user"),
    "api.me.update": Operation(USER, "Save the user's language", schemas.LocaleIn),
    "api.privacy.export": Operation(USER, "Everything held about the user"),
    "api.privacy.withdraw_consent": Operation(USER, "Withdraw a consent"),
    "api.privacy.delete_account": Operation(USER, "Delete the account", schemas.AccountDeletionIn),
    "api.flows.show": Operation(USER, "The current screen of a journey"),
    "api.flows.submit": Operation(USER, "Answer the current screen", schemas.FlowSubmissionIn),
    "api.card.show_card": Operation(USER, "Card status and holder"),
    "api.card.show_permit": Operation(USER, "The current work permit"),
    "api.card.show_insurances": Operation(USER, "The five insurances"),
    "api.card.list_contributions": Operation(
        USER,
        "A year of contributions",
        query={
            "year": _YEAR,
            "cursor": {"type": "string"},
            "limit": {"type": "string", "pattern": "^[0-9]{1,3}$"},
            "format": {"type": "string", "enum": ["json", "csv"]},
        },
    ),
    "api.card.export_contributions": Operation(USER, "Contributions as CSV", query={"year": _YEAR}),
    "api.qr.issue_qr": Operation(USER, "A short-lived identity QR code"),
    "api.qr.verify_qr": Operation(SERVICE_POINT, "Check an identity QR code once", schemas.QrVerifyIn),
    "api.notices.inbox": Operation(
        USER, "The inbox", query={"page": {**_PAGE, "maximum": 10_000}, "per_page": {**_PAGE, "maximum": 50}}
    ),
    "api.notices.mark_read": Operation(USER, "Mark a notice read"),
    "api.subscriptions.report": Operation(USER, "Subscribe-message choices", SubscriptionReportIn),
    "api.admin_api.auth": Operation(PUBLIC, "Admin sign-in", schemas.AdminAuthIn),
    "api.admin_api.logout": Operation(ADMIN, "End this admin token", permission="notices.view"),
    "api.admin_api.list_notices": Operation(
        ADMIN,
        "Notices",
        permission="notices.view",
        query={"status": {"type": "string", "enum": ["draft", "scheduled", "published", "withdrawn"]}},
    ),
    "api.admin_api.create_notice": Operation(
        ADMIN, "Create a draft notice", NoticeIn, permission="notices.edit"
    ),
    "api.admin_api.get_notice": Operation(ADMIN, "One notice", permission="notices.view"),
    "api.admin_api.update_notice": Operation(ADMIN, "Replace a notice", NoticeIn, permission="notices.edit"),
    "api.admin_api.put_translation": Operation(
        ADMIN, "One translation of a notice", TranslationIn, permission="notices.translate"
    ),
    "api.admin_api.publish": Operation(
        ADMIN, "Publish a notice or its draft version", schemas.NoticeVersionIn, permission="notices.publish"
    ),
    "api.admin_api.discard_draft": Operation(
        ADMIN, "Discard a notice's draft version", schemas.NoticeVersionIn, permission="notices.edit"
    ),
    "api.admin_api.withdraw": Operation(ADMIN, "Withdraw a notice", permission="notices.publish"),
    "api.admin_api.stats": Operation(ADMIN, "Delivery statistics", permission="stats.view"),
    "api.admin_api.count_audience": Operation(
        ADMIN, "Count an audience", schemas.AudienceCountIn, permission="notices.view"
    ),
    "api.openapi.document": Operation(PUBLIC, "This document"),
}

_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    PUBLIC: [],
    USER: [{"bearer": []}],
    SERVICE_POINT: [{"servicePointKey": []}],
    ADMIN: [{"adminBearer": []}],
}
_PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_ERROR_ENVELOPE = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
                "request_id": {"type": "string"},
            },
        },
        "locale": {"type": "string"},
        "dir": {"type": "string", "enum": ["ltr", "rtl"]},
    },
}


def _path_and_parameters(
    rule: str, path_values: dict[str, list[str]] | None = None
) -> tuple[str, list[dict]]:
    """A werkzeug rule as an OpenAPI path template, and its path parameters (enums where the set is known)."""
    parameters = []
    known = path_values or {}

    def replace(match: re.Match) -> str:
        converter, name = match.group("converter"), match.group("name")
        if converter == "int":
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_PATH_ID}
        elif name in known:
            schema = {"type": "string", "enum": list(known[name])}
        else:
            schema = {"type": "string", "pattern": "^[^/]+$"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _PARAMETER.sub(replace, rule), parameters


def _model_schema(model: type[BaseModel], components: dict) -> dict:
    """A $ref to the model's schema, adding it (and the models it uses) to the components."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(endpoint: str, method: str, parameters: list[dict], components: dict) -> dict:
    """The operation object of one endpoint and method."""
    described = OPERATIONS.get(endpoint)
    error = {
        "description": "The error envelope",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    document: dict[str, Any] = {
        "operationId": f"{endpoint}.{method}",
        "responses": {"200": {"description": "Success"}, "4XX": error, "5XX": error},
    }
    if described is None:
        document.update({"summary": endpoint, "x-undocumented": True})
        document["parameters"] = parameters
        return document
    document["summary"] = described.summary
    document["security"] = _SECURITY[described.access]
    document["x-access"] = described.access
    if described.permission:
        document["x-permission"] = described.permission
    query = [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in described.query.items()
    ]
    document["parameters"] = parameters + query
    if described.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _model_schema(described.body, components)}},
        }
    if described.response is not None:
        document["responses"]["200"]["content"] = {
            "application/json": {"schema": _model_schema(described.response, components)}
        }
    return document


def build_document(
    rules, *, version: str, server_url: str = "/", path_values: dict[str, list[str]] | None = None
) -> dict:
    """The OpenAPI 3.1 document for the `/api/v1` rules among `rules` (werkzeug Rule objects).

    `path_values` names the values a path parameter can take ({"name": ["verify"]}), so clients
    and fuzzers reach real resources instead of 404s.
    """
    components: dict = {"Error": _ERROR_ENVELOPE}
    paths: dict[str, dict] = {}
    for rule in sorted(rules, key=lambda r: (r.rule, r.endpoint)):
        if not rule.rule.startswith(API_PREFIX):
            continue
        path, parameters = _path_and_parameters(rule.rule, path_values)
        item = paths.setdefault(path, {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            item[method.lower()] = _operation(rule.endpoint, method.lower(), parameters, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SSC Bridge API",
            "version": version,
            "description": "The mini program's JSON API. Every failure is the error envelope.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A mini-program session token"},
                "adminBearer": {"type": "http", "scheme": "bearer", "description": "An admin API token"},
                "servicePointKey": {"type": "apiKey", "in": "header", "name": "X-Service-Point-Key"},
            },
        },
    }
