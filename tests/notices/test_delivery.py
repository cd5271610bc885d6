"""Delivery: inbox entries, WeChat subscribe messages in the reader's language, idempotence, resume."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from app import clock
from app.extensions import db, get_queue, get_redis
from app.notices import delivery
from app.notices import jobs as notice_tasks
from app.notices import messages as notice_messages
from app.notices.models.notice import NoticeDelivery
from app.notices.models.subscription import SubscriptionQuota
from tests.notices.conftest import TEMPLATE, grant_quota


def rows(notice_id, channel="wechat"):
    return {
        r.user_id: r
        for r in db.session.scalars(
            select(NoticeDelivery).where(
                NoticeDelivery.notice_id == notice_id, NoticeDelivery.channel == channel
            )
        )
    }


def publish_and_deliver(notice):
    from app.accounts import admin_auth
    from app.accounts.models.admin import AdminUser
    from app.notices import publishing

    actor = admin_auth.actor_for(db.session.scalars(select(AdminUser)).first())
    publishing.publish(notice.id, actor)
    delivery.queue_fan_out(get_queue(), notice.id)
    db.session.expire_all()


def test_fan_out_sends_in_each_readers_language(app, wechat_emulator, make_notice, recipients):
    korean, chinese, taiwanese = (
        recipients(1, "ko")[0],
        recipients(1, "zh_Hans")[0],
        recipients(1, "zh_Hant")[0],
    )
    no_quota = recipients(1, "en")[0]
    for user in (korean, chinese, taiwanese):
        grant_quota(user, emulator=wechat_emulator)
    long_title = "A very long English title that is far beyond twenty characters 👨‍👩‍👧"
    notice = make_notice(
        template_id=TEMPLATE,
        translations={
            "zh_Hans": {"title": "外国人工作许可证与社会保障卡融合集成相关工作的通知", "body": "正文"},
            "en": {"title": long_title, "body": "Body"},
        },
    )
    publish_and_deliver(notice)

    inbox = rows(notice.id, "in_app")
    assert set(inbox) == {korean.id, chinese.id, taiwanese.id, no_quota.id}
    assert {r.state for r in inbox.values()} == {"delivered"}
    wechat = rows(notice.id)
    assert wechat[no_quota.id].state == "no_quota"
    assert {wechat[u.id].state for u in (korean, chinese, taiwanese)} == {"sent"}
    sent = {m["touser"]: m for m in wechat_emulator.outbox("subscribe")}
    assert set(sent) == {korean.openid, chinese.openid, taiwanese.openid}
    assert sent[korean.openid]["lang"] == "en_US"
    assert sent[chinese.openid]["lang"] == "zh_CN"
    assert sent[taiwanese.openid]["lang"] == "zh_TW"
    title = sent[korean.openid]["data"]["thing1"]["value"]
    assert len(title) <= 20 and title.endswith("…") and long_title.startswith(title[:-1].rstrip())
    assert sent[chinese.openid]["data"]["thing1"]["value"] == "外国人工作许可证与社会保障卡融合集成相…"
    quota = db.session.scalars(select(SubscriptionQuota).where(SubscriptionQuota.user_id == korean.id)).one()
    assert (quota.available, quota.reserved, quota.sent_total) == (0, 0, 1)


def test_publishing_twice_or_retrying_never_sends_twice(app, wechat_emulator, make_notice, recipients):
    users = recipients(3, "en")
    for user in users:
        grant_quota(user, n=2, emulator=wechat_emulator)
    notice = make_notice(template_id=TEMPLATE)
    publish_and_deliver(notice)
    publish_and_deliver(notice)
    notice_tasks.fan_out(notice.id)
    notice_tasks.deliver_batch(notice.id, users[0].id, users[-1].id)
    notice_tasks.resume(notice.id)
    assert len(wechat_emulator.outbox("subscribe")) == 3
    count = db.session.scalar(
        select(func.count()).select_from(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id)
    )
    assert count == 6


def test_busy_wechat_is_retried_with_backoff(app, wechat_emulator, make_notice, recipients, monkeypatch):
    naps = []
    monkeypatch.setattr("app.notices.delivery.time.sleep", naps.append)
    user = recipients(1, "en")[0]
    grant_quota(user, emulator=wechat_emulator)
    wechat_emulator.fail("subscribe_send", errcode=-1, times=2)
    notice = make_notice(template_id=TEMPLATE)
    publish_and_deliver(notice)
    assert rows(notice.id)[user.id].state == "sent"
    assert naps == [delivery.BACKOFF_BASE_SECONDS, delivery.BACKOFF_BASE_SECONDS * 2]


def test_refused_value_is_a_failure_with_its_errcode(app, wechat_emulator, make_notice, recipients):
    user = recipients(1, "en")[0]
    grant_quota(user, template_id="tmpl_verification_result", emulator=wechat_emulator)
    app.config["NOTICE_TEMPLATE_LAYOUT"] = {"phrase1": "category", "thing2": "title", "time3": "published_at"}
    wechat_emulator.fail("subscribe_send", errcode=47003, times=1)
    notice = make_notice(template_id="tmpl_verification_result")
    publish_and_deliver(notice)
    row = rows(notice.id)[user.id]
    assert (row.state, row.errcode) == ("failed", 47003)
    quota = db.session.scalars(select(SubscriptionQuota).where(SubscriptionQuota.user_id == user.id)).one()
    assert quota.available == 1  # the failed send gave its reservation back


def test_wechat_saying_no_quota_is_recorded(app, wechat_emulator, make_notice, recipients):
    user = recipients(1, "en")[0]
    grant_quota(user)  # our ledger thinks there is quota; WeChat disagrees (43101)
    notice = make_notice(template_id=TEMPLATE)
    publish_and_deliver(notice)
    row = rows(notice.id)[user.id]
    assert (row.state, row.errcode) == ("no_quota", 43101)


def test_withdrawn_notice_sends_nothing_more(app, wechat_emulator, make_notice, recipients):
    user = recipients(1, "en")[0]
    grant_quota(user, emulator=wechat_emulator)
    notice = make_notice(template_id=TEMPLATE, publish=True, deliver=False)
    delivery.fan_out(notice.id)
    from app.accounts import admin_auth
    from app.accounts.models.admin import AdminUser
    from app.notices import publishing

    publishing.withdraw(notice.id, admin_auth.actor_for(db.session.scalars(select(AdminUser)).first()))
    notice_tasks.deliver_batch(notice.id, user.id, user.id)
    assert rows(notice.id)[user.id].state == "cancelled"
    assert wechat_emulator.outbox("subscribe") == []


def claimed_by_a_worker(count, wechat_emulator, make_notice, recipients):
    """A published notice to `count` users with quota, fanned out, every WeChat row claimed by one worker."""
    users = recipients(count, "en")
    for user in users:
        grant_quota(user, emulator=wechat_emulator)
    notice = make_notice(template_id=TEMPLATE, publish=True, deliver=False)
    delivery.fan_out(notice.id)
    claim, claimed = delivery._claim(notice.id, users[0].id, users[-1].id, 10)
    return notice, claim, claimed


def test_a_killed_worker_is_reconciled_from_the_journal(app, wechat_emulator, make_notice, recipients):
    # A worker claimed every row, sent the first one and journaled it, then died.
    notice, claim, claimed = claimed_by_a_worker(3, wechat_emulator, make_notice, recipients)
    first = claimed[0]
    msgid = app.extensions["wechat"].send_subscribe_message(
        first.openid,
        TEMPLATE,
        {"thing1": {"value": "t"}, "thing2": {"value": "c"}, "time3": {"value": "2026-01-01 10:00"}},
    )
    get_redis().hset(
        delivery._journal_key(claim),
        str(first.id),
        f'{{"state": "sent", "msgid": "{msgid}", "sent_at": "{clock.now().isoformat()}"}}',
    )
    # The second was being sent when the worker died; the third was never attempted.
    get_redis().hset(delivery._journal_key(claim), str(claimed[1].id), delivery._ATTEMPTING)
    assert delivery.reconcile(notice.id, get_redis()) == {"recovered": 0, "interrupted": 0, "requeued": 0}
    result = delivery.reconcile(notice.id, get_redis(), now=clock.now() + timedelta(hours=1))
    assert result == {"recovered": 1, "interrupted": 1, "requeued": 1}
    states = {uid: r.state for uid, r in rows(notice.id).items()}
    assert sorted(states.values()) == ["failed", "queued", "sent"]
    notice_tasks.resume(notice.id)
    states = {uid: r.state for uid, r in rows(notice.id).items()}
    assert sorted(states.values()) == ["failed", "sent", "sent"]
    assert len(wechat_emulator.outbox("subscribe")) == 2


def test_resume_command_settles_a_dead_workers_claim_at_once_when_told(
    app, runner, wechat_emulator, make_notice, recipients
):
    # A worker claimed both rows, was sending the first when it was killed; the second never left.
    notice, claim, claimed = claimed_by_a_worker(2, wechat_emulator, make_notice, recipients)
    get_redis().hset(delivery._journal_key(claim), str(claimed[0].id), delivery._ATTEMPTING)
    # By default a fresh claim is left to its (maybe live) worker.
    patient = runner.invoke(args=["notices", "resume", str(notice.id)])
    assert patient.exit_code == 0 and "interrupted 0, requeued 0" in patient.output
    db.session.expire_all()
    assert sorted(r.state for r in rows(notice.id).values()) == ["sending", "sending"]
    # The operator knows the worker is dead: settle now, send the one never attempted, nothing twice.
    told = runner.invoke(args=["notices", "resume", str(notice.id), "--stale-after", "0"])
    assert told.exit_code == 0 and "interrupted 1, requeued 1; queued 1 batch(es)" in told.output
    db.session.expire_all()
    assert sorted(r.state for r in rows(notice.id).values()) == ["failed", "sent"]
    assert [m["touser"] for m in wechat_emulator.outbox("subscribe")] == [claimed[1].openid]
    refused = runner.invoke(args=["notices", "resume", str(notice.id), "--stale-after", "-1"])
    assert refused.exit_code != 0 and "--stale-after" in refused.output


def test_each_window_is_journaled_attempting_before_any_of_its_sends(
    app, make_notice, recipients, monkeypatch
):
    from app.wechat import errors as wechat_errors

    users = recipients(7, "en")
    notice = make_notice(template_id=TEMPLATE, publish=True, deliver=False)
    delivery.fan_out(notice.id)
    by_user = rows(notice.id)
    row_of = {user.openid: by_user[user.id].id for user in users}
    redis_client = get_redis()
    writes, seen_at_send = [], []
    journal = delivery._journal

    def recording_journal(client, key, mapping, **options):
        writes.append(sorted(json.loads(value)["state"] for value in mapping.values()))
        return journal(client, key, mapping, **options)

    def send(openid, template_id, data, **options):
        # What the journal says of this message's window at the moment its HTTP send would start.
        [key] = redis_client.keys("ssc:notice-claim:*")
        entries = {int(k): json.loads(v)["state"] for k, v in redis_client.hgetall(key).items()}
        seen_at_send.append((row_of[openid], entries))
        return 1000 + row_of[openid]

    monkeypatch.setattr(delivery, "_journal", recording_journal)
    sender = delivery.Sender(send=send, errors=wechat_errors, redis=redis_client, concurrency=3)
    assert delivery.send_batch(notice.id, users[0].id, users[-1].id, sender).sent == 7
    # Two journal writes per window of three (not two per message): attempting first, then the outcomes.
    assert writes == [
        ["attempting"] * 3,
        ["sent"] * 3,
        ["attempting"] * 3,
        ["sent"] * 3,
        ["attempting"],
        ["sent"],
    ]
    ids = sorted(row_of.values())
    windows = [ids[0:3], ids[3:6], ids[6:7]]
    for row_id, entries in seen_at_send:
        window = next(w for w in windows if row_id in w)
        assert all(entries[other] == "attempting" for other in window)
        assert not any(other in entries for other in ids if other > window[-1])  # later windows: not yet
    assert {r.state for r in rows(notice.id).values()} == {"sent"}


def fanned_out(
    app, wechat_emulator, make_notice, recipients, count: int, window: int, subscriptions: int = 1
):
    """`count` subscribed users and a notice fanned out to them, sent `window` messages at a time."""
    users = recipients(count, "en")
    for user in users:
        grant_quota(user, n=subscriptions, emulator=wechat_emulator)
    notice = make_notice(template_id=TEMPLATE, publish=True, deliver=False)
    delivery.fan_out(notice.id)
    app.config["NOTICE_SEND_CONCURRENCY"] = window
    return users, notice


class Killed(BaseException):
    """The worker process dying (SIGKILL) at this point."""


def test_a_worker_killed_after_journaling_a_window_never_resends_it(
    app, wechat_emulator, make_notice, recipients, monkeypatch
):
    users, notice = fanned_out(app, wechat_emulator, make_notice, recipients, 7, window=3)
    journal, calls = delivery._journal, []

    def dying_journal(client, key, mapping, **options):
        written = journal(client, key, mapping, **options)
        calls.append(len(mapping))
        if len(calls) == 3:  # the second window is journaled "attempting"; none of it has been sent
            raise Killed
        return written

    monkeypatch.setattr(delivery, "_journal", dying_journal)
    with pytest.raises(Killed):
        delivery.send_batch(notice.id, users[0].id, users[-1].id, notice_tasks.make_sender(app))
    assert len(wechat_emulator.outbox("subscribe")) == 3
    assert {r.state for r in rows(notice.id).values()} == {"sending"}

    result = delivery.reconcile(notice.id, get_redis(), now=clock.now() + timedelta(hours=1))
    assert result == {"recovered": 3, "interrupted": 3, "requeued": 1}
    notice_tasks.resume(notice.id)
    db.session.expire_all()
    final = rows(notice.id)
    interrupted = {
        uid for uid, r in final.items() if r.state == "failed" and r.error.startswith("interrupted")
    }
    assert [u.id for u in users[3:6]] == sorted(interrupted)
    assert sorted(r.state for r in final.values()) == ["failed"] * 3 + ["sent"] * 4
    sent_to = [m["touser"] for m in wechat_emulator.outbox("subscribe")]
    assert len(sent_to) == len(set(sent_to)) == 4
    assert not {u.openid for u in users[3:6]} & set(sent_to)  # journaled, never sent, never resent


def _states(mapping: dict) -> set[str]:
    """The states a journal write records."""
    return {json.loads(value)["state"] for value in mapping.values()}


def test_a_slow_worker_taken_for_dead_never_sends_what_resume_handed_on(
    app, wechat_emulator, make_notice, recipients, monkeypatch
):
    """WeChat is slow; a publisher resumes delivery while the worker is still sending its claim."""
    # Two accepted subscriptions each: WeChat itself would take a second message.
    users, notice = fanned_out(app, wechat_emulator, make_notice, recipients, 6, window=2, subscriptions=2)
    journal, outcomes_written = delivery._journal, []

    def journal_then_resume(client, key, mapping, **options):
        written = journal(client, key, mapping, **options)
        if _states(mapping) == {"sent"}:
            outcomes_written.append(key)
            if len(outcomes_written) == 1:
                # The first window's outcomes are journaled; its claim now looks dead: resume runs.
                monkeypatch.setattr(delivery, "_journal", journal)
                result = delivery.reconcile(notice.id, client, now=clock.now() + timedelta(hours=1))
                assert result == {"recovered": 2, "interrupted": 0, "requeued": 4}
                notice_tasks.resume(notice.id)
        return written

    monkeypatch.setattr(delivery, "_journal", journal_then_resume)
    result = delivery.send_batch(notice.id, users[0].id, users[-1].id, notice_tasks.make_sender(app))
    sent_to = [m["touser"] for m in wechat_emulator.outbox("subscribe")]
    assert sorted(sent_to) == sorted(user.openid for user in users)  # everyone once, nobody twice
    assert (result.sent, result.failed) == (
        0,
        0,
    )  # the first window was counted by reconcile, the rest by resume
    db.session.expire_all()
    assert {r.state for r in rows(notice.id).values()} == {"sent"}
    quotas = db.session.scalars(
        select(SubscriptionQuota).where(SubscriptionQuota.template_id == TEMPLATE)
    ).all()
    # Each reservation settled once: one message sent, one subscription left.
    assert {(q.reserved, q.available, q.sent_total) for q in quotas} == {(0, 1, 1)}


def test_a_live_worker_stamps_its_claim_again_between_windows(
    app, wechat_emulator, make_notice, recipients, monkeypatch
):
    """A claim older than STALE_CLAIM whose worker is still sending is not handed on by reconcile."""
    users, notice = fanned_out(app, wechat_emulator, make_notice, recipients, 4, window=2)
    started, late = clock.now(), {"by": timedelta(0)}
    monkeypatch.setattr(clock, "now", lambda: started + late["by"])
    journal, seen = delivery._journal, []

    def slow_windows(client, key, mapping, **options):
        if _states(mapping) == {"attempting"} and late["by"]:
            # The second window starts 11 minutes after the claim: resume looks at it now.
            seen.append(delivery.reconcile(notice.id, client, now=started + late["by"]))
        written = journal(client, key, mapping, **options)
        if _states(mapping) == {"sent"}:
            late["by"] += delivery.STALE_CLAIM + timedelta(minutes=1)  # the first window was slow
        return written

    monkeypatch.setattr(delivery, "_journal", slow_windows)
    result = delivery.send_batch(notice.id, users[0].id, users[-1].id, notice_tasks.make_sender(app))
    assert seen and all(found == {"recovered": 0, "interrupted": 0, "requeued": 0} for found in seen)
    assert result.sent == 4 and len(wechat_emulator.outbox("subscribe")) == 4


def test_rate_limiter_waits_for_the_next_second(app):
    clock = [1000.2]
    naps = []

    def sleep(seconds):
        naps.append(round(seconds, 3))
        clock[0] += seconds

    limiter = delivery.SendRateLimiter(get_redis(), 2, sleep=sleep, clock=lambda: clock[0])
    for _ in range(3):
        limiter.acquire()
    assert naps == [0.8]
    unlimited = delivery.SendRateLimiter(get_redis(), 0, sleep=sleep, clock=lambda: clock[0])
    for _ in range(100):
        unlimited.acquire()
    assert naps == [0.8]


def test_wechat_lang_mapping():
    assert notice_messages.wechat_lang("zh_Hans") == "zh_CN"
    assert notice_messages.wechat_lang("zh_Hant") == "zh_TW"
    assert notice_messages.wechat_lang("ar") == "en_US"
    assert notice_messages.wechat_lang(None) == "en_US"


def test_phrase_keywords_stay_chinese(app):
    assert notice_messages.fit_value("phrase", "政策变更通知书") == "政策变更通"
    assert notice_messages.fit_value("thing", "line one\nline two") == "line one line two"
    assert notice_messages.fit_value("name", "王小明王小明王小明王小明") == "王小明王小明王小明…"


@given(st.text(max_size=60), st.integers(min_value=2, max_value=32))
def test_truncation_never_splits_a_character(text, limit):
    import regex

    result = notice_messages.truncate_graphemes(text, limit)
    assert len(result) <= limit
    if result != text:
        kept = result[:-1]
        clusters = regex.findall(r"\X", text)
        joined = ""
        for cluster in clusters:
            if len(joined) >= len(kept.rstrip()):
                break
            joined += cluster
        assert joined.rstrip() == kept.rstrip() or text.startswith(kept)
        assert text.startswith(kept)


@pytest.mark.parametrize("locale,expected", [("ko", "ko"), (None, "en"), ("xx", "en")])
def test_recipient_locale(locale, expected):
    assert delivery.recipient_locale(locale, "en") == expected


class TestOnAQueue:
    """The jobs by their dotted names on a real (not synchronous) queue, run by an RQ worker."""

    @pytest.fixture
    def app_config(self, database_url):
        from tests.conftest import make_test_config

        return make_test_config(database_url, JOBS_SYNC=False)

    def test_a_worker_runs_fan_out_and_batches(self, app, wechat_emulator, make_notice, recipients):
        from rq import SimpleWorker

        users = recipients(3, "ja")
        for user in users:
            grant_quota(user, emulator=wechat_emulator)
        notice = make_notice(template_id=TEMPLATE, publish=True)
        queue = get_queue()
        assert queue.count == 1 and queue.jobs[0].func_name == "app.notices.jobs.fan_out"
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        db.session.expire_all()
        assert {r.state for r in rows(notice.id).values()} == {"sent"}
        assert len(rows(notice.id, "in_app")) == 3
        assert {m["lang"] for m in wechat_emulator.outbox("subscribe")} == {"en_US"}


def test_delivery_results_are_counted_for_metrics(app, wechat_emulator, make_notice, recipients):
    from app.metrics import DELIVERIES

    def count(channel, result):
        return DELIVERIES.labels(channel=channel, result=result)._value.get()

    before = (count("inbox", "delivered"), count("subscribe", "sent"), count("subscribe", "no_quota"))
    granted, without = recipients(1, "ko")[0], recipients(1, "en")[0]
    grant_quota(granted, emulator=wechat_emulator)
    publish_and_deliver(make_notice(template_id=TEMPLATE))
    after = (count("inbox", "delivered"), count("subscribe", "sent"), count("subscribe", "no_quota"))
    assert [b - a for a, b in zip(before, after, strict=True)] == [2, 1, 1]
    assert without.id != granted.id


class PrimaryWithReplica:
    """The app's Redis, with WAIT answered as a primary with `synced` replicas in sync would."""

    def __init__(self, client, events: list, synced: int = 1):
        self.client, self.events, self.synced = client, events, synced

    def __getattr__(self, name):
        return getattr(self.client, name)

    def wait(self, replicas, timeout_ms):
        self.events.append(("wait", replicas))
        return self.synced


@pytest.mark.parametrize("synced", [1, 0])
def test_with_a_replica_a_window_is_sent_once_its_attempt_is_on_the_replica(
    app, make_notice, recipients, monkeypatch, caplog, synced
):
    """Redis Sentinel: a failover cannot lose a window's "attempting" entries, so resume never resends it."""
    from app.wechat import errors as wechat_errors

    users = recipients(4, "en")
    for user in users:
        grant_quota(user)
    notice = make_notice(template_id=TEMPLATE, publish=True, deliver=False)
    delivery.fan_out(notice.id)
    events: list = []
    journal = delivery._journal

    def recording_journal(client, key, mapping, **options):
        events.append(("journal", sorted({json.loads(value)["state"] for value in mapping.values()})))
        return journal(client, key, mapping, **options)

    def send(openid, template_id, data, **options):
        events.append(("send",))
        return 1

    monkeypatch.setattr(delivery, "_journal", recording_journal)
    redis_client = PrimaryWithReplica(get_redis(), events, synced)
    sender = delivery.Sender(send=send, errors=wechat_errors, redis=redis_client, concurrency=2, replicas=1)
    assert delivery.send_batch(notice.id, users[0].id, users[-1].id, sender).sent == 4
    window = [("journal", ["attempting"]), ("wait", 1), ("send",), ("send",), ("journal", ["sent"])]
    assert events == window * 2
    # No replica in sync: sent anyway (nothing to fail over to), and said.
    assert ("notice journal not on a replica in time" in caplog.text) == (synced == 0)


def test_the_jobs_wait_for_a_replica_only_with_redis_sentinel(app):
    assert notice_tasks.make_sender(app).replicas == 0
    app.config.update(REDIS_SENTINELS="127.0.0.1:26379", REDIS_SENTINEL_SERVICE="ssc")
    assert notice_tasks.make_sender(app).replicas == 1
