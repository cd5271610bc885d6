"""Who a notice reaches: the audience filter, its validation, the recipient count and pages of recipients."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from app import clock
from app.accounts.models.user import UserAccount
from app.errors import ValidationFailed
from app.extensions import db
from app.i18n import _l
from app.i18n.locales import SUPPORTED
from app.registry.models import Employer, Person, WorkPermit

_NATIONALITY = re.compile(r"^[A-Z]{3}$")
_CITY = re.compile(r"^[0-9]{6}$")
#: An employer's id in the database (ASCII digits: `int` refuses other digits, such as "²").
_EMPLOYER_ID = re.compile(r"^[0-9]{1,17}$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
MAX_LIST = 500


class Audience(BaseModel):
    """The audience filter of docs/architecture.md ("Notices in the admin API"): everyone verified, or filters that must all match."""

    model_config = ConfigDict(extra="forbid")

    all: bool = False
    locales: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    nationalities: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    cities: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    employers: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    permit_categories: list[Literal["A", "B", "C"]] = Field(default_factory=list, max_length=3)
    permit_expiring_within_days: int | None = Field(default=None, ge=0, le=3650)

    @field_validator("locales")
    @classmethod
    def _locales(cls, values: list[str]) -> list[str]:
        for value in values:
            if value not in SUPPORTED:
                raise ValueError("unsupported locale")
        return sorted(set(values))

    @field_validator("nationalities")
    @classmethod
    def _nationalities(cls, values: list[str]) -> list[str]:
        values = [v.strip().upper() for v in values]
        if not all(_NATIONALITY.match(v) for v in values):
            raise ValueError("nationalities are ISO 3166-1 alpha-3 codes")
        return sorted(set(values))

    @field_validator("cities")
    @classmethod
    def _cities(cls, values: list[str]) -> list[str]:
        values = [v.strip() for v in values]
        if not all(_CITY.match(v) for v in values):
            raise ValueError("cities are 6-digit region codes")
        return sorted(set(values))

    @field_validator("employers", mode="before")
    @classmethod
    def _employers(cls, values):
        if not isinstance(values, list):
            return values
        cleaned = [str(v).strip().upper() for v in values]
        if not all(_USCC.match(v) or _EMPLOYER_ID.match(v) for v in cleaned):
            raise ValueError("employers are unified social credit codes or employer ids")
        return sorted(set(cleaned))

    @model_validator(mode="after")
    def _all_or_filters(self):
        if self.all and self.has_filters():
            raise ValueError("choose either all verified users or filters, not both")
        if not self.all and not self.has_filters():
            raise ValueError("choose all verified users or at least one filter")
        return self

    def has_filters(self) -> bool:
        """True when any filter narrows the audience."""
        return bool(
            self.locales
            or self.nationalities
            or self.cities
            or self.employers
            or self.permit_categories
            or self.permit_expiring_within_days is not None
        )


INVALID_AUDIENCE = _l("The audience is not valid.")


def parse_audience(raw) -> dict:
    """The normalised audience dict, or ValidationFailed naming the fields that are wrong."""
    if not isinstance(raw, dict):
        raise ValidationFailed(
            INVALID_AUDIENCE,
            code="notice.audience_invalid",
            details={"fields": {"audience": "must be an object"}},
        )
    try:
        parsed = Audience.model_validate(raw)
    except ValidationError as error:
        fields = {".".join(["audience", *(str(p) for p in e["loc"])]): e["msg"] for e in error.errors()}
        raise ValidationFailed(
            INVALID_AUDIENCE, code="notice.audience_invalid", details={"fields": fields}
        ) from None
    return parsed.model_dump(exclude_defaults=True) or {"all": True}


def recipients_query(audience: dict, *, default_locale: str = "en", today: date | None = None):
    """A SELECT of (id, locale, openid) of the verified, active users the audience reaches."""
    spec = Audience.model_validate(audience)
    today = today or clock.today()
    user = UserAccount
    query = select(user.id, user.locale, user.openid).where(
        user.verified_at.is_not(None), user.status == "active", user.person_id.is_not(None)
    )
    if spec.locales:
        condition: ColumnElement[bool] = user.locale.in_(spec.locales)
        if default_locale in spec.locales:
            condition = or_(condition, user.locale.is_(None))
        query = query.where(condition)
    if spec.nationalities:
        query = query.where(
            exists().where(Person.id == user.person_id, Person.nationality.in_(spec.nationalities))
        )
    permit_conditions: list[ColumnElement[bool]] = []
    if spec.cities:
        permit_conditions.append(WorkPermit.work_city_code.in_(spec.cities))
    if spec.employers:
        ids = [int(v) for v in spec.employers if _EMPLOYER_ID.match(v)]
        codes = [v for v in spec.employers if not _EMPLOYER_ID.match(v)]
        by_code = select(Employer.id).where(Employer.uscc.in_(codes))
        permit_conditions.append(or_(WorkPermit.employer_id.in_(ids), WorkPermit.employer_id.in_(by_code)))
    if spec.permit_categories:
        permit_conditions.append(WorkPermit.category.in_(spec.permit_categories))
    if spec.permit_expiring_within_days is not None:
        horizon = today + timedelta(days=spec.permit_expiring_within_days)
        permit_conditions.append(and_(WorkPermit.valid_to >= today, WorkPermit.valid_to <= horizon))
    if permit_conditions:
        # One current permit must satisfy every permit filter at once.
        query = query.where(
            exists().where(
                WorkPermit.person_id == user.person_id, WorkPermit.status == "valid", *permit_conditions
            )
        )
    return query


def count_recipients(audience: dict, *, default_locale: str = "en") -> int:
    """How many users the audience reaches right now."""
    inner = recipients_query(audience, default_locale=default_locale).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


def recipients_page(audience: dict, after_id: int, limit: int, *, default_locale: str = "en") -> list:
    """The next `limit` recipients with an id above `after_id` (keyset paging keeps memory flat)."""
    query = recipients_query(audience, default_locale=default_locale)
    query = query.where(UserAccount.id > after_id).order_by(UserAccount.id).limit(limit)
    return list(db.session.execute(query).all())
