"""Privacy rights: export everything held, withdraw a consent, delete the account, keep attempts only so long."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select, update

from app import view_cache
from app.accounts.auth import user_sessions
from app.accounts.models.service_point import QrCheck
from app.accounts.models.user import Consent, UserAccount
from app.accounts.sessions import SessionStore
from app.audit.models import AuditLog
from app.extensions import db
from app.journeys import screen_cache
from app.journeys.models import FlowState
from app.notices.models.notice import NoticeDelivery
from app.notices.models.subscription import SubscriptionGrant, SubscriptionQuota, SubscriptionReceipt
from app.privacy import rights as privacy
from app.registry.models import Person
from app.verify import verification
from app.verify.models import InPersonReference, VerificationAttempt
from tests.conftest import make_test_config
from tests.factories import make_person, make_user
from tests.security.conftest import furnish, old
from tests.verify.conftest import Journey

USER_TABLES = (
    Consent,
    FlowState,
    VerificationAttempt,
    InPersonReference,
    SubscriptionQuota,
    SubscriptionGrant,
    SubscriptionReceipt,
    NoticeDelivery,
)


def count(model, **where) -> int:
    """Rows of a table matching simple equality conditions."""
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.session.scalar(query)


class TestExport:
    @pytest.mark.calendar
    def test_export_holds_everything_about_the_user(self, client, login, rich_user):
        response = client.get("/api/v1/me/export", headers=login(rich_user))
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        data = response.get_json()
        assert data["account"]["openid"] == rich_user.openid
        assert data["account"]["linked_person"] is True
        assert {c["purpose"] for c in data["consents"]} == {"sensitive_identifiers", "notifications"}
        assert data["flows"][0]["answers"]["passport_name"] == "MÜLLER, Hans"  # decrypted for the owner
        assert data["verification_attempts"][0]["result"] == "pass"
        assert "identifier_hash" not in data["verification_attempts"][0]
        assert len(data["in_person_references"]) == 1
        assert data["subscriptions"]["ledger"][0]["template_id"] == "tmpl_notice_update"
        assert data["subscriptions"]["grants"][0]["template_id"] == "tmpl_notice_update"
        assert data["subscriptions"]["delivery_reports"] == [
            {
                "template_id": "tmpl_notice_update",
                "error_code": "0",
                "received_at": "2026-11-28T06:40:08+00:00",
            }
        ]
        assert data["notices"][0]["category"] == "policy_change"
        assert data["qr_checks"] == [
            {
                "service_point": "Counter 1",
                "result": "valid",
                "checked_at": data["qr_checks"][0]["checked_at"],
            }
        ]
        registry = data["registry"]
        assert registry["card"]["holder"]
        assert registry["permit"] is not None
        assert "2026-01" in registry["contributions_csv"]
        assert count(AuditLog, action="privacy.exported") == 1

    def test_consents_carry_their_purpose_and_button_text_in_the_users_language(
        self, client, login, rich_user
    ):
        english = client.get("/api/v1/me/export", headers=login(rich_user)).get_json()["consents"]
        korean = client.get("/api/v1/me/export?lang=ko", headers=login(rich_user)).get_json()["consents"]
        for en, ko in zip(english, korean, strict=True):
            assert en["label"] and en["label"] != en["purpose"] and ko["label"] != en["label"]
            assert en["withdraw_label"] == "Withdraw consent" and ko["withdraw_label"] == "동의 철회"

    def test_export_of_an_unverified_user_has_no_registry_part(self, client, login):
        data = client.get("/api/v1/me/export", headers=login()).get_json()
        assert data["registry"] is None
        assert data["consents"] == [] and data["flows"] == []

    def test_export_shows_nothing_of_another_user(self, client, login, rich_user):
        data = client.get("/api/v1/me/export", headers=login()).get_json()
        text = json.dumps(data, ensure_ascii=False)
        assert rich_user.openid not in text and "MÜLLER" not in text
        assert data["qr_checks"] == [] and data["notices"] == []

    def test_export_needs_a_session(self, client):
        response = client.get("/api/v1/me/export")
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "auth.required"


class TestWithdrawConsent:
    def test_withdrawing_deletes_the_answers_collected_under_it(self, client, login, rich_user):
        response = client.post("/api/v1/me/consents/sensitive_identifiers/withdraw", headers=login(rich_user))
        assert response.status_code == 200
        body = response.get_json()
        assert body["purpose"] == "sensitive_identifiers" and body["withdrawn_at"] and body["message"]
        assert count(FlowState, user_id=rich_user.id) == 0
        assert count(AuditLog, action="consent.withdrawn") == 1

    def test_unknown_purpose_is_422(self, client, login, rich_user):
        response = client.post("/api/v1/me/consents/marketing/withdraw", headers=login(rich_user))
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "consent.unknown_purpose"
        assert count(FlowState, user_id=rich_user.id) == 1

    def test_nothing_to_withdraw_is_404(self, client, login):
        response = client.post("/api/v1/me/consents/notifications/withdraw", headers=login())
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "consent.not_found"

    def test_withdrawing_needs_a_session(self, client):
        assert client.post("/api/v1/me/consents/notifications/withdraw").status_code == 401


class TestDeleteAccount:
    def test_deletion_needs_an_explicit_confirmation(self, client, login, rich_user):
        headers = login(rich_user)
        for body in (None, {}, {"confirm": "yes"}, {"confirm": 1}, {"confirm": False}):
            response = client.delete("/api/v1/me", headers=headers, json=body)
            assert response.status_code == 422, body
            assert response.get_json()["error"]["code"] == "account.delete_not_confirmed"
        assert db.session.get(UserAccount, rich_user.id) is not None
        assert client.get("/api/v1/me", headers=headers).status_code == 200

    def test_deletion_removes_application_data_and_keeps_the_registry(
        self, client, login, redis_client, rich_user
    ):
        user_id, person_id, openid = rich_user.id, rich_user.person_id, rich_user.openid
        headers, second = login(rich_user), login(rich_user)
        assert client.get("/api/v1/card", headers=headers).status_code == 200  # a cached screen now exists
        assert list(redis_client.scan_iter(match=f"{view_cache.PREFIX}:{user_id}:*"))
        for _ in range(2):  # the journey's screen, rendered from the state's copy, is kept too
            assert client.get("/api/v1/flows/verify", headers=headers).status_code == 200
        assert list(redis_client.scan_iter(match=f"{screen_cache.PREFIX}:{user_id}:*"))

        response = client.delete("/api/v1/me", headers=headers, json={"confirm": True})
        assert response.status_code == 200
        assert response.get_json()["deleted"] is True
        db.session.expire_all()

        assert db.session.get(UserAccount, user_id) is None
        assert db.session.scalars(select(UserAccount).where(UserAccount.openid == openid)).first() is None
        for model in USER_TABLES:
            assert count(model, user_id=user_id) == 0, model.__tablename__
        assert db.session.get(Person, person_id) is not None  # the registry mirror stays
        assert (
            count(QrCheck) == 1 and count(QrCheck, user_id=user_id) == 0
        )  # the counter's record stays, unlinked
        assert (
            count(VerificationAttempt) == 1
        )  # the security record stays, unlinked, until its retention ends
        assert not list(redis_client.scan_iter(match=f"{view_cache.PREFIX}:{user_id}:*"))
        assert not list(redis_client.scan_iter(match=f"{screen_cache.PREFIX}:{user_id}:*"))
        for token_headers in (headers, second):  # every session is dead
            assert client.get("/api/v1/me", headers=token_headers).status_code == 401

    def test_the_audit_keeps_a_masked_record(self, client, login, rich_user):
        user_id, openid = rich_user.id, rich_user.openid
        client.delete("/api/v1/me", headers=login(rich_user), json={"confirm": True})
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "account.deleted")).one()
        assert entry.actor_type == "user" and entry.actor_id is None and entry.entity_id is None
        assert entry.details["rows"]["consents"] == 2 and entry.at is not None
        rows = db.session.scalars(select(AuditLog)).all()
        assert not [
            row.action
            for row in rows
            if (row.actor_type == "user" and row.actor_id == str(user_id))
            or (row.entity == "user" and row.entity_id == str(user_id))
        ]
        assert openid not in json.dumps([row.details for row in rows])
        assert any(row.actor_id == privacy.pseudonym(user_id) for row in rows)  # earlier entries kept

    def test_signing_in_again_starts_fresh(self, client, login, rich_user, wechat_emulator):
        openid, created = rich_user.openid, rich_user.created_at
        old_headers = login(rich_user)
        assert (
            client.get("/api/v1/flows/verify", headers=old_headers).status_code == 200
        )  # state read (and cached)
        client.delete("/api/v1/me", headers=old_headers, json={"confirm": True})
        db.session.expunge_all()

        code = wechat_emulator.mint_login_code(openid)
        response = client.post("/api/v1/auth/login", json={"code": code})
        assert response.status_code == 200
        fresh = response.get_json()
        assert fresh["user"]["verified"] is False
        # A new row (ids are never reused): created now, with no person linked.
        account = db.session.get(UserAccount, fresh["user"]["id"])
        assert account.person_id is None and account.created_at >= created
        assert count(Consent, user_id=account.id) == 0 and count(FlowState, user_id=account.id) == 0
        new_headers = {"Authorization": f"Bearer {fresh['token']}"}
        journey = client.get("/api/v1/flows/verify", headers=new_headers).get_json()
        assert journey["step"] != "identifier" and "MÜLLER" not in str(journey)  # no cached old journey
        assert (
            client.get("/api/v1/card", headers=new_headers).get_json()["error"]["code"] == "card.not_verified"
        )
        assert client.get("/api/v1/me/export", headers=new_headers).get_json()["consents"] == []
        assert client.get("/api/v1/me", headers=old_headers).status_code == 401

    def test_deleting_needs_a_session(self, client):
        response = client.delete("/api/v1/me", json={"confirm": True})
        assert response.status_code == 401

    def test_a_token_that_outlived_its_account_never_names_the_next_one(
        self, client, login, rich_user, wechat_emulator, monkeypatch
    ):
        old_id, old_headers = rich_user.id, login(rich_user)
        # Whatever leaves a token alive (Redis failing right after the database committed the
        # deletion, an index that expired under an older release), it must name nobody.
        monkeypatch.setattr(SessionStore, "revoke_all", lambda store, owner_id: 0)
        assert client.delete("/api/v1/me", headers=old_headers, json={"confirm": True}).status_code == 200
        db.session.expunge_all()
        response = client.post(
            "/api/v1/auth/login", json={"code": wechat_emulator.mint_login_code("oSomeoneElse01")}
        )
        assert response.status_code == 200
        assert response.get_json()["user"]["id"] > old_id  # the newest id is never handed out again
        for path in ("/api/v1/me", "/api/v1/me/export"):  # refused, never the new account's data
            answer = client.get(path, headers=old_headers)
            assert answer.status_code in (401, 404) and "oSomeoneElse01" not in answer.get_data(as_text=True)


class TestDeletingGivesNoFreshAttempts:
    """The attempt limit follows the WeChat identity through deleted accounts (a security record)."""

    def _sign_in(self, client, wechat_emulator, openid: str) -> Journey:
        response = client.post("/api/v1/auth/login", json={"code": wechat_emulator.mint_login_code(openid)})
        assert response.status_code == 200, response.get_json()
        return Journey(client, {"Authorization": f"Bearer {response.get_json()['token']}"})

    def test_three_rounds_of_delete_and_sign_in_again_never_pass_the_limit(
        self, app, client, wechat_emulator
    ):
        openid, limit = "oGuessesAgain0001", app.config["VERIFICATION_MAX_FAILURES"]
        answers = []
        for round_number in range(3):
            trip = self._sign_in(client, wechat_emulator, openid)
            # A new number each round, so only the per-person limit can stop the guesses.
            trip.to_check(make_person(passport_name=f"PERSON, Number {round_number}"), name="WRONG NAME")
            for _ in range(limit + 1):
                response = trip.post("check", "confirm")
                answers.append(response.status_code)
                if response.status_code == 429:
                    break
            assert trip.get().get_json()["step"] == "locked"
            assert (
                client.delete("/api/v1/me", headers=trip.headers, json={"confirm": True}).status_code == 200
            )
        # Round 1 spends the limit; rounds 2 and 3 are refused at their first guess.
        assert answers == [422] * (limit - 1) + [429] * 3, answers
        failures = db.session.scalars(
            select(VerificationAttempt).where(VerificationAttempt.result == "fail")
        ).all()
        assert len(failures) == limit  # every failure is still on record after three deletions

    def test_the_record_stays_with_the_wechat_identity_and_the_export_shows_it(self, client, wechat_emulator):
        trip = self._sign_in(client, wechat_emulator, "oKeptRecord00001")
        trip.to_check(make_person(passport_name="KEPT, Record"), name="WRONG NAME")
        trip.post("check", "confirm")
        response = client.delete("/api/v1/me", headers=trip.headers, json={"confirm": True})
        assert response.status_code == 200
        kept = db.session.scalars(select(VerificationAttempt)).one()
        assert kept.user_id is None and kept.result == "fail"
        assert kept.wechat_subject == verification.wechat_subject("oKeptRecord00001")
        entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "account.deleted")).one()
        assert entry.details["rows"]["verification_attempts_kept"] == 1
        again = self._sign_in(client, wechat_emulator, "oKeptRecord00001")
        export = client.get("/api/v1/me/export", headers=again.headers).get_json()
        assert [(a["step"], a["result"]) for a in export["verification_attempts"]] == [
            ("identifier_match", "fail")
        ]


class TestDeleteAccountAfterLongUse:
    """Deletion ends a session that stayed in use for longer than twice its (compressed) lifetime."""

    @pytest.fixture
    def app_config(self, database_url):
        return make_test_config(database_url, SESSION_TTL_SECONDS=2)

    def test_a_session_in_use_for_longer_than_twice_its_lifetime_is_ended(self, client, login, rich_user):
        headers = login(rich_user)
        token = headers["Authorization"].split()[1]
        deadline = time.monotonic() + 4.6
        while time.monotonic() < deadline:  # a request every half second, as a busy user makes
            assert client.get("/api/v1/me", headers=headers).status_code == 200
            time.sleep(0.5)
        assert client.delete("/api/v1/me", headers=headers, json={"confirm": True}).status_code == 200
        assert user_sessions().get(token) is None


@pytest.mark.calendar
class TestRetention:
    def test_purge_deletes_only_what_is_past_retention(self, app, rich_user):
        recent = db.session.scalars(select(VerificationAttempt)).one()
        stale = VerificationAttempt(user_id=rich_user.id, step="phone", result="fail", created_at=old(91))
        expired_ref = InPersonReference(
            user_id=rich_user.id, person_id=rich_user.person_id, reference_hash="b" * 64, expires_at=old(1)
        )
        db.session.add_all([stale, expired_ref])
        # The fixture's accept and receipt are made recent: its push is dated 2026-11-28, which the
        # calendar runs' clocks (2027, 2028) already see as past retention.
        for model, column in ((SubscriptionGrant, "accepted_at"), (SubscriptionReceipt, "received_at")):
            db.session.execute(update(model).values({column: old(1)}))
        ledger_keys = []
        for days, key in ((91, "old"), (2, "new")):
            ledger_keys += [
                SubscriptionGrant(
                    user_id=rich_user.id, template_id="tpl-retention", accepted_at=old(days), client_key=key
                ),
                SubscriptionReceipt(
                    user_id=rich_user.id,
                    template_id="tpl-retention",
                    receipt_key=key,
                    error_code="0",
                    received_at=old(days),
                ),
            ]
        db.session.add_all(ledger_keys)
        db.session.commit()
        grants, receipts = count(SubscriptionGrant), count(SubscriptionReceipt)

        removed = privacy.purge_expired(retention_days=90)

        assert removed == {
            "verification_attempts": 1,
            "in_person_references": 1,
            "subscription_grants": 1,
            "subscription_receipts": 1,
        }
        assert db.session.scalars(select(VerificationAttempt.id)).all() == [recent.id]
        assert count(InPersonReference) == 1  # the live reference stays
        # Only the keys past retention go: a repeated report of the last 90 days still counts once.
        assert (count(SubscriptionGrant), count(SubscriptionReceipt)) == (grants - 1, receipts - 1)
        assert (
            count(SubscriptionGrant, client_key="new") == count(SubscriptionReceipt, receipt_key="new") == 1
        )
        assert count(AuditLog, action="privacy.purged") == 1

    def test_purge_command_uses_the_configured_retention(self, app, runner):
        user = make_user()
        db.session.add_all(
            [
                VerificationAttempt(
                    user_id=user.id,
                    step="phone",
                    result="fail",
                    created_at=old(app.config["VERIFICATION_ATTEMPT_RETENTION_DAYS"] + 1),
                ),
                VerificationAttempt(user_id=user.id, step="phone", result="fail", created_at=old(2)),
            ]
        )
        db.session.commit()
        result = runner.invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
        assert "Deleted 1 verification attempts" in result.output
        assert count(VerificationAttempt) == 1
        result = runner.invoke(args=["privacy", "purge", "--days", "1"])
        assert "Deleted 1 verification attempts" in result.output

    def test_purge_command_refuses_a_zero_retention(self, runner):
        result = runner.invoke(args=["privacy", "purge", "--days", "0"])
        assert result.exit_code != 0


def test_furnish_covers_every_table_that_points_at_users(app, rich_user):
    """A new table holding user data must be added to the deletion (and this list) on purpose."""
    pointing = {
        table.name
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "users"
    }
    assert pointing == {model.__tablename__ for model in USER_TABLES} | {"qr_checks"}
    assert furnish  # the fixture's helper fills each of them
