"""WeChat answering later than our timeout: 503 in about the timeout, nothing spent, nothing sent twice."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import func, select
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from app.accounts import admin_auth, auth
from app.accounts.models.user import UserAccount
from app.extensions import db, get_queue
from app.notices import delivery, editing, publishing
from app.notices import jobs as notice_tasks
from app.notices.models.notice import NoticeDelivery
from app.notices.models.subscription import SubscriptionQuota
from app.verify.attempts import subject_key
from app.verify.models import VerificationAttempt
from app.verify.verification import wechat_subject
from app.wechat.client import _may_have_arrived
from tests.admin.conftest import PASSWORD
from tests.conftest import make_test_config
from tests.factories import make_person, make_user
from tests.notices.conftest import TEMPLATE, grant_quota, notice_payload
from tests.verify.conftest import Journey

#: The timeout of the fast tests (production keeps the default, 5 s), and WeChat's answer time in them.
SHORT_TIMEOUT = 0.3
LATE = 3.0
#: How much longer than the timeout a refused request may take (our own work around the call, on
#: a busy CI host); the bound stays well under LATE, so a request that waited for WeChat fails it.
SLACK = 1.9


def _timed(call):
    """(the response, seconds it took)."""
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _users() -> int:
    """How many user accounts exist."""
    return db.session.scalar(select(func.count()).select_from(UserAccount))


def _keys_outside_wechat(redis_client) -> list[bytes]:
    """Redis keys other than the WeChat adapter's own (its access token): sessions, login codes, …"""
    return [key for key in redis_client.keys("*") if not key.startswith(b"ssc:wechat")]


def test_login_with_wechat_slower_than_the_default_five_seconds(app, client, wechat_emulator, redis_client):
    """The production setting, unchanged: WeChat answering after 6 s is given up on at 5 s."""
    assert app.config["WECHAT_TIMEOUT_SECONDS"] == 5.0
    assert app.extensions["wechat"].timeout == 5.0
    openid = "oSlowWeChatLogin01"
    wechat_emulator.slow("jscode2session", 6.0)
    code = wechat_emulator.mint_login_code(openid)
    response, elapsed = _timed(lambda: client.post("/api/v1/auth/login", json={"code": code}))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "wechat.unavailable"
    assert 5.0 <= elapsed < 5.0 + SLACK
    # No account, no session, no cached exchange, no lock left behind: only the note, for a
    # parallel submission of the same code, of why the exchange failed, gone within seconds.
    assert _users() == 0
    [note] = _keys_outside_wechat(redis_client)
    assert note.endswith(b":failed") and redis_client.get(note) == b"wechat.unavailable"
    assert 0 < redis_client.ttl(note) <= auth.CODE_LOCK_SECONDS

    wechat_emulator.slow("jscode2session", 0)  # WeChat is quick again: the next sign-in just works
    retry = client.post("/api/v1/auth/login", json={"code": wechat_emulator.mint_login_code(openid)})
    assert retry.status_code == 200
    assert _users() == 1


def test_only_an_answer_that_went_missing_counts_as_maybe_sent():
    """A read timeout or a dropped answer may follow a request WeChat acted on; a failed connect cannot."""
    refused = requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused")))
    assert _may_have_arrived(requests.ReadTimeout()) is True
    assert _may_have_arrived(requests.ConnectionError(ProtocolError("Connection aborted."))) is True
    assert _may_have_arrived(requests.ConnectTimeout()) is False
    assert _may_have_arrived(refused) is False


class TestWithAShortTimeout:
    """The same rules with WECHAT_TIMEOUT_SECONDS lowered, to keep the tests fast."""

    @pytest.fixture
    def app_config(self, database_url):
        """A short WeChat timeout."""
        return make_test_config(database_url, WECHAT_TIMEOUT_SECONDS=SHORT_TIMEOUT)

    @pytest.fixture
    def slow(self, wechat_emulator):
        """`slow(endpoint)`: WeChat answers that endpoint after LATE seconds; waits for late answers after."""
        slowed, late = [], []

        def _slow(endpoint: str, seconds: float = LATE):
            slowed.append(endpoint)
            late.append(seconds)
            wechat_emulator.slow(endpoint, seconds)

        yield _slow
        for endpoint in slowed:
            wechat_emulator.slow(endpoint, 0)
        if any(seconds > SHORT_TIMEOUT for seconds in late):
            time.sleep(LATE)  # let answers still on their way land before the emulator is reset

    def test_phone_check_slower_than_the_timeout_is_503_and_costs_no_attempt(
        self, client, login, wechat_emulator, redis_client, slow
    ):
        person = make_person(passport_name="SLOW, Phone Check")
        user = make_user(locale="en")
        trip = Journey(client, login(user))
        trip.to_check(person)
        trip.answer("check", "confirm")
        trip.answer("second_factor", method="phone")
        slow("getuserphonenumber")
        code = wechat_emulator.mint_phone_code(user.openid, person.phone)
        response, elapsed = _timed(lambda: trip.post("phone", phone_code=code))
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "verification.phone_unavailable"
        assert elapsed < SHORT_TIMEOUT + SLACK
        assert int(redis_client.get(subject_key(wechat_subject(user.openid))) or 0) == 0
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(VerificationAttempt)
                .where(VerificationAttempt.step == "phone")
            )
            == 0
        )
        assert trip.get().get_json()["step"] == "phone"

        slow("getuserphonenumber", 0)  # WeChat is quick again: a new tap on the button verifies
        screen = trip.answer("phone", phone_code=wechat_emulator.mint_phone_code(user.openid, person.phone))
        assert screen["step"] == "result"
        db.session.expire_all()
        assert db.session.get(UserAccount, user.id).person_id == person.id

    def test_a_help_desk_reply_wechat_answers_late_is_unconfirmed_not_unsent(
        self, app, wechat_emulator, slow
    ):
        from app.helpdesk import jobs as wechat_events
        from tests.wechat.conftest import OPENID

        wechat_emulator.push("text", OPENID, content="card")  # opens the reply window; answered at once
        assert len(wechat_emulator.outbox("custom")) == 1
        slow("custom_send")
        message = {
            "FromUserName": OPENID,
            "MsgType": "text",
            "Content": "card",
            "CreateTime": 2,
            "ToUserName": "gh_0000000demo",
        }
        outcome, elapsed = _timed(lambda: wechat_events.handle(message))
        assert outcome == "topic:card:unconfirmed" and elapsed < SHORT_TIMEOUT + SLACK
        time.sleep(LATE)
        assert len(wechat_emulator.outbox("custom")) == 2  # it did arrive, once: nothing was resent

    def test_a_notice_send_wechat_answers_late_is_recorded_once_and_never_resent(
        self, app, wechat_emulator, slow
    ):
        user = make_user(make_person(commit=False), verified=True, locale="en")
        grant_quota(user, n=3, emulator=wechat_emulator)
        actor = admin_auth.actor_for(admin_auth.create_admin("slow-publisher", PASSWORD, "publisher"))
        notice = editing.create_notice(notice_payload(template_id=TEMPLATE), actor)
        slow("subscribe_send")
        publishing.publish(notice.id, actor)
        started = time.monotonic()
        delivery.queue_fan_out(get_queue(), notice.id)  # fan-out and the batch run here (synchronous jobs)
        # One attempt, given up after the timeout: not retried like a "busy" answer would be.
        assert time.monotonic() - started < SHORT_TIMEOUT + SLACK
        assert wechat_emulator.calls("subscribe_send") == 1

        db.session.expire_all()
        rows = {
            row.channel: row
            for row in db.session.scalars(select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id))
        }
        assert rows["in_app"].state == "delivered"  # the notice is in the user's inbox either way
        wechat = rows["wechat"]
        assert (wechat.state, wechat.errcode, wechat.attempts) == ("failed", None, 1)
        assert "outcome unknown, not resent" in wechat.error
        quota = db.session.scalars(
            select(SubscriptionQuota).where(SubscriptionQuota.user_id == user.id)
        ).one()
        assert (quota.available, quota.reserved, quota.sent_total) == (2, 0, 1)  # WeChat may have used one

        # A retry of the batch, a resume and a second fan-out send nothing more.
        slow("subscribe_send", 0)
        notice_tasks.deliver_batch(notice.id, user.id, user.id)
        notice_tasks.resume(notice.id)
        notice_tasks.fan_out(notice.id)
        assert wechat_emulator.calls("subscribe_send") == 1
        deadline = time.monotonic() + LATE + 1
        while not wechat_emulator.outbox("subscribe") and time.monotonic() < deadline:
            time.sleep(0.05)
        # WeChat did send it, late: exactly once.
        assert [m["touser"] for m in wechat_emulator.outbox("subscribe")] == [user.openid]

    def test_a_notice_send_slower_than_usual_but_within_the_timeout_is_sent(self, app, wechat_emulator, slow):
        user = make_user(make_person(commit=False), verified=True, locale="en")
        grant_quota(user, emulator=wechat_emulator)
        actor = admin_auth.actor_for(admin_auth.create_admin("calm-publisher", PASSWORD, "publisher"))
        notice = editing.create_notice(notice_payload(template_id=TEMPLATE), actor)
        slow("subscribe_send", SHORT_TIMEOUT / 3)
        publishing.publish(notice.id, actor)
        delivery.queue_fan_out(get_queue(), notice.id)
        db.session.expire_all()
        row = db.session.scalars(
            select(NoticeDelivery).where(
                NoticeDelivery.notice_id == notice.id, NoticeDelivery.channel == "wechat"
            )
        ).one()
        assert row.state == "sent" and row.msgid
        assert len(wechat_emulator.outbox("subscribe")) == 1
