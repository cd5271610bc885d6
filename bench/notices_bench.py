"""Notice fan-out: one notice to N recipients through the WeChat emulator, and a kill-and-resume run.

    python -m bench.notices_bench [RECIPIENTS]        (default 100,000; prints JSON)

`run(recipients)` builds a fresh database of verified users (each with two accepted subscriptions,
in our ledger and in the emulator), then measures, each worker in its own process so its peak
memory (VmHWM) is its own:
  0. the emulator's own ceiling: bare sends per second (accepted ones) from plain `requests` clients,
     8 threads spread over as many processes as there are send workers (the baseline);
  1. the fan-out: an inbox entry and a queued WeChat row per recipient (inbox entries per second);
  2. the sends: every queued message through the emulator over loopback HTTP by two workers, no
     rate limit (messages per second);
  3. kill and resume: a second notice to a fifth of the users, its sending worker killed with
     SIGKILL halfway, the leftovers settled (`reconcile`) and sent by a new worker; the emulator's
     outbox is then compared with our records: nobody twice, every recipient accounted for.
The emulator runs in this process (its outbox survives the kills), served by bench/wsgi_server.py:
HTTP/1.1 connections kept open between requests (Werkzeug's development server closes every
connection, so each send would cost a TCP handshake on both sides and a server thread). Subscribe
sends take the emulator's shortcut past Flask (same checks, state and answers). Workers use SQLite (or
NOTICES_BENCH_DATABASE_URL) and real Redis (NOTICES_BENCH_REDIS_URL, default db 14; only this
benchmark's keys are touched) so the claim journal survives a kill too. NOTICES_BENCH_WORKERS and
NOTICES_BENCH_CONCURRENCY change the send workers and their threads. `rows(harness)` is what
bench/run.py calls.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"inbox_per_s": 5_000, "messages_per_s": 1_000, "peak_mb": 200}
TEMPLATE = "tmpl_notice_update"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
INSERT_CHUNK = 5_000
LOCALES = ("en", "zh_Hans", "ko", "ja", "de", "fr", "ru", "ar", "zh_Hant", "vi")
#: The kill run's audience: a fifth of the users (every locale mix still present in the first run).
KILL_LOCALES = ("en", "zh_Hans")


def _config(database_url: str, redis_url: str | None, api_base: str) -> dict:
    """The worker app's settings: embedded defaults, but the given database, Redis and emulator."""
    config = {
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "WECHAT_API_BASE": api_base,
        "LOG_LEVEL": "WARNING",
        "NOTICE_SENDS_PER_SECOND": 0,
        "DEMO_DATA": False,
        "NOTICE_SEND_CONCURRENCY": int(os.environ.get("NOTICES_BENCH_CONCURRENCY", "8")),
    }
    if redis_url:
        config.update({"REDIS_URL": redis_url, "EMBEDDED_REDIS": False})
    return config


def create_bench_app(database_url: str, redis_url: str | None, api_base: str):
    """An app for this process."""
    from app import create_app

    return create_app(_config(database_url, redis_url, api_base))


# -- the emulator, served from this process ------------------------------------------------------


class Emulator:
    """The WeChat emulator on a loopback port (HTTP/1.1 keep-alive, bench/wsgi_server.py), its state at hand."""

    def __init__(self):
        from app.config import DevelopmentConfig
        from app.wechat_emulator import create_emulator
        from bench.wsgi_server import WsgiServer

        self.app = create_emulator(
            appid=DevelopmentConfig.WECHAT_APPID, secret=DevelopmentConfig.WECHAT_SECRET
        )
        self.state = self.app.extensions["wechat_emulator"]
        self.server = WsgiServer(self.app)
        self.url = self.server.url

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop()


# -- setup -----------------------------------------------------------------------------------------


def populate(app, recipients: int, emulator_state) -> None:
    """Fresh tables, `recipients` verified users with two accepted subscriptions each, one admin."""
    from datetime import date

    from sqlalchemy import insert

    from app import clock
    from app.accounts import admin_auth
    from app.accounts.models.user import UserAccount
    from app.extensions import db
    from app.notices.models.subscription import SubscriptionQuota
    from app.registry.models import Person

    locales = LOCALES
    with app.app_context():
        db.drop_all()
        db.create_all()
        redis_client = app.extensions["redis"]
        # Only this benchmark's keys: the Redis database may be shared with other benchmarks.
        for pattern in ("ssc:notice-claim:*", "ssc:notice-rate:*"):
            for key in redis_client.scan_iter(pattern, count=1000):
                redis_client.delete(key)
        now = clock.now()
        for start in range(0, recipients, INSERT_CHUNK):
            ids = range(start + 1, min(start + INSERT_CHUNK, recipients) + 1)
            db.session.execute(
                insert(Person),
                [
                    {
                        "id": i,
                        "passport_name": f"BENCH, Person {i}",
                        "name_canonical": f"BENCH PERSON {i}",
                        "nationality": "DEU",
                        "date_of_birth": date(1990, 1, 1),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            db.session.execute(
                insert(UserAccount),
                [
                    {
                        "id": i,
                        "openid": f"obench{i:09d}",
                        "person_id": i,
                        "locale": locales[i % len(locales)],
                        "status": "active",
                        "verified_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            db.session.execute(
                insert(SubscriptionQuota),
                [
                    {
                        "user_id": i,
                        "template_id": TEMPLATE,
                        "available": 2,
                        "reserved": 0,
                        "accepted_total": 2,
                        "sent_total": 0,
                        "delivered_total": 0,
                        "failed_total": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            db.session.commit()
        admin_auth.create_admin("bench-publisher", "bench-password-123", "publisher")
    for i in range(1, recipients + 1):
        emulator_state.grant_subscription(f"obench{i:09d}", TEMPLATE, 2)


def new_notice(app, title: str, audience: dict) -> int:
    """A published notice to everyone (inbox + WeChat template); its id (no fan-out yet)."""
    from app.accounts import admin_auth
    from app.accounts.models.admin import AdminUser
    from app.extensions import db
    from app.notices import editing, publishing

    with app.app_context():
        actor = admin_auth.actor_for(db.session.query(AdminUser).filter_by(username="bench-publisher").one())
        notice = editing.create_notice(
            {
                "source_locale": "en",
                "category": "deadline",
                "priority": "urgent",
                "audience": audience,
                "template_id": TEMPLATE,
                "translations": {
                    "en": {"title": title, "body": "Renew your permit before it expires."},
                    "zh_Hans": {"title": "请在许可证到期前办理延期手续（基准测试）", "body": "正文"},
                },
                "source": {"title": "Benchmark", "url": "https://example.org/bench", "date": "2026-01-01"},
            },
            actor,
        )
        publishing.publish(notice.id, actor)
        return notice.id


# -- the worker process ------------------------------------------------------------------------------


def worker(phase: str, notice_id: int, database_url: str, redis_url: str | None, api_base: str) -> dict:
    """One phase in this process: `fan_out`, `send` or `resume`; timing and peak memory."""
    from app.extensions import get_redis
    from app.notices import delivery
    from app.notices.jobs import make_sender

    in_process = api_base == "in-process"
    config = _config(database_url, redis_url, api_base)
    if in_process:
        # The embedded defaults' transport: wechatpy → the emulator's WSGI app, no socket.
        config.pop("WECHAT_API_BASE")
    from app import create_app

    app = create_app(config)
    with app.app_context():
        if in_process:
            _grant_in_process(app, notice_id)
        started = time.perf_counter()
        result: dict = {}
        if phase == "fan_out":
            outcome = delivery.fan_out(notice_id, batch_size=1000)
            result = {"recipients": outcome.recipients, "batches": len(outcome.batches)}
        else:
            if phase == "resume":
                result["settled"] = delivery.reconcile(notice_id, get_redis(), stale_after=_no_wait())
            sender = make_sender(app)
            counts = Counter()
            for first, last in delivery.queued_ranges(notice_id):
                done = delivery.send_batch(notice_id, first, last, sender)
                counts.update({"sent": done.sent, "failed": done.failed, "no_quota": done.no_quota})
            result.update(counts)
        result["seconds"] = time.perf_counter() - started
        result["peak_mb"] = peak_mb()
        return result


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _grant_in_process(app, notice_id: int) -> None:
    """Give every recipient of the notice two accepts in this process's own emulator."""
    from sqlalchemy import select

    from app.accounts.models.user import UserAccount
    from app.extensions import db
    from app.notices.models.notice import NoticeDelivery

    state = app.extensions["wechat_emulator"].extensions["wechat_emulator"]
    openids = db.session.scalars(
        select(UserAccount.openid)
        .join(NoticeDelivery, NoticeDelivery.user_id == UserAccount.id)
        .where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.channel == "wechat")
    )
    for openid in openids:
        state.grant_subscription(openid, TEMPLATE, 2)


def _no_wait():
    """The claim age at which a resumed run settles leftovers: at once (the old worker is dead)."""
    from datetime import timedelta

    return timedelta(0)


def _spawn(phase: str, notice_id: int, database_url: str, redis_url: str | None, api_base: str):
    """Start a worker process for one phase."""
    args = [
        sys.executable,
        "-m",
        "bench.notices_bench",
        "_worker",
        phase,
        str(notice_id),
        database_url,
        redis_url or "",
        api_base,
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process) -> dict:
    """Wait for a worker and read its JSON line."""
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"worker failed ({process.returncode}): {err[-2000:]}")
    return json.loads(out.strip().splitlines()[-1])


def _kill_when_sent(app, process, notice_id: int, threshold: int, timeout: float = 600.0) -> int:
    """SIGKILL the worker once `threshold` messages are recorded sent; how many were recorded then."""
    deadline = time.monotonic() + timeout
    sent = 0
    while time.monotonic() < deadline and process.poll() is None:
        sent = _state_counts(app, notice_id).get("wechat:sent", 0)
        if sent >= threshold:
            # Somewhere inside the next claimed group, while messages are in flight.
            time.sleep(random.uniform(0.1, 0.4))
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    return sent


def _states_by_openid(app, notice_id: int) -> dict[str, tuple[str, str | None]]:
    """openid → (state, error) of each WeChat row of a notice."""
    from sqlalchemy import select

    from app.accounts.models.user import UserAccount
    from app.extensions import db
    from app.notices.models.notice import NoticeDelivery

    with app.app_context():
        rows = db.session.execute(
            select(UserAccount.openid, NoticeDelivery.state, NoticeDelivery.error)
            .join(UserAccount, UserAccount.id == NoticeDelivery.user_id)
            .where(NoticeDelivery.notice_id == notice_id, NoticeDelivery.channel == "wechat")
        ).all()
        db.session.remove()
    return {openid: (state, error) for openid, state, error in rows}


def _state_counts(app, notice_id: int) -> dict:
    """Delivery rows of a notice by channel and state."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.notices.models.notice import NoticeDelivery

    with app.app_context():
        rows = db.session.execute(
            select(NoticeDelivery.channel, NoticeDelivery.state, func.count())
            .where(NoticeDelivery.notice_id == notice_id)
            .group_by(NoticeDelivery.channel, NoticeDelivery.state)
        ).all()
        db.session.remove()
    return {f"{channel}:{state}": count for channel, state, count in rows}


def _redis_url() -> str | None:
    """Real Redis when reachable (the journal must outlive a killed worker), else None."""
    url = os.environ.get("NOTICES_BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return url
    except OSError:
        return None


_CEILING_CLIENT = r"""
import json, sys, threading, time
import requests
url, token, total, threads, start_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
body = {"touser": "obenchceiling", "template_id": "tmpl_notice_update",
        "data": {"thing1": {"value": "x"}, "thing2": {"value": "y"}, "time3": {"value": "2026-01-01 10:00"}}}
accepted = []
def run():
    session = requests.Session()
    session.trust_env = False
    ok = 0
    for _ in range(total // threads):
        answer = session.post(url + "cgi-bin/message/subscribe/send", params={"access_token": token}, json=body)
        ok += answer.json().get("errcode") == 0
    accepted.append(ok)
workers = [threading.Thread(target=run) for _ in range(threads)]
time.sleep(max(0.0, start_at - time.time()))
[w.start() for w in workers]
[w.join() for w in workers]
print(json.dumps({"accepted": sum(accepted), "finished": time.time()}))
"""


def emulator_ceiling(emulator: Emulator, total: int = 6000, threads: int = 8, processes: int = 2) -> int:
    """The emulator's own ceiling: bare subscribe sends per second (accepted ones) from plain clients.

    `threads` in all, spread over `processes` other processes (as many as the send workers, so one
    client's interpreter lock does not set the figure), all starting at the same moment. The message
    figure stands beside it: no sender can beat the server it talks to.
    """
    import requests

    from app.config import DevelopmentConfig

    emulator.state.grant_subscription("obenchceiling", TEMPLATE, total + 10)
    token = requests.post(
        emulator.url + "cgi-bin/stable_token",
        timeout=10,
        json={
            "grant_type": "client_credential",
            "appid": DevelopmentConfig.WECHAT_APPID,
            "secret": DevelopmentConfig.WECHAT_SECRET,
        },
    ).json()["access_token"]
    start_at = time.time() + 2.0  # after every client has imported requests
    clients = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CEILING_CLIENT,
                emulator.url,
                token,
                str(total // processes),
                str(max(1, threads // processes)),
                str(start_at),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    for client in clients:
        out, err = client.communicate(timeout=600)
        if client.returncode != 0:
            raise RuntimeError(f"ceiling client failed ({client.returncode}): {err[-2000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    seconds = max(result["finished"] for result in results) - start_at
    return round(sum(result["accepted"] for result in results) / seconds)


def _send_parallel(
    notice_id: int, database_url: str, redis_url: str | None, api_base: str, workers: int
) -> dict:
    """Send a notice's messages with `workers` worker processes at once (as RQ workers would)."""
    started = time.perf_counter()
    processes = [_spawn("send", notice_id, database_url, redis_url, api_base) for _ in range(workers)]
    results = [_finish(p) for p in processes]
    return {
        "sent": sum(r.get("sent", 0) for r in results),
        "seconds": time.perf_counter() - started,
        "peak_mb": max(r["peak_mb"] for r in results),
        "workers": workers,
    }


def run(recipients: int = 100_000, kill_after_fraction: float = 0.5, workers: int = 2) -> dict:
    """The whole benchmark; a JSON-ready dict of figures and checks."""
    workdir = Path(tempfile.mkdtemp(prefix="notices-bench-"))
    database_url = os.environ.get("NOTICES_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    redis_url = _redis_url()
    with Emulator() as emulator:
        app = create_bench_app(database_url, redis_url, emulator.url)
        started = time.perf_counter()
        populate(app, recipients, emulator.state)
        setup_seconds = time.perf_counter() - started

        ceiling = emulator_ceiling(emulator, processes=workers)
        first = new_notice(app, "Deadline A: renew your work permit in time", {"all": True})
        fan = _finish(_spawn("fan_out", first, database_url, redis_url, emulator.url))
        send = _send_parallel(first, database_url, redis_url, emulator.url, workers)
        first_counts = _state_counts(app, first)

        # The kill run goes over loopback HTTP so the emulator's outbox outlives the killed worker.
        second = new_notice(
            app, "Deadline B: renew your work permit in time", {"locales": list(KILL_LOCALES)}
        )
        kill_fan = _finish(_spawn("fan_out", second, database_url, redis_url, emulator.url))
        victim = _spawn("send", second, database_url, redis_url, emulator.url)
        killed_at = _kill_when_sent(app, victim, second, int(kill_fan["recipients"] * kill_after_fraction))
        before_resume = _state_counts(app, second)
        resumed = _finish(_spawn("resume", second, database_url, redis_url, emulator.url))
        second_counts = _state_counts(app, second)

        outbox = emulator.state.sent("subscribe")
        # The message's page names its notice (…?id=N): count per (user, notice).
        per_user = Counter(
            (m["touser"], m["page"].rsplit("=", 1)[-1]) for m in outbox if "?id=" in (m.get("page") or "")
        )
        duplicates = sum(1 for count in per_user.values() if count > 1)
        delivered = {openid for (openid, notice) in per_user if notice == str(second)}
        second_delivered = len(delivered)
        states = _states_by_openid(app, second)
    recorded = {openid for openid, (state, _) in states.items() if state == "sent"}
    unknown = {
        openid
        for openid, (state, error) in states.items()
        if state == "failed" and (error or "").startswith("interrupted")
    }
    # Recorded sent but never delivered, or delivered but recorded as anything except sent/unknown.
    mismatched = len(recorded - delivered) + len(delivered - recorded - unknown)
    second_sent = len(recorded)
    interrupted = resumed.get("settled", {}).get("interrupted", 0)
    return {
        "recipients": recipients,
        "database": "sqlite" if database_url.startswith("sqlite") else database_url.split("@")[-1],
        "redis": bool(redis_url),
        "setup_seconds": round(setup_seconds, 1),
        "inbox_per_s": round(fan["recipients"] / fan["seconds"]),
        "fan_out_seconds": round(fan["seconds"], 2),
        "fan_out_peak_mb": round(fan["peak_mb"], 1),
        "messages_per_s": round(send["sent"] / send["seconds"]) if send["seconds"] else None,
        "messages_transport": "emulator over loopback HTTP",
        "emulator_ceiling_per_s": ceiling,
        "send_workers": workers,
        "send_seconds": round(send["seconds"], 2),
        "send_peak_mb": round(send["peak_mb"], 1),
        "first_notice": first_counts,
        "kill": {
            "recipients": kill_fan["recipients"],
            "transport": "emulator over loopback HTTP",
            "killed_after_sent": killed_at,
            "resume_messages_per_s": round(resumed.get("sent", 0) / resumed["seconds"])
            if resumed["seconds"]
            else None,
            "before_resume": before_resume,
            "settled": resumed.get("settled"),
            "after_resume": second_counts,
            "resume_peak_mb": round(resumed["peak_mb"], 1),
            "duplicates_in_outbox": duplicates,
            "delivered_by_emulator": second_delivered,
            "recorded_sent": second_sent,
            "unknown_outcome": interrupted,
            "unknown_outcome_delivered": len(unknown & delivered),
            "mismatched_records": mismatched,
            # Nobody got the notice twice. Nothing lost: every recipient has its inbox entry and a final
            # WeChat state, what WeChat accepted is exactly what we recorded as sent, and the only
            # messages not known to be delivered are those in flight at the kill (marked interrupted).
            "no_duplicate": duplicates == 0,
            "no_loss": (
                second_counts.get("in_app:delivered", 0) == kill_fan["recipients"]
                and second_counts.get("wechat:queued", 0) == 0
                and second_counts.get("wechat:sending", 0) == 0
                and mismatched == 0
            ),
        },
    }


def rows(harness) -> list[dict]:
    """Rows for bench/run.py's table."""
    size = 10_000 if getattr(harness, "quick", False) else 100_000
    result = run(size)
    kill = result["kill"]
    peak = max(result["fan_out_peak_mb"], result["send_peak_mb"], kill["resume_peak_mb"])
    return [
        {
            "name": f"notice inbox fan-out ({size:,})",
            "value": result["inbox_per_s"],
            "unit": "recipients/s",
            "target": f">= {TARGETS['inbox_per_s']:,}/s",
            "passed": result["inbox_per_s"] >= TARGETS["inbox_per_s"],
            "detail": f"{result['fan_out_seconds']} s, peak {result['fan_out_peak_mb']} MB",
        },
        {
            "name": f"notice subscribe messages ({size:,})",
            "value": result["messages_per_s"],
            "unit": "msg/s",
            "target": f">= {TARGETS['messages_per_s']:,}/s",
            "passed": (result["messages_per_s"] or 0) >= TARGETS["messages_per_s"],
            "baseline": result["emulator_ceiling_per_s"],
            "ratio": round((result["messages_per_s"] or 0) / result["emulator_ceiling_per_s"], 2)
            if result["emulator_ceiling_per_s"]
            else None,
            "detail": f"{result['send_seconds']} s with {result['send_workers']} workers, peak "
            f"{result['send_peak_mb']} MB; baseline: the emulator's own ceiling (bare sends)",
        },
        {
            "name": "notice peak memory",
            "value": peak,
            "unit": "MB",
            "target": f"< {TARGETS['peak_mb']} MB",
            "passed": peak < TARGETS["peak_mb"],
        },
        {
            "name": "notice kill and resume",
            "value": kill["duplicates_in_outbox"],
            "unit": "duplicates",
            "target": "no duplicate, no loss",
            "passed": kill["no_duplicate"] and kill["no_loss"],
            "detail": f"unknown outcome {kill['unknown_outcome']}, settled {kill['settled']}",
        },
    ]


def main(argv: list[str]) -> None:
    """Command line: a recipient count, or an internal worker phase."""
    if argv and argv[0] == "_worker":
        phase, notice_id, database_url, redis_url, api_base = argv[1:6]
        print(json.dumps(worker(phase, int(notice_id), database_url, redis_url or None, api_base)))
        return
    recipients = int(argv[0]) if argv else 100_000
    workers = int(os.environ.get("NOTICES_BENCH_WORKERS", "2"))
    print(json.dumps(run(recipients, workers=workers), indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
