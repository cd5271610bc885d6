"""Schema-driven fuzzing of every /api/v1 operation from the app's own OpenAPI document (schemathesis).

Bounded for CI: a fixed, derandomized number of examples per operation and generation mode. Each
example goes through the app in-process (the test client, so every request sees a fresh `g`),
signed in as a real user (the `login` fixture), an admin or a service point, or not at all. The
properties: never a 5xx, every 4xx is the error envelope, and a refused request changes nothing
in the database.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import func, select

from app.accounts import admin_auth, service_points
from app.accounts.sessions import SessionStore
from app.extensions import db
from tests.factories import make_user
from tests.security.conftest import ADMIN_PASSWORD, furnish

#: Per operation and mode. CI keeps the default; a deeper local run sets FUZZ_EXAMPLES=100 (and
#: `--timeout=0`, since the per-test timeout is sized for the default).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: Refusals that write on purpose, so the "refused changes nothing" property does not apply to them:
#: failed identity checks are recorded (the lockout counts them), failed admin sign-ins count toward the
#: account lock, and every QR check a service point makes is kept as its record.
AUDITED_REFUSALS = {"POST /api/v1/flows/{name}", "POST /api/v1/admin/auth", "POST /api/v1/qr/verify"}
#: Runs last in the signed-in pass: a valid body deletes the account the other operations use.
LAST = "DELETE /api/v1/me"


def fingerprint() -> dict:
    """Row count, highest id and latest update of every table except the audit log (refusals are audited)."""
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name == "audit_log":
            continue
        columns = [func.count()]
        if "id" in table.c:
            columns.append(func.max(table.c.id))
        if "updated_at" in table.c:
            columns.append(func.max(table.c.updated_at))
        state[table.name] = tuple(db.session.execute(select(*columns).select_from(table)).one())
    db.session.rollback()  # end the read transaction so the next snapshot sees the app's commits
    return state


def assert_envelope(response, label: str) -> None:
    """A 4xx answer is the error envelope: {"error": {"code", "message", "details"}}."""
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), (label, response.get_data()[:300])
    error = body["error"]
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), (label, error)
    assert isinstance(error.get("details"), dict), (label, error)


def operations(app):
    """Every operation of the document served by `app`, the account deletion last."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 30
    return sorted(found, key=lambda op: (op.label == LAST, op.label))


def exercise(client, operation, mode: GenerationMode, headers_for, *, check_state: bool) -> int:
    """Run the bounded examples of one operation in one mode; the number of requests made."""
    made = []

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        before = fingerprint() if check_state else None
        kwargs = case.as_transport_kwargs(headers=headers_for(operation))
        response = client.open(**kwargs)
        made.append(response.status_code)
        label = f"{mode.value} {kwargs['method']} {kwargs['path']} {kwargs.get('query_string')} → {response.status_code}"
        assert response.status_code < 500, (label, response.get_data()[:300])
        if response.status_code >= 400:
            assert_envelope(response, label)
            if check_state and operation.label not in AUDITED_REFUSALS:
                assert fingerprint() == before, label

    try:
        run()
    except Unsatisfiable:
        # Nothing of this operation can be made invalid (no parameters, no body): positive mode covers it.
        assert mode is GenerationMode.NEGATIVE and not made, operation.label
    return len(made)


@pytest.fixture
def fuzz_app(app, wechat_emulator):
    """The app with WeChat answered by the local emulator (sign-in codes are checked there)."""
    return app


def test_signed_in_fuzzing_finds_no_server_error(fuzz_app, client, login):
    user = make_user(verified=True, locale="en")
    furnish(user)
    admin = admin_auth.create_admin("fuzz-superadmin", ADMIN_PASSWORD, "superadmin")
    admin_store = SessionStore(
        fuzz_app.extensions["redis"], "admin", fuzz_app.config["ADMIN_SESSION_TTL_SECONDS"]
    )
    _point, key = service_points.create_service_point("Fuzz counter")

    def headers_for(operation) -> dict:
        # A fresh token per example: logout or a deletion in one example must not blind the rest.
        access = operation.definition.raw.get("x-access")
        if access == "admin":
            return {"Authorization": "Bearer " + admin_store.create(admin.id, {"role": admin.role})}
        if access == "service_point":
            return {"X-Service-Point-Key": key}
        return login(user) if db.session.get(type(user), user.id) is not None else {}

    total = 0
    for operation in operations(fuzz_app):
        for mode in (GenerationMode.NEGATIVE, GenerationMode.POSITIVE):
            total += exercise(client, operation, mode, headers_for, check_state=True)
    assert total > 300


def test_anonymous_fuzzing_is_refused_and_changes_nothing(fuzz_app, client):
    make_user(verified=True)
    before = fingerprint()
    total = 0
    for operation in operations(fuzz_app):
        for mode in (GenerationMode.NEGATIVE, GenerationMode.POSITIVE):
            total += exercise(client, operation, mode, lambda _op: {}, check_state=True)
    assert total > 300
    assert fingerprint() == before


def test_ids_beyond_64_bits_are_a_404_not_a_crash(app, client, login):
    """Found by this fuzzer: /admin/notices/9223372036854775808 crashed the SQLite driver (a 500)."""
    admin = admin_auth.create_admin("big-id-admin", ADMIN_PASSWORD, "superadmin")
    admin_headers = {
        "Authorization": "Bearer "
        + SessionStore(app.extensions["redis"], "admin", app.config["ADMIN_SESSION_TTL_SECONDS"]).create(
            admin.id, {}
        )
    }
    for path, method, headers in (
        ("/api/v1/admin/notices/9223372036854775808", "GET", admin_headers),
        ("/api/v1/admin/notices/99999999999999999999999/stats", "GET", admin_headers),
        ("/api/v1/notices/9223372036854775808/read", "POST", login()),
    ):
        response = client.open(path, method=method, headers=headers)
        assert response.status_code == 404, path
        assert_envelope(response, path)
    assert client.get("/api/v1/admin/notices/9223372036854775807", headers=admin_headers).status_code == 404
