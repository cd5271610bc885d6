"""The operator's drills: a graceful reload under load, a worker killed mid-delivery, backup and restore."""

from __future__ import annotations

import gzip
import http.client
import os
import secrets
import ssl
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import insert, text

from .checks import TEMPLATE, Context, example_people, publish_notice, show_card
from .processes import StepFailed, alive, wait_for
from .report import Row

#: The reload's load: paced connections, requests a second in all, seconds, and when the HUP goes.
LOAD_CONNECTIONS, LOAD_RATE, LOAD_SECONDS, RELOAD_AT = 12, 300, 10, 3.0
#: Load average per core above which a low carried rate is put down to the machine, not the service.
BUSY_LOAD = 2.0
#: The fan-out: recipients, and the share of them sent when a worker is killed.
FAN_OUT, KILL_AT = 10_000, 0.4
#: The synthetic recipients' nationality (no one in the example feed has it) and their first id.
FAN_OUT_NATIONALITY, FIRST_ID = "FRA", 1_000_001
#: The delivery job, and how many rows it claims at a time (app/notices/delivery.py).
DELIVER_BATCH, CLAIM_ROWS = "app.notices.jobs.deliver_batch", 200


def paced_load(ctx: Context, paths: list[str], seconds: float, rate: float, connections: int) -> dict:
    """Keep-alive HTTPS connections through nginx, each sending on a timetable until `seconds` have passed.

    Every request is accounted for: a connection sends its last one before the end and waits for the
    answer, so a request held up by the reload counts as answered or failed, never as cut off.
    """
    context = ssl.create_default_context(cafile=ctx.public.session.verify)
    interval = connections / rate
    started = time.monotonic()
    results: list[tuple[int | str, float]] = []
    lock = threading.Lock()

    def lane(number: int) -> None:
        connection, mine = None, []
        due = started + number * interval / connections
        index = number
        while due < started + seconds:
            time.sleep(max(0.0, due - time.monotonic()))
            path = paths[index % len(paths)]
            index += 1
            sent = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPSConnection(
                        "127.0.0.1", ctx.stack.run.https_port, timeout=30, context=context
                    )
                connection.request("GET", path, headers={"Authorization": f"Bearer {ctx.facts['token']}"})
                answer = connection.getresponse()
                answer.read()
                outcome: int | str = answer.status
            except (OSError, http.client.HTTPException) as error:
                outcome = type(error).__name__
                connection = None
            mine.append((outcome, time.monotonic() - sent))
            due += interval
        with lock:
            results.extend(mine)

    lanes = [threading.Thread(target=lane, args=(n,)) for n in range(connections)]
    for thread in lanes:
        thread.start()
    for thread in lanes:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = sorted(latency for _, latency in results)
    return {
        "requests": len(results),
        "rate": len(results) / elapsed,
        "outcomes": Counter(str(outcome) for outcome, _ in results),
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0,
        "max_ms": latencies[-1] * 1000 if latencies else 0.0,
    }


def reload_under_load(ctx: Context, row: Row) -> None:
    """`kill -HUP` to gunicorn's master while a paced load goes through nginx: no request fails."""
    web = ctx.stack.web[0]
    before = web.workers()
    paths = ["/api/v1/card", "/api/v1/notices", "/api/v1/flows/verify", "/healthz"]
    outcome: dict = {}
    load = threading.Thread(
        target=lambda: outcome.update(paced_load(ctx, paths, LOAD_SECONDS, LOAD_RATE, LOAD_CONNECTIONS))
    )
    load.start()
    time.sleep(RELOAD_AT)
    command = web.reload()
    load.join()
    failed = {status: count for status, count in outcome["outcomes"].items() if status != "200"}
    after = wait_for(
        lambda: (lambda now: len(now) == len(before) and not set(now) & set(before) and now)(web.workers()),
        "every gunicorn worker replaced after the reload",
        timeout=40,
    )
    lingering = [pid for pid in before if alive(pid)]
    rate = outcome["rate"]
    # The offered rate is paced; a machine busy with other work may carry less of it, which is said.
    busy = os.getloadavg()[0] / (os.cpu_count() or 1)
    if failed or lingering or (rate < LOAD_RATE / 2 and busy < BUSY_LOAD):
        raise StepFailed(
            f"failed requests {failed} of {outcome['requests']}, old workers still alive: "
            f"{lingering}, {rate:.0f} req/s, slowest {outcome['max_ms'] / 1000:.0f} s; machine "
            f"load {busy:.1f} per core (new workers load the app before they answer)"
        )
    carried = f"{rate:.0f} req/s" + (
        f" (of {LOAD_RATE} offered: machine busy, load {busy:.1f} per core)" if rate < LOAD_RATE / 2 else ""
    )
    row.proved = (
        f"`{command}` at {RELOAD_AT:.0f} s of {LOAD_SECONDS} s of paced keep-alive HTTPS "
        f"({LOAD_CONNECTIONS} connections, {carried}): all {outcome['requests']:,} requests answered "
        f"200, none failed; p99 {outcome['p99_ms']:.0f} ms, slowest {outcome['max_ms']:.0f} ms "
        f"(waiting for the new workers); workers {len(before)} old -> {len(after)} new"
    )


# -- a worker killed in the middle of a 10,000-recipient fan-out ---------------------------------------------


def seed_recipients(ctx: Context, count: int) -> list[str]:
    """`count` verified users with one accepted subscription each, in our ledger and at WeChat; their openids."""
    from app.accounts.models.user import UserAccount
    from app.notices.models.subscription import SubscriptionQuota
    from app.registry.models import Person

    now = datetime.now(UTC)
    ids = range(FIRST_ID, FIRST_ID + count)
    locales = ("en", "zh_Hans", "de", "fr", "ko", "ar")
    openids = [f"orehearsal{i:09d}" for i in ids]
    with ctx.db().begin() as connection:
        connection.execute(
            insert(Person.__table__),
            [
                {
                    "id": i,
                    "passport_name": f"REHEARSAL, Recipient {i}",
                    "name_canonical": f"REHEARSAL RECIPIENT {i}",
                    "nationality": FAN_OUT_NATIONALITY,
                    "date_of_birth": date(1990, 1, 1),
                    "created_at": now,
                    "updated_at": now,
                }
                for i in ids
            ],
        )
        connection.execute(
            insert(UserAccount.__table__),
            [
                {
                    "id": i,
                    "openid": openid,
                    "person_id": i,
                    "locale": locales[i % len(locales)],
                    "status": "active",
                    "verified_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, openid in zip(ids, openids, strict=True)
            ],
        )
        connection.execute(
            insert(SubscriptionQuota.__table__),
            [
                {
                    "user_id": i,
                    "template_id": TEMPLATE,
                    "available": 1,
                    "reserved": 0,
                    "accepted_total": 1,
                    "sent_total": 0,
                    "delivered_total": 0,
                    "failed_total": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in ids
            ],
        )
    ctx.wechat.grant(openids, TEMPLATE, 1)
    return openids


def _states(ctx: Context, notice_id: int) -> Counter:
    """Delivery rows of a notice by channel:state."""
    with ctx.db().connect() as connection:
        rows = connection.execute(
            text(
                "SELECT channel, state, COUNT(*) FROM notice_deliveries WHERE notice_id = :n GROUP BY channel, state"
            ),
            {"n": notice_id},
        ).all()
    return Counter({f"{channel}:{state}": count for channel, state, count in rows})


def _live_workers(ctx: Context, client) -> list:
    """RQ's records of the rehearsal's running worker processes (a killed one's record lingers in Redis)."""
    from rq import Worker

    ours = {process.pid for _, process in ctx.stack.workers if process.poll() is None}
    return [worker for worker in Worker.all(connection=client) if worker.pid in ours]


def _victim(ctx: Context, client, notice_id: int):
    """(name, process) of a worker in the middle of a delivery batch with at least two claims of it left."""
    for worker in _live_workers(ctx, client):
        job = worker.get_current_job()
        if job is None or job.func_name != DELIVER_BATCH:
            continue
        _notice, first, last = job.args
        left = ctx.scalar(
            "SELECT COUNT(*) FROM notice_deliveries WHERE notice_id = :n AND channel = 'wechat' "
            "AND state = 'queued' AND user_id BETWEEN :first AND :last",
            n=notice_id,
            first=first,
            last=last,
        )
        if left >= 2 * CLAIM_ROWS:
            return next((name, process) for name, process in ctx.stack.workers if process.pid == worker.pid)
    return None


def _idle(ctx: Context, client, notice_id: int, settle: float = 3.0) -> Counter:
    """Wait until no live worker has a job, the queue is empty and the notice's rows stop changing."""
    last, since = None, time.monotonic()
    while True:
        states = _states(ctx, notice_id)
        busy = client.llen("rq:queue:ssc") or any(w.get_current_job_id() for w in _live_workers(ctx, client))
        if states != last or busy:
            last, since = states, time.monotonic()
        elif time.monotonic() - since >= settle:
            return states
        time.sleep(0.3)


def fan_out_kill(ctx: Context, row: Row) -> None:
    """A notice to 10,000; one worker SIGKILLed mid-send, restarted, §7's resume: nobody twice, nobody lost."""
    import redis

    seeded = time.monotonic()
    openids = set(seed_recipients(ctx, FAN_OUT))
    seed_seconds = time.monotonic() - seeded
    client = redis.Redis.from_url(ctx.stack.run.redis_url())
    try:
        started = time.monotonic()
        notice_id = publish_notice(ctx, {"nationalities": [FAN_OUT_NATIONALITY]}, "Rehearsal: the fan-out")
        threshold = int(FAN_OUT * KILL_AT)
        wait_for(
            lambda: _states(ctx, notice_id)["wechat:sent"] >= threshold,
            f"{threshold:,} messages sent",
            timeout=180,
            interval=0.05,
        )
        name, process = wait_for(
            lambda: _victim(ctx, client, notice_id),
            "a worker in the middle of a batch",
            timeout=60,
            interval=0.02,
        )
        sent_at_kill = _states(ctx, notice_id)["wechat:sent"]
        # The worker and its work horse at once (RQ puts the horse in a process group of its own): what a
        # dead host, `systemctl kill -s KILL` of the worker's unit or the OOM killer does.
        horses = ctx.stack.supervisor.kill(process)
        line = dict(zip(("worker-1", "worker-2"), ctx.stack.guide.commands("workers"), strict=True))[name]
        ctx.stack.start_worker(name, line)  # Restart=always
        stuck = _idle(ctx, client, notice_id)
    finally:
        client.close()
    if not stuck["wechat:sending"] + stuck["wechat:queued"]:
        raise StepFailed(f"the kill interrupted nothing: {dict(stuck)}")
    resume = ctx.stack.guide.command("resume", "flask", {"NOTICE_ID": str(notice_id)})
    settled = ctx.stack.sh("resume", resume, env=ctx.stack.service_shell()).strip()
    final = wait_for(
        lambda: (lambda s: not s["wechat:queued"] and not s["wechat:sending"] and s)(_states(ctx, notice_id)),
        "every message settled after the resume",
        timeout=180,
    )
    seconds = time.monotonic() - started
    row.proved = _judge_fan_out(ctx, notice_id, openids, final) + (
        f"; SIGKILL at once to {name} and the {len(horses)} processes under it (its work horse among them) in "
        f"the middle of a batch at {sent_at_kill:,} sent, "
        f"restarted it; once the workers were idle {stuck['wechat:sending']} messages were left 'sending' and "
        f"{stuck['wechat:queued']} queued; `{resume}`: {settled}; {seconds:.0f} s from publish to the last "
        f"message ({seed_seconds:.0f} s to seed the recipients)"
    )


def _judge_fan_out(ctx: Context, notice_id: int, openids: set[str], final: Counter) -> str:
    """Count the emulator's outbox and the delivery ledger against each other; StepFailed if they disagree."""
    outbox = [m for m in ctx.wechat.outbox() if (m.get("page") or "").endswith(f"id={notice_id}")]
    per_user = Counter(m["touser"] for m in outbox)
    twice = sorted(openid for openid, count in per_user.items() if count > 1)
    with ctx.db().connect() as connection:
        rows = connection.execute(
            text(
                "SELECT u.openid, d.state, d.error FROM notice_deliveries d JOIN users u ON u.id = d.user_id "
                "WHERE d.notice_id = :n AND d.channel = 'wechat'"
            ),
            {"n": notice_id},
        ).all()
        ledger = connection.execute(
            text(
                "SELECT SUM(sent_total), SUM(reserved), SUM(available) FROM subscription_quotas "
                "WHERE template_id = :t AND user_id >= :first"
            ),
            {"t": TEMPLATE, "first": FIRST_ID},
        ).one()
    recorded = {openid for openid, state, _ in rows if state == "sent"}
    interrupted = {
        openid
        for openid, state, error in rows
        if state == "failed" and (error or "").startswith("interrupted")
    }
    delivered = set(per_user)
    problems = []
    if twice:
        problems.append(f"{len(twice)} recipients got the message twice ({twice[:3]})")
    if final["in_app:delivered"] != len(openids):
        problems.append(f"{final['in_app:delivered']} inbox entries for {len(openids)} recipients")
    if (
        {openid for openid, _, _ in rows} != openids
        or recorded - delivered
        or delivered - recorded - interrupted
    ):
        problems.append(
            f"the ledger and WeChat's outbox disagree: {len(recorded - delivered)} recorded sent but "
            f"not delivered, {len(delivered - recorded - interrupted)} delivered but not recorded"
        )
    if len(recorded) + len(interrupted) != len(openids) or len(interrupted) > 8:
        problems.append(
            f"{len(recorded)} sent + {len(interrupted)} interrupted of {len(openids)}: {dict(final)}"
        )
    if ledger[0] != len(recorded) + len(interrupted) or ledger[1] != 0:
        problems.append(f"the quota ledger says {ledger[0]} sent and {ledger[1]} still reserved")
    if problems:
        raise StepFailed("; ".join(problems))
    return (
        f"{len(openids):,} inbox entries; WeChat's outbox: {len(delivered):,} recipients, none twice; ledger: "
        f"{len(recorded):,} sent + {len(interrupted)} interrupted (outcome unknown, never resent; "
        f"{len(interrupted & delivered)} of them had reached WeChat) = {len(openids):,}; the quota ledger agrees"
    )


# -- backup and restore -------------------------------------------------------------------------------------


def backup_restore(ctx: Context, row: Row) -> None:
    """§9: dump, restore into a new database, the service on it (and a new Redis) verifies a person and shows a card."""
    stack, run = ctx.stack, ctx.stack.run
    backups = run.root / "backups"
    began = time.monotonic()
    stack.sh(
        "backup",
        stack.guide.command("backup", "mysqldump", {"ssc": run.database}),
        env=stack.admin_shell(),
        cwd=backups,
    )
    dump = next(backups.glob("ssc-*.sql.gz"))
    dump_seconds = time.monotonic() - began
    content = gzip.decompress(dump.read_bytes()).decode("utf-8", "replace")
    people = example_people()
    in_clear = [
        value
        for person in people.values()
        for key in ("permit_number", "ssn", "passport_number")
        for value in [person[key]]
        if value and value in content
    ]
    phones = [
        person["phone"]
        for person in people.values()
        if person["phone"] and "".join(ch for ch in person["phone"] if ch.isdigit())[-11:] in content
    ]
    if in_clear or phones or people["DEU"]["passport_name"] not in content:
        raise StepFailed(f"the dump shows identifiers in clear: {in_clear + phones}")
    names = {
        "ssc_restore": run.restore_database,
        "ssc-YYYY-MM-DD.sql.gz": dump.name,
        "'ssc'@'10.%'": f"'{run.db_user}'@'127.0.0.1'",
    }
    stack.created_databases.append(run.restore_database)
    lines = stack.guide.commands("restore", names)
    for line in lines[:-1]:
        stack.sh("restore", line, env=stack.admin_shell(), cwd=backups)
    # The service on the restored database and a new, empty Redis (it holds nothing that must survive).
    stack.stop_workers()
    stack.stop_web()
    run.write_environment_file(run.service_environment(database=run.restore_database, redis_db=1))
    stack.sh("restore", lines[-1], env=stack.service_shell())
    ctx.close()
    stack.start_web()
    stack.start_workers()
    wait_for(lambda: ctx.public.request("GET", "/readyz").json()["status"] == "ok", "/readyz on the restore")
    newcomer = "o" + secrets.token_hex(12)
    token = ctx.public.sign_in(ctx.wechat, newcomer)
    irish = people["IRL"]
    ctx.public.verify(ctx.wechat, token, newcomer, irish)
    found = show_card(ctx.public, token, irish)
    again = ctx.public.sign_in(ctx.wechat, ctx.facts["openid"])
    show_card(ctx.public, again, ctx.facts["person"])
    row.proved = (
        f"`mysqldump … | gzip` {dump.stat().st_size // 1024:,} KiB in {dump_seconds:.1f} s, no permit, "
        f"social security, passport or phone number in clear; restored into {run.restore_database}, "
        f"the account granted; the service restarted on it with an empty Redis, /readyz ok: a new "
        f"user verified as {irish['passport_name']!r} by permit number and phone (card {found}), the "
        f"first holder signed in again and sees their card"
    )
