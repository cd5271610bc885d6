"""The admin API under /api/v1/admin: tokens, notices, publishing, stats, audience counts."""

from __future__ import annotations

import pytest

from app.audit.models import AuditLog
from tests.admin.conftest import PASSWORD
from tests.notices.conftest import notice_payload


def test_auth_gives_a_token(client, make_admin):
    admin = make_admin("editor")
    response = client.post("/api/v1/admin/auth", json={"username": admin.username, "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "editor" and len(body["token"]) > 30


def test_auth_refuses_wrong_password_and_locks(client, make_admin):
    admin = make_admin("editor")
    for _ in range(5):
        response = client.post("/api/v1/admin/auth", json={"username": admin.username, "password": "nope"})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "admin.invalid_credentials"
    response = client.post("/api/v1/admin/auth", json={"username": admin.username, "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "admin.locked"


def test_auth_needs_both_fields(client):
    response = client.post("/api/v1/admin/auth", json={"username": "x"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"] == {"password": "required"}
    assert client.post("/api/v1/admin/auth", data="nope").status_code == 400


def test_create_publish_stats(client, api_headers, recipients):
    recipients(2, "ko")
    headers = api_headers("publisher")
    created = client.post("/api/v1/admin/notices", json=notice_payload(), headers=headers)
    assert created.status_code == 201
    notice = created.get_json()
    assert notice["status"] == "draft" and "ko" in notice["missing_translations"]
    published = client.post(f"/api/v1/admin/notices/{notice['id']}/publish", headers=headers)
    assert published.status_code == 200
    assert published.get_json()["notice"]["status"] == "published"
    stats = client.get(f"/api/v1/admin/notices/{notice['id']}/stats", headers=headers).get_json()
    assert stats["totals"]["delivered"] == 2 and stats["per_locale"]["ko"]["delivered"] == 2
    again = client.post(f"/api/v1/admin/notices/{notice['id']}/publish", headers=headers)
    assert again.status_code == 200
    assert (
        client.get(f"/api/v1/admin/notices/{notice['id']}/stats", headers=headers).get_json()["totals"][
            "delivered"
        ]
        == 2
    )
    withdrawn = client.post(f"/api/v1/admin/notices/{notice['id']}/withdraw", headers=headers)
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/admin/notices/{notice['id']}/publish", headers=headers).status_code == 409
    assert AuditLog.query.filter_by(action="notice.publish").count() == 1


def test_invalid_notice_is_a_422_envelope(client, api_headers):
    response = client.post(
        "/api/v1/admin/notices",
        json=notice_payload(priority="loud", source={}),
        headers=api_headers("editor"),
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "notice.invalid"
    assert {"priority", "source.title", "source.url", "source.date"} <= set(error["details"]["fields"])


def test_roles_are_enforced(client, api_headers):
    viewer = api_headers("viewer")
    assert client.post("/api/v1/admin/notices", json=notice_payload(), headers=viewer).status_code == 403
    notice = client.post(
        "/api/v1/admin/notices", json=notice_payload(), headers=api_headers("editor")
    ).get_json()
    response = client.post(f"/api/v1/admin/notices/{notice['id']}/publish", headers=api_headers("editor"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "auth.forbidden"
    assert client.get("/api/v1/admin/notices", headers=viewer).status_code == 200


def test_token_is_required(client):
    assert client.get("/api/v1/admin/notices").status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.post("/api/v1/admin/notices", json=notice_payload(), headers=bad).status_code == 401


def test_unknown_notice_is_404(client, api_headers):
    response = client.get("/api/v1/admin/notices/424242/stats", headers=api_headers("viewer"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "notice.not_found"


def test_edit_and_translate(client, api_headers):
    headers = api_headers("editor")
    notice = client.post("/api/v1/admin/notices", json=notice_payload(), headers=headers).get_json()
    response = client.put(
        f"/api/v1/admin/notices/{notice['id']}/translations/ko",
        json={"title": "제목", "body": "본문"},
        headers=headers,
    )
    assert response.status_code == 200 and "ko" in response.get_json()["translations"]
    bad = client.put(
        f"/api/v1/admin/notices/{notice['id']}/translations/ko", json={"title": ""}, headers=headers
    )
    assert bad.status_code == 422
    edited = client.put(
        f"/api/v1/admin/notices/{notice['id']}", json=notice_payload(priority="urgent"), headers=headers
    )
    assert edited.get_json()["priority"] == "urgent"
    assert client.get(f"/api/v1/admin/notices/{notice['id']}", headers=headers).get_json()["version"] == 1


def test_audience_count(client, api_headers, recipients):
    recipients(2, "ko")
    recipients(1, "de")
    headers = api_headers("viewer")
    response = client.post(
        "/api/v1/admin/audience/count", json={"audience": {"locales": ["ko"]}}, headers=headers
    )
    assert response.get_json()["count"] == 2
    bad = client.post("/api/v1/admin/audience/count", json={"audience": {"locales": "ko"}}, headers=headers)
    assert bad.status_code == 422
    superscript = client.post(
        "/api/v1/admin/audience/count", json={"audience": {"employers": ["²"]}}, headers=headers
    )
    assert superscript.status_code == 422  # a digit to str.isdigit, not to int: refused, not a 500


def test_a_notice_for_an_employer_id_that_is_no_number_is_refused(client, api_headers):
    """Saved and published, it would make every fan-out of it fail."""
    payload = notice_payload()
    payload["audience"] = {"employers": ["¹"]}
    response = client.post("/api/v1/admin/notices", json=payload, headers=api_headers("editor"))
    assert response.status_code == 422


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00", "1900-01-01T00:00:00Z"]
)
def test_a_publication_time_out_of_range_is_refused(client, api_headers, when):
    payload = notice_payload()
    payload["publish_at"] = when
    response = client.post("/api/v1/admin/notices", json=payload, headers=api_headers("editor"))
    assert response.status_code == 422, response.get_json()


def test_logout_revokes_the_token(client, api_headers):
    headers = api_headers("viewer")
    assert client.post("/api/v1/admin/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/admin/notices", headers=headers).status_code == 401
