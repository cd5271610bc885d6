"""A notice's input checked: every wrong field named, the audience parsed, the source locale present."""

from __future__ import annotations

from pydantic import ValidationError

from app.errors import ValidationFailed
from app.notices.audience import parse_audience
from app.notices.errors import INVALID_NOTICE
from app.notices.schemas import NoticeIn


def field_errors(error: ValidationError) -> dict:
    """Pydantic errors as {dotted.field: message}."""
    return {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in error.errors()}


def parse_notice(data) -> NoticeIn:
    """The validated notice input, or ValidationFailed naming every wrong field."""
    if not isinstance(data, dict):
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid", details={"fields": {"body": "object"}})
    audience_error = None
    try:
        data = dict(data)
        data["audience"] = parse_audience(data.get("audience"))
    except ValidationFailed as error:
        audience_error = error
    try:
        parsed = NoticeIn.model_validate(data)
    except ValidationError as error:
        fields = field_errors(error)
        if audience_error:
            fields.update(audience_error.details["fields"])
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid", details={"fields": fields}) from None
    if audience_error:
        raise ValidationFailed(INVALID_NOTICE, code="notice.invalid", details=audience_error.details)
    if parsed.source_locale not in parsed.translations:
        raise ValidationFailed(
            INVALID_NOTICE,
            code="notice.invalid",
            details={
                "fields": {
                    "translations": f"a translation in the source locale {parsed.source_locale} is required"
                }
            },
        )
    return parsed
