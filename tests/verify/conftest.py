"""Fixtures of the verification tests: a client-side walker of the verify flow over the HTTP API."""

from __future__ import annotations

import pytest
from flask import g, has_app_context

from tests.factories import make_person, make_user

PATH = "/api/v1/flows/verify"


def fresh_request_globals() -> None:
    """Forget `g` between requests, as production does.

    The `app` fixture keeps one app context pushed for the whole test, and Flask reuses it for
    test-client requests, so `g` (the loaded session, the chosen locale) would leak from one
    request, and one user, to the next.
    """
    if has_app_context():
        vars(g).clear()


class Journey:
    """Drives one user's journey through GET/POST /api/v1/flows/verify, like the mini program."""

    def __init__(self, client, headers: dict):
        self.client = client
        self.headers = headers

    def get(self):
        """The current screen (a Response)."""
        fresh_request_globals()
        return self.client.get(PATH, headers=self.headers)

    def post(self, step: str, action: str = "continue", **answers):
        """Submit one screen (a Response)."""
        fresh_request_globals()
        return self.client.post(
            PATH, json={"step": step, "action": action, "answers": answers}, headers=self.headers
        )

    def answer(self, step: str, action: str = "continue", **answers) -> dict:
        """Submit one screen and expect the next one (200)."""
        response = self.post(step, action, **answers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def to_check(
        self, person=None, *, name=None, identifier_type="permit_number", identifier=None, date_of_birth=None
    ) -> dict:
        """From the start screen to check-your-answers with the person's details (or overrides)."""
        screen = self.get().get_json()
        if screen["step"] == "language":
            screen = self.answer("language", locale=screen["locale"])
        assert screen["step"] == "start", screen
        self.answer("start")
        self.answer("consent", consent_sensitive=True)
        self.answer("name", passport_name=name if name is not None else person.passport_name)
        self.answer("identifier_type", identifier_type=identifier_type)
        if identifier is None:
            identifier = {
                "permit_number": lambda: person.permits[0].permit_number,
                "ssn": lambda: person.account.ssn,
                "pr_id": lambda: person.pr_id,
            }[identifier_type]()
        self.answer("identifier", identifier=identifier)
        born = date_of_birth if date_of_birth is not None else person.date_of_birth.isoformat()
        screen = self.answer("date_of_birth", date_of_birth=born)
        assert screen["step"] == "check", screen
        return screen


@pytest.fixture
def journey(client, login):
    """`journey(user=None, locale="en")` → a Journey for that user (a new one by default).

    Each call signs in again, so passing the same user twice is a second device.
    """

    def _journey(user=None, *, locale: str | None = "en") -> Journey:
        if user is None:
            user = make_user(locale=locale)
        trip = Journey(client, login(user))
        trip.user = user
        trip.openid = user.openid
        return trip

    return _journey


@pytest.fixture
def person(db):
    """A registry person with a valid permit, an SSN account, a not-yet-activated card and a phone."""
    return make_person(passport_name="MÜLLER-LÜDENSCHEIDT, Hans Peter")
