"""The authorization matrix: every route of the app, tried by every kind of caller.

Routes are enumerated from the URL map, and each route's guard is read from its decorator chain
(login_required, the admin API's admin_required(permission), the console's console_view(permission)),
so a new route without a guard fails `test_every_route_is_guarded_or_listed_public` unless it is
added to PUBLIC with a reason. CSRF on the console's forms is proven in tests/admin/test_console.py
(TestCsrf) and, in a real browser, tests/admin/test_browser.py; the admin API's exemption there too.
"""

from __future__ import annotations

import inspect
import re
import time

import pytest
from sqlalchemy import select

from app.accounts import admin_auth, service_points
from app.accounts.sessions import SessionStore
from app.api.openapi_spec import ADMIN, OPERATIONS, SERVICE_POINT, USER
from app.api.openapi_spec import PUBLIC as DOC_PUBLIC
from app.extensions import db
from app.notices.models.notice import NoticeDelivery
from tests.factories import make_contribution, make_person, make_user
from tests.security.conftest import ADMIN_PASSWORD, ADMIN_ROLES, furnish

#: Routes anyone may call, and why.
PUBLIC = {
    "health.healthz": "liveness probe: says nothing but ok",
    "health.readyz": "readiness probe for the load balancer: names the part that is down, no data",
    "metrics.scrape": "own access rule: METRICS_TOKEN or a direct loopback peer (tested below)",
    "wechat_callback.handshake": "WeChat's push handshake: checked by signature, not by session",
    "wechat_callback.receive": "WeChat's pushes: checked by signature and timestamp (tests/wechat)",
    "api.auth.login": "how a session is obtained",
    "api.admin_api.auth": "how an admin token is obtained",
    "api.locales.list_locales": "languages on offer, before sign-in",
    "api.client_texts.show": "the privacy pop-up and icon names, needed before sign-in",
    "api.guides.list_guides": "public guides",
    "api.guides.show_guide": "public guides",
    "api.glossary.search_glossary": "public glossary",
    "api.openapi.document": "the API's public description",
    "api.qr.verify_qr": "service points: authenticated by their X-Service-Point-Key (tested below)",
    "console.login": "how a console session is obtained",
    "console.home": "redirects to the notice list, which is guarded",
    "console.static": "the console's CSS and scripts",
    "static": "static files",
    "preview.miniprogram": "the mini program preview: development and testing only (tests/preview)",
    "preview.stylesheet": "the preview's CSS, translated from the mini program's WXSS",
    "preview.shared_script": "the mini program's own view-model scripts, for the preview",
    "preview.asset": "the mini program's icons, for the preview",
    "preview.static": "the preview's own script and phone frame",
}

_GUARDS = {"login_required": "user", "admin_required": "admin_api", "console_view": "console"}


def guard_of(view) -> tuple[str, str | None] | None:
    """(kind, permission) of the first guard in a view's decorator chain, or None."""
    while view is not None:
        owner = view.__code__.co_qualname.split(".<locals>")[0]
        if owner in _GUARDS:
            return _GUARDS[owner], inspect.getclosurevars(view).nonlocals.get("permission")
        view = getattr(view, "__wrapped__", None)
    return None


def routes(app):
    """(rule, method, endpoint, guard) for every rule and method of the app."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, rule.endpoint, guard_of(app.view_functions[rule.endpoint])


def url_for_rule(rule, values: dict | None = None) -> str:
    """The rule with its placeholders filled with plausible values."""
    defaults = {
        "name": "verify",
        "slug": "documents",
        "locale": "en",
        "token": "x",
        "purpose": "notifications",
        "filename": "x.css",
    }
    defaults.update(values or {})

    def fill(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        return str(defaults.get(name, 1 if converter == "int" else "x"))

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def call(client, method: str, url: str, headers: dict | None = None):
    """One request; bodies are an empty JSON object (the guard must answer before validation)."""
    kwargs = {"headers": headers or {}}
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        kwargs["json"] = {}
    return client.open(url, method=method, **kwargs)


def assert_refused(response, status: int, code: str | None = None) -> None:
    """A refusal with the JSON envelope."""
    assert response.status_code == status, (
        response.request.method,
        response.request.path,
        response.get_data(),
    )
    body = response.get_json()
    assert set(body["error"]) >= {"code", "message", "details"}
    if code:
        assert body["error"]["code"] == code


def test_every_route_is_guarded_or_listed_public(app):
    unguarded = sorted(
        {
            endpoint
            for _rule, _method, endpoint, guard in routes(app)
            if guard is None and endpoint not in PUBLIC
        }
    )
    assert unguarded == [], "add a guard, or list the route in PUBLIC with a reason"
    stale = sorted(set(PUBLIC) - set(app.view_functions))
    assert stale == [], "PUBLIC names routes that no longer exist"


def test_the_openapi_document_states_each_guard_as_the_code_does(app):
    kinds = {"user": USER, "admin_api": ADMIN}
    for rule, _method, endpoint, guard in routes(app):
        if not rule.rule.startswith("/api/v1"):
            continue
        described = OPERATIONS[endpoint]
        if guard is None:
            assert described.access in (DOC_PUBLIC, SERVICE_POINT), endpoint
        else:
            assert (described.access, described.permission) == (kinds[guard[0]], guard[1]), endpoint


class TestUserRoutes:
    """Mini-program routes: nothing but a live session of a user gets in."""

    @pytest.fixture
    def user_routes(self, app):
        return [
            (rule, method) for rule, method, _endpoint, guard in routes(app) if guard and guard[0] == "user"
        ]

    def test_without_a_valid_session_every_user_route_is_401(
        self, app, client, login, user_routes, admin_token
    ):
        revoked = login()
        client.post("/api/v1/auth/logout", headers=revoked)
        short_lived = SessionStore(app.extensions["redis"], "session", 1)
        expired = {"Authorization": "Bearer " + short_lived.create(make_user().id, {})}
        attempts = {
            "none": {},
            "garbage": {"Authorization": "Bearer not-a-token"},
            "revoked": revoked,
            "scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
            "admin": admin_token("superadmin"),
        }
        time.sleep(1.1)  # the short-lived session expires for real
        attempts["expired"] = expired
        assert user_routes
        for rule, method in user_routes:
            for headers in attempts.values():
                assert_refused(call(client, method, url_for_rule(rule), headers), 401, "auth.required")

    def test_one_user_never_sees_another_users_data(self, app, client, login, user_routes):
        owner = make_user(person=make_person(passport_name="OWNERSON, Olga"), verified=True, locale="en")
        made = furnish(owner)
        make_contribution(owner.person, period="2026-02")
        owner_headers = login(owner)
        client.get("/api/v1/card", headers=owner_headers)  # the owner's screens are cached now
        cursor = client.get("/api/v1/card/contributions?year=2026&limit=1", headers=owner_headers).get_json()
        other = make_user(person=make_person(passport_name="OTHER, Otto"), verified=True, locale="en")
        other_headers = login(other)
        for rule, method in user_routes:
            if method != "GET":
                continue
            body = client.get(url_for_rule(rule), headers=other_headers).get_data(as_text=True)
            for secret in (owner.openid, "OWNERSON", "MÜLLER, Hans", "Counter 1", "tmpl_notice_update"):
                assert secret not in body, (rule.rule, secret)
        # By id: the owner's notice cannot be marked read by the other user.
        response = client.post(f"/api/v1/notices/{made['notice'].id}/read", headers=other_headers)
        assert_refused(response, 404)
        delivery = db.session.scalars(select(NoticeDelivery).where(NoticeDelivery.user_id == owner.id)).one()
        db.session.refresh(delivery)
        assert delivery.read_at is None
        # By cursor: the owner's page cursor is refused for the other user.
        assert cursor["next_cursor"]
        response = client.get(
            f"/api/v1/card/contributions?year=2026&cursor={cursor['next_cursor']}", headers=other_headers
        )
        assert_refused(response, 400)
        # The owner's consent cannot be withdrawn by the other user: they only ever act on their own.
        response = client.post("/api/v1/me/consents/sensitive_identifiers/withdraw", headers=other_headers)
        assert_refused(response, 404, "consent.not_found")


class TestAdminApi:
    """The admin API: admin tokens only, and each role only what it may do."""

    @pytest.fixture
    def admin_routes(self, app):
        return [
            (rule, method, guard[1])
            for rule, method, _e, guard in routes(app)
            if guard and guard[0] == "admin_api"
        ]

    def test_without_a_valid_admin_token_every_route_is_401(
        self, app, client, login, admin_routes, admin_token
    ):
        revoked = admin_token("superadmin")
        client.post("/api/v1/admin/logout", headers=revoked)
        deactivated = admin_token("superadmin")
        for admin in db.session.scalars(
            select(admin_auth.AdminUser).where(admin_auth.AdminUser.active.is_(True))
        ):
            admin.active = False
        db.session.commit()
        live_admin = admin_auth.create_admin("expiring-superadmin", ADMIN_PASSWORD, "superadmin")
        short_lived = SessionStore(app.extensions["redis"], "admin", 1)
        expired = {"Authorization": "Bearer " + short_lived.create(live_admin.id, {"role": "superadmin"})}
        time.sleep(1.1)  # the token of a live superadmin expires for real
        attempts = [{}, {"Authorization": "Bearer nope"}, login(), revoked, deactivated, expired]
        for rule, method, _permission in admin_routes:
            for headers in attempts:
                assert_refused(call(client, method, url_for_rule(rule), headers), 401, "auth.required")

    @pytest.mark.parametrize("role", ADMIN_ROLES)
    def test_each_role_gets_exactly_its_permissions(self, client, admin_routes, admin_token, role):
        headers = admin_token(role)
        assert len(admin_routes) >= 10
        for rule, method, permission in admin_routes:
            if rule.endpoint == "api.admin_api.logout":
                continue  # would end the token the rest of the loop uses; every role holds notices.view
            response = call(client, method, url_for_rule(rule, {"notice_id": 999_999}), headers)
            if admin_auth.can(role, permission):
                assert response.status_code not in (401, 403), (role, rule.rule, response.get_json())
            else:
                assert_refused(response, 403, "auth.forbidden")


class TestConsole:
    """The console: a signed-in console session only, and each role only what it may do."""

    @pytest.fixture
    def console_routes(self, app):
        return [
            (rule, method, guard[1])
            for rule, method, _e, guard in routes(app)
            if guard and guard[0] == "console"
        ]

    def test_without_a_session_every_route_sends_to_sign_in(self, client, console_routes, admin_token):
        bearer = admin_token("superadmin")  # an API token is no console session
        for rule, method, _permission in console_routes:
            for headers in ({}, bearer):
                response = client.open(url_for_rule(rule), method=method, headers=headers)
                assert response.status_code == 302, rule.rule
                assert "/admin/login" in response.headers["Location"]

    @pytest.mark.parametrize("role", ADMIN_ROLES)
    def test_each_role_gets_exactly_its_permissions(self, app, console_routes, role):
        admin = admin_auth.create_admin(f"console-{role}", ADMIN_PASSWORD, role)
        browser = app.test_client()
        signed_in = browser.post(
            "/admin/login", data={"username": admin.username, "password": ADMIN_PASSWORD}
        )
        assert signed_in.status_code == 302
        assert len(console_routes) >= 15
        for rule, method, permission in console_routes:
            if rule.endpoint in ("console.logout", "console.sign_out_everywhere"):
                continue  # they end the session this walk goes on with
            response = browser.open(url_for_rule(rule, {"notice_id": 999_999}), method=method)
            if admin_auth.can(role, permission):
                assert response.status_code != 403, (role, rule.rule)
                assert "/admin/login" not in response.headers.get("Location", ""), (role, rule.rule)
            else:
                assert response.status_code == 403, (role, rule.rule, response.status_code)


class TestServicePoints:
    def test_qr_verify_needs_a_live_service_point_key(self, client):
        point, key = service_points.create_service_point("Counter 9")
        for headers in ({}, {"X-Service-Point-Key": "nope"}, {"X-Service-Point-Key": key + "x"}):
            response = client.post("/api/v1/qr/verify", json={"payload": "x"}, headers=headers)
            assert response.status_code == 401
        service_points.revoke_service_point(point.name)
        response = client.post(
            "/api/v1/qr/verify", json={"payload": "x"}, headers={"X-Service-Point-Key": key}
        )
        assert response.status_code in (401, 403)
        assert response.get_json()["error"]["code"] != "qr.invalid"

    def test_a_user_token_is_no_service_point_key(self, client, login):
        response = client.post("/api/v1/qr/verify", json={"payload": "x"}, headers=login())
        assert response.status_code == 401


def test_metrics_refuse_requests_through_the_proxy(client):
    response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert_refused(response, 403)
