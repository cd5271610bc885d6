"""Fixtures of the console and notice tests: admins, signed-in clients, notices, recipients with quota."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.accounts import admin_auth
from app.extensions import db, get_queue
from app.notices import delivery, notices
from app.notices.models.subscription import SubscriptionQuota
from tests.factories import make_person, make_user

PASSWORD = "correct horse battery"
TEMPLATE = "tmpl_notice_update"


@pytest.fixture
def make_admin(app):
    """`make_admin("publisher")` → an AdminUser with PASSWORD."""
    counter = iter(range(1, 1000))

    def _make(role: str = "superadmin", username: str | None = None):
        name = username or f"{role}-{next(counter)}"
        return admin_auth.create_admin(name, PASSWORD, role)

    return _make


@pytest.fixture
def api_headers(client, make_admin):
    """`api_headers("publisher")` → Authorization headers of a fresh admin API token."""

    def _headers(role: str = "superadmin"):
        admin = make_admin(role)
        response = client.post("/api/v1/admin/auth", json={"username": admin.username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return _headers


def forget_csrf_token() -> None:
    """The test app context outlives requests, so Flask-WTF's per-request token cache must be dropped
    when the session changes (sign-in starts a new session with a new token)."""
    from flask import g

    g.pop("csrf_token", None)


def csrf_token(html: str) -> str:
    """The CSRF token in a console page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def console(app, make_admin):
    """`console("editor")` → a test client signed in to the console as a fresh admin of that role."""

    def _console(role: str = "superadmin"):
        admin = make_admin(role)
        browser = app.test_client()
        page = browser.get("/admin/login")
        data = {"username": admin.username, "password": PASSWORD}
        if app.config.get("WTF_CSRF_ENABLED"):
            data["csrf_token"] = csrf_token(page.get_data(as_text=True))
        response = browser.post("/admin/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        forget_csrf_token()
        browser.admin = admin
        return browser

    return _console


def notice_payload(**overrides) -> dict:
    """A valid notice for the admin API and the service."""
    payload = {
        "source_locale": "zh_Hans",
        "translations": {
            "zh_Hans": {"title": "工作许可证与社保卡融合", "body": "自**2024年12月1日**起……"},
            "en": {"title": "Work permit merged into the social security card",
                   "body": "From **1 December 2024** the permit is on the card."},
        },
        "source": {"title": "人社部发〔2024〕75号", "url": "https://www.mohrss.gov.cn/notice/75",
                   "date": "2024-11-25"},
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
        notice = notices.create_notice(notice_payload(**overrides), actor)
        if publish:
            notices.publish(notice.id, actor)
            if deliver:
                delivery.queue_fan_out(get_queue(), notice.id)
        return notice

    return _make


def grant_quota(user, template_id: str = TEMPLATE, n: int = 1, emulator=None) -> None:
    """Give a user `n` accepted subscriptions, in our ledger and (when given) in the emulator."""
    db.session.add(SubscriptionQuota(user_id=user.id, template_id=template_id, available=n, reserved=0,
                                     accepted_total=n, sent_total=0, delivered_total=0, failed_total=0))
    db.session.commit()
    if emulator is not None:
        emulator.grant_subscription(user.openid, template_id, n)


@pytest.fixture
def recipients(app):
    """`recipients(3, locale="ko")` → verified users (each with a person and a permit)."""

    def _make(count: int = 1, locale: str | None = None, **person):
        return [make_user(make_person(commit=False, **person), verified=True, locale=locale)
                for _ in range(count)]

    return _make


SOURCE_DATE = date(2024, 11, 25)
