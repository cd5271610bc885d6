"""The console through the Flask test client: sign-in, roles, CSRF, compose → publish → stats, audit, pages."""

from __future__ import annotations

import io
import time
from datetime import date
from pathlib import Path

import pytest

from app.accounts import admin_auth
from app.extensions import db
from app.notices.models.notice import Notice
from tests.admin.conftest import PASSWORD, csrf_token
from tests.factories import make_permit_number, make_ssn, make_uscc
from tests.notices import conftest as notice_fixtures
from tests.notices.conftest import notice_payload

make_notice, recipients = notice_fixtures.make_notice, notice_fixtures.recipients  # the notices' fixtures

FORM = {
    "source_locale": "zh_Hans",
    "title": "新政策",
    "body": "自**12月1日**起……",
    "source_title": "人社部发〔2024〕75号",
    "source_url": "https://www.mohrss.gov.cn/75",
    "source_date": "2024-11-25",
    "category": "policy_change",
    "priority": "important",
    "template_id": "",
    "publish_at": "",
    "audience_all": "y",
}


def test_login_page_has_security_headers(client):
    response = client.get("/admin/login")
    assert response.status_code == 200
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # production only


def test_pages_need_a_signed_in_admin(client):
    response = client.get("/admin/notices")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_wrong_password_is_refused(client, make_admin):
    admin = make_admin("viewer")
    response = client.post("/admin/login", data={"username": admin.username, "password": "wrong"})
    assert response.status_code == 401
    assert "not correct" in response.get_data(as_text=True)


def test_login_and_logout(console, client):
    browser = console("viewer")
    assert browser.get("/admin/notices").status_code == 200
    assert browser.post("/admin/logout").status_code == 302
    assert browser.get("/admin/notices").status_code == 302


def test_password_hash_is_argon2(make_admin):
    assert make_admin("viewer").password_hash.startswith("$argon2id$")


def test_compose_translate_preview_publish_stats(console, recipients):
    recipients(2, "ko")
    recipients(1, "en")
    browser = console("publisher")
    response = browser.post("/admin/notices/new", data=FORM)
    assert response.status_code == 302
    notice = Notice.query.one()
    detail = browser.get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    assert "新政策" in detail and 'id="missing-translations"' in detail
    translated = browser.post(
        f"/admin/notices/{notice.id}/translate/ko", data={"title": "새 정책", "body": "본문"}
    )
    assert translated.status_code == 302
    preview = browser.get(f"/admin/notices/{notice.id}/preview/ko").get_data(as_text=True)
    assert "새 정책" in preview and 'id="fallback-flag"' not in preview
    fallback = browser.get(f"/admin/notices/{notice.id}/preview/ja").get_data(as_text=True)
    assert 'id="fallback-flag"' in fallback and "新政策" in fallback
    assert browser.post(f"/admin/notices/{notice.id}/publish").status_code == 302
    stats = browser.get(f"/admin/notices/{notice.id}/stats").get_data(as_text=True)
    assert 'id="stats-total"' in stats and '<td class="delivered">3</td>' in stats
    versions = browser.get(f"/admin/notices/{notice.id}/versions").get_data(as_text=True)
    assert 'id="version-1"' in versions


def test_compose_errors_are_shown(console):
    browser = console("editor")
    response = browser.post(
        "/admin/notices/new", data={**FORM, "source_url": "not a link", "audience_all": ""}
    )
    assert response.status_code == 422
    assert "Enter a web address." in response.get_data(as_text=True)
    no_audience = browser.post("/admin/notices/new", data={**FORM, "audience_all": ""})
    assert no_audience.status_code == 422
    assert Notice.query.count() == 0


def test_edit_a_notice(console, make_notice):
    notice = make_notice()
    browser = console("editor")
    page = browser.get(f"/admin/notices/{notice.id}/edit").get_data(as_text=True)
    assert "工作许可证与社保卡融合" in page
    response = browser.post(f"/admin/notices/{notice.id}/edit", data={**FORM, "priority": "urgent"})
    assert response.status_code == 302
    assert db.session.get(Notice, notice.id).priority == "urgent"


@pytest.mark.parametrize(
    "role,path,method",
    [
        ("viewer", "/admin/notices/new", "get"),
        ("viewer", "/admin/notices/{id}/publish", "post"),
        ("editor", "/admin/notices/{id}/publish", "post"),
        ("translator", "/admin/notices/{id}/edit", "get"),
        ("editor", "/admin/audit", "get"),
        ("publisher", "/admin/registry/import", "get"),
        ("viewer", "/admin/translations", "get"),
    ],
)
def test_roles_are_enforced_on_every_view(console, make_notice, role, path, method):
    notice = make_notice()
    browser = console(role)
    response = getattr(browser, method)(path.format(id=notice.id))
    assert response.status_code == 403
    assert 'data-status="403"' in response.get_data(as_text=True)
    assert db.session.get(Notice, notice.id).status == "draft"


def test_translator_translates_but_cannot_publish(console, make_notice):
    notice = make_notice()
    browser = console("translator")
    assert (
        browser.post(
            f"/admin/notices/{notice.id}/translate/ja", data={"title": "題", "body": "本文"}
        ).status_code
        == 302
    )
    assert (
        browser.post(f"/admin/notices/{notice.id}/translate/xx", data={"title": "t", "body": "b"}).status_code
        == 404
    )
    assert browser.post(f"/admin/notices/{notice.id}/translate/ja", data={"title": ""}).status_code == 422


def test_withdraw_from_the_console(console, make_notice):
    notice = make_notice(publish=True)
    browser = console("publisher")
    assert browser.post(f"/admin/notices/{notice.id}/withdraw").status_code == 302
    assert db.session.get(Notice, notice.id).status == "withdrawn"
    again = browser.post(f"/admin/notices/{notice.id}/withdraw")
    assert again.status_code == 409


def test_unknown_notice_page(console):
    response = console("viewer").get("/admin/notices/999999")
    assert response.status_code == 404
    assert 'data-status="404"' in response.get_data(as_text=True)


def test_live_recipient_count(console, recipients):
    recipients(2, "ko")
    recipients(1, "de")
    browser = console("editor")
    response = browser.get("/admin/audience/count?audience_locales=ko")
    assert response.get_json()["count"] == 2
    everyone = browser.get("/admin/audience/count?audience_all=y").get_json()
    assert everyone["count"] == 3 and everyone["label"] == "3 recipients"
    bad = browser.get("/admin/audience/count?audience_cities=nowhere")
    assert bad.status_code == 422 and bad.get_json()["count"] is None


def test_audit_log_is_filterable(console, make_notice):
    browser = console("superadmin")
    make_notice(publish=True)
    page = browser.get("/admin/audit").get_data(as_text=True)
    assert "notice.publish" in page and "admin.login" in page
    filtered = browser.get("/admin/audit?action=notice.").get_data(as_text=True)
    assert "notice.create" in filtered and "<code>admin.login</code>" not in filtered
    empty = browser.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert "0 entries" in empty


def test_console_in_chinese(console):
    browser = console("viewer")
    response = browser.get("/admin/notices?lang=zh_Hans")
    assert response.headers["Content-Language"] == "zh-Hans"
    assert '<html lang="zh-Hans"' in response.get_data(as_text=True)
    # The choice sticks for later pages and is saved on the account.
    assert browser.get("/admin/notices").headers["Content-Language"] == "zh-Hans"
    assert browser.admin.locale == "zh_Hans"


def test_translator_pages(console):
    browser = console("translator")
    stats = browser.get("/admin/translations")
    assert stats.status_code == 200 and 'id="catalog-stats"' in stats.get_data(as_text=True)
    preview = browser.get("/admin/translations/preview?locale=en@pseudo")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert html.count('class="phone screen"') > 5 and 'class="translated"' in html
    english = browser.get("/admin/translations/preview").get_data(as_text=True)
    assert 'class="untranslated"' not in english
    assert browser.get("/admin/translations/preview?locale=xx").status_code == 404
    # The same screens drawn as the mini program draws them, in the language chosen here.
    arabic = browser.get("/admin/translations/preview?locale=ar").get_data(as_text=True)
    assert '<a id="miniprogram-preview" href="/_preview/?lang=ar">' in arabic


def test_untranslated_strings_are_marked():
    from app.admin.translators import mark_untranslated

    screen = {"title": "Hallo", "body": ["Same", "Anders"], "fields": [{"label": "Name", "name": "name"}]}
    source = {"title": "Hello", "body": ["Same", "Other"], "fields": [{"label": "Name", "name": "name"}]}
    marked = mark_untranslated(screen, source)
    assert marked["title"] == {"text": "Hallo", "untranslated": False}
    assert marked["body"][0]["untranslated"] and not marked["body"][1]["untranslated"]
    assert marked["fields"][0]["label"]["untranslated"] and marked["fields"][0]["name"] == "name"


def _feed(rows: list[dict]) -> bytes:
    columns = list(rows[0])
    lines = [",".join(columns)] + [",".join(str(row[c]) for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_registry_upload_shows_progress_and_report(console):
    good = {
        "passport_name": "DOE, Jane",
        "nationality": "USA",
        "date_of_birth": "1990-01-02",
        "passport_number": "P12345678",
        "permit_number": make_permit_number(),
        "permit_category": "B",
        "permit_valid_from": "2025-01-01",
        "permit_valid_to": "2027-01-01",
        "position": "Engineer",
        "employer_uscc": make_uscc(),
        "employer_name_zh": "测试公司",
        "work_city_code": "310000",
        "work_address": "上海",
        "ssn": make_ssn(date(1990, 1, 2), "USA"),
    }
    bad = {**good, "permit_number": "123", "ssn": make_ssn(date(1991, 1, 2), "USA"), "passport_number": "P2"}
    browser = console("superadmin")
    response = browser.post(
        "/admin/registry/import",
        data={"file": (io.BytesIO(_feed([good, bad])), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    status_url = response.headers["Location"]
    for _ in range(50):
        progress = browser.get(status_url + ".json").get_json()
        if progress["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert progress["state"] == "done" and progress["percent"] == 100
    page = browser.get(status_url).get_data(as_text=True)
    assert 'id="import-report"' in page and 'id="import-rejections"' in page
    assert "of about 2 rows</span>" in page  # a plural message with the estimated total
    wrong_type = browser.post(
        "/admin/registry/import",
        data={"file": (io.BytesIO(b"x"), "people.exe")},
        content_type="multipart/form-data",
    )
    assert wrong_type.status_code == 422
    assert browser.get("/admin/registry/import/doesnotexist.json").status_code == 404


def test_a_registry_upload_waits_in_the_shared_folder_when_one_is_set(app, console, tmp_path, monkeypatch):
    """With web hosts and workers apart, the file must be where every worker can read it."""
    from app.registry import console as registry_console

    queued = []

    class Queue:
        def enqueue(self, *args, **options):
            queued.append(args)

    monkeypatch.setattr(registry_console, "get_queue", Queue)
    app.config["REGISTRY_UPLOAD_DIR"] = str(tmp_path / "shared")
    response = console("superadmin").post(
        "/admin/registry/import",
        data={"file": (io.BytesIO(b"passport_name\n"), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [(_job, _token, path, _admin)] = queued
    assert Path(path).parent == tmp_path / "shared" and Path(path).exists()


def test_registry_upload_progress_shows_rows_rate_and_time_left(console, redis_client):
    from app.registry import import_progress

    token = import_progress.new_token()
    import_progress.start(redis_client, token, filename="people.csv", total=10_000, admin_id=1)
    import_progress.update(redis_client, token, state="running")
    clock = iter([100.0, 104.0])
    import_progress.reporter(redis_client, token, 10_000, clock=lambda: next(clock))(
        2_000
    )  # 2,000 rows in 4 s: 500 a second
    browser = console("superadmin")
    progress = browser.get(f"/admin/registry/import/{token}.json").get_json()
    assert progress == {
        "state": "running",
        "rows": 2_000,
        "total": 10_000,
        "percent": 20,
        "rate": "500",
        "eta": "0:16",
    }
    page = browser.get(f"/admin/registry/import/{token}").get_data(as_text=True)
    assert "500 rows a second, about 0:16 left" in page
    assert 'data-template="{rate} rows a second, about {eta} left"' in page
    import_progress.update(redis_client, token, state="done")
    assert browser.get(f"/admin/registry/import/{token}.json").get_json()["rate"] is None


def test_in_person_confirmation_of_an_unknown_reference(console):
    browser = console("superadmin")
    response = browser.get("/admin/verifications?reference=ABCD-EFGH")
    assert response.status_code == 422 and 'id="verification-error"' in response.get_data(as_text=True)
    assert browser.get("/admin/verifications").status_code == 200


def test_cli_creates_an_admin(runner):
    result = runner.invoke(args=["admin", "create", "Alice", "--role", "publisher"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "created alice (publisher)" in result.output
    admin = admin_auth.authenticate("alice", PASSWORD)
    assert admin.role == "publisher"


def test_cli_refuses_bad_input(runner):
    short = runner.invoke(args=["admin", "create", "bob", "--role", "viewer"], input="short\n")
    assert short.exit_code != 0 and "password" in short.output
    role = runner.invoke(args=["admin", "create", "bob", "--role", "king"], input=PASSWORD + "\n")
    assert role.exit_code != 0
    demo = runner.invoke(args=["admin", "demo"])
    assert demo.exit_code != 0 and "embedded defaults" in demo.output


def test_cli_demo_admin_on_the_embedded_defaults(app, runner):
    app.config["DEMO_DATA"] = True
    first = runner.invoke(args=["admin", "demo"])
    assert first.exit_code == 0 and "demo-admin" in first.output
    password = first.output.split("password")[-1].strip()
    assert admin_auth.authenticate("demo-admin", password).role == "superadmin"
    assert runner.invoke(args=["admin", "demo"]).exit_code == 0


def test_cli_publish_due_and_resume(runner, make_notice):
    notice = make_notice(publish=True)
    assert "published 0 notice(s)" in runner.invoke(args=["notices", "publish-due"]).output
    result = runner.invoke(args=["notices", "resume", str(notice.id)])
    assert result.exit_code == 0 and "queued 0 batch(es)" in result.output


class TestCsrf:
    """CSRF on every form (the test settings switch it off; these tests switch it back on)."""

    @pytest.fixture
    def app_config(self, database_url):
        from tests.conftest import make_test_config

        return make_test_config(database_url, WTF_CSRF_ENABLED=True)

    def test_login_without_token_is_refused(self, client, make_admin):
        admin = make_admin("viewer")
        response = client.post("/admin/login", data={"username": admin.username, "password": PASSWORD})
        assert response.status_code == 400
        assert 'data-status="400"' in response.get_data(as_text=True)

    def test_publish_without_token_is_refused(self, console, make_notice):
        notice = make_notice()
        browser = console("publisher")
        assert browser.post(f"/admin/notices/{notice.id}/publish").status_code == 400
        assert db.session.get(Notice, notice.id).status == "draft"
        page = browser.get(f"/admin/notices/{notice.id}").get_data(as_text=True)
        ok = browser.post(f"/admin/notices/{notice.id}/publish", data={"csrf_token": csrf_token(page)})
        assert ok.status_code == 302
        assert db.session.get(Notice, notice.id).status == "published"

    def test_admin_api_needs_no_csrf_token(self, client, api_headers):
        response = client.post("/api/v1/admin/notices", json=notice_payload(), headers=api_headers("editor"))
        assert response.status_code == 201


def test_in_person_confirmation(console):
    from app.accounts.models.user import UserAccount
    from tests.factories import make_in_person_reference, make_person, make_user

    person = make_person(passport_name="KIM, Min-jun", nationality="KOR")
    user = make_user(locale="ko")
    reference = make_in_person_reference(user, person)
    browser = console("superadmin")
    looked_up = browser.get(f"/admin/verifications?reference={reference}").get_data(as_text=True)
    assert 'id="reference-details"' in looked_up and "KIM, Min-jun" in looked_up
    confirmed = browser.post("/admin/verifications", data={"reference": reference})
    assert confirmed.status_code == 302
    assert db.session.get(UserAccount, user.id).verified_at is not None
    again = browser.post("/admin/verifications", data={"reference": reference})
    assert again.status_code == 422


def test_the_in_person_view_keeps_the_detail_of_each_check(console):
    from datetime import timedelta

    from app.verify import verification
    from tests.factories import make_in_person_reference, make_person, make_user

    person = make_person(passport_name="KIM, Min-jun", nationality="KOR")
    user = make_user(locale="ko")
    permit = person.permits[0].permit_number
    born = person.date_of_birth
    tries = [("156999999999999999", born), (permit, born - timedelta(days=1)), (permit, born)]
    outcomes = [
        verification.match_identity(
            user.id,
            identifier_type="permit_number",
            identifier=number,
            passport_name="KIM MIN JUN",
            date_of_birth=day,
        ).outcome
        for number, day in tries
    ]
    assert outcomes == ["not_found", "dob_mismatch", "pass"]
    reference = make_in_person_reference(user, person)
    page = console("superadmin").get(f"/admin/verifications?reference={reference}").get_data(as_text=True)
    checks = page.split('id="reference-checks"', 1)[1].split("</table>", 1)[0]
    # Newest first, each with the detail the user was never told.
    assert (
        checks.index("Passed")
        < checks.index("Date of birth does not match")
        < checks.index("Number not in the registry")
    )
    assert checks.count("Record search") == 3


class TestLoginThrottle:
    """Sign-in attempts are limited per address (the test settings switch the limiter off)."""

    @pytest.fixture
    def app_config(self, database_url):
        from tests.conftest import make_test_config

        return make_test_config(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")

    def test_eleventh_attempt_in_a_minute_is_refused(self, client):
        statuses = [
            client.post("/admin/login", data={"username": f"nobody-{n}", "password": "x"}).status_code
            for n in range(11)
        ]
        assert statuses[:10] == [401] * 10 and statuses[10] == 429
