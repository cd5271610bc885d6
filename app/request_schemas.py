"""Request bodies of the JSON API as pydantic models: the OpenAPI document is generated from them.

The account deletion validates with `parse` and these models; the notice bodies are the notice
service's own models (`NoticeIn`, `TranslationIn`), which it validates with. The other routes
predate this module and keep their explicit checks; each model here states the same contract,
and tests/security/test_request_schemas.py proves model and route agree on sample bodies. Where a
route ignores a wrong optional field instead of refusing it, the model is the stricter contract.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.errors import AppError, ValidationFailed

_Model = TypeVar("_Model", bound=BaseModel)


class LoginIn(BaseModel):
    """POST /auth/login: the wx.login code and the WeChat client's language tag."""

    code: str = Field(min_length=1, max_length=128)
    language: str | None = None


class LocaleIn(BaseModel):
    """PATCH /me: the user's language (null clears the saved choice)."""

    locale: str | None


class FlowSubmissionIn(BaseModel):
    """POST /flows/<name>: which screen is answered, how, and the answers."""

    step: str = Field(max_length=64)
    action: str = Field(max_length=64)
    answers: dict | None = Field(default=None, max_length=20)


class QrVerifyIn(BaseModel):
    """POST /qr/verify: the payload scanned from the holder's screen."""

    payload: str


class AdminAuthIn(BaseModel):
    """POST /admin/auth: console credentials."""

    username: str = Field(min_length=1)
    password: str = Field(min_length=1)


class AudienceCountIn(BaseModel):
    """POST /admin/audience/count: an audience as notices use it."""

    audience: dict


class NoticeVersionIn(BaseModel):
    """POST /admin/notices/<id>/publish and DELETE …/draft: optionally, the version meant, so a draft
    changed since it was reviewed is refused instead of published or dropped unseen."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1, le=2**31 - 1, strict=True)


class AccountDeletionIn(BaseModel):
    """DELETE /me: an explicit confirmation, so no stray request deletes an account."""

    # Strict: 1 or "true" are not a confirmation; only the JSON literal true is.
    confirm: bool = Field(strict=True, json_schema_extra={"const": True})

    @field_validator("confirm")
    @classmethod
    def _must_be_true(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("must be true")
        return value


def parse(model: type[_Model], body, *, error: type[AppError] = ValidationFailed) -> _Model:
    """The body validated by `model`, or `error` with the failing fields in its details."""
    if not isinstance(body, dict):
        raise error(details={"fields": {"body": "a JSON object"}})
    try:
        return model.model_validate(body)
    except ValidationError as problem:
        fields = {
            ".".join(str(part) for part in item["loc"]) or "body": item["type"]
            for item in problem.errors(include_url=False)
        }
        raise error(details={"fields": fields}) from None
