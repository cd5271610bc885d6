"""Console sign-in lockout: counted before the password is checked, the same for names that are no
account, slowed down per address so one address cannot keep an account locked, and audited.

The parallel guesses against real MariaDB and Redis are in tests/security/test_concurrency.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts import admin_auth, sign_in_throttle
from app.accounts.admin_auth import LOCKOUT, MAX_FAILED_LOGINS, AccountLocked, InvalidCredentials
from app.accounts.models.admin import AdminUser
from app.audit.models import AuditLog
from app.columns import utcnow
from app.errors import AppError
from app.extensions import db, get_redis
from tests.admin.conftest import PASSWORD


def answers(client, username: str, tries: int, address: str) -> list[tuple]:
    """What the admin API answered to `tries` wrong passwords for `username` from `address`."""
    seen = []
    for _ in range(tries):
        response = client.post(
            "/api/v1/admin/auth",
            json={"username": username, "password": "wrong password"},
            environ_base={"REMOTE_ADDR": address},
        )
        error = response.get_json()["error"]
        seen.append(
            (
                response.status_code,
                error["code"],
                error["message"],
                -(-error["details"].get("retry_after_seconds", 0) // 60),
            )
        )  # whole minutes, rounded up
    return seen


@pytest.fixture(autouse=True)
def verifications(monkeypatch):
    """Each password check (the costly step of every try) is counted, and answered without argon2's
    second of work: these tests are about what is counted, not about hashing."""
    checked = []
    dummy = admin_auth._dummy_hash()

    def verify(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return password_hash != dummy and password == PASSWORD

    monkeypatch.setattr(admin_auth, "_verify", verify)
    return checked


def test_a_name_that_is_no_account_answers_exactly_like_an_account(client, make_admin, verifications):
    admin = make_admin("editor")
    known = answers(client, admin.username, MAX_FAILED_LOGINS + 2, "10.0.0.1")
    checks_for_known = len(verifications)
    unknown = answers(client, "no-such-admin", MAX_FAILED_LOGINS + 2, "10.0.0.2")
    assert unknown == known
    assert [status for status, *_ in known] == [401] * MAX_FAILED_LOGINS + [429, 429]
    assert known[-1][1] == "admin.locked" and known[-1][3] == 15
    # The same work per try: a password hashed for each counted try, none while locked.
    assert checks_for_known == len(verifications) - checks_for_known == MAX_FAILED_LOGINS


def test_a_deactivated_account_answers_like_a_name_that_is_no_account(client, make_admin):
    admin = make_admin("editor")
    admin.active = False
    db.session.commit()
    assert answers(client, admin.username, 6, "10.0.0.3") == answers(client, "nobody-at-all", 6, "10.0.0.4")


@pytest.mark.parametrize("existing", [True, False], ids=["account", "no-account"])
def test_the_lock_lifts_after_the_lockout_and_counts_again(make_admin, existing):
    username = make_admin("viewer").username if existing else "not-an-admin"
    now = utcnow()
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(InvalidCredentials):
            admin_auth.authenticate(username, "wrong", address=None, now=now)
    with pytest.raises(AccountLocked):
        admin_auth.authenticate(username, PASSWORD, now=now + LOCKOUT - timedelta(seconds=1))
    later = now + LOCKOUT
    for _ in range(MAX_FAILED_LOGINS - 1):  # after the lock, as many tries as before
        with pytest.raises(InvalidCredentials):
            admin_auth.authenticate(username, "wrong", now=later)
    with pytest.raises(InvalidCredentials):
        admin_auth.authenticate(username, "wrong", now=later)
    with pytest.raises(AccountLocked):
        admin_auth.authenticate(username, "wrong", now=later)


def test_the_right_password_clears_the_count(make_admin):
    admin = make_admin("viewer")
    now = utcnow()
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(InvalidCredentials):
            admin_auth.authenticate(admin.username, "wrong", now=now)
    assert admin_auth.authenticate(admin.username, PASSWORD, now=now).id == admin.id
    db.session.refresh(admin)
    assert (admin.failed_logins, admin.locked_until, admin.last_failed_login_at) == (0, None, None)


def test_tries_are_forgotten_a_day_after_the_last_one(make_admin):
    username = make_admin("viewer").username
    now = utcnow()
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(InvalidCredentials):
            admin_auth.authenticate(username, "wrong", now=now)
    with pytest.raises(InvalidCredentials):  # the count starts again: no lock after this one
        admin_auth.authenticate(
            username, "wrong", now=now + sign_in_throttle.NAME_MEMORY + timedelta(seconds=1)
        )
    assert db.session.scalar(select(AdminUser.failed_logins).where(AdminUser.username == username)) == 1


def test_the_lock_and_the_address_backoff_are_audited(client, make_admin):
    admin = make_admin("viewer")
    answers(client, admin.username, MAX_FAILED_LOGINS, "10.0.0.5")
    [locked] = db.session.scalars(select(AuditLog).where(AuditLog.action == "admin.locked")).all()
    assert locked.entity_id == str(admin.id) and locked.details["failures"] == MAX_FAILED_LOGINS
    assert locked.details["until"] and locked.request_id
    answers(client, "someone-else", sign_in_throttle.ADDRESS_FREE_FAILURES, "10.0.0.5")
    throttled = db.session.scalars(select(AuditLog).where(AuditLog.action == "admin.address_throttled")).all()
    assert [entry.entity_id for entry in throttled] == ["10.0.0.5"]


def test_the_console_answers_a_lock_with_its_page_and_429(client, make_admin):
    admin = make_admin("viewer")
    for _ in range(MAX_FAILED_LOGINS):
        client.post("/admin/login", data={"username": admin.username, "password": "wrong"})
    response = client.post("/admin/login", data={"username": admin.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.get_data(as_text=True)


def test_one_address_cannot_keep_an_account_locked(make_admin):
    """An attacker guessing from one address whenever allowed, for a week: the account is rarely locked."""
    admin = make_admin("publisher")
    start = now = utcnow()
    locks: list = []
    while now < start + timedelta(days=7):
        try:
            admin_auth.authenticate(admin.username, "guess", address="203.0.113.9", now=now)
        except AccountLocked as refused:
            now += timedelta(seconds=refused.details["retry_after_seconds"])
            continue
        except AppError:
            pass
        db.session.expire_all()
        locked_until = db.session.get(AdminUser, admin.id).locked_until
        if locked_until is not None and (not locks or locks[-1] != locked_until):
            locks.append(locked_until)
        now += timedelta(seconds=1)
    first_day = [moment for moment in locks if moment <= start + timedelta(days=1, minutes=15)]
    assert len(first_day) <= 4 and len(locks) - len(first_day) <= 1, locks
    # While the attacker's address waits, the admin signs in from their own.
    while sign_in_throttle.address_wait(get_redis(), "203.0.113.9", now) is None:
        with pytest.raises(AppError):
            admin_auth.authenticate(admin.username, "guess", address="203.0.113.9", now=now)
        now += timedelta(seconds=1)
    assert admin_auth.authenticate(admin.username, PASSWORD, address="198.51.100.7", now=now).id == admin.id
