"""The verification journey over the HTTP API: every screen's shape, locales, back/change, 409, resume."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models.user import Consent, UserAccount
from app.audit.models import AuditLog
from app.extensions import db as _db
from app.journeys.models import FlowState
from app.registry.models import SocialSecurityCard
from app.verify.models import VerificationAttempt
from tests.conftest import make_test_config
from tests.factories import make_person, make_user
from tests.verify.conftest import PATH, Journey

SCREEN_KEYS = [
    "flow",
    "step",
    "locale",
    "dir",
    "progress",
    "title",
    "body",
    "fields",
    "errors",
    "summary",
    "actions",
]
FIELD_KEYS = [
    "name",
    "type",
    "label",
    "hint",
    "required",
    "value",
    "error",
    "inputmode",
    "max_length",
    "options",
]


def assert_screen(screen: dict, step: str, locale: str, direction: str = "ltr") -> None:
    """The document has exactly the shape docs/architecture.md gives, in the expected locale, with texts filled."""
    keys = [key for key in screen if key != "error"]
    assert keys == SCREEN_KEYS, keys
    assert screen["flow"] == "verify"
    assert screen["step"] == step, screen
    assert screen["locale"] == locale
    assert screen["dir"] == direction
    assert isinstance(screen["title"], str) and screen["title"].strip()
    assert all(isinstance(line, str) and line.strip() for line in screen["body"])
    for input_field in screen["fields"]:
        assert list(input_field) == FIELD_KEYS
        assert input_field["label"].strip()
        for option in input_field["options"]:
            assert option["value"] and option["label"].strip()
    for row in screen["summary"]:
        assert (
            set(row) == {"label", "value", "change", "change_label"}
            and row["label"].strip()
            and row["change_label"].strip()
        )
    # Every screen has a way forward; the lockout's is the time: its first view after that moves on.
    assert screen["actions"] or step == "locked", "every screen has a way forward"
    for button in screen["actions"]:
        assert set(button) == {"name", "label", "primary"} and button["label"].strip()
    for error in screen["errors"]:
        assert set(error) == {"field", "message"} and error["message"].strip()
    if screen["progress"] is not None:
        assert 1 <= screen["progress"]["current"] <= screen["progress"]["total"] == 7


#: In Arabic each number is isolated (U+2068 … U+2069), as every value in a right-to-left message is.
STEP_4_OF_7 = {
    "en": "Step 4 of 7",
    "ar": "الخطوة \u20684\u2069 من \u20687\u2069",
    "zh_Hant": "第 4 步，共 7 步",
    "ko": "7단계 중 4단계",
    "ja": "ステップ 4（全 7）",
    "de": "Schritt 4 von 7",
}


@pytest.mark.parametrize(
    ("locale", "direction"),
    [
        ("en", "ltr"),
        ("ar", "rtl"),
        ("zh_Hant", "ltr"),
        ("ko", "ltr"),
        ("ja", "ltr"),
        ("de", "ltr"),
    ],
)
def test_whole_journey_by_phone_in_each_locale(journey, wechat_emulator, locale, direction):
    person = make_person(passport_name="MÜLLER-LÜDENSCHEIDT, Hans Peter")
    trip = journey(locale=locale)
    response = trip.get()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == locale.replace("_", "-")
    screen = response.get_json()
    assert_screen(screen, "start", locale, direction)

    steps = [
        ("start", {}, "consent"),
        ("consent", {"consent_sensitive": True}, "name"),
        ("name", {"passport_name": "mueller-luedenscheidt hans peter"}, "identifier_type"),
        ("identifier_type", {"identifier_type": "permit_number"}, "identifier"),
        (
            "identifier",
            {"identifier": " ".join(person.permits[0].permit_number[i : i + 6] for i in range(0, 18, 6))},
            "date_of_birth",
        ),
        ("date_of_birth", {"date_of_birth": person.date_of_birth.isoformat()}, "check"),
    ]
    for step, answers, expected in steps:
        screen = trip.answer(step, **answers)
        assert_screen(screen, expected, locale, direction)
        if expected == "identifier":
            assert screen["fields"][0]["inputmode"] == "numeric"
            # The progress in words, as a screen reader reads it, in the user's language.
            assert screen["progress"] == {"current": 4, "total": 7, "label": STEP_4_OF_7[locale]}

    assert [row["change"] for row in screen["summary"]] == [
        "passport_name",
        "identifier_type",
        "identifier",
        "date_of_birth",
    ]
    assert screen["summary"][2]["value"] == person.permits[0].permit_number  # normalised
    assert [a["name"] for a in screen["actions"]] == ["confirm", "back"]

    screen = trip.answer("check", "confirm")
    assert_screen(screen, "second_factor", locale, direction)
    assert [o["value"] for o in screen["fields"][0]["options"]] == ["phone", "in_person"]
    screen = trip.answer("second_factor", method="phone")
    assert_screen(screen, "phone", locale, direction)
    assert screen["fields"][0]["name"] == "phone_code"

    code = wechat_emulator.mint_phone_code(trip.openid, person.phone)
    screen = trip.answer("phone", phone_code=code)
    assert_screen(screen, "result", locale, direction)

    user = _db.session.get(UserAccount, trip.user.id)
    _db.session.refresh(user)
    assert user.person_id == person.id and user.verified_at is not None
    card = _db.session.scalar(
        select(SocialSecurityCard).where(SocialSecurityCard.account_id == person.account.id)
    )
    assert card.status == "not_activated"  # activation is the official channels' job, not ours
    audit = _db.session.scalars(select(AuditLog).where(AuditLog.action == "verification.completed")).all()
    assert len(audit) == 1 and audit[0].details["method"] == "phone"
    consent = _db.session.scalar(select(Consent).where(Consent.user_id == user.id))
    assert consent.purpose == "sensitive_identifiers" and consent.locale == locale
    assert consent.text_version
    results = [a.result for a in _db.session.scalars(select(VerificationAttempt)).all()]
    assert results == ["pass", "pass"]
    # The finished journey stays on its result.
    assert trip.get().get_json()["step"] == "result"


def test_first_run_asks_the_language_and_answers_in_it(journey):
    trip = journey(locale=None)
    screen = trip.get().get_json()
    assert_screen(screen, "language", "en")
    options = screen["fields"][0]["options"]
    assert {"value": "ko", "label": "한국어", "hint": None} in options
    assert any(o["value"] == "ar" and o["label"] == "العربية" for o in options)

    response = trip.post("language", locale="xx")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "locale"

    screen = trip.answer("language", locale="ar")
    assert_screen(screen, "start", "ar", "rtl")
    assert _db.session.get(UserAccount, trip.user.id).locale == "ar"
    # The session remembers it: the next request is in Arabic without any header.
    assert trip.get().get_json()["dir"] == "rtl"


def test_a_user_with_a_saved_language_starts_at_before_you_start(journey):
    assert journey(locale="ko").get().get_json()["step"] == "start"


def test_back_returns_to_the_previous_screen_with_the_answer_kept(journey, person):
    trip = journey()
    trip.to_check(person)
    screen = trip.answer("check", "back")
    assert screen["step"] == "date_of_birth"
    assert screen["fields"][0]["value"] == person.date_of_birth.isoformat()
    assert trip.answer("date_of_birth", "back")["step"] == "identifier"
    screen = trip.answer("identifier", "back")
    assert screen["step"] == "identifier_type"
    assert screen["fields"][0]["value"] == "permit_number"


def test_change_returns_to_check_answers_after_editing(journey, person):
    trip = journey()
    trip.to_check(person, name="Hans Mueller")
    screen = trip.answer("check", "change", field="passport_name")
    assert screen["step"] == "name"
    assert screen["fields"][0]["value"] == "Hans Mueller"  # pre-filled
    screen = trip.answer("name", passport_name="Hans Peter Mueller-Luedenscheidt")
    assert screen["step"] == "check"
    assert screen["summary"][0]["value"] == "Hans Peter Mueller-Luedenscheidt"


def test_changing_the_number_type_asks_for_the_number_again_then_returns(journey, person):
    trip = journey()
    trip.to_check(person)
    assert trip.answer("check", "change", field="identifier_type")["step"] == "identifier_type"
    screen = trip.answer("identifier_type", identifier_type="ssn")
    assert screen["step"] == "identifier"
    assert screen["fields"][0]["value"] == ""
    assert screen["fields"][0]["inputmode"] == "text"  # an SSN may end in X
    screen = trip.answer("identifier", identifier=person.account.ssn.lower())
    assert screen["step"] == "check"
    assert screen["summary"][2]["value"] == person.account.ssn


def test_back_from_a_change_screen_returns_to_check(journey, person):
    trip = journey()
    trip.to_check(person)
    trip.answer("check", "change", field="date_of_birth")
    assert trip.answer("date_of_birth", "back")["step"] == "check"


def test_change_of_an_unknown_field_is_a_clear_error(journey, person):
    trip = journey()
    trip.to_check(person)
    response = trip.post("check", "change", field="nationality")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "flow.unknown_field"
    assert response.get_json()["step"] == "check"


def test_unknown_action_is_refused_on_the_same_screen(journey):
    trip = journey()
    trip.get()
    response = trip.post("start", "confirm")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == "flow.unknown_action" and body["step"] == "start"


def test_stale_step_answers_409_with_the_current_screen(journey, person):
    trip = journey()
    trip.to_check(person)
    response = trip.post("name", passport_name="Someone Else")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"]["code"] == "flow.stale_step"
    assert body["error"]["details"]["current_step"] == "check"
    assert_screen(body, "check", "en")
    assert body["summary"][0]["value"] == person.passport_name  # nothing was changed


def test_skipping_ahead_is_refused(journey):
    trip = journey()
    trip.get()
    response = trip.post("check", "confirm")
    assert response.status_code == 409
    assert response.get_json()["step"] == "start"


def test_resume_after_a_restart_and_on_another_device(app, journey, person, database_url):
    trip = journey()
    trip.get()
    trip.answer("start")
    trip.answer("consent", consent_sensitive=True)
    trip.answer("name", passport_name=person.passport_name)

    # A new app instance (a restart) on the same database and Redis keeps the journey.
    config = make_test_config(database_url)
    if not app.config.get("REDIS_URL"):
        config["FAKEREDIS_SERVER"] = app.config["FAKEREDIS_SERVER"]
    restarted = create_app(config)
    with restarted.app_context():
        response = Journey(restarted.test_client(), trip.headers).get()
        assert response.get_json()["step"] == "identifier_type"

    # Another device: a new session of the same user continues where the first one stopped.
    other = journey(trip.user)
    assert other.headers != trip.headers
    screen = other.get().get_json()
    assert screen["step"] == "identifier_type"
    other.answer("identifier_type", identifier_type="permit_number")
    # The first device's stale answer is refused with the screen the other device reached.
    response = trip.post("identifier_type", identifier_type="ssn")
    assert response.status_code == 409 and response.get_json()["step"] == "identifier"


def test_answers_are_encrypted_at_rest(journey, person):
    trip = journey()
    trip.to_check(person)
    with _db.engine.connect() as conn:
        raw = conn.execute(FlowState.__table__.select()).mappings().one()
    assert person.permits[0].permit_number not in raw["answers"]
    assert "Hans" not in raw["answers"]


@pytest.mark.parametrize(
    ("step", "answers", "field", "fragment"),
    [
        ("consent", {"consent_sensitive": False}, "consent_sensitive", None),
        ("consent", {}, "consent_sensitive", None),
        ("name", {"passport_name": ""}, "passport_name", None),
        ("name", {"passport_name": "穆勒 汉斯"}, "passport_name", "letters A to Z"),
        ("name", {"passport_name": "Мюллер Ганс"}, "passport_name", "letters A to Z"),
        ("name", {"passport_name": "A" * 121}, "passport_name", "120"),
        ("identifier_type", {"identifier_type": "passport"}, "identifier_type", None),
        ("identifier", {"identifier": "12345"}, "identifier", "18 digits"),
        ("identifier", {"identifier": "15600000000000000A"}, "identifier", "digits only"),
        ("date_of_birth", {"date_of_birth": "1988-02-30"}, "date_of_birth", "does not exist"),
        ("date_of_birth", {"date_of_birth": "12/04/1988"}, "date_of_birth", "year-month-day"),
        ("date_of_birth", {"date_of_birth": "2999-01-01"}, "date_of_birth", "past"),
        ("date_of_birth", {"date_of_birth": "1850-01-01"}, "date_of_birth", "year"),
        ("date_of_birth", {"date_of_birth": ["1988"]}, "date_of_birth", None),
    ],
)
def test_validation_errors_keep_the_screen_and_the_input(journey, step, answers, field, fragment):
    trip = journey()
    order = ["start", "consent", "name", "identifier_type", "identifier", "date_of_birth"]
    fill = {
        "consent": {"consent_sensitive": True},
        "name": {"passport_name": "MUELLER HANS"},
        "identifier_type": {"identifier_type": "permit_number"},
        "identifier": {"identifier": "156000000000000001"},
    }
    trip.get()
    for earlier in order[: order.index(step)]:
        trip.answer(earlier, **fill.get(earlier, {}))
    response = trip.post(step, **answers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["step"] == step
    assert body["error"]["code"] == "request.validation"
    assert body["errors"][0]["field"] == field
    input_field = next(f for f in body["fields"] if f["name"] == field)
    assert input_field["error"] == body["errors"][0]["message"]
    if fragment:
        assert fragment in input_field["error"]
    value = answers.get(field)
    if isinstance(value, str) and value:
        assert input_field["value"] == value  # the user's input is kept
    # Nothing was saved: the same step is still current.
    assert trip.get().get_json()["step"] == step


def test_ssn_check_digit_error_is_translated(journey):
    trip = journey(locale="de")
    trip.get()
    for step, answers in [
        ("start", {}),
        ("consent", {"consent_sensitive": True}),
        ("name", {"passport_name": "MUELLER HANS"}),
        ("identifier_type", {"identifier_type": "ssn"}),
    ]:
        trip.answer(step, **answers)
    response = trip.post("identifier", identifier="931410198503150010")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "identifier"
    assert response.get_json()["locale"] == "de"


def test_flow_routes_need_a_session(client):
    assert client.get(PATH).status_code == 401
    response = client.post(PATH, json={"step": "start", "action": "continue"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "auth.required"


def test_unknown_flow_is_404(journey):
    trip = journey()
    response = trip.client.get("/api/v1/flows/nope", headers=trip.headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "flow.not_found"
    response = trip.client.post("/api/v1/flows/nope", json={"step": "a", "action": "b"}, headers=trip.headers)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"step": 1, "action": "continue"},
        {"step": "start"},
        {"step": "start", "action": "continue", "answers": []},
        {"step": "x" * 100, "action": "continue"},
    ],
)
def test_unreadable_submissions_are_400(journey, body):
    trip = journey()
    trip.get()
    if body is None:
        response = trip.client.post(PATH, data="not json", headers=trip.headers)
    else:
        response = trip.client.post(PATH, json=body, headers=trip.headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "request.invalid"
    assert trip.get().get_json()["step"] == "start"


def test_a_verified_user_lands_on_the_result(journey):
    user = make_user(verified=True, locale="en")
    assert journey(user).get().get_json()["step"] == "result"


def test_showing_a_screen_costs_no_sql_or_one_statement(journey, person, redis_client):
    """The hot path: the session and the state's Redis copy; without the copy, one indexed read."""
    from sqlalchemy import event

    from app.extensions import read_engine
    from app.journeys import flow_cache

    trip = journey()
    trip.get()
    trip.answer("start")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def show() -> str:
        return trip.get().get_json()["step"]

    engines = {_db.engine, read_engine()}  # on MySQL hot reads use the autocommit engine
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        assert show() == "consent"  # the submission wrote its result through to the copy
        assert statements == []
        for copy in redis_client.scan_iter(match=f"{flow_cache.PREFIX}:*:verify"):
            redis_client.delete(copy)
        assert show() == "consent"
        assert len(statements) == 1, statements
        assert "flow_states" in statements[0] and "WHERE" in statements[0]
        assert show() == "consent"  # the read filled the copy again
        assert len(statements) == 1
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def test_a_change_made_while_matching_runs_is_not_overwritten(journey, person, monkeypatch):
    """Another device moves the journey while this request is with the registry: 409, not a clobber."""
    from app.verify import verification

    trip = journey()
    trip.to_check(person)
    real_match = verification.match_identity

    def match_while_another_device_goes_back(*args, **kwargs):
        result = real_match(*args, **kwargs)
        with _db.engine.begin() as conn:
            conn.execute(
                FlowState.__table__.update().values(
                    step="date_of_birth", version=FlowState.__table__.c.version + 1
                )
            )
        return result

    monkeypatch.setattr(verification, "match_identity", match_while_another_device_goes_back)
    response = trip.post("check", "confirm")
    assert response.status_code == 409
    assert response.get_json()["step"] == "date_of_birth"


def test_an_answer_costs_one_read_and_one_guarded_update(journey, person):
    """The soak's answer: the state read once, saved once under the version check, never read back."""
    from sqlalchemy import event

    from app.extensions import read_engine

    trip = journey()
    trip.get()
    trip.answer("start")
    trip.answer("consent", consent_sensitive=True)
    assert trip.get().get_json()["step"] == "name"
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    engines = {_db.engine, read_engine()}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        assert trip.answer("name", passport_name=person.passport_name)["step"] == "identifier_type"
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    flow_statements = [s for s in statements if "flow_states" in s]
    assert [s.split()[0] for s in flow_statements] == ["SELECT", "UPDATE"], statements
    assert "version" in flow_statements[1].split("WHERE", 1)[1]


def test_an_answer_reads_and_saves_its_state_outside_the_orm_session(journey, person):
    """The name answer: the state's SELECT and guarded UPDATE go through no ORM query, flush or commit."""
    from sqlalchemy import event

    trip = journey()
    trip.get()
    trip.answer("start")
    trip.answer("consent", consent_sensitive=True)
    name = person.passport_name
    _db.session.close()  # as a request in production starts: no transaction of the test's own
    orm_work = []
    listeners = {
        "do_orm_execute": lambda state: orm_work.append("query"),
        "after_flush": lambda *_args: orm_work.append("flush"),
        "after_commit": lambda *_args: orm_work.append("commit"),
    }
    for event_name, listener in listeners.items():
        event.listen(_db.session, event_name, listener)
    try:
        assert trip.answer("name", passport_name=name)["step"] == "identifier_type"
    finally:
        for event_name, listener in listeners.items():
            event.remove(_db.session, event_name, listener)
    assert orm_work == []
    state = _db.session.scalars(select(FlowState)).one()
    assert state.step == "identifier_type" and state.answers["passport_name"] == name
    assert trip.get().get_json()["step"] == "identifier_type"  # the Redis copy followed the save


def test_every_answer_runs_the_same_statement_objects(journey, person):
    """The state's read and guarded UPDATE are built once (one built per answer costs a cache-key walk)."""
    from sqlalchemy import event

    from app.extensions import read_engine

    trip = journey()
    trip.get()
    trip.answer("start")
    trip.answer("consent", consent_sensitive=True)
    name = person.passport_name  # read before counting (the test's own object loads it)
    engines = {_db.engine, read_engine()}
    runs: list[list] = []

    def collect(_conn, clause, *_args):
        runs[-1].append(clause)

    for engine in engines:
        event.listen(engine, "before_execute", collect)
    try:
        for _ in range(2):
            runs.append([])
            assert trip.answer("name", passport_name=name)["step"] == "identifier_type"
            runs.append([])
            assert trip.answer("identifier_type", action="back")["step"] == "name"
    finally:
        for engine in engines:
            event.remove(engine, "before_execute", collect)
    assert all(any(str(clause).startswith("UPDATE") for clause in run) for run in runs), runs
    for first, again in ((runs[0], runs[2]), (runs[1], runs[3])):  # the same answer, a second time
        assert len(first) == len(again) and all(a is b for a, b in zip(first, again, strict=True)), runs


def test_a_step_and_its_own_writes_are_saved_together_or_not_at_all(journey, monkeypatch):
    """The consent step adds a consent row; when another device moved the journey first, neither is saved."""
    from app.verify import journey as verify_journey

    trip = journey()
    trip.get()
    trip.answer("start")
    real_grant = verify_journey.grant_consent

    def grant_while_another_device_moves(*args, **kwargs):
        result = real_grant(*args, **kwargs)
        with _db.engine.begin() as conn:
            conn.execute(FlowState.__table__.update().values(version=FlowState.__table__.c.version + 1))
        return result

    monkeypatch.setattr(verify_journey, "grant_consent", grant_while_another_device_moves)
    response = trip.post("consent", consent_sensitive=True)
    assert response.status_code == 409 and response.get_json()["step"] == "consent"
    _db.session.expire_all()
    assert _db.session.scalars(select(Consent)).all() == []
    monkeypatch.setattr(verify_journey, "grant_consent", real_grant)
    assert trip.answer("consent", consent_sensitive=True)["step"] == "name"
    assert len(_db.session.scalars(select(Consent)).all()) == 1
