"""Admin screens and the admin API never show a holder's identifiers in clear; where one is shown, it is masked.

One scene holds everything that can put a person on an admin screen: a holder verified in person at
the counter, another waiting with a reference, a QR check, a notice delivered to the holder, a
registry import whose rows clash with the holders, and failed console sign-ins where staff typed
identifiers into the user name. Every console page and admin API read is then fetched as every role.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

import pytest

from app import pii
from app.accounts import admin_auth, service_points
from app.accounts.models.admin import ADMIN_ROLES
from app.accounts.models.user import UserAccount
from app.extensions import db
from tests.factories import (
    make_passport_number,
    make_permit_number,
    make_person,
    make_phone,
    make_pr_id,
    make_ssn,
    make_uscc,
    make_user,
)
from tests.notices import conftest as notice_fixtures
from tests.notices.conftest import TEMPLATE, grant_quota
from tests.verify.conftest import Journey

make_notice = notice_fixtures.make_notice  # the notices' fixture


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Cheap argon2 parameters here: these tests sign in a dozen times and are not about hashing."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(admin_auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    admin_auth._dummy_hash.cache_clear()
    yield
    admin_auth._dummy_hash.cache_clear()


def identifiers(person) -> list[str]:
    """Every identifier of a person, as stored and as commonly written (phone without +86)."""
    values = [
        person.permits[0].permit_number,
        person.account.ssn,
        person.documents[0].number,
        person.phone,
        person.phone.removeprefix("+86"),
        person.account.card.card_number,
        person.pr_id,
    ]
    return [value for value in values if value]


def in_person_reference(client, login, user, person) -> str:
    """Walk a user's journey to the in-person screen; the reference shown to them."""
    trip = Journey(client, login(user))
    trip.to_check(person)
    trip.answer("check", "confirm")
    screen = trip.answer("second_factor", method="in_person")
    return screen["body"][0].rsplit(" ", 1)[-1]


def feed(rows: list[dict]) -> bytes:
    """A people feed as CSV."""
    columns = list(rows[0])
    lines = [",".join(columns)] + [",".join(str(row[c]) for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass
class Scene:
    """What the pages are fetched with: the clear identifiers, and the values for URL arguments."""

    forbidden: list[str]
    holder: object
    waiting: object
    reference: str
    used_reference: str
    notice_id: int
    import_path: str
    qr_answer: dict
    arguments: dict = field(default_factory=dict)


@pytest.fixture
def scene(app, client, login, wechat_emulator, console, make_notice) -> Scene:
    """Holders and every admin-visible trace of them (see the module docstring)."""
    # Numbers of their own: the translators' preview shows a made-up sample permit number that a
    # factory default could happen to equal.
    holder = make_person(
        passport_name="MASKED, Holder",
        permit_number=make_permit_number(424201),
        passport_number=make_passport_number(424201),
        phone=make_phone(424201),
        card_number="310000123456",
        pr_id=make_pr_id(nationality="DEU", n=424201),
    )
    waiting = make_person(
        passport_name="WAITING, Counter",
        permit_number=make_permit_number(424202),
        passport_number=make_passport_number(424202),
        phone=make_phone(424202),
        card_number="310000654321",
    )
    holder_user, waiting_user = make_user(locale="en"), make_user(locale="en")
    superadmin = console("superadmin")

    # The holder is confirmed at the counter through the console; the other still waits.
    reference = in_person_reference(client, login, holder_user, holder)
    confirmed = superadmin.post("/admin/verifications", data={"reference": reference})
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    assert db.session.get(UserAccount, holder_user.id).person_id == holder.id
    waiting_reference = in_person_reference(client, login, waiting_user, waiting)

    # A service point checks the holder's QR code.
    _point, key = service_points.create_service_point("Counter 7")
    payload = client.post("/api/v1/card/qr", headers=login(holder_user)).get_json()["payload"]
    qr_answer = client.post(
        "/api/v1/qr/verify", json={"payload": payload}, headers={"X-Service-Point-Key": key}
    )
    assert qr_answer.status_code == 200, qr_answer.get_json()

    # A notice reaches the holder (inbox and a WeChat message).
    grant_quota(holder_user, emulator=wechat_emulator)
    notice = make_notice(template_id=TEMPLATE, publish=True)

    # A registry file whose rows clash with the holders' numbers (rejected rows are reported).
    clash = {
        "passport_name": "CLASH, Row",
        "nationality": "USA",
        "date_of_birth": "1990-01-02",
        "passport_number": "P77777777",
        "permit_number": holder.permits[0].permit_number,
        "permit_category": "B",
        "permit_valid_from": "2025-01-01",
        "permit_valid_to": "2027-01-01",
        "position": "Engineer",
        "employer_uscc": make_uscc(),
        "employer_name_zh": "测试公司",
        "work_city_code": "310000",
        "work_address": "上海",
        "ssn": make_ssn(date(1990, 1, 2), "USA"),
    }
    bad_date = {
        **clash,
        "permit_number": make_permit_number(),
        "date_of_birth": "1990-13-45",
        "ssn": waiting.account.ssn,
        "passport_number": waiting.documents[0].number,
    }
    uploaded = superadmin.post(
        "/admin/registry/import",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(feed([clash, bad_date])), "people.csv")},
    )
    assert uploaded.status_code == 302
    import_path = uploaded.headers["Location"]
    assert superadmin.get(import_path + ".json").get_json()["state"] == "done"

    # Staff typing a holder's numbers into the console's user name field (failed sign-ins are audited).
    for typed in identifiers(holder):
        app.test_client().post("/admin/login", data={"username": typed, "password": "not the password"})

    forbidden = identifiers(holder) + identifiers(waiting)
    token = import_path.rsplit("/", 1)[-1]
    return Scene(
        forbidden=forbidden,
        holder=holder,
        waiting=waiting,
        reference=waiting_reference,
        used_reference=reference,
        notice_id=notice.id,
        import_path=import_path,
        qr_answer=qr_answer.get_json(),
        arguments={"notice_id": notice.id, "token": token, "locale": "en"},
    )


def get_pages(app, scene: Scene, prefix: str) -> list[str]:
    """Every GET route under `prefix`, with its arguments filled from the scene."""
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        if rule.arguments - set(scene.arguments):
            raise AssertionError(f"no value for the arguments of {rule.rule}: add one to the scene")
        paths.append(rule.build({k: scene.arguments[k] for k in rule.arguments}, append_unknown=False)[1])
    return paths


def extra_queries(scene: Scene) -> list[str]:
    """Pages that show a person only when asked with a query."""
    entity = f"/admin/audit?entity=user&entity_id={scene.holder.id}"
    return [
        f"/admin/verifications?reference={scene.reference}",
        f"/admin/verifications?reference={scene.used_reference}",
        entity,
        "/admin/audit?action=admin.login_failed",
        "/admin/audit?action=verification.completed",
        "/admin/audit?action=qr.check",
    ]


def assert_nothing_in_clear(text: str, scene: Scene, where: str) -> None:
    """No identifier of either holder appears, in any letter case."""
    lowered = text.lower()
    for value in scene.forbidden:
        assert value.lower() not in lowered, f"{where} shows {pii.mask(value)} in clear"


def test_console_pages_never_show_an_identifier_in_clear(app, scene, console):
    seen: dict[str, set[str]] = {}
    pages = get_pages(app, scene, "/admin") + extra_queries(scene)
    for role in ADMIN_ROLES:
        browser = console(role)
        for path in pages:
            response = browser.get(path)
            assert response.status_code < 500, (role, path, response.status_code)
            assert_nothing_in_clear(response.get_data(as_text=True), scene, f"{path} as {role}")
            if response.status_code == 200:
                seen.setdefault(path, set()).add(role)
    # The pages that can show a person were really seen by the roles allowed to see them.
    verification_page = f"/admin/verifications?reference={scene.reference}"
    assert seen[verification_page] == {"superadmin"}
    assert seen["/admin/audit?action=admin.login_failed"] == {
        role for role in ADMIN_ROLES if admin_auth.can(role, "audit.view")
    }
    assert seen[scene.import_path] == {"superadmin"}
    assert seen[f"/admin/notices/{scene.notice_id}/stats"] == {
        role for role in ADMIN_ROLES if admin_auth.can(role, "stats.view")
    }


def test_the_identifiers_a_screen_needs_are_shown_masked(scene, console):
    superadmin = console("superadmin")
    details = superadmin.get(f"/admin/verifications?reference={scene.reference}").get_data(as_text=True)
    passport = scene.waiting.documents[0].number
    assert pii.mask(passport) in details  # staff compare the last characters with the passport

    audit = superadmin.get("/admin/audit?action=admin.login_failed").get_data(as_text=True)
    masked = re.findall(r"\*{4}[0-9A-Za-z]{4}", audit)
    assert len(masked) >= len(identifiers(scene.holder))  # every typed number, masked to its last 4
    for entry in ("verification.completed", "qr.check", "registry.import"):
        assert entry in superadmin.get(f"/admin/audit?action={entry}").get_data(as_text=True)

    report = superadmin.get(scene.import_path).get_data(as_text=True)
    assert 'id="import-rejections"' in report

    holder_summary = scene.qr_answer["holder"]
    assert holder_summary["permit_number_masked"] == pii.mask(scene.holder.permits[0].permit_number)
    assert_nothing_in_clear(str(scene.qr_answer), scene, "the QR check answer")


def test_admin_api_never_shows_an_identifier_in_clear(app, scene, api_headers, client):
    api_pages = get_pages(app, scene, "/api/v1/admin")
    assert api_pages, "the admin API has GET routes"
    for role in ADMIN_ROLES:
        headers = api_headers(role)
        for path in api_pages:
            response = client.get(path, headers=headers)
            assert response.status_code < 500, (role, path, response.status_code)
            assert_nothing_in_clear(response.get_data(as_text=True), scene, f"{path} as {role}")
        audience = client.post(
            "/api/v1/admin/audience/count", json={"audience": {"all": True}}, headers=headers
        )
        assert_nothing_in_clear(audience.get_data(as_text=True), scene, f"audience count as {role}")
