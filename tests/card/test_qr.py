"""Identity QR: issued to verified users, checked once by service points with their own keys."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.accounts.models.service_point import QrCheck
from app.accounts.service_points import create_service_point, revoke_service_point
from app.audit.models import AuditLog
from app.card import qr
from tests.factories import make_user

pytestmark = pytest.mark.calendar  # a payload lives 60 seconds


@pytest.fixture
def point_key(db):
    """A service point and its API key."""
    _point, key = create_service_point("Pudong service hall, counter 3")
    return key


def _verify(client, key, payload, **headers):
    """POST a payload to the verify endpoint."""
    return client.post(
        "/api/v1/qr/verify", json={"payload": payload}, headers={"X-Service-Point-Key": key, **headers}
    )


def test_issue_returns_a_signed_payload_and_an_svg(client, login, holder_user):
    response = client.post("/api/v1/card/qr", headers=login(holder_user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["payload"].startswith(f"SSC1.{holder_user.id}.")
    assert body["expires_in"] == 60
    assert body["image"].startswith("data:image/svg+xml")
    assert body["hint"]
    assert response.headers["Cache-Control"] == "no-store"


def test_issue_needs_a_verified_user(client, login, db):
    response = client.post("/api/v1/card/qr", headers=login(make_user(locale="ko")))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "card.not_verified"
    anonymous = client.post("/api/v1/card/qr")
    assert anonymous.status_code == 401, anonymous.get_json()


@pytest.mark.parametrize(("locale", "country"), [("en", "Germany"), ("de", "Deutschland"), ("ko", "독일")])
def test_verify_returns_the_minimal_summary_and_records_the_check(
    client, login, holder, holder_user, point_key, db, locale, country
):
    payload = client.post("/api/v1/card/qr", headers=login(holder_user)).get_json()["payload"]
    response = _verify(client, point_key, payload, **{"Accept-Language": locale})
    assert response.status_code == 200
    body = response.get_json()
    holder_summary = body["holder"]
    assert set(holder_summary) == {"name", "nationality", "permit_number_masked", "card_status"}
    assert holder_summary["name"] == "MÜLLER, Hans"
    assert holder_summary["nationality"] == {"code": "DEU", "name": country}
    permit_number = holder.permits[0].permit_number
    assert holder_summary["permit_number_masked"].endswith(permit_number[-4:])
    assert permit_number not in response.get_data(as_text=True)
    assert holder.account.ssn not in response.get_data(as_text=True)
    assert holder_summary["card_status"]["term_zh"] == "正常"
    checks = db.session.query(QrCheck).all()
    assert [(c.user_id, c.result) for c in checks] == [(holder_user.id, "ok")]
    audit = db.session.query(AuditLog).filter_by(action="qr.check").one()
    assert audit.entity_id == str(holder_user.id) and audit.details["result"] == "ok"


def test_a_payload_works_once(client, login, holder_user, point_key, db):
    payload = client.post("/api/v1/card/qr", headers=login(holder_user)).get_json()["payload"]
    assert _verify(client, point_key, payload).status_code == 200
    again = _verify(client, point_key, payload)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "qr.replayed"
    assert [c.result for c in db.session.query(QrCheck).order_by(QrCheck.id)] == ["ok", "qr.replayed"]


def test_an_expired_payload_is_refused(client, app, holder_user, point_key):
    issued = qr.issue(holder_user.id, app.config["SECRET_KEY"], now=clock.now() - timedelta(seconds=61))
    response = _verify(client, point_key, issued.payload)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "qr.expired"


def test_a_payload_from_the_future_is_invalid(client, app, holder_user, point_key):
    issued = qr.issue(holder_user.id, app.config["SECRET_KEY"], now=clock.now() + timedelta(minutes=5))
    response = _verify(client, point_key, issued.payload)
    assert response.get_json()["error"]["code"] == "qr.invalid"


def test_a_payload_cannot_be_moved_to_another_user(client, login, holder_user, other_user, point_key, db):
    payload = client.post("/api/v1/card/qr", headers=login(holder_user)).get_json()["payload"]
    version, _user_id, issued, nonce, signature = payload.split(".")
    forged = ".".join([version, str(other_user.id), issued, nonce, signature])
    response = _verify(client, point_key, forged)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "qr.invalid"
    assert "KIM" not in response.get_data(as_text=True)
    # The untouched payload still works: the forgery did not spend it.
    assert _verify(client, point_key, payload).get_json()["holder"]["name"] == "MÜLLER, Hans"


@pytest.mark.parametrize("payload", ["", "hello", "SSC1.1.2.3.4", "x" * 500])
def test_garbage_payloads_are_invalid(client, point_key, db, payload):
    response = _verify(client, point_key, payload)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "qr.invalid"


def test_a_payload_signed_with_another_key_is_invalid(client, holder_user, point_key):
    issued = qr.issue(holder_user.id, "some-other-secret")
    assert _verify(client, point_key, issued.payload).get_json()["error"]["code"] == "qr.invalid"


def test_a_user_no_longer_verified_is_not_shown(client, login, holder_user, point_key, db):
    payload = client.post("/api/v1/card/qr", headers=login(holder_user)).get_json()["payload"]
    holder_user.verified_at = None
    db.session.commit()
    response = _verify(client, point_key, payload)
    assert response.get_json()["error"]["code"] == "qr.invalid"


def test_a_wrong_key_is_refused(client, login, holder_user, point_key, db):
    payload = client.post("/api/v1/card/qr", headers=login(holder_user)).get_json()["payload"]
    for key in ("sp_" + "x" * 43, "", "not-a-key"):
        response = _verify(client, key, payload)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "service_point.invalid_key"
    no_header = client.post("/api/v1/qr/verify", json={"payload": payload})
    assert no_header.get_json()["error"]["code"] == "service_point.invalid_key"
    # Refused callers do not spend the code.
    assert _verify(client, point_key, payload).status_code == 200


def test_a_revoked_key_is_refused(client, login, holder_user, point_key, db):
    revoke_service_point("Pudong service hall, counter 3")
    payload = client.post("/api/v1/card/qr", headers=login(holder_user)).get_json()["payload"]
    response = _verify(client, point_key, payload, **{"Accept-Language": "ja"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "service_point.revoked"


def test_a_body_without_payload_is_a_clear_error(client, point_key):
    response = client.post("/api/v1/qr/verify", data="nope", headers={"X-Service-Point-Key": point_key})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "request.invalid"


def test_cli_creates_lists_and_revokes(runner, db):
    from app.accounts.models.service_point import ServicePoint
    from app.accounts.service_points import authenticate, hash_key

    result = runner.invoke(args=["service-point", "create", "Xuhui desk"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("sp_")
    point = db.session.query(ServicePoint).filter_by(name="Xuhui desk").one()
    assert point.key_hash == hash_key(key) and key not in (point.key_hash, point.key_prefix)
    assert authenticate(key).id == point.id
    assert "Xuhui desk" in runner.invoke(args=["service-point", "list"]).output
    duplicate = runner.invoke(args=["service-point", "create", "Xuhui desk"])
    assert duplicate.exit_code != 0 and "service_point.exists" in duplicate.output
    assert runner.invoke(args=["service-point", "revoke", "Xuhui desk"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(ServicePoint, point.id).revoked_at is not None
    missing = runner.invoke(args=["service-point", "revoke", "Nowhere"])
    assert missing.exit_code != 0 and "service_point.not_found" in missing.output


def test_a_payload_with_non_ascii_digits_is_invalid_and_recorded(client, point_key, db):
    """`\\d` took "١" for a digit; signing the body then failed on it, a 500 with no check recorded."""
    forged = "SSC1.١.1700000000.AAAAAAAAAAAAAAAA." + "A" * 43
    response = _verify(client, point_key, forged)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "qr.invalid"
    assert db.session.query(QrCheck).count() == 1
