"""Notices as a service: validation, sanitised Markdown, fallbacks, versions, scheduling, audiences."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock
from app.accounts import admin_auth
from app.audit.models import AuditLog
from app.errors import Forbidden, ValidationFailed
from app.notices import audience, editing, errors, markdown, publishing, store
from app.notices import fallback as notice_fallback
from tests.factories import make_employer, make_person, make_user
from tests.notices.conftest import notice_payload


@pytest.fixture
def publisher(make_admin):
    return admin_auth.actor_for(make_admin("publisher"))


def test_markdown_is_sanitised(app):
    html = markdown.render_markdown(
        "Hi <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org) **b**"
    )
    assert "<script" not in html
    assert 'href="javascript' not in html
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "<strong>b</strong>" in html


def test_create_validates_every_field(publisher):
    bad = notice_payload(
        category="gossip",
        source={"title": "", "url": "ftp://x", "date": "soon"},
        audience={"nationalities": ["germany"]},
        translations={"xx": {"title": "t", "body": "b"}},
    )
    with pytest.raises(ValidationFailed) as caught:
        editing.create_notice(bad, publisher)
    fields = caught.value.details["fields"]
    assert {"category", "source.title", "source.url", "source.date", "translations"} <= set(fields)
    assert "audience.nationalities" in fields
    assert editing.list_notices() == []


def test_source_locale_translation_is_required(publisher):
    with pytest.raises(ValidationFailed):
        editing.create_notice(notice_payload(source_locale="ko"), publisher)


def test_viewer_cannot_create(make_admin):
    viewer = admin_auth.actor_for(make_admin("viewer"))
    with pytest.raises(Forbidden):
        editing.create_notice(notice_payload(), viewer)


def test_fallback_chain_en_then_zh_hans(make_notice):
    notice = make_notice()
    translation, fallback = notice_fallback.content_for(notice, "ko")
    assert (translation.locale, fallback) == ("en", True)
    translation, fallback = notice_fallback.content_for(notice, "en")
    assert (translation.locale, fallback) == ("en", False)
    only_chinese = make_notice(translations={"zh_Hans": {"title": "标题", "body": "正文"}})
    assert notice_fallback.content_for(only_chinese, "ko")[0].locale == "zh_Hans"
    assert "ko" in notice_fallback.missing_locales(notice) and "en" not in notice_fallback.missing_locales(
        notice
    )


def test_editing_a_published_notice_makes_a_new_version(make_notice, publisher):
    notice = make_notice(publish=True)
    assert notice.status == "published" and [v.version for v in notice.versions] == [1]
    changed = notice_payload(priority="urgent")
    editing.update_notice(notice.id, changed, publisher)
    assert notice.version == 1 and notice.priority == "important"
    assert [(v.version, v.state) for v in notice.versions] == [(1, "published"), (2, "draft")]
    assert notice.versions[1].snapshot["priority"] == "urgent"
    editing.set_translation(notice.id, "ko", {"title": "제목", "body": "본문"}, publisher)
    assert [(v.version, v.state) for v in notice.versions] == [
        (1, "published"),
        (2, "superseded"),
        (3, "draft"),
    ]
    assert notice.translation("ko") is None
    publishing.publish(notice.id, publisher, version=3)
    assert notice.version == 3 and notice.priority == "urgent" and notice.translation("ko").title == "제목"
    draft = make_notice()
    editing.update_notice(draft.id, changed, publisher)
    assert draft.version == 1 and draft.versions == []


def test_publish_twice_and_withdraw(make_notice, publisher):
    notice = make_notice()
    first = publishing.publish(notice.id, publisher)
    again = publishing.publish(notice.id, publisher)
    assert first.started and again.started and notice.status == "published"
    assert len(notice.versions) == 1
    assert "ko" in first.missing_translations
    publishing.withdraw(notice.id, publisher)
    assert notice.status == "withdrawn"
    with pytest.raises(errors.NoticeWithdrawn):
        publishing.publish(notice.id, publisher)
    with pytest.raises(errors.NoticeNotPublished):
        publishing.withdraw(notice.id, publisher)
    actions = [row.action for row in AuditLog.query.filter_by(entity="notice").order_by(AuditLog.id)]
    assert actions == ["notice.create", "notice.publish", "notice.withdraw"]


@pytest.mark.calendar
def test_scheduled_notice_is_published_when_due(make_notice, publisher):
    later = clock.now() + timedelta(hours=2)
    notice = make_notice(publish_at=later.isoformat())
    result = publishing.publish(notice.id, publisher)
    assert not result.started and notice.status == "scheduled"
    assert publishing.due_notices() == []
    assert publishing.due_notices(now=later + timedelta(seconds=1)) == [notice.id]
    assert notice.status == "published"


def test_unknown_notice_is_not_found(app):
    with pytest.raises(errors.NoticeNotFound):
        store.get_notice(999999)


@pytest.mark.calendar
def test_audience_filters(app):
    today = clock.today()
    shanghai = make_employer(city_code="310000")
    beijing = make_employer(city_code="110000")
    german = make_user(
        make_person(nationality="DEU", employer=shanghai, permit_category="A", commit=False),
        verified=True,
        locale="de",
    )
    korean = make_user(
        make_person(
            nationality="KOR",
            employer=beijing,
            permit_category="B",
            permit_valid_from=today - timedelta(days=700),
            permit_valid_to=today + timedelta(days=20),
            commit=False,
        ),
        verified=True,
        locale="ko",
    )
    make_user(make_person(commit=False), verified=False)  # not verified: never a recipient
    default_locale = make_user(make_person(nationality="USA", employer=shanghai, commit=False), verified=True)

    def ids(spec):
        return sorted(row[0] for row in audience.recipients_page(spec, 0, 100))

    assert ids({"all": True}) == sorted([german.id, korean.id, default_locale.id])
    assert audience.count_recipients({"all": True}) == 3
    assert ids({"locales": ["ko"]}) == [korean.id]
    assert ids({"locales": ["en"]}) == [default_locale.id]
    assert ids({"nationalities": ["DEU", "KOR"]}) == sorted([german.id, korean.id])
    assert ids({"cities": ["110000"]}) == [korean.id]
    assert ids({"employers": [shanghai.uscc]}) == sorted([german.id, default_locale.id])
    assert ids({"employers": [str(beijing.id)]}) == [korean.id]
    assert ids({"permit_categories": ["A"]}) == [german.id]
    assert ids({"permit_expiring_within_days": 30}) == [korean.id]
    assert ids({"cities": ["310000"], "permit_categories": ["B"]}) == [default_locale.id]


@pytest.mark.calendar
def test_permit_expiry_counts_from_the_users_today_not_the_machines(users_day_ahead, app):
    # 00:30 on 1 January in Shanghai: a permit that ended on 31 December has expired, though a
    # machine on UTC is still on that day; one ending on 31 January is within 30 days.
    make_user(
        make_person(permit_valid_from=date(2025, 1, 1), permit_valid_to=date(2026, 12, 31), commit=False),
        verified=True,
    )
    ending = make_user(
        make_person(permit_valid_from=date(2025, 1, 1), permit_valid_to=date(2027, 1, 31), commit=False),
        verified=True,
    )
    page = audience.recipients_page({"permit_expiring_within_days": 30}, 0, 100)
    assert [row[0] for row in page] == [ending.id]


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"all": True, "locales": ["en"]},
        {"locales": ["xx"]},
        {"cities": ["31"]},
        {"permit_categories": ["D"]},
        {"permit_expiring_within_days": -1},
        {"colour": ["red"]},
        [],
    ],
)
def test_bad_audiences_are_refused(spec):
    with pytest.raises(ValidationFailed) as caught:
        audience.parse_audience(spec)
    assert caught.value.code == "notice.audience_invalid"


@pytest.mark.calendar
def test_clearing_the_time_of_a_scheduled_notice_makes_it_a_draft(make_notice, publisher):
    notice = make_notice(publish_at=(clock.now() + timedelta(days=1)).isoformat())
    publishing.publish(notice.id, publisher)
    assert notice.status == "scheduled"
    editing.update_notice(notice.id, notice_payload(publish_at=None), publisher)
    assert notice.status == "draft" and notice.publish_at is None
