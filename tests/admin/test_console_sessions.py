"""Console sessions live on the server: signing out, a password or role change and "sign out
everywhere" end them, so a copy of the cookie opens nothing; the cookie never outlives the session."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from app import clock
from app.accounts import admin_auth, admin_sessions
from app.accounts.models.admin import AdminUser
from app.accounts.sessions import SessionStore
from app.audit.models import AuditLog
from app.extensions import db
from tests.admin.conftest import PASSWORD, csrf_token, forget_csrf_token

COOKIE = "session"
NEW_PASSWORD = "a much longer new passphrase"


def copy_of(app, browser):
    """Another browser holding a copy of this one's console cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, browser.get_cookie(COOKIE).value)
    return thief


def signed_in(client) -> bool:
    """The console lets this browser in (no redirect to the sign-in page)."""
    forget_csrf_token()
    return client.get("/admin/notices").status_code == 200


def api_token(client, admin) -> dict:
    response = client.post("/api/v1/admin/auth", json={"username": admin.username, "password": PASSWORD})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def post_form(browser, path: str, data: dict | None = None, page: str | None = None):
    """POST a console form with the CSRF token of the page it sits on."""
    forget_csrf_token()
    html = browser.get(page or path).get_data(as_text=True)
    forget_csrf_token()
    return browser.post(path, data={**(data or {}), "csrf_token": csrf_token(html)})


@pytest.fixture
def app_config(database_url):
    from tests.conftest import make_test_config

    return make_test_config(database_url, WTF_CSRF_ENABLED=True)


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, console):
    browser = console("editor")
    thief = copy_of(app, browser)
    assert signed_in(thief)
    assert post_form(browser, "/admin/logout", page="/admin/notices").status_code == 302
    assert not signed_in(browser)
    assert not signed_in(thief)


def test_the_cookie_holds_an_opaque_id_and_expires_with_the_session(app, console, redis_client):
    browser = console("viewer")
    cookie = browser.get_cookie(COOKIE)
    ttl = app.config["ADMIN_SESSION_TTL_SECONDS"]
    assert cookie.expires is not None
    assert (cookie.expires - clock.now()).total_seconds() <= ttl
    stored = admin_sessions.console_sessions().peek(cookie.value)
    assert stored is not None and stored[0].owner_id == browser.admin.id and stored[1] <= ttl * 1000
    assert "admin_id" not in cookie.value and len(cookie.value) < 80  # only an id; the data stay in Redis


def test_signing_in_starts_a_new_session(app, make_admin):
    admin = make_admin("viewer")
    browser = app.test_client()
    forget_csrf_token()
    page = browser.get("/admin/login")
    before = browser.get_cookie(COOKIE).value  # the sign-in form's own session (its CSRF token)
    forget_csrf_token()
    browser.post(
        "/admin/login",
        data={
            "username": admin.username,
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    after = browser.get_cookie(COOKIE).value
    assert after != before
    assert admin_sessions.console_sessions().peek(before) is None  # the pre-sign-in id is gone


def test_a_role_change_ends_every_session_and_token(app, client, console, runner):
    browser = console("publisher")
    token = api_token(client, browser.admin)
    result = runner.invoke(args=["admin", "set-role", browser.admin.username, "viewer"])
    assert result.exit_code == 0 and "2 session(s) ended" in result.output
    assert not signed_in(browser)
    assert client.get("/api/v1/admin/notices", headers=token).status_code == 401
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "admin.role_changed")).one()


def test_changing_ones_password_ends_every_session_and_token(app, client, console):
    browser = console("editor")
    other_browser, token = copy_of(app, browser), api_token(client, browser.admin)
    response = post_form(
        browser, "/admin/account", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/login")
    forget_csrf_token()
    assert "Your password is changed" in browser.get("/admin/login").get_data(as_text=True)
    assert not signed_in(browser) and not signed_in(other_browser)
    assert client.get("/api/v1/admin/notices", headers=token).status_code == 401
    with pytest.raises(admin_auth.InvalidCredentials):
        admin_auth.authenticate(browser.admin.username, PASSWORD)
    assert admin_auth.authenticate(browser.admin.username, NEW_PASSWORD).id == browser.admin.id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"current": "not the password", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
            "Your current password is not correct.",
        ),
        (
            {"current": PASSWORD, "new": "short", "repeat": "short"},
            "A password needs at least 10 characters.",
        ),
        (
            {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD + "!"},
            "The two new passwords are not the same.",
        ),
    ],
    ids=["wrong-current", "too-short", "not-the-same"],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app, console, fields, message):
    browser = console("viewer")
    before = db.session.get(AdminUser, browser.admin.id).password_hash
    response = post_form(browser, "/admin/account", fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AdminUser, browser.admin.id).password_hash == before
    assert signed_in(browser)


def test_a_wrong_current_password_counts_like_a_wrong_sign_in(app, console):
    browser = console("viewer")
    for _ in range(admin_auth.MAX_FAILED_LOGINS):
        post_form(
            browser, "/admin/account", {"current": "guess", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
        )
    response = post_form(
        browser, "/admin/account", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert response.status_code == 422 and "Too many failed sign-ins" in response.get_data(as_text=True)


def test_sign_out_everywhere_ends_every_session_and_token(app, client, console):
    browser = console("translator")
    other_browser, token = copy_of(app, browser), api_token(client, browser.admin)
    response = post_form(browser, "/admin/account/sign-out-everywhere", page="/admin/account")
    assert response.status_code == 302
    forget_csrf_token()
    assert "You are signed out on every device." in browser.get("/admin/login").get_data(as_text=True)
    assert not signed_in(browser) and not signed_in(other_browser)
    assert client.get("/api/v1/admin/notices", headers=token).status_code == 401


def test_a_password_set_by_an_operator_ends_sessions_even_if_redis_fails_then(
    app, client, console, monkeypatch
):
    browser = console("editor")
    token = api_token(client, browser.admin)

    def redis_down(_admin_id):
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(admin_sessions, "end_all", redis_down)
    with pytest.raises(RedisConnectionError):
        admin_auth.set_password(browser.admin.id, NEW_PASSWORD)
    monkeypatch.undo()
    # The session version changed with the password: neither the cookie nor the token works.
    assert not signed_in(browser)
    assert client.get("/api/v1/admin/notices", headers=token).status_code == 401


def test_cli_set_password_and_sign_out(app, console, runner):
    browser = console("viewer")
    result = runner.invoke(args=["admin", "set-password", browser.admin.username], input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0 and "1 session(s) ended" in result.output
    assert not signed_in(browser)
    again = console("viewer")
    assert runner.invoke(args=["admin", "sign-out", again.admin.username]).exit_code == 0
    assert not signed_in(again)
    assert runner.invoke(args=["admin", "sign-out", "nobody-like-this"]).exit_code != 0
    short = runner.invoke(args=["admin", "set-password", again.admin.username], input="short\n")
    assert short.exit_code != 0 and "10+ characters" in short.output


def test_the_account_page_speaks_the_consoles_language(console):
    browser = console("viewer")
    page = browser.get("/admin/account?lang=zh_Hans").get_data(as_text=True)
    assert "修改密码" in page and "在所有设备上退出登录" in page


def test_redis_unreachable_is_a_503_page_never_a_500(app, console, monkeypatch):
    browser = console("viewer")

    def unreachable(*_args, **_kwargs):
        raise RedisConnectionError("Redis went away")

    monkeypatch.setattr(SessionStore, "peek", unreachable)
    response = browser.get("/admin/notices")
    assert response.status_code == 503 and "<html" in response.get_data(as_text=True)
    monkeypatch.undo()
    monkeypatch.setattr(SessionStore, "revoke", unreachable)
    forget_csrf_token()
    signed_out = post_form(browser, "/admin/logout", page="/admin/notices")
    assert signed_out.status_code == 503  # a sign-out Redis did not take is not reported as done
    monkeypatch.undo()
    assert signed_in(browser)
