"""GET /api/v1/card: status with explanation and Chinese term, holder, masked numbers; verified users only."""

from __future__ import annotations

import pytest

from tests.factories import make_person, make_user


def test_card_in_english(client, login, holder, holder_user):
    response = client.get("/api/v1/card", headers=login(holder_user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["locale"] == "en" and body["dir"] == "ltr"
    status = body["card"]["status"]
    assert status["code"] == "normal"
    assert status["name"] == "Normal"
    assert status["term_zh"] == "正常"
    assert status["explanation"]
    assert status["usable"] is True
    assert body["card"]["number_masked"] == "*****6789"
    ssn = holder.account.ssn
    assert body["holder"]["ssn_masked"] == "*" * 14 + ssn[-4:]
    assert ssn not in response.get_data(as_text=True)
    assert body["holder"]["name"] == "MÜLLER, Hans"
    assert body["holder"]["nationality"]["code"] == "DEU"
    assert body["holder"]["nationality"]["name"] == "Germany"
    assert body["card"]["issuing_city"]["name_zh"] == "上海市"
    assert body["next_step"] is None


@pytest.mark.parametrize(
    ("locale", "country", "rtl"),
    [
        ("de", "Deutschland", False),
        ("ja", "ドイツ", False),
        ("ar", "ألمانيا", True),
        ("zh_Hans", "德国", False),
    ],
)
def test_card_in_other_locales(client, login, holder, locale, country, rtl):
    user = make_user(person=holder, verified=True, locale=locale)
    body = client.get("/api/v1/card", headers=login(user)).get_json()
    assert body["locale"] == locale
    assert body["dir"] == ("rtl" if rtl else "ltr")
    assert body["holder"]["nationality"]["name"] == country
    assert body["card"]["status"]["term_zh"] == "正常"


def test_lost_card_points_to_the_guide(client, login, db):
    person = make_person(card_status="temp_lost")
    user = make_user(person=person, verified=True)
    body = client.get("/api/v1/card", headers=login(user)).get_json()
    assert body["card"]["status"]["term_zh"] == "临时挂失"
    assert body["card"]["status"]["usable"] is False
    assert body["next_step"] == {"guide": "lost-card"}


def test_card_without_session_is_401(client):
    response = client.get("/api/v1/card")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "auth.required"


def test_card_of_unverified_user_is_403(client, login, db):
    user = make_user(verified=False, locale="fr")
    response = client.get("/api/v1/card", headers=login(user))
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "card.not_verified"
    assert error["message"]


def test_linked_but_not_verified_is_403(client, login, holder):
    user = make_user(person=holder, verified=False)
    response = client.get("/api/v1/card", headers=login(user))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "card.not_verified"


def test_card_is_read_in_one_query(client, login, holder, holder_user, db):
    from sqlalchemy import event

    headers = login(holder_user)
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/api/v1/card", headers=headers).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_naming_another_user_in_the_request_changes_nothing(
    client, login, holder_user, other_user, other_holder
):
    headers = login(holder_user)
    for path in (
        "/api/v1/card",
        "/api/v1/card/permit",
        "/api/v1/card/insurances",
        "/api/v1/card/contributions?year=2025",
        "/api/v1/card/contributions.csv?year=2025",
    ):
        joiner = "&" if "?" in path else "?"
        tampered = f"{path}{joiner}user_id={other_user.id}&person_id={other_holder.id}&id={other_user.id}"
        mine = client.get(path, headers=headers)
        again = client.get(tampered, headers=headers)
        assert again.status_code == 200
        assert again.get_data() == mine.get_data()
        assert "KIM" not in again.get_data(as_text=True)
