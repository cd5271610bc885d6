"""Request bodies of the notices domain's API as pydantic models (the OpenAPI document is built from them)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.i18n.locales import SUPPORTED
from app.notices.models.notice import NOTICE_CATEGORIES, NOTICE_PRIORITIES
from app.notices.models.subscription import SUBSCRIPTION_STATUSES
from app.notices.subscriptions import MAX_TEMPLATES_PER_REPORT

MAX_TITLE = 200
MAX_BODY = 20_000


class TranslationIn(BaseModel):
    """A title and a Markdown body in one locale."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    machine_translated: bool = False


class SourceIn(BaseModel):
    """The official document a notice is based on: required before anything is published."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    url: str = Field(min_length=1, max_length=500)
    date: date

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        """Only an http(s) address with a host."""
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("the source link must be an http(s) address")
        return value


class NoticeIn(BaseModel):
    """A notice as the admin API and the console send it (docs/architecture.md, "Notices in the admin API")."""

    model_config = ConfigDict(extra="forbid")

    source_locale: str
    translations: dict[str, TranslationIn] = Field(min_length=1)
    source: SourceIn
    category: Literal[NOTICE_CATEGORIES]  # type: ignore[valid-type]
    priority: Literal[NOTICE_PRIORITIES] = "normal"  # type: ignore[valid-type]
    audience: dict
    template_id: str | None = Field(default=None, max_length=64)
    publish_at: datetime | None = None

    @field_validator("source_locale")
    @classmethod
    def _source_locale(cls, value: str) -> str:
        """A locale the service supports."""
        if value not in SUPPORTED:
            raise ValueError("unsupported locale")
        return value

    @field_validator("translations")
    @classmethod
    def _translation_locales(cls, value: dict) -> dict:
        """Translations only in supported locales."""
        unknown = [locale for locale in value if locale not in SUPPORTED]
        if unknown:
            raise ValueError(f"unsupported locales: {', '.join(sorted(unknown))}")
        return value

    @field_validator("template_id")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        """A template id, or None when blank."""
        value = (value or "").strip()
        return value or None

    @field_validator("publish_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        """A publication time in UTC (taken as UTC when it has no time zone), between 2000 and 2100."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        try:
            value = value.astimezone(UTC)  # 0001-01-01T00:00+05:00 has no UTC time
        except OverflowError:
            raise ValueError("publish_at is out of range") from None
        if not 2000 <= value.year <= 2100:
            raise ValueError("publish_at must fall between the years 2000 and 2100")
        return value


class SubscriptionReportIn(BaseModel):
    """POST /subscriptions: wx.requestSubscribeMessage's result per template."""

    # wx.requestSubscribeMessage's own result object: template ids to a status, plus its errMsg.
    results: dict[str, str] = Field(
        min_length=1,
        json_schema_extra={
            "propertyNames": {"pattern": "^[A-Za-z0-9_-]{1,128}$"},
            "properties": {"errMsg": {"type": "string"}},
            "additionalProperties": {"enum": list(SUBSCRIPTION_STATUSES)},
            "maxProperties": MAX_TEMPLATES_PER_REPORT + 1,
        },
    )
    report_id: str | None = Field(default=None, min_length=1, max_length=64)
