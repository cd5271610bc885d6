"""Every route of the app, called by every kind of caller, answers what the matrix says.

The matrix is tests/security/authorization_matrix.py (docs/security.md, "The authorization
matrix"). Routes are read from the URL map and, for the JSON API, from the served OpenAPI
document: a route without a row, a row without a route, and an API route the document and the
URL map disagree on all fail. Each cell is one real request on one app: the caller's credential is
made the way the app makes it (the WeChat sign-in, with WeChat emulated over HTTP; the admin API's
sign-in; the console's sign-in form), expired and revoked ones for real, and every path parameter
names a real object: the owner's, or a notice another admin made for that cell.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from app.accounts import admin_auth, admin_sessions, service_points
from app.accounts.auth import user_sessions
from app.accounts.models.admin import ADMIN_ROLES
from app.accounts.models.user import UserAccount
from app.api.openapi_spec import ADMIN, OPERATIONS, PUBLIC, SERVICE_POINT, USER
from app.card import qr
from app.extensions import db
from app.guides import journey as guides
from app.notices import editing, publishing
from app.notices.models.notice import NoticeDelivery
from app.registry import import_progress
from tests.conftest import IsolatedClient, _clean_tables, make_test_config
from tests.factories import make_person, make_user
from tests.security.authorization_matrix import CALLERS, MATRIX, ROLES
from tests.security.conftest import ADMIN_PASSWORD, furnish

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: A status that says "you may not": refused, or sent to sign in.
REFUSALS = (401, 403, 302)


def route_keys(app: Flask) -> set[str]:
    """ "METHOD /rule" of every rule and method the app serves (HEAD and OPTIONS are Werkzeug's)."""
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) & set(METHODS)
    }


def family(rule: str) -> str:
    """Which credential a route takes: the admin API's token, the console's cookie, or a user's session."""
    if rule.startswith("/api/v1/admin/"):
        return "admin_api"
    if rule.startswith("/admin"):
        return "console"
    return "api"


def openapi_path(rule: str) -> str:
    """A Werkzeug rule written the OpenAPI way (`<int:notice_id>` → `{notice_id}`)."""
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule)


# ---------------------------------------------------------------------------------------------
# One app for the whole module, with the people, admins and credentials every cell draws on.


@dataclass
class People:
    """A verified user holding some of everything, and another verified user."""

    owner: UserAccount
    other: UserAccount
    made: dict

    @classmethod
    def make(cls) -> People:
        """Both users, made fresh."""
        owner = make_user(person=make_person(passport_name="OWNERSON, Olga"), verified=True, locale="en")
        made = furnish(owner, point_name=f"Counter of {owner.openid}")
        other = make_user(person=make_person(passport_name="OTHERMAN, Otto"), verified=True, locale="en")
        return cls(owner, other, made)

    def secrets(self) -> tuple[str, ...]:
        """Strings only the owner's own answers may contain: their account, names and identifiers."""
        person = self.owner.person
        return (
            self.owner.openid,
            "OWNERSON",
            "MÜLLER, Hans",
            person.permits[0].permit_number,
            person.account.ssn,
            person.documents[0].number,
        )


@dataclass
class World:
    """Accounts and credentials shared by the cells; a cell's own objects are made per cell."""

    app: Flask
    wechat: object
    author: admin_auth.Actor
    publisher: admin_auth.Actor
    admins: dict
    point_key: str
    import_token: str
    notice_id: int
    people: People
    expired: dict = field(default_factory=dict)
    revoked: dict = field(default_factory=dict)
    api_tokens: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)

    def login_code(self, user: UserAccount) -> str:
        """A wx.login code for the user's WeChat account, minted by the WeChat emulator."""
        return self.wechat.mint_login_code(user.openid)

    def user_bearer(self, user: UserAccount) -> dict:
        """A live session of the user from POST /api/v1/auth/login (WeChat emulated over HTTP)."""
        response = self.client().post("/api/v1/auth/login", json={"code": self.login_code(user)})
        assert response.status_code == 200, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    def sign_in_api(self, username: str) -> str:
        """An admin API token from POST /api/v1/admin/auth."""
        response = self.client().post(
            "/api/v1/admin/auth", json={"username": username, "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    def sign_in_console(self, username: str) -> str:
        """A console session id from the sign-in form."""
        browser = self.app.test_client()
        response = browser.post("/admin/login", data={"username": username, "password": ADMIN_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser.get_cookie(self.cookie_name).value

    @property
    def cookie_name(self) -> str:
        """The console cookie's name."""
        return self.app.config["SESSION_COOKIE_NAME"]

    def client(self, cookie: str | None = None) -> IsolatedClient:
        """A fresh test client, holding a copy of a console cookie's value when given one.

        The copy never expires in the client: a browser drops an expired cookie, someone who
        copied it does not, and the server must refuse it.
        """
        client = self.app.test_client()
        if cookie is not None:
            client.set_cookie(self.cookie_name, cookie)
        return client

    def role_api_token(self, role: str) -> str:
        """The role's admin API token, signed in again once a cell has ended the last one."""
        token = self.api_tokens.get(role)
        if token is None or admin_sessions.api_tokens().peek(token) is None:
            token = self.api_tokens[role] = self.sign_in_api(self.admins[role])
        return token

    def role_cookie(self, role: str) -> str:
        """The role's console session, signed in again once a cell has ended the last one."""
        value = self.cookies.get(role)
        if value is None or admin_sessions.console_sessions().peek(value) is None:
            value = self.cookies[role] = self.sign_in_console(self.admins[role])
        return value


def _expiring(world: World, config_key: str, make):
    """A credential made by the app's own path while its lifetime is one second."""
    saved = world.app.config[config_key]
    world.app.config[config_key] = 1
    try:
        return make()
    finally:
        world.app.config[config_key] = saved


@pytest.fixture(scope="module")
def world(_schema, database_url, _wechat_emulator_server):
    """The one app of this module, on a clean database and Redis, with its accounts and credentials."""
    app = create_app(make_test_config(database_url))
    app.test_client_class = IsolatedClient
    _clean_tables(app)
    redis_client = app.extensions["redis"]
    redis_client.flushdb()
    ctx = app.app_context()
    ctx.push()
    emulator, base_url = _wechat_emulator_server
    wechat = emulator.extensions["wechat_emulator"]
    wechat.reset()
    wechat.appid, wechat.secret = app.config["WECHAT_APPID"], app.config["WECHAT_SECRET"]
    app.config["WECHAT_API_BASE"] = base_url
    app.extensions["wechat"].set_api_base(base_url)
    admins = {
        role: admin_auth.create_admin(f"matrix-{role}", ADMIN_PASSWORD, role).username for role in ROLES
    }
    author = admin_auth.actor_for(admin_auth.create_admin("matrix-notice-author", ADMIN_PASSWORD, "editor"))
    publisher = admin_auth.actor_for(
        admin_auth.create_admin("matrix-notice-publisher", ADMIN_PASSWORD, "publisher")
    )
    importer = admin_auth.create_admin("matrix-notice-importer", ADMIN_PASSWORD, "superadmin")
    import_token = import_progress.new_token()
    import_progress.start(redis_client, import_token, filename="people.csv", total=10, admin_id=importer.id)
    _point, point_key = service_points.create_service_point("Counter 7")
    world = World(
        app=app,
        wechat=wechat,
        author=author,
        publisher=publisher,
        admins=admins,
        point_key=point_key,
        import_token=import_token,
        notice_id=0,
        people=People.make(),
    )
    world.notice_id = admin_notice(world, published=True).id
    stale = make_user(verified=True, locale="en")

    # Expired: made by the sign-in paths with a one-second lifetime, then left to run out.
    world.expired["api"] = _expiring(world, "SESSION_TTL_SECONDS", lambda: world.user_bearer(stale))
    world.expired["admin_api"] = _expiring(
        world,
        "ADMIN_SESSION_TTL_SECONDS",
        lambda: {"Authorization": "Bearer " + world.sign_in_api(admins["superadmin"])},
    )
    world.expired["console"] = _expiring(
        world, "ADMIN_SESSION_TTL_SECONDS", lambda: world.sign_in_console(admins["superadmin"])
    )
    # Revoked: signed out by the route that signs out, then presented again.
    world.revoked["api"] = world.user_bearer(stale)
    assert world.client().post("/api/v1/auth/logout", headers=world.revoked["api"]).status_code == 204
    token = world.sign_in_api(admins["superadmin"])
    world.revoked["admin_api"] = {"Authorization": f"Bearer {token}"}
    assert world.client().post("/api/v1/admin/logout", headers=world.revoked["admin_api"]).status_code == 204
    world.revoked["console"] = world.sign_in_console(admins["superadmin"])
    assert world.client(world.revoked["console"]).post("/admin/logout").status_code == 302
    assert admin_sessions.console_sessions().peek(world.revoked["console"]) is None
    time.sleep(1.2)  # the one-second credentials expire for real
    for kind, store in (("api", user_sessions()), ("admin_api", admin_sessions.api_tokens())):
        for held in (world.expired[kind], world.revoked[kind]):
            assert store.peek(held["Authorization"].removeprefix("Bearer ")) is None
    assert admin_sessions.console_sessions().peek(world.expired["console"]) is None
    yield world
    wechat.reset()
    db.session.remove()
    ctx.pop()
    redis_client.flushdb()
    redis_client.connection_pool.disconnect()
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------------------------------------
# What each cell sends: its credential, real path values and a real body.


#: An audience nobody in these tests belongs to: publishing stays one row, however many users there are.
AUDIENCE = {"nationalities": ["ISL"]}


def notice_payload(title: str = "Pension changes") -> dict:
    """A complete notice as the admin API takes it."""
    return {
        "source_locale": "en",
        "category": "policy_change",
        "priority": "normal",
        "audience": AUDIENCE,
        "source": {"title": "Circular 12", "url": "https://example.org/12", "date": "2026-11-01"},
        "translations": {"en": {"title": title, "body": "The base changes in January."}},
    }


def admin_notice(world: World, *, published: bool, edited: bool = False):
    """A notice made by another admin (the author), published by a third when asked, then edited."""
    notice = editing.create_notice(notice_payload(), world.author)
    if published:
        publishing.publish(notice.id, world.publisher)
    if edited:
        editing.update_notice(notice.id, notice_payload("Pension changes, corrected"), world.author)
    return notice


#: Routes that act on a draft notice (every other notice route gets a published one).
DRAFT_NOTICE = {
    "POST /api/v1/admin/notices/<int:notice_id>/publish",
    "POST /admin/notices/<int:notice_id>/publish",
}
#: Routes that act on a published notice's pending draft version (an edit awaiting a publisher).
PENDING_DRAFT = {
    "DELETE /api/v1/admin/notices/<int:notice_id>/draft",
    "POST /admin/notices/<int:notice_id>/draft/discard",
}


def notice_form(title: str = "Pension changes") -> dict:
    """A complete notice as the console's form posts it."""
    return {
        "source_locale": "en",
        "title": title,
        "body": "The base changes in January.",
        "source_title": "Circular 12",
        "source_url": "https://example.org/12",
        "source_date": "2026-11-01",
        "category": "policy_change",
        "priority": "normal",
        "audience_nationalities": "ISL",
    }


#: Real files behind the preview's routes: a script of the mini program, an icon, the preview's own script.
PREVIEW_FILES = {
    "/_preview/": {},
    "/_preview/miniprogram.css": {},
    "/_preview/lib/<name>": {"name": "screen.js"},
    "/_preview/assets/<path:name>": {"name": "icons/pencil.svg"},
    "/_preview/static/<path:filename>": {"filename": "preview.js"},
}


def path_values(world: World, key: str, caller: str, people: People) -> dict:
    """Real values for the route's path parameters: objects the owner (or another admin) holds.

    Only an admin role can change a notice, so only their cells get a notice of their own; the
    other callers, refused before anything changes, share one.
    """
    rule = key.split(" ", 1)[1]
    values: dict = {
        "name": "verify",
        "slug": next(iter(guides.GUIDES)),
        "locale": "fr",
        "purpose": "notifications",
        "token": world.import_token,
        "filename": "admin.css",
    }
    if rule.startswith("/_preview/"):
        values.update(PREVIEW_FILES[rule])
    if "<int:notice_id>" in rule:
        if family(rule) == "api":
            values["notice_id"] = people.made["notice"].id
        elif caller in ROLES:
            values["notice_id"] = admin_notice(
                world, published=key not in DRAFT_NOTICE, edited=key in PENDING_DRAFT
            ).id
        else:
            values["notice_id"] = world.notice_id
    return values


def fill(rule: str, values: dict) -> str:
    """The rule with its placeholders filled in."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"give path_values a real value for <{name}> of {rule}"
        return str(values[name])

    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", value, rule)


def request_body(world: World, key: str, people: People) -> dict:
    """The body a real client sends to this route (JSON for the API, a form for the console)."""
    bodies = {
        "PATCH /api/v1/me": {"json": {"locale": "fr"}},
        "PUT /api/v1/me": {"json": {"locale": "fr"}},
        "DELETE /api/v1/me": {"json": {"confirm": True}},
        "POST /api/v1/flows/<name>": {"json": {"step": "identifier", "action": "next", "answers": {}}},
        "POST /api/v1/subscriptions": {"json": {"results": {"tmpl_notice_update": "accept", "errMsg": "ok"}}},
        "POST /api/v1/admin/auth": {"json": {"username": world.admins["viewer"], "password": ADMIN_PASSWORD}},
        "POST /api/v1/admin/notices": {"json": notice_payload()},
        "PUT /api/v1/admin/notices/<int:notice_id>": {"json": notice_payload("Pension changes, corrected")},
        "PUT /api/v1/admin/notices/<int:notice_id>/translations/<locale>": {
            "json": {"title": "Réforme des retraites", "body": "La base change en janvier."}
        },
        "POST /api/v1/admin/audience/count": {"json": {"audience": {"all": True}}},
        "GET /admin/audience/count": {"query_string": {"audience_all": "y"}},
        "POST /admin/notices/new": {"data": notice_form()},
        "POST /admin/notices/<int:notice_id>/edit": {"data": notice_form("Pension changes, corrected")},
        "POST /admin/notices/<int:notice_id>/translate/<locale>": {
            "data": {"title": "Réforme des retraites", "body": "La base change en janvier."}
        },
    }
    if key == "POST /api/v1/auth/login":
        return {"json": {"code": world.login_code(people.owner)}}
    if key == "POST /api/v1/qr/verify":
        issued = qr.issue(people.owner.id, world.app.config["SECRET_KEY"])
        return {"json": {"payload": issued.payload}}
    if key in bodies:
        return bodies[key]
    method = key.split(" ", 1)[0]
    if method == "GET":
        return {}
    return {"data": {}} if family(key.split(" ", 1)[1]) == "console" else {"json": {}}


def credential(world: World, caller: str, rule: str, people: People) -> tuple[dict, str | None]:
    """The headers, and the console cookie, the caller sends to a route of this family."""
    kind = family(rule)
    if caller == "anon":
        return {}, None
    if caller in ("expired", "revoked"):
        held = getattr(world, caller)[kind]
        return (held, None) if isinstance(held, dict) else ({}, held)
    if caller == "user":
        return world.user_bearer(people.owner), None
    if caller == "other":
        return world.user_bearer(people.other), None
    if caller == "point":
        return {"X-Service-Point-Key": world.point_key}, None
    if kind == "console":
        return {}, world.role_cookie(caller)
    return {"Authorization": f"Bearer {world.role_api_token(caller)}"}, None


def call(world: World, key: str, caller: str):
    """Make the cell's request; (response, the people it involved)."""
    method, rule = key.split(" ", 1)
    # A signed-in user acts on fresh people (a cell may delete the account or withdraw a consent);
    # everyone else is refused before anything changes, so they share one pair.
    people = People.make() if caller in ("user", "other") and family(rule) == "api" else world.people
    url = fill(rule, path_values(world, key, caller, people))
    headers, cookie = credential(world, caller, rule, people)
    response = world.client(cookie).open(
        url, method=method, headers=headers, **request_body(world, key, people)
    )
    response.get_data()  # read whole (a file is streamed), then closed
    response.close()
    return response, people


# ---------------------------------------------------------------------------------------------
# The matrix covers exactly the routes, and agrees with the OpenAPI document and the code.


def test_the_matrix_has_one_row_per_route_and_method(world):
    served = route_keys(world.app)
    missing, stale = sorted(served - set(MATRIX)), sorted(set(MATRIX) - served)
    assert missing == [], "add a row to tests/security/authorization_matrix.py for each new route"
    assert stale == [], "remove the rows of routes that no longer exist"
    for key, row in MATRIX.items():
        assert len(row) == len(CALLERS), key


def test_the_matrix_has_a_column_per_console_role():
    assert sorted(ROLES) == sorted(ADMIN_ROLES) == sorted(admin_auth.PERMISSIONS)


def test_the_openapi_document_and_the_url_map_agree(world):
    document = world.client().get("/api/v1/openapi.json").get_json()
    documented = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method.upper() in METHODS
    }
    served = {
        f"{key.split(' ', 1)[0]} {openapi_path(key.split(' ', 1)[1])}"
        for key in route_keys(world.app)
        if key.split(" ", 1)[1].startswith("/api/v1")
    }
    assert sorted(documented - served) == [], "the document describes routes the app does not serve"
    assert sorted(served - documented) == [], "the app serves API routes the document does not describe"
    api_endpoints = {
        rule.endpoint for rule in world.app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
    }
    assert sorted(api_endpoints ^ set(OPERATIONS)) == [], "OPERATIONS and the API's endpoints differ"


def test_the_matrix_agrees_with_what_the_document_says_of_each_operation(world):
    document = world.client().get("/api/v1/openapi.json").get_json()
    by_path = {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method.upper() in METHODS
    }
    column = {caller: index for index, caller in enumerate(CALLERS)}
    for key, row in MATRIX.items():
        method, rule = key.split(" ", 1)
        if not rule.startswith("/api/v1"):
            continue
        operation = by_path[f"{method} {openapi_path(rule)}"]
        access = operation["x-access"]
        for caller in ("anon", "expired", "revoked"):
            assert (row[column[caller]] == 401) == (access in (USER, ADMIN, SERVICE_POINT)), (key, caller)
        if access == PUBLIC:
            continue
        holders = {USER: ("user", "other"), SERVICE_POINT: ("point",), ADMIN: ROLES}[access]
        for caller in CALLERS:
            allowed = caller in holders and (
                access != ADMIN or admin_auth.can(caller, operation["x-permission"])
            )
            refused = row[column[caller]] in REFUSALS
            assert refused != allowed, (key, caller, row[column[caller]])


def test_the_console_rows_agree_with_each_views_permission(world):
    from tests.security.test_authorization import guard_of

    column = {caller: index for index, caller in enumerate(CALLERS)}
    for rule in world.app.url_map.iter_rules():
        guard = guard_of(world.app.view_functions[rule.endpoint])
        if not rule.rule.startswith("/admin") or guard is None:
            continue
        for method in (rule.methods or set()) & set(METHODS):
            row = MATRIX[f"{method} {rule.rule}"]
            for caller in ROLES:
                expected_refusal = not admin_auth.can(caller, guard[1])
                assert (row[column[caller]] == 403) == expected_refusal, (method, rule.rule, caller)
            for caller in ("anon", "expired", "revoked", "user", "other", "point"):
                assert row[column[caller]] == 302, (method, rule.rule, caller)


CELLS = [(key, caller) for key in sorted(MATRIX) for caller in CALLERS]


@pytest.mark.parametrize(("key", "caller"), CELLS, ids=[f"{key} as {caller}" for key, caller in CELLS])
def test_each_caller_gets_the_status_in_the_matrix(world, key, caller):
    expected = MATRIX[key][CALLERS.index(caller)]
    response, people = call(world, key, caller)
    assert response.status_code == expected, (key, caller, response.get_data(as_text=True)[:300])
    if response.status_code in REFUSALS and key.split(" ", 1)[1].startswith("/api/v1"):
        body = response.get_json()
        assert set(body["error"]) >= {"code", "message", "details"}
    if response.status_code == 302 and family(key.split(" ", 1)[1]) == "console":
        location = response.headers["Location"]
        to_sign_in = "/admin/login" in location
        if caller not in ROLES and not to_sign_in:  # the console's start page: the guarded list
            headers, cookie = credential(world, caller, key.split(" ", 1)[1], people)
            onward = world.client(cookie).get(location, headers=headers)
            assert onward.status_code == 302, (key, location)
            assert "/admin/login" in onward.headers["Location"], (key, location)
        elif caller not in ROLES:
            assert to_sign_in
        elif to_sign_in:  # only a view that ended the role's own session sends it to sign in
            assert admin_sessions.console_sessions().peek(world.cookies[caller]) is None, key
    if caller == "other":
        text = response.get_data(as_text=True)
        for secret in people.secrets():
            assert secret not in text, (key, secret)


def test_another_users_notice_stays_unread(world):
    """The `other` cell of mark-read is refused, and the owner's delivery is untouched."""
    people = People.make()
    headers = world.user_bearer(people.other)
    response = world.client().post(f"/api/v1/notices/{people.made['notice'].id}/read", headers=headers)
    assert response.status_code == 404
    delivery = db.session.scalars(
        select(NoticeDelivery).where(NoticeDelivery.user_id == people.owner.id)
    ).one()
    db.session.refresh(delivery)
    assert delivery.read_at is None
