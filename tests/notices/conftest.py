"""Fixtures of the notice tests: notices made by the services, recipients with quota; the console's admins."""

from __future__ import annotations

from datetime import date

import pytest

from app.accounts import admin_auth
from app.extensions import db, get_queue
from app.notices import delivery, editing, publishing
from app.notices.models.subscription import SubscriptionQuota
from tests.admin import conftest as console_fixtures
from tests.factories import make_person, make_user

#: The console's admins and signed-in clients (tests/admin), for the admin API and the console pages.
make_admin = console_fixtures.make_admin
api_headers = console_fixtures.api_headers
console = console_fixtures.console

TEMPLATE = "tmpl_notice_update"


def notice_payload(**overrides) -> dict:
    """A valid notice for the admin API and the service."""
    payload = {
        "source_locale": "zh_Hans",
        "translations": {
            "zh_Hans": {"title": "工作许可证与社保卡融合", "body": "自**2024年12月1日**起……"},
            "en": {
                "title": "Work permit merged into the social security card",
                "body": "From **1 December 2024** the permit is on the card.",
            },
        },
        "source": {
            "title": "人社部发〔2024〕75号",
            "url": "https://www.mohrss.gov.cn/notice/75",
            "date": "2024-11-25",
        },
        "category": "policy_change",
        "priority": "important",
        "audience": {"all": True},
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def make_notice(app, make_admin):
    """`make_notice(publish=True, deliver=False, **fields)` → a Notice made (and published, delivered) by the services."""

    def _make(publish: bool = False, deliver: bool = True, **overrides):
        actor = admin_auth.actor_for(make_admin("publisher"))
        notice = editing.create_notice(notice_payload(**overrides), actor)
        if publish:
            publishing.publish(notice.id, actor)
            if deliver:
                delivery.queue_fan_out(get_queue(), notice.id)
        return notice

    return _make


def grant_quota(user, template_id: str = TEMPLATE, n: int = 1, emulator=None) -> None:
    """Give a user `n` accepted subscriptions, in our ledger and (when given) in the emulator."""
    db.session.add(
        SubscriptionQuota(
            user_id=user.id,
            template_id=template_id,
            available=n,
            reserved=0,
            accepted_total=n,
            sent_total=0,
            delivered_total=0,
            failed_total=0,
        )
    )
    db.session.commit()
    if emulator is not None:
        emulator.grant_subscription(user.openid, template_id, n)


@pytest.fixture
def recipients(app):
    """`recipients(3, locale="ko")` → verified users (each with a person and a permit)."""

    def _make(count: int = 1, locale: str | None = None, **person):
        return [
            make_user(make_person(commit=False, **person), verified=True, locale=locale) for _ in range(count)
        ]

    return _make


SOURCE_DATE = date(2024, 11, 25)
