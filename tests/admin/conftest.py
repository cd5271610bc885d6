"""Fixtures of the console tests: admins and signed-in clients (the notice fixtures are in tests/notices)."""

from __future__ import annotations

import re

import pytest

from app.accounts import admin_auth

PASSWORD = "correct horse battery"


@pytest.fixture
def make_admin(app):
    """`make_admin("publisher")` → an AdminUser with PASSWORD."""
    counter = iter(range(1, 1000))

    def _make(role: str = "superadmin", username: str | None = None):
        name = username or f"{role}-{next(counter)}"
        return admin_auth.create_admin(name, PASSWORD, role)

    return _make


@pytest.fixture
def api_headers(client, make_admin):
    """`api_headers("publisher")` → Authorization headers of a fresh admin API token."""

    def _headers(role: str = "superadmin"):
        admin = make_admin(role)
        response = client.post("/api/v1/admin/auth", json={"username": admin.username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return _headers


def forget_csrf_token() -> None:
    """The test app context outlives requests, so Flask-WTF's per-request token cache must be dropped
    when the session changes (sign-in starts a new session with a new token)."""
    from flask import g

    g.pop("csrf_token", None)


def csrf_token(html: str) -> str:
    """The CSRF token in a console page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def console(app, make_admin):
    """`console("editor")` → a test client signed in to the console as a fresh admin of that role."""

    def _console(role: str = "superadmin"):
        admin = make_admin(role)
        browser = app.test_client()
        page = browser.get("/admin/login")
        data = {"username": admin.username, "password": PASSWORD}
        if app.config.get("WTF_CSRF_ENABLED"):
            data["csrf_token"] = csrf_token(page.get_data(as_text=True))
        response = browser.post("/admin/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        forget_csrf_token()
        browser.admin = admin
        return browser

    return _console
