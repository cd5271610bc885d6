"""GET and PATCH /api/v1/me: the user's saved language, in the database and the session."""

from __future__ import annotations

from app.accounts.auth import user_sessions
from app.accounts.models.user import UserAccount


def test_me_shows_the_user(client, login, db):
    user = UserAccount(openid="oMeUser000000001", locale="ko")
    db.session.add(user)
    db.session.commit()
    response = client.get("/api/v1/me", headers=login(user))
    assert response.status_code == 200
    assert response.json == {
        "locale": "ko",
        "dir": "ltr",
        "user": {"id": user.id, "locale": "ko", "verified": False, "status": "active"},
    }
    assert response.headers["Content-Language"] == "ko"


def test_me_needs_a_session(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json["error"]["code"] == "auth.required"


def test_patch_saves_locale_everywhere_and_answers_in_it(client, login, db):
    headers = login(openid="oMeUser000000002")
    response = client.patch("/api/v1/me", json={"locale": "ar"}, headers=headers)
    assert response.status_code == 200
    assert response.json["locale"] == "ar" and response.json["dir"] == "rtl"
    assert response.headers["Content-Language"] == "ar"
    user = db.session.get(UserAccount, response.json["user"]["id"])
    db.session.refresh(user)
    assert user.locale == "ar"
    token = headers["Authorization"].split()[1]
    assert user_sessions().get(token).data == {"openid": "oMeUser000000002", "locale": "ar"}
    later = client.get("/api/v1/me", headers=headers)
    assert later.json["locale"] == "ar"


def test_patch_with_null_clears_the_choice(client, login):
    headers = login(openid="oMeUser000000003", locale="fr")
    response = client.patch("/api/v1/me", json={"locale": None}, headers={**headers, "Accept-Language": "de"})
    assert response.json["user"]["locale"] is None and response.json["locale"] == "de"


def test_patch_refuses_unsupported_locales(client, login):
    headers = login(openid="oMeUser000000004", locale="ja")
    for bad in ("xx", "klingon", 7, "zh_CN", ""):
        response = client.patch("/api/v1/me", json={"locale": bad}, headers=headers)
        assert response.status_code == 422
        assert response.json["error"]["details"]["errors"][0]["field"] == "locale"
        assert response.headers["Content-Language"] == "ja"
    assert client.get("/api/v1/me", headers=headers).json["user"]["locale"] == "ja"


def test_patch_needs_a_locale_field(client, login):
    response = client.patch("/api/v1/me", json={}, headers=login(openid="oMeUser000000005"))
    assert response.status_code == 400


def test_patch_needs_a_session(client):
    assert client.patch("/api/v1/me", json={"locale": "en"}).status_code == 401


def test_put_does_what_patch_does_for_the_mini_program(client, login):
    headers = login(locale=None)
    response = client.put("/api/v1/me", json={"locale": "ja"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ja"
