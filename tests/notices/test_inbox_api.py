"""The user's inbox: GET /api/v1/notices and POST /api/v1/notices/<id>/read."""

from __future__ import annotations

from app.accounts import admin_auth
from app.notices import publishing


def test_inbox_in_the_users_language_with_fallback(client, login, make_notice, recipients):
    user = recipients(1, "ko")[0]
    first = make_notice(publish=True)
    second = make_notice(
        publish=True,
        translations={
            "zh_Hans": {"title": "标题", "body": "正文"},
            "ko": {"title": "제목", "body": "**본문**"},
        },
    )
    make_notice()  # a draft never shows
    response = client.get("/api/v1/notices", headers=login(user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["locale"] == "ko" and body["total"] == 2 and body["unread"] == 2
    by_id = {item["id"]: item for item in body["items"]}
    assert by_id[second.id]["title"] == "제목" and not by_id[second.id]["fallback"]
    assert "<strong>본문</strong>" in by_id[second.id]["body_html"]
    assert by_id[first.id]["content_locale"] == "en" and by_id[first.id]["fallback"]
    assert by_id[first.id]["important"] and by_id[first.id]["source"]["url"].startswith("https://")


def test_mark_read_and_pagination(client, login, make_notice, recipients):
    user = recipients(1, "en")[0]
    published = [make_notice(publish=True) for _ in range(3)]
    headers = login(user)
    read = client.post(f"/api/v1/notices/{published[0].id}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read"] is True
    again = client.post(f"/api/v1/notices/{published[0].id}/read", headers=headers)
    assert again.get_json()["read_at"] == read.get_json()["read_at"]
    page = client.get("/api/v1/notices?per_page=2", headers=headers).get_json()
    assert len(page["items"]) == 2 and page["next_page"] == 2 and page["unread"] == 2
    last = client.get("/api/v1/notices?per_page=2&page=2", headers=headers).get_json()
    assert [item["id"] for item in last["items"]] == [published[0].id] and last["items"][0]["read"]


def test_withdrawn_and_unaddressed_notices_are_hidden(client, login, make_notice, make_admin, recipients):
    user = recipients(1, "en")[0]
    notice = make_notice(publish=True)
    elsewhere = make_notice(publish=True, audience={"locales": ["ja"]})
    publishing.withdraw(notice.id, admin_auth.actor_for(make_admin("publisher")))
    headers = login(user)
    assert client.get("/api/v1/notices", headers=headers).get_json()["total"] == 0
    response = client.post(f"/api/v1/notices/{elsewhere.id}/read", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "notice.not_found"
    assert client.post(f"/api/v1/notices/{notice.id}/read", headers=headers).status_code == 404


def test_inbox_needs_a_session(client):
    assert client.get("/api/v1/notices").status_code == 401


def test_inbox_needs_valid_paging(client, login, recipients):
    headers = login(recipients(1, "en")[0])
    response = client.get("/api/v1/notices?page=0", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "request.validation"
    assert client.get("/api/v1/notices?per_page=500", headers=headers).status_code == 422
    for wrong in ("page=%C2%B2", "per_page=%C2%B2", "page=%D9%A1"):  # "²", Arabic-Indic "١"
        assert client.get(f"/api/v1/notices?{wrong}", headers=headers).status_code == 422, wrong
