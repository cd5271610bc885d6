"""One journey step: `GET /api/v1/flows/verify` for users half way through verification, beside bare Flask.

`prepare(app, users=N)` writes N signed-in users whose saved journey stands on the `identifier`
screen (answers encrypted at rest, as in real use) and returns their tokens; `requests(prepared)`
gives one request spec per user; `rows(harness)` (what bench/run.py calls) measures them against
the baseline. The hot path is one Redis round trip: the session, with the flow state's copy and
the translated screen kept from the state's first view (app/journeys/screen_cache.py); the
database only on a miss. The first view of each state renders the screen and keeps it; the
repeats measured here are answered from the kept copy, checked against the state's copy, by the
WSGI fast path (app/web/repeat_screens.py). Target: at least 50% of bare Flask's req/s.

    python -m bench.journey_bench      prints the screen a benchmarked request gets (a quick check)
"""

from __future__ import annotations

import json
import secrets

TARGET = 0.50
NAME = "journey step"
LOCALE = "ko"
STEP = "identifier"


def prepare(app, users: int = 16) -> dict:
    """N users on the identifier screen of the verify flow, signed in; returns their tokens."""
    from app.accounts.models.user import UserAccount
    from app.accounts.sessions import SessionStore
    from app.extensions import db
    from app.journeys.models import FlowState

    run = secrets.token_hex(4)
    answers = {
        "consent_sensitive": True,
        "passport_name": "MÜLLER, Hans Peter",
        "identifier_type": "permit_number",
    }
    history = ["start", "consent", "name", "identifier_type"]
    with app.app_context():
        accounts = [UserAccount(openid=f"bench-journey-{run}-{i}", locale=LOCALE) for i in range(users)]
        db.session.add_all(accounts)
        db.session.flush()
        db.session.add_all(
            [
                FlowState(
                    user_id=user.id,
                    flow="verify",
                    step=STEP,
                    answers=dict(answers),
                    context={"consent_version": "bench"},
                    history=list(history),
                )
                for user in accounts
            ]
        )
        db.session.commit()
        store = SessionStore(app.extensions["redis"], "session", app.config["SESSION_TTL_SECONDS"])
        tokens = [store.create(user.id, {"openid": user.openid, "locale": LOCALE}) for user in accounts]
    return {"tokens": tokens, "path": "/api/v1/flows/verify", "step": STEP, "locale": LOCALE}


def requests(prepared: dict) -> list[dict]:
    """One GET spec per prepared user: path, method, headers (no body)."""
    return [
        {
            "path": prepared["path"],
            "method": "GET",
            "body": None,
            "headers": {"Authorization": f"Bearer {token}", "Accept": "application/json"},
        }
        for token in prepared["tokens"]
    ]


def rows(harness) -> list:
    """The benchmark row for bench/run.py, judged against the 50% target."""
    from bench.load import Request

    prepared = prepare(harness.app())
    specs = [Request(spec["path"], spec["method"], dict(spec["headers"])) for spec in requests(prepared)]
    comparison = harness.compare(specs)
    return [harness.http_row(NAME, comparison, min_ratio=TARGET)]


def main() -> None:
    """Prepare on the embedded defaults and print the screen one benchmarked request returns."""
    from app import create_app
    from app.extensions import db

    app = create_app({"APP_ENV": "testing", "DATABASE_URL": "sqlite://"})
    with app.app_context():
        db.create_all()
    prepared = prepare(app, users=1)
    spec = requests(prepared)[0]
    response = app.test_client().get(spec["path"], headers=spec["headers"])
    print(response.status_code, json.dumps(response.get_json(), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
