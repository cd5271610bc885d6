"""Every counter that guards something holds under parallel requests, against real MariaDB and Redis.

Each test fires PARALLEL requests at the same moment (a barrier), each from its own thread, test
client and database session, and then checks the exact books: how many were admitted, what the
counter holds, that nothing was written twice and that no request failed with a 500.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.accounts import admin_auth, service_points
from app.accounts.admin_auth import MAX_FAILED_LOGINS
from app.accounts.models.admin import AdminUser
from app.accounts.models.service_point import QrCheck
from app.audit.models import AuditLog
from app.card import qr
from app.extensions import db
from app.notices import subscriptions
from app.notices.models.subscription import SubscriptionGrant, SubscriptionQuota, SubscriptionReceipt
from app.verify.models import VerificationAttempt
from tests.factories import make_person, make_user
from tests.verify import conftest as verify_fixtures
from tests.verify.conftest import PATH

pytestmark = [pytest.mark.real_mysql, pytest.mark.real_redis]

PARALLEL = 24
journey = verify_fixtures.journey  # the journeys' fixture: a signed-in user walking the verify flow
PASSWORD = "correct horse battery"


def at_once(app, call: Callable[[object, int], object], n: int = PARALLEL) -> list:
    """Run `call(test client, i)` in n threads released together; their results, in thread order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        client = app.test_client()  # each request pushes this thread's own app context and session
        barrier.wait()
        results[i] = call(client, i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()  # read what the threads committed, not this session's older snapshot
    return results


def in_context(app, call: Callable[[], object]) -> Callable[[object, int], object]:
    """A service call made inside the thread's own app context (as a job or a request would)."""

    def run(_client, _i):
        with app.app_context():
            try:
                return call()
            finally:
                db.session.remove()

    return run


def statuses(responses) -> Counter:
    return Counter(response.status_code for response in responses)


def rows(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


class TestConsoleLockout:
    def _guess(self, username: str, address: str):
        def guess(client, _i):
            return client.post(
                "/api/v1/admin/auth",
                json={"username": username, "password": "wrong password"},
                environ_base={"REMOTE_ADDR": address},
            )

        return guess

    def test_parallel_wrong_passwords_are_counted_exactly_and_lock(self, app):
        admin = admin_auth.create_admin("parallel-target", PASSWORD, "publisher")
        responses = at_once(app, self._guess(admin.username, "10.1.0.1"))
        assert statuses(responses) == {401: MAX_FAILED_LOGINS, 429: PARALLEL - MAX_FAILED_LOGINS}
        stored = db.session.get(AdminUser, admin.id)
        assert stored.failed_logins == MAX_FAILED_LOGINS and stored.locked_until is not None
        assert rows(AuditLog, AuditLog.action == "admin.login_failed") == MAX_FAILED_LOGINS
        assert rows(AuditLog, AuditLog.action == "admin.locked") == 1
        again = app.test_client().post(
            "/api/v1/admin/auth", json={"username": admin.username, "password": PASSWORD}
        )
        assert again.status_code == 429  # even the right password waits for the lock

    def test_parallel_guesses_at_a_name_that_is_no_account_answer_the_same(self, app):
        responses = at_once(app, self._guess("nobody-here", "10.1.0.2"))
        assert statuses(responses) == {401: MAX_FAILED_LOGINS, 429: PARALLEL - MAX_FAILED_LOGINS}
        assert rows(AuditLog, AuditLog.action == "admin.locked") == 1


class TestVerificationAttempts:
    def _confirm(self, headers: list[dict]):
        def confirm(client, i):
            return client.post(
                PATH, json={"step": "check", "action": "confirm", "answers": {}}, headers=headers[i]
            )

        return confirm

    def _failures(self) -> int:
        return rows(VerificationAttempt, VerificationAttempt.result == "fail")

    def test_parallel_guesses_at_one_number_from_many_accounts(self, app, journey):
        person = make_person(passport_name="PARALLEL, Number")
        trips = [journey() for _ in range(PARALLEL)]
        for trip in trips:
            trip.to_check(person, name="WRONG NAME")
        db.session.remove()
        responses = at_once(app, self._confirm([trip.headers for trip in trips]))
        assert statuses(responses) == {422: 4, 429: PARALLEL - 4}
        assert self._failures() == 5

    def test_parallel_guesses_of_one_wechat_identity_on_many_devices(self, app, journey):
        user = make_user(locale="en")
        first = journey(user)
        first.to_check(make_person(passport_name="PARALLEL, Person"), name="WRONG NAME")
        devices = [journey(user) for _ in range(PARALLEL)]
        db.session.remove()
        responses = at_once(app, self._confirm([device.headers for device in devices]))
        assert set(statuses(responses)) <= {409, 422, 429}  # 409: another device moved the journey on
        assert self._failures() <= 5
        while first.get().get_json()["step"] == "check":
            first.post("check", "confirm")
        assert first.get().get_json()["step"] == "locked" and self._failures() == 5


class TestQrSingleUse:
    def test_one_code_checked_in_parallel_is_accepted_once(self, app):
        holder = make_user(verified=True, locale="en")
        _point, key = service_points.create_service_point("Parallel counter")
        payload = qr.issue(holder.id, app.config["SECRET_KEY"]).payload

        def check(client, _i):
            return client.post(
                "/api/v1/qr/verify", json={"payload": payload}, headers={"X-Service-Point-Key": key}
            )

        responses = at_once(app, check)
        assert statuses(responses) == {200: 1, 409: PARALLEL - 1}
        assert {r.get_json()["error"]["code"] for r in responses if r.status_code == 409} == {"qr.replayed"}
        results = Counter(db.session.scalars(select(QrCheck.result)).all())
        assert results == {"ok": 1, "qr.replayed": PARALLEL - 1}


class TestSubscriptionQuota:
    TEMPLATE = "tmpl_parallel"

    def _report(self, headers: dict, report_id: Callable[[int], str]):
        def report(client, i):
            return client.post(
                "/api/v1/subscriptions",
                headers=headers,
                json={"results": {self.TEMPLATE: "accept"}, "report_id": report_id(i)},
            )

        return report

    def _quota(self, user_id: int) -> SubscriptionQuota:
        return db.session.scalars(select(SubscriptionQuota).where(SubscriptionQuota.user_id == user_id)).one()

    def test_one_report_retried_in_parallel_is_counted_once(self, app, login):
        user = make_user(locale="en")
        responses = at_once(app, self._report(login(user), lambda _i: "report-1"))
        assert statuses(responses) == {200: PARALLEL}
        assert self._quota(user.id).available == 1 and rows(SubscriptionGrant) == 1

    def test_parallel_reports_of_separate_accepts_each_count(self, app, login):
        user = make_user(locale="en")
        responses = at_once(app, self._report(login(user), lambda i: f"report-{i}"))
        assert statuses(responses) == {200: PARALLEL}
        quota = self._quota(user.id)
        assert quota.available == quota.accepted_total == PARALLEL and rows(SubscriptionGrant) == PARALLEL

    def test_parallel_sends_never_take_more_than_the_quota(self, app):
        user = make_user(locale="en")
        db.session.add(
            SubscriptionQuota(
                user_id=user.id,
                template_id=self.TEMPLATE,
                available=5,
                reserved=0,
                accepted_total=5,
                sent_total=0,
                delivered_total=0,
                failed_total=0,
            )
        )
        db.session.commit()
        user_id = user.id
        taken = at_once(app, in_context(app, lambda: subscriptions.reserve_quota(user_id, self.TEMPLATE)))
        assert taken.count(True) == 5
        quota = self._quota(user_id)
        assert (quota.available, quota.reserved) == (0, 5)

    def test_one_delivery_report_handled_in_parallel_is_counted_once(self, app):
        """WeChat's report on one message, in 24 jobs at once (sent again after the dedupe window)."""
        user = make_user(locale="en")
        user_id, openid = user.id, user.openid
        items = [{"TemplateId": self.TEMPLATE, "MsgID": "3000000000000000401", "ErrorCode": "0"}]
        counted = at_once(
            app,
            in_context(
                app,
                lambda: subscriptions.record_event(
                    user_id, openid, "subscribe_msg_sent_event", 1795848008, items
                ),
            ),
        )
        assert sorted(counted) == [0] * (PARALLEL - 1) + [1]
        assert self._quota(user_id).delivered_total == 1 and rows(SubscriptionReceipt) == 1

    def test_parallel_reports_on_separate_messages_each_count(self, app):
        user = make_user(locale="en")
        user_id, openid = user.id, user.openid
        counted = at_once(
            app,
            lambda _client, i: in_context(
                app,
                lambda: subscriptions.record_event(
                    user_id,
                    openid,
                    "subscribe_msg_sent_event",
                    1795848008,
                    [{"TemplateId": self.TEMPLATE, "MsgID": f"30000000000000005{i:02d}", "ErrorCode": "0"}],
                ),
            )(None, i),
        )
        assert counted == [1] * PARALLEL
        assert self._quota(user_id).delivered_total == PARALLEL and rows(SubscriptionReceipt) == PARALLEL


class TestNoticeDrafts:
    def test_parallel_edits_of_a_published_notice_lose_nothing_and_publish_nothing(self, app, client):
        from app.i18n.locales import SUPPORTED
        from app.notices import editing, publishing
        from app.notices.models.notice import Notice, NoticeVersion
        from tests.notices.conftest import notice_payload

        publisher = admin_auth.actor_for(admin_auth.create_admin("parallel-publisher", PASSWORD, "publisher"))
        notice = editing.create_notice(notice_payload(), publisher)
        publishing.publish(notice.id, publisher)
        notice_id, live_title = notice.id, notice.translation("en").title
        admin_auth.create_admin("parallel-translator", PASSWORD, "translator")
        token = client.post(
            "/api/v1/admin/auth", json={"username": "parallel-translator", "password": PASSWORD}
        ).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        locales = sorted(SUPPORTED)

        def translate(client, i):
            locale = locales[i % len(locales)]
            return client.put(
                f"/api/v1/admin/notices/{notice_id}/translations/{locale}",
                headers=headers,
                json={"title": f"Title {i}", "body": f"Body {i}"},
            )

        responses = at_once(app, translate)
        assert statuses(responses) == {200: PARALLEL}
        versions = db.session.scalars(
            select(NoticeVersion).where(NoticeVersion.notice_id == notice_id).order_by(NoticeVersion.version)
        ).all()
        assert [v.version for v in versions] == list(range(1, PARALLEL + 2))
        assert Counter(v.state for v in versions) == {"published": 1, "superseded": PARALLEL - 1, "draft": 1}
        draft = versions[-1].snapshot["translations"]
        for i, locale in enumerate(locales):  # each draft builds on the one before: no edit is lost
            assert draft[locale]["title"] in {f"Title {j}" for j in range(i, PARALLEL, len(locales))}
        live = db.session.get(Notice, notice_id)
        assert (live.version, live.translation("en").title) == (1, live_title)
        assert rows(AuditLog, AuditLog.action == "notice.translate") == PARALLEL
