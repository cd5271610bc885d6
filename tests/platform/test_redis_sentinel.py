"""Redis Sentinel failover under load: the primary is killed while users make requests and a worker waits.

A real primary, replica and three sentinels run on loopback ports (tests/platform/sentinel_cluster.py);
the app runs in production configuration, reaching Redis only through the sentinels, and a real
`flask --app wsgi worker` process is started before the kill. During the switch requests answer the
503 envelope in the user's language (never a 500); afterwards the same app, sessions and worker go
on, with no restart. Real-backend pass only; in CI a missing redis-server or redis-sentinel fails.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from app.config import PROJECT_ROOT
from app.errors import ServiceUnavailable
from app.i18n import force_locale, to_text
from tests.notices.conftest import TEMPLATE, grant_quota, make_notice, recipients
from tests.notices.conftest import make_admin as make_admin  # the fixture make_notice uses
from tests.parts import missing_part
from tests.platform.sentinel_cluster import SERVICE, SentinelCluster, missing_binaries

__all__ = ["make_notice", "recipients"]  # fixtures, reused from the notice tests

pytestmark = [pytest.mark.real_redis, pytest.mark.real_mysql, pytest.mark.slow]

#: Users are back within this long after the primary dies (the brief of the failover: 30 s).
RESUMES_WITHIN = 30.0
#: The socket timeout of these apps: a dead primary is noticed quickly.
REDIS_TIMEOUT = 0.5


@pytest.fixture
def cluster(tmp_path):
    """A primary, a replica and three sentinels, in sync, stopped after the test."""
    missing = missing_binaries()
    if missing:
        missing_part(
            f"{' and '.join(missing)} not installed (Debian: apt-get install redis-server redis-sentinel)"
        )
    started = SentinelCluster(tmp_path)
    try:
        yield started.start()
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n{started.logs()}") from None
    finally:
        started.stop()


def production_settings(database_url: str, cluster: SentinelCluster) -> dict[str, str]:
    """A production environment reaching Redis through the cluster's sentinels (values made for this test)."""
    return {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PII_KEY": base64.b64encode(os.urandom(32)).decode(),
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://{SERVICE}/0",
        "REDIS_SENTINELS": cluster.sentinels,
        "REDIS_SENTINEL_SERVICE": SERVICE,
        "REDIS_SOCKET_TIMEOUT_SECONDS": str(REDIS_TIMEOUT),
        "WECHAT_APPID": "wx0123456789abcdef",
        "WECHAT_SECRET": "f" * 32,
        "WECHAT_TOKEN": "PushTokenOfThisDeployment",
    }


@pytest.fixture
def settings(database_url, cluster):
    """This test's production environment, as text (what the worker process gets)."""
    return production_settings(database_url, cluster)


@pytest.fixture
def app_config(settings):
    """The `app` fixture builds a production app on the sentinels (tests/conftest.py)."""
    return {**settings, "REDIS_SOCKET_TIMEOUT_SECONDS": REDIS_TIMEOUT, "WECHAT_AES_KEY": None}


@pytest.fixture
def worker(app, settings, tmp_path):
    """A `flask --app wsgi worker` process on the same settings, started now (before any kill)."""
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("REDIS_", "TEST_"))},
        **settings,
        "WECHAT_API_BASE": app.config["WECHAT_API_BASE"],
    }
    with open(tmp_path / "worker.log", "wb") as log:  # the worker keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    from rq import Worker

    connection = app.extensions["redis"]
    deadline = time.monotonic() + 30
    while not Worker.all(connection=connection):
        assert process.poll() is None, (tmp_path / "worker.log").read_text()
        assert time.monotonic() < deadline, "the worker did not register"
        time.sleep(0.1)
    process.log_path = tmp_path / "worker.log"  # type: ignore[attr-defined]
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Answer:
    """One request of the load: when it ended, its status, its error code and locale if any."""

    at: float
    status: int
    code: str | None
    locale: str | None
    message: str | None
    language: str


class Load:
    """A thread asking for each signed-in user's profile, round after round, until stopped."""

    def __init__(self, app, tokens: list[str]):
        self.app, self.tokens = app, tokens
        self.answers: list[Answer] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sentinel-load", daemon=True)

    def _run(self) -> None:
        client = self.app.test_client()
        turn = 0
        while not self.stopping.is_set():
            token = self.tokens[turn % len(self.tokens)]
            language = ("zh-CN", "en")[turn % 2]
            response = client.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {token}", "Accept-Language": language}
            )
            body = response.get_json(silent=True) or {}
            error = body.get("error") or {}
            self.answers.append(
                Answer(
                    time.monotonic(),
                    response.status_code,
                    error.get("code"),
                    body.get("locale"),
                    error.get("message"),
                    language,
                )
            )
            turn += 1
            time.sleep(0.01)

    def start(self) -> Load:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self.answers):
            assert self.thread.is_alive(), "the load thread died"
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {self.summary()}"
            time.sleep(0.05)

    def summary(self) -> str:
        statuses: dict[int, int] = {}
        for answer in self.answers:
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
        return f"{len(self.answers)} requests, by status {statuses}"


def sign_in(client, wechat_emulator, openid: str) -> str:
    """A session made by the real sign-in (the WeChat emulator answers jscode2session)."""
    response = client.post("/api/v1/auth/login", json={"code": wechat_emulator.mint_login_code(openid)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def test_a_failover_under_load_answers_503_then_serves_the_same_sessions_and_worker(
    app, client, wechat_emulator, cluster, worker
):
    from rq import Worker

    queue = app.extensions["queue"]
    tokens = [sign_in(client, wechat_emulator, f"oSentinelUser{n:04d}") for n in range(5)]
    # What the primary acknowledged is on the replica before the kill (asynchronous replication
    # could otherwise lose the last writes: docs/deploy.md, "Redis failover").
    workers_before = [w.name for w in Worker.all(connection=app.extensions["redis"])]
    assert len(workers_before) == 1
    assert cluster.replicated() == 1

    load = Load(app, tokens).start()
    try:
        load.wait_for(lambda answers: len(answers) >= 20, 30, "the load to start")
        killed_at = time.monotonic()
        cluster.kill_primary()
        cluster.wait_for_failover(RESUMES_WITHIN)
        load.wait_for(
            lambda answers: (
                any(a.at > killed_at and a.status == 200 for a in answers) and answers[-1].status == 200
            ),
            RESUMES_WITHIN,
            "requests to succeed again",
        )
        resumed_at = next(a.at for a in load.answers if a.at > killed_at and a.status == 200)
        time.sleep(1)  # and they keep succeeding
    finally:
        load.stop()

    answers = load.answers
    assert {a.status for a in answers} <= {200, 503}, load.summary()  # never a 500
    refused = [a for a in answers if a.status == 503]
    with force_locale("zh_Hans"):
        chinese = to_text(ServiceUnavailable.message)
    for answer in refused:
        assert answer.code == "service.redis_unavailable", answer
        expected = ("zh_Hans", chinese) if answer.language == "zh-CN" else ("en", None)
        assert answer.locale == expected[0], answer
        assert answer.message and (expected[1] is None or answer.message == expected[1]), answer
    # The switch may answer 503 again after a first success (a request on a connection still
    # finding the new primary): service has resumed once the 503s are over, within the bound.
    last_refused = max((a.at for a in refused if a.at > killed_at), default=killed_at)
    resumed_at = next((a.at for a in answers if a.at > last_refused and a.status == 200), None)
    assert resumed_at is not None and resumed_at - killed_at < RESUMES_WITHIN, load.summary()
    after = [a for a in answers if a.at > resumed_at]
    assert after and all(a.status == 200 for a in after), load.summary()
    print(  # the numbers the report quotes (pytest -s)
        f"\nfailover: {load.summary()}; {len(refused)} answered 503; service back "
        f"{resumed_at - killed_at:.1f} s after the kill"
    )

    # Every session written before the kill still signs its user in; new sign-ins (rate-limited
    # through the same sentinels) work; readiness is back.
    for token in tokens:
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    sign_in(client, wechat_emulator, "oSentinelAfter0001")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["redis"] == "ok"

    # The worker started before the kill takes a job queued after it, without a restart.
    job = queue.enqueue("app.notices.jobs.publish_due")
    deadline = time.monotonic() + RESUMES_WITHIN
    while job.get_status(refresh=True) != "finished":
        assert worker.poll() is None, worker.log_path.read_text()
        assert time.monotonic() < deadline, (job.get_status(), worker.log_path.read_text()[-4000:])
        time.sleep(0.1)
    assert job.return_value() == []
    assert worker.poll() is None  # the same process
    assert [w.name for w in Worker.all(connection=app.extensions["redis"])] == workers_before


#: Recipients of the notice sent across the switch, and how long WeChat takes per message: with 8
#: messages in flight at once, the delivery lasts about RECIPIENTS / 8 * SEND_SECONDS, longer than a failover.
RECIPIENTS = 64
SEND_SECONDS = 0.3


def test_a_notice_delivered_across_a_failover_reaches_each_recipient_once(
    app, wechat_emulator, cluster, worker, make_notice, recipients
):
    from collections import Counter

    from sqlalchemy import select

    from app.extensions import db
    from app.notices.models.notice import NoticeDelivery

    users = recipients(RECIPIENTS)
    for user in users:
        grant_quota(user, emulator=wechat_emulator)
    wechat_emulator.slow("subscribe_send", SEND_SECONDS)
    assert cluster.replicated() == 1
    notice = make_notice(template_id=TEMPLATE, publish=True)  # the worker fans it out and sends

    def states() -> Counter:
        db.session.rollback()  # a fresh snapshot: the worker commits in its own process
        return Counter(
            row.state
            for row in db.session.scalars(
                select(NoticeDelivery).where(
                    NoticeDelivery.notice_id == notice.id, NoticeDelivery.channel == "wechat"
                )
            )
        )

    SentinelCluster.wait_until(lambda: len(wechat_emulator.outbox("subscribe")) >= 8, 60, "the first sends")
    sent_before = len(wechat_emulator.outbox("subscribe"))
    cluster.kill_primary()
    cluster.wait_for_failover(RESUMES_WITHIN)

    def settled() -> bool:
        now = states()
        return sum(now.values()) == RECIPIENTS and not now["queued"] and not now["sending"]

    # The batch job running at the kill carries on once the replica is promoted: no operator step.
    SentinelCluster.wait_until(settled, 60, "the delivery to settle")

    outbox = Counter(message["touser"] for message in wechat_emulator.outbox("subscribe"))
    assert max(outbox.values()) == 1, [openid for openid, n in outbox.items() if n > 1]  # nobody twice
    final = states()
    print(
        f"\nnotice across the failover: {sent_before} sent before the kill, rows {dict(final)}, "
        f"{len(outbox)} recipients reached"
    )
    assert sent_before < RECIPIENTS  # the kill came in the middle of the delivery
    # Nobody lost: every recipient was sent the message once, and has it in their inbox.
    assert final == Counter(sent=RECIPIENTS)
    assert set(outbox) == {user.openid for user in users}
    rows = db.session.scalars(
        select(NoticeDelivery).where(
            NoticeDelivery.notice_id == notice.id, NoticeDelivery.channel == "in_app"
        )
    ).all()
    assert sorted(row.user_id for row in rows if row.state == "delivered") == sorted(
        user.id for user in users
    )
