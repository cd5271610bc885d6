"""Published words change only through a publisher: edits of a published notice are draft versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.accounts import admin_auth
from app.audit.models import AuditLog
from app.extensions import db
from app.notices import delivery, editing, errors, publishing
from app.notices import jobs as notice_tasks
from app.notices import versions as notice_versions
from app.notices.models.notice import Notice, NoticeVersion
from tests.notices.conftest import TEMPLATE, grant_quota, notice_payload

BAIT = {"title": "URGENT: pay arrears now", "body": "Pay at [this page](https://pay.example.net) today."}
#: The console's edit form for the notice of `notice_payload()` (its Chinese source text).
CONSOLE_FORM = {
    "source_locale": "zh_Hans",
    "title": "工作许可证与社保卡融合",
    "body": "自**2024年12月1日**起……",
    "source_title": "人社部发〔2024〕75号",
    "source_url": "https://www.mohrss.gov.cn/notice/75",
    "source_date": "2024-11-25",
    "category": "policy_change",
    "priority": "important",
    "template_id": "",
    "publish_at": "",
    "audience_all": "y",
}


def inbox_item(client, headers, notice_id):
    """The notice as the user's inbox shows it."""
    body = client.get("/api/v1/notices", headers=headers).get_json()
    return next(item for item in body["items"] if item["id"] == notice_id)


def versions(notice_id) -> list[tuple[int, str]]:
    """(version, state) of every stored version of a notice."""
    rows = db.session.scalars(
        select(NoticeVersion).where(NoticeVersion.notice_id == notice_id).order_by(NoticeVersion.version)
    )
    return [(row.version, row.state) for row in rows]


def audit_rows(notice_id) -> list[AuditLog]:
    """The notice's audit rows, oldest first."""
    return list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.entity == "notice", AuditLog.entity_id == str(notice_id))
            .order_by(AuditLog.id)
        )
    )


@pytest.fixture
def published(client, api_headers, recipients, login):
    """A notice published by a publisher over the API, a reader in English, and the roles' headers."""
    reader = recipients(1, "en")[0]
    roles = {role: api_headers(role) for role in ("translator", "editor", "publisher", "viewer")}
    made = client.post("/api/v1/admin/notices", json=notice_payload(), headers=roles["editor"]).get_json()
    response = client.post(f"/api/v1/admin/notices/{made['id']}/publish", headers=roles["publisher"])
    assert response.status_code == 200, response.get_json()
    return {"id": made["id"], "roles": roles, "reader": login(reader)}


def test_a_translators_put_on_a_published_notice_does_not_change_what_users_read(client, published):
    notice_id, roles, reader = published["id"], published["roles"], published["reader"]
    before = inbox_item(client, reader, notice_id)
    assert before["title"] == "Work permit merged into the social security card"

    response = client.put(
        f"/api/v1/admin/notices/{notice_id}/translations/en", json=BAIT, headers=roles["translator"]
    )
    assert response.status_code == 200
    assert inbox_item(client, reader, notice_id) == before  # the reader still gets the published words
    edited = response.get_json()
    assert edited["version"] == 1 and edited["translations"]["en"]["title"] == before["title"]
    assert edited["draft"]["version"] == 2 and edited["draft"]["translations"]["en"]["title"] == BAIT["title"]
    assert edited["draft"]["changed"] == ["translations.en"]

    urgent = notice_payload(
        priority="urgent", translations={"zh_Hans": {"title": "紧急：立即补缴", "body": "点此"}}
    )
    response = client.put(f"/api/v1/admin/notices/{notice_id}", json=urgent, headers=roles["editor"])
    assert response.status_code == 200
    assert response.get_json()["priority"] == "important"
    assert response.get_json()["draft"]["priority"] == "urgent"

    assert inbox_item(client, reader, notice_id) == before
    assert db.session.get(Notice, notice_id).translation("en").title == before["title"]


def test_only_a_publisher_makes_a_draft_live(client, published):
    notice_id, roles, reader = published["id"], published["roles"], published["reader"]
    client.put(f"/api/v1/admin/notices/{notice_id}/translations/en", json=BAIT, headers=roles["translator"])
    for role in ("translator", "editor", "viewer"):
        response = client.post(
            f"/api/v1/admin/notices/{notice_id}/publish", json={"version": 2}, headers=roles[role]
        )
        assert response.status_code == 403, role
        assert response.get_json()["error"]["code"] == "auth.forbidden"
    assert inbox_item(client, reader, notice_id)["title"] != BAIT["title"]

    response = client.post(
        f"/api/v1/admin/notices/{notice_id}/publish", json={"version": 2}, headers=roles["publisher"]
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["new_version"] and not body["started"] and body["notice"]["draft"] is None
    item = inbox_item(client, reader, notice_id)
    assert (item["title"], item["version"]) == (BAIT["title"], 2)
    assert 'href="https://pay.example.net"' in item["body_html"]
    assert versions(notice_id) == [(1, "published"), (2, "published")]


def test_a_draft_changed_since_it_was_reviewed_is_not_published(client, published):
    notice_id, roles, reader = published["id"], published["roles"], published["reader"]
    client.put(
        f"/api/v1/admin/notices/{notice_id}/translations/en",
        json={"title": "Permit merged into the card", "body": "Reviewed text."},
        headers=roles["editor"],
    )
    client.put(f"/api/v1/admin/notices/{notice_id}/translations/en", json=BAIT, headers=roles["translator"])
    response = client.post(
        f"/api/v1/admin/notices/{notice_id}/publish",
        json={"version": 2},
        headers={**roles["publisher"], "Accept-Language": "de"},
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "notice.draft_changed"
    assert error["message"] != errors.DraftChanged.message._args[0]  # in German, not the English msgid
    assert versions(notice_id) == [(1, "published"), (2, "superseded"), (3, "draft")]
    assert inbox_item(client, reader, notice_id)["version"] == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"version": "2"}', 422),
        ('{"version": 0}', 422),
        ('{"version": true}', 422),
        ('{"other": 1}', 422),
        ("[2]", 400),
        ("not json", 400),
    ],
)
def test_a_bad_publish_body_is_refused_and_changes_nothing(client, published, body, status):
    notice_id, roles = published["id"], published["roles"]
    client.put(f"/api/v1/admin/notices/{notice_id}/translations/en", json=BAIT, headers=roles["translator"])
    response = client.post(
        f"/api/v1/admin/notices/{notice_id}/publish",
        data=body,
        headers={**roles["publisher"], "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert response.get_json()["error"]["message"]
    assert versions(notice_id) == [(1, "published"), (2, "draft")]


def test_bad_edits_of_a_published_notice_write_nothing(client, published):
    notice_id, roles = published["id"], published["roles"]
    audited = len(audit_rows(notice_id))
    bad = [
        client.put(
            f"/api/v1/admin/notices/{notice_id}/translations/en",
            json={"title": ""},
            headers=roles["translator"],
        ),
        client.put(
            f"/api/v1/admin/notices/{notice_id}/translations/xx", json=BAIT, headers=roles["translator"]
        ),
        client.put(
            f"/api/v1/admin/notices/{notice_id}",
            json=notice_payload(priority="panic"),
            headers=roles["editor"],
        ),
        client.put(
            f"/api/v1/admin/notices/{notice_id}",
            data="[]",
            headers={**roles["editor"], "Content-Type": "application/json"},
        ),
    ]
    assert [r.status_code for r in bad] == [422, 422, 422, 400]
    assert all(r.get_json()["error"]["message"] for r in bad)
    assert versions(notice_id) == [(1, "published")]
    assert len(audit_rows(notice_id)) == audited


def test_every_change_is_audited_with_its_actor_and_version(client, published):
    notice_id, roles = published["id"], published["roles"]
    client.put(f"/api/v1/admin/notices/{notice_id}/translations/en", json=BAIT, headers=roles["translator"])
    client.put(
        f"/api/v1/admin/notices/{notice_id}", json=notice_payload(priority="urgent"), headers=roles["editor"]
    )
    client.delete(f"/api/v1/admin/notices/{notice_id}/draft", json={"version": 3}, headers=roles["editor"])
    client.put(
        f"/api/v1/admin/notices/{notice_id}/translations/ko",
        json={"title": "제목", "body": "본문"},
        headers=roles["translator"],
    )
    client.post(f"/api/v1/admin/notices/{notice_id}/publish", json={"version": 4}, headers=roles["publisher"])
    rows = audit_rows(notice_id)
    admins = {row.action: row.actor_id for row in rows}
    summary = [(row.action, row.details.get("version"), row.details.get("live_version")) for row in rows]
    assert summary == [
        ("notice.create", 1, None),
        ("notice.publish", 1, None),
        ("notice.translate", 2, 1),
        ("notice.update", 3, 1),
        ("notice.discard_draft", 3, 1),
        ("notice.translate", 4, 1),
        ("notice.publish", 4, None),
    ]
    # Draft 3 is made from draft 2; the editor's whole notice puts the published English back.
    assert rows[3].details["changed"] == ["priority", "translations.en"]
    # Draft 4 is made from the live text (draft 3 was discarded).
    assert rows[-1].details["previous_version"] == 1
    assert rows[-1].details["changed"] == ["translations.ko"]
    assert all(row.actor_id is not None for row in rows)
    assert len({admins["notice.translate"], admins["notice.update"], admins["notice.publish"]}) == 3
    assert versions(notice_id) == [(1, "published"), (2, "superseded"), (3, "discarded"), (4, "published")]


def test_discarding_a_draft_keeps_the_live_text(client, published):
    notice_id, roles, reader = published["id"], published["roles"], published["reader"]
    before = inbox_item(client, reader, notice_id)
    client.put(f"/api/v1/admin/notices/{notice_id}/translations/en", json=BAIT, headers=roles["translator"])
    assert (
        client.delete(f"/api/v1/admin/notices/{notice_id}/draft", headers=roles["translator"]).status_code
        == 403
    )
    stale = client.delete(
        f"/api/v1/admin/notices/{notice_id}/draft", json={"version": 9}, headers=roles["editor"]
    )
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "notice.draft_changed"
    response = client.delete(f"/api/v1/admin/notices/{notice_id}/draft", headers=roles["editor"])
    assert response.status_code == 200 and response.get_json()["draft"] is None
    again = client.delete(f"/api/v1/admin/notices/{notice_id}/draft", headers=roles["editor"])
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "notice.no_draft"
    published_again = client.post(f"/api/v1/admin/notices/{notice_id}/publish", headers=roles["publisher"])
    assert not published_again.get_json()["new_version"]
    assert inbox_item(client, reader, notice_id) == before


def test_subscribe_messages_carry_the_live_version(app, wechat_emulator, make_notice, make_admin, recipients):
    user = recipients(1, "en")[0]
    grant_quota(user, emulator=wechat_emulator)
    notice = make_notice(template_id=TEMPLATE, publish=True, deliver=False)
    delivery.fan_out(notice.id)
    translator = admin_auth.actor_for(make_admin("translator"))
    editing.set_translation(notice.id, "en", BAIT, translator)
    notice_tasks.deliver_batch(notice.id, user.id, user.id)
    [message] = wechat_emulator.outbox("subscribe")
    assert message["data"]["thing1"]["value"].startswith("Work permit merged")
    assert "URGENT" not in str(message["data"])


def test_the_privacy_export_shows_the_live_version(client, published, make_admin):
    notice_id, reader = published["id"], published["reader"]
    editing.set_translation(notice_id, "en", BAIT, admin_auth.actor_for(make_admin("translator")))
    exported = client.get("/api/v1/me/export", headers=reader)
    assert exported.status_code == 200
    assert [item["title"] for item in exported.get_json()["notices"]] == [
        "Work permit merged into the social security card"
    ]


@pytest.mark.calendar
def test_editing_a_scheduled_notice_takes_it_off_the_schedule(make_notice, make_admin):
    publisher = admin_auth.actor_for(make_admin("publisher"))
    translator = admin_auth.actor_for(make_admin("translator"))
    later = clock.now() + timedelta(hours=2)
    notice = make_notice(publish_at=later.isoformat())
    publishing.publish(notice.id, publisher)
    assert notice.status == "scheduled"
    editing.set_translation(notice.id, "en", BAIT, translator)
    assert notice.status == "draft"
    assert publishing.due_notices(now=later + timedelta(seconds=1)) == []
    assert audit_rows(notice.id)[-1].details["unscheduled"] is True
    unchanged = make_notice(publish_at=later.isoformat())
    publishing.publish(unchanged.id, publisher)
    editing.update_notice(unchanged.id, notice_payload(publish_at=later.isoformat()), publisher)
    assert unchanged.status == "scheduled"  # saving the same words keeps the publisher's schedule


def test_withdrawing_discards_the_pending_draft(make_notice, make_admin):
    publisher = admin_auth.actor_for(make_admin("publisher"))
    notice = make_notice(publish=True, deliver=False)
    editing.set_translation(notice.id, "en", BAIT, admin_auth.actor_for(make_admin("translator")))
    publishing.withdraw(notice.id, publisher)
    assert versions(notice.id) == [(1, "published"), (2, "discarded")]
    assert audit_rows(notice.id)[-1].details["discarded_version"] == 2
    with pytest.raises(errors.NoticeWithdrawn):
        publishing.publish(notice.id, publisher)


def test_a_version_number_taken_meanwhile_is_a_conflict_not_a_500(client, published, monkeypatch):
    notice_id, roles = published["id"], published["roles"]
    real = editing._record_draft

    def racing(notice, *args):
        # Another request stores version 2 between this one's read and its write.
        with db.engine.begin() as conn:
            conn.execute(
                NoticeVersion.__table__.insert().values(
                    notice_id=notice.id,
                    version=2,
                    snapshot=notice_versions.snapshot(notice),
                    state="draft",
                    created_at=clock.now(),
                )
            )
        return real(notice, *args)

    if db.engine.dialect.name == "mysql":
        pytest.skip(
            "the row lock makes a racing writer wait on MariaDB; the race needs SQLite's looser locking"
        )
    monkeypatch.setattr(editing, "_record_draft", racing)
    response = client.put(
        f"/api/v1/admin/notices/{notice_id}/translations/en", json=BAIT, headers=roles["translator"]
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "notice.concurrent_edit"
    assert versions(notice_id) == [(1, "published"), (2, "draft")]


# ---- the console ------------------------------------------------------------------------------


def test_the_console_shows_the_draft_beside_the_live_text(console, make_notice):
    notice = make_notice(publish=True, deliver=False)
    translator = console("translator")
    form = translator.get(f"/admin/notices/{notice.id}/translate/en").get_data(as_text=True)
    assert 'id="draft-warning"' in form
    saved = translator.post(f"/admin/notices/{notice.id}/translate/en", data=BAIT, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "Saved as draft version 2. Readers keep version 1" in page
    assert (
        'id="publish-draft"' not in page and 'id="discard-draft"' not in page
    )  # a translator may do neither
    compare = page[
        page.index('id="draft-compare"') : page.index("</table>", page.index('id="draft-compare"'))
    ]
    assert 'data-change="translations.en"' in compare
    assert "Work permit merged into the social security card" in compare and BAIT["title"] in compare
    assert 'href="https://pay.example.net"' in compare and 'rel="noopener noreferrer"' in compare
    translations = page[page.index('id="translations"') :]
    assert BAIT["title"] not in translations  # the list of languages shows the live text
    again = translator.get(f"/admin/notices/{notice.id}/translate/en").get_data(as_text=True)
    assert BAIT["title"] in again  # the next edit starts from the draft

    editor = console("editor")
    edit = editor.get(f"/admin/notices/{notice.id}/edit").get_data(as_text=True)
    assert 'id="draft-warning"' in edit
    editor.post(f"/admin/notices/{notice.id}/edit", data={**CONSOLE_FORM, "priority": "urgent"})
    page = editor.get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    assert (
        'data-change="priority"' in page and 'id="discard-draft"' in page and 'id="publish-draft"' not in page
    )
    assert db.session.get(Notice, notice.id).priority == "important"


def test_a_publisher_publishes_the_draft_they_saw_from_the_console(console, make_notice):
    notice = make_notice(publish=True, deliver=False)
    console("translator").post(f"/admin/notices/{notice.id}/translate/en", data=BAIT)
    publisher = console("publisher")
    page = publisher.get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    assert 'id="publish-draft"' in page and 'name="version" type="hidden" value="2"' in page
    console("translator").post(
        f"/admin/notices/{notice.id}/translate/en", data={"title": "Changed again", "body": "x"}
    )
    stale = publisher.post(f"/admin/notices/{notice.id}/publish", data={"version": "2"})
    assert stale.status_code == 409
    assert "Someone changed the notice after you opened it" in stale.get_data(as_text=True)
    assert db.session.get(Notice, notice.id).version == 1
    done = publisher.post(f"/admin/notices/{notice.id}/publish", data={"version": "3"}, follow_redirects=True)
    assert "Version 3 is published" in done.get_data(as_text=True)
    live = db.session.get(Notice, notice.id)
    assert (live.version, live.translation("en").title) == (3, "Changed again")
    versions_page = publisher.get(f"/admin/notices/{notice.id}/versions").get_data(as_text=True)
    assert "replaced by a later edit" in versions_page and 'id="version-3"' in versions_page
    assert publisher.post(f"/admin/notices/{notice.id}/publish", data={"version": "x"}).status_code == 400


def test_discarding_from_the_console(console, make_notice):
    notice = make_notice(publish=True, deliver=False)
    editor = console("editor")
    editor.post(f"/admin/notices/{notice.id}/translate/en", data=BAIT)
    done = editor.post(
        f"/admin/notices/{notice.id}/draft/discard", data={"version": "2"}, follow_redirects=True
    )
    page = done.get_data(as_text=True)
    assert "The draft was discarded" in page and 'id="draft"' not in page
    none_left = editor.post(f"/admin/notices/{notice.id}/draft/discard", data={"version": "2"})
    assert none_left.status_code == 409
    assert console("translator").post(f"/admin/notices/{notice.id}/draft/discard").status_code == 403


def test_the_console_speaks_the_admins_language_about_drafts(console, make_notice):
    notice = make_notice(publish=True, deliver=False)
    browser = console("publisher")
    browser.post(f"/admin/notices/{notice.id}/translate/en", data=BAIT)
    page = browser.get(f"/admin/notices/{notice.id}?lang=zh_Hans").get_data(as_text=True)
    assert "草稿版本 2：等待发布" in page and "发布版本 2" in page
