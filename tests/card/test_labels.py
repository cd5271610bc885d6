"""The card screens carry their own title and row labels, translated: the client shows no text of its own."""

from __future__ import annotations

import pytest

ROWS = {
    "/api/v1/card": {"holder_name", "nationality", "ssn", "card_number", "issuing_city"},
    "/api/v1/card/permit": {"permit_number", "employer", "position", "work_address", "work_city", "validity"},
    "/api/v1/card/insurances": set(),
}


@pytest.mark.parametrize("path", sorted(ROWS))
def test_title_and_labels_in_english_and_korean(client, login, holder_user, path):
    headers = login(holder_user)
    english = client.get(path, headers=headers).get_json()
    korean = client.get(path + "?lang=ko", headers=headers).get_json()
    assert english["title"] and korean["title"] and english["title"] != korean["title"]
    assert set(english.get("labels", {})) == ROWS[path]
    for key in ROWS[path]:
        assert english["labels"][key] and korean["labels"][key] != english["labels"][key]


def test_check_answers_rows_carry_the_change_link_text():
    from app.journeys.engine import _with_change_labels

    rows = _with_change_labels(
        [{"label": "Name", "value": "X", "change": "passport_name"}, {"label": "Fixed", "value": "Y"}]
    )
    assert rows[0]["change_label"] == "Change"
    assert "change_label" not in rows[1]


def test_card_status_explanations_tell_the_states_apart(app):
    from app.card.terms import CARD_STATUSES, USABLE_CARD_STATUSES
    from app.i18n import to_text

    with app.test_request_context():
        text = {code: to_text(term.explanation) for code, term in CARD_STATUSES.items()}
    assert USABLE_CARD_STATUSES == {"normal"}
    assert text["normal"].startswith("The card works.")
    assert "in use" not in text["normal"] and "active" not in text["normal"]
    assert text["not_activated"].startswith("You have the card") and "does not work" in text["not_activated"]
    # 封存 is the account on hold (contributions stopped), not a card that is not yet usable.
    assert "Your account is on hold." in text["sealed"] and "new employer" in text["sealed"]
