"""Request bodies of the notices domain's API as pydantic models (the OpenAPI document is built from them)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.notices.models.subscription import SUBSCRIPTION_STATUSES
from app.notices.subscriptions import MAX_TEMPLATES_PER_REPORT


class SubscriptionReportIn(BaseModel):
    """POST /subscriptions: wx.requestSubscribeMessage's result per template."""

    # wx.requestSubscribeMessage's own result object: template ids to a status, plus its errMsg.
    results: dict[str, str] = Field(min_length=1, json_schema_extra={
        "propertyNames": {"pattern": "^[A-Za-z0-9_-]{1,128}$"},
        "properties": {"errMsg": {"type": "string"}},
        "additionalProperties": {"enum": list(SUBSCRIPTION_STATUSES)},
        "maxProperties": MAX_TEMPLATES_PER_REPORT + 1,
    })
    report_id: str | None = Field(default=None, min_length=1, max_length=64)
