"""Load ("soak"): the login + journey + card mix on loopback, paced at a share of the measured capacity.

    python -m bench.soak [--minutes 5] [--share 0.8] [--lanes 64] [--capacity-seconds 20]

Issue 9 item 5: at least five minutes at 80% of the measured capacity, with zero errors, p99
under 100 ms and nothing lost. The app is served as in bench/run.py (gunicorn `wsgi:app`, 2 sync
workers, production settings on real MariaDB and Redis); the WeChat emulator runs in its own
gunicorn on another loopback port and WECHAT_API_BASE points at it. PROXY_HOPS=1, as behind
nginx: every virtual user sends its own client address, so the per-address sign-in limit counts
per user as in production instead of throttling the one loopback address. Also as behind nginx,
the app's workers are handed a connection only once its request has begun to arrive
(bench/soak_server.py), so a paced client's open-then-wait connection cannot hold a sync worker.

The client is wrk with bench/soak_lanes.lua, one connection per wrk thread ("lane"): a lane
repeats the cycle in MIX (sign in with a fresh code, use that session for the journey, read a
holder's card and contributions). Three phases: a warm-up and a capacity run, closed loop on 16
lanes (the capacity is the req/s they reach), then the soak on 64 lanes, each sending on a fixed
timetable at `share` x capacity; a late answer delays its lane's next request, and that wait
counts in the request's latency (measured from the timetable). After each phase the server's
books are compared with what the client saw: sessions alive in Redis against successful
sign-ins, journey versions saved in `flow_states` against successful answers, and code
exchanges at the emulator against sign-ins sent.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import load, nginx_front, process_cpu, recycle
from bench.run import OUT_DIR, Harness, Row, services_down

NAME = "soak (login + journey + card mix)"
LUA_SCRIPT = Path(__file__).resolve().parent / "soak_lanes.lua"
#: One cycle of a lane, in order; the answer's session is the login's, card reads are a holder's.
MIX = (
    "login",
    "journey",
    "answer",
    "journey",
    "card",
    "contributions",
    "card",
    "contributions",
    "card",
    "contributions",
)
WRITES = {"login", "answer"}
REQUESTS = {
    "login": "POST /api/v1/auth/login {code}: a fresh single-use code, a new session",
    "journey": "GET  /api/v1/flows/verify with that session: the screen before and after the answer",
    "answer": "POST /api/v1/flows/verify: one answer, saved under the version check",
    "card": "GET  /api/v1/card of a verified holder",
    "contributions": "GET  /api/v1/card/contributions?year=... of a holder (5 insurances a month)",
}
TARGETS = {"share": 0.8, "minutes": 5.0, "p99_ms": 100.0, "errors": 0, "lost": 0, "capacity_ratio": 0.35}
#: The soak must carry at least this much of its target rate (a stalled client passes nothing).
MIN_RATE_SHARE = 0.95
#: Lanes of the soak: enough that a slow answer rarely makes a lane late (each lane is sequential).
LANES = 64
#: Lanes of the soak through nginx (HTTPS): Debian's wrk 4.1 crashes with 64 TLS threads here.
NGINX_LANES = 32
#: Lanes of the closed-loop phases: enough to keep both workers busy without a long queue.
CLOSED_LANES = 16
USERS_PER_LANE = 16
HOLDERS = 16
CAPACITY_SECONDS = 20
#: Runs of a phase when the load client crashes (a phase is run afresh, never resumed).
CLIENT_ATTEMPTS = 2
#: Threads of the WeChat emulator: more than the app's workers can have calls waiting.
EMULATOR_THREADS = 32
WARMUP_SECONDS = 3
#: Codes minted for a closed-loop phase assume the app answers at most this many requests a second.
MAX_CLOSED_LOOP_RPS = 2500
LOCALES = ("en", "ko", "ar", "zh_Hans", "ja", "de", "fr", "es")
WRK_TIMEOUT = "10s"
#: gunicorn workers of the app and of the bare baseline: as production runs them (read from
#: deploy/gunicorn.conf.py: four per core), so a worker waiting on MariaDB, Redis or WeChat does not
#: leave a core idle.
PRODUCTION_WORKERS = int(recycle.gunicorn_settings()["workers"])


@dataclass
class Lane:
    """The users a lane signs in (openid, client address, user id) and the card holders it reads."""

    users: list[tuple[str, str, int]] = field(default_factory=list)
    holders: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass
class Prepared:
    """Everything the soak seeded."""

    lanes: list[Lane]
    holders: int

    @property
    def user_ids(self) -> list[int]:
        """Every signing-in user's id."""
        return [user_id for lane in self.lanes for _, _, user_id in lane.users]


# --- data ----------------------------------------------------------------------------------------


def prepare(app, lanes: int, users_per_lane: int | None = None, holders: int | None = None) -> Prepared:
    """Users half way through the verify journey (no session yet) and verified card holders, signed in."""
    from app.accounts.models.user import UserAccount
    from app.extensions import db
    from app.i18n import served_locales
    from app.journeys.models import FlowState
    from app.verify.journey import CONSENT_TEXT_VERSION
    from bench import card_bench

    users_per_lane = users_per_lane or USERS_PER_LANE
    if not 1 <= lanes <= 250 or not 1 <= users_per_lane <= 250:
        raise ValueError("lanes and users per lane must be between 1 and 250")
    run = secrets.token_hex(3)
    with app.app_context():
        locales = [name for name in LOCALES if name in served_locales()] or [app.config["DEFAULT_LOCALE"]]
        accounts = [
            UserAccount(openid=f"osoak{run}-{lane}-{i}", locale=locales[(lane + i) % len(locales)])
            for lane in range(lanes)
            for i in range(users_per_lane)
        ]
        db.session.add_all(accounts)
        db.session.flush()
        ids = [(account.openid, account.id) for account in accounts]
        db.session.add_all(
            [
                FlowState(
                    user_id=account.id,
                    flow="verify",
                    step="name",
                    answers={"consent_sensitive": True},
                    context={"consent_version": CONSENT_TEXT_VERSION},
                    history=["start", "consent"],
                )
                for account in accounts
            ]
        )
        db.session.commit()
        db.session.remove()
    holder_list = []
    for number in range(holders or lanes):
        seeded = card_bench.prepare(app)
        # Half the holders ask for the last whole year, half for the current one.
        address = f"10.78.{number // 250}.{number % 250 + 1}"
        holder_list.append((seeded["token"], seeded["full_year"] + number % 2, address))
    result = []
    for lane in range(lanes):
        mine = ids[lane * users_per_lane : (lane + 1) * users_per_lane]
        users = [(openid, f"10.77.{lane}.{i + 1}", user_id) for i, (openid, user_id) in enumerate(mine)]
        result.append(Lane(users=users, holders=list(holder_list)))
    return Prepared(lanes=result, holders=len(holder_list))


def _post_json(url: str, payload: dict, timeout: float = 10.0) -> dict:
    """POST a JSON object to a loopback URL and read the JSON answer."""
    data = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def _get_json(url: str, timeout: float = 10.0) -> dict:
    """GET a loopback URL's JSON answer."""
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.loads(answer.read())


def mint_codes(emulator_url: str, lane: Lane, cycles: int, ttl: float) -> list[tuple[int, str]]:
    """`cycles` single-use login codes for a lane, in order of use: its users take turns."""
    per_user = math.ceil(cycles / len(lane.users))
    minted = [
        _post_json(f"{emulator_url}/_control/login-code", {"openid": openid, "count": per_user, "ttl": ttl})[
            "codes"
        ]
        for openid, _, _ in lane.users
    ]
    users = len(lane.users)
    return [(c % users + 1, minted[c % users][c // users]) for c in range(cycles)]


def write_lane_files(directory: Path, lanes: list[Lane], codes: list[list[tuple[int, str]]]) -> None:
    """One file per lane for the Lua client: users, holders, then codes in order of use."""
    directory.mkdir(parents=True, exist_ok=True)
    for number, (lane, lane_codes) in enumerate(zip(lanes, codes, strict=True), start=1):
        lines = [f"U {address}" for _, address, _ in lane.users]
        lines += [f"H {token} {year} {address}" for token, year, address in lane.holders]
        lines += [f"C {user} {code}" for user, code in lane_codes]
        (directory / f"lane-{number}.txt").write_text("\n".join(lines) + "\n")


# --- the client ----------------------------------------------------------------------------------


def lua_script(directory: Path, lanes: int, rate_per_lane: float) -> str:
    """bench/soak_lanes.lua with its settings in front."""
    settings = (
        f"SOAK = {{dir = {load.lua_string(str(directory))}, rate = {rate_per_lane:.6f}, "
        f"lanes = {lanes}, cycle = {load.lua_string(','.join(MIX))}}}\n"
    )
    return settings + LUA_SCRIPT.read_text()


class ClientCrashed(RuntimeError):
    """wrk died of a signal before it reported (Debian's wrk 4.1 does now and then: a client fault)."""


def run_lanes(base_url: str, directory: Path, seconds: int, lanes: int, rate_per_lane: float = 0.0) -> dict:
    """One wrk run of the lanes for `seconds` (paced when rate_per_lane > 0); the client's figures."""
    script = directory / "soak.lua"
    script.write_text(lua_script(directory, lanes, rate_per_lane))
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{lanes}",
                f"-c{lanes}",
                f"-d{seconds}s",
                "--timeout",
                WRK_TIMEOUT,
                "-s",
                str(script),
                f"{base_url}/healthz",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=False,
        )
    except subprocess.TimeoutExpired as stuck:
        raise RuntimeError(
            f"wrk did not finish {seconds} s of load within {seconds + 120} s; its output: "
            f"{_tail(stuck.stdout)} {_tail(stuck.stderr)}"
        ) from None
    line = next((x for x in result.stdout.splitlines() if x.startswith("SOAK_JSON ")), None)
    if line is None and result.returncode < 0:
        raise ClientCrashed(f"wrk died of signal {-result.returncode}: {result.stderr[-800:]}")
    if line is None:
        raise RuntimeError(
            f"wrk failed (exit {result.returncode}): {result.stdout[-800:]} {result.stderr[-800:]}"
        )
    return json.loads(line.removeprefix("SOAK_JSON "))


def _tail(output, chars: int = 800) -> str:
    """The end of a child's captured output (bytes or str, maybe None)."""
    if isinstance(output, bytes):
        output = output.decode("utf-8", "replace")
    return (output or "")[-chars:]


def bucket_ms(bucket: int) -> float:
    """The upper edge of a latency bucket of bench/soak_lanes.lua, in ms."""
    return (bucket + 1) * 0.1 if bucket < 1000 else 100 + (bucket - 999) * 5


def percentiles(histogram: dict, points=(50, 90, 99)) -> dict:
    """p50/p90/p99 (upper bucket edges, ms) and max of a bucket histogram {bucket: count}."""
    counts = sorted((int(key), value) for key, value in histogram.items())
    total = sum(value for _, value in counts)
    result = {f"p{point}": None for point in points}
    result["max"] = round(bucket_ms(counts[-1][0]), 1) if counts else None
    result["count"] = total
    for point in points:
        needed, seen = total * point / 100, 0
        for key, value in counts:
            seen += value
            if seen >= needed and total:
                result[f"p{point}"] = round(bucket_ms(key), 1)
                break
    return result


def summarize(raw: dict) -> dict:
    """The client's figures of one phase: rate, errors by cause, latency from send and from the timetable."""
    stats = raw["stats"]
    duration = raw["duration_us"] / 1e6
    socket_errors = raw["errors"]["connect"] + raw["errors"]["read"] + raw["errors"]["write"]
    non_2xx = sum(stats.get(f"bad_{kind}", 0) for kind in REQUESTS)
    errors = {
        "non_2xx": non_2xx,
        "socket": socket_errors,
        "timeouts": raw["errors"]["timeout"],
        "unanswered": stats.get("unanswered", 0),
        "codes_short": stats.get("no_code", 0),
        "unreadable": stats.get("unparsed", 0),
    }
    merged: dict = {}
    for histogram in raw["hist"].values():
        for key, value in histogram.items():
            merged[key] = merged.get(key, 0) + value
    wrk_latency = {name: round(value / 1000, 2) for name, value in raw["latency_us"].items()}
    return {
        "seconds": round(duration, 2),
        "requests": raw["requests"],
        "rps": round(raw["requests"] / duration, 1) if duration else 0.0,
        "errors": errors,
        "error_total": sum(errors.values()),
        "statuses": {
            key: value
            for key, value in sorted(stats.items())
            if key.startswith(("status_", "unanswered_")) and value
        },
        "latency_ms": wrk_latency,
        "timetable_ms": percentiles(merged),
        "by_kind": {
            kind: {
                "sent": stats.get(f"sent_{kind}", 0),
                "ok": stats.get(f"ok_{kind}", 0),
                "non_2xx": stats.get(f"bad_{kind}", 0),
                **percentiles(raw["hist"].get(kind, {})),
                "from_send": percentiles(raw["send"].get(kind, {})),
            }
            for kind in REQUESTS
        },
    }


# --- the server's books --------------------------------------------------------------------------


def server_books(app, prepared: Prepared, emulator_url: str) -> dict:
    """Sessions of the signing-in users (indexed, alive), their journeys' saved versions, code exchanges."""
    from sqlalchemy import func, select

    from app.accounts.sessions import PREFIX, index_key
    from app.extensions import db
    from app.journeys.models import FlowState

    ids = prepared.user_ids
    redis = app.extensions["redis"]
    with redis.pipeline(transaction=False) as pipe:
        for user_id in ids:
            pipe.smembers(index_key("session", user_id))
        digests = [d.decode() if isinstance(d, bytes) else d for members in pipe.execute() for d in members]
    with redis.pipeline(transaction=False) as pipe:
        for digest in digests:
            pipe.exists(f"{PREFIX}:session:{digest}")
        alive = sum(pipe.execute())
    with app.app_context():
        versions, states = db.session.execute(
            select(func.coalesce(func.sum(FlowState.version), 0), func.count(FlowState.id)).where(
                FlowState.user_id.in_(ids), FlowState.flow == "verify"
            )
        ).one()
        db.session.remove()
    exchanges = _get_json(f"{emulator_url}/_control/calls").get("jscode2session", 0)
    return {
        "sessions": len(digests),
        "sessions_alive": int(alive),
        "journey_versions": int(versions),
        "journeys": int(states),
        "code_exchanges": int(exchanges),
    }


def reconcile(before: dict, after: dict, client: dict, users: int) -> dict:
    """What the server holds against what the client was told; `lost` and `doubled` must be 0."""
    login, answer = client["by_kind"]["login"], client["by_kind"]["answer"]
    sessions_new = after["sessions"] - before["sessions"]
    alive_new = after["sessions_alive"] - before["sessions_alive"]
    saved = after["journey_versions"] - before["journey_versions"]
    lost = {
        "sign_ins": max(0, login["ok"] - alive_new),
        "sessions_dropped": after["sessions"] - after["sessions_alive"],
        "answers": max(0, answer["ok"] - saved),
        "journeys": max(0, users - after["journeys"]),
    }
    doubled = {
        "sign_ins": max(0, sessions_new - login["sent"]),
        "answers": max(0, saved - answer["sent"]),
        "code_exchanges": max(0, after["code_exchanges"] - before["code_exchanges"] - login["sent"]),
    }
    return {
        "sign_ins_ok": login["ok"],
        "sessions_created": sessions_new,
        "sessions_alive_new": alive_new,
        "answers_ok": answer["ok"],
        "answers_saved": saved,
        "code_exchanges": after["code_exchanges"] - before["code_exchanges"],
        "lost": lost,
        "doubled": doubled,
        "lost_total": sum(lost.values()) + sum(doubled.values()),
    }


# --- the run -------------------------------------------------------------------------------------


def emulator_server(wechat_ms: float = 0.0) -> load.Server:
    """The WeChat emulator in its own gunicorn, each answer `wechat_ms` late (WeChat's round trip).

    One process (its state lives in memory, behind a lock) with threads, so that calls wait side
    by side as they would at WeChat, instead of queueing behind one another.
    """
    server = load.Server(
        "app.wechat_emulator:create_emulator()",
        name="wechat-emulator",
        ready_path="/",
        workers=1,
        threads=EMULATOR_THREADS,
    ).start()
    if wechat_ms:
        _post_json(f"{server.url}/_control/slow", {"endpoint": "jscode2session", "seconds": wechat_ms / 1000})
    return server


def app_environment(emulator_url: str) -> dict:
    """Beyond the bench environment: WeChat at the emulator, one proxy in front (and its accept hook)."""
    from app.wechat_emulator import DEMO

    return {
        "WECHAT_API_BASE": emulator_url + "/",
        "WECHAT_APPID": DEMO["appid"],
        "WECHAT_SECRET": DEMO["secret"],
        "PROXY_HOPS": "1",
        "GUNICORN_CMD_ARGS": "--config python:bench.soak_server",
    }


def describe_mix() -> str:
    """The mix as printed: each kind of request, how many per cycle, and the share of reads."""
    reads = sum(1 for kind in MIX if kind not in WRITES)
    lines = [f"mix, one cycle of a lane ({len(MIX)} requests, {reads} reads = {reads / len(MIX):.0%}):"]
    for kind, text in REQUESTS.items():
        lines.append(f"  {kind:<14}{MIX.count(kind):>2} x  {text}")
    return "\n".join(lines)


class Phase:
    """One wrk run of the lanes, with fresh codes minted for it and the books checked around it."""

    def __init__(self, app, prepared: Prepared, emulator_url: str, base_url: str, workdir: Path):
        self.app, self.prepared, self.emulator_url = app, prepared, emulator_url
        self.base_url, self.workdir = base_url, workdir

    def run(
        self, name: str, seconds: int, lanes: int, rate: float = 0.0, meter: process_cpu.Meter | None = None
    ) -> dict:
        """Mint this phase's codes, run the first `lanes` lanes, let the last answers land, reconcile.

        With a `meter`, the CPU each process spent while the lanes ran is in the figures (`cpu`).
        """
        per_lane_requests = (rate or MAX_CLOSED_LOOP_RPS) / lanes * seconds
        cycles = math.ceil(per_lane_requests * 1.05 / len(MIX)) + 3
        used = self.prepared.lanes[:lanes]
        for attempt in range(1, CLIENT_ATTEMPTS + 1):
            # Each attempt has fresh codes and its own books: a crashed client's requests are
            # given time to land, and are counted in neither.
            directory = self.workdir / (name if attempt == 1 else f"{name}-{attempt}")
            write_lane_files(
                directory,
                used,
                [mint_codes(self.emulator_url, lane, cycles, ttl=seconds + 900) for lane in used],
            )
            before = server_books(self.app, self.prepared, self.emulator_url)
            try:
                if meter is not None:
                    meter.start()
                raw = run_lanes(self.base_url, directory, seconds, lanes, rate / lanes)
                break
            except ClientCrashed:
                if attempt == CLIENT_ATTEMPTS:
                    raise
                time.sleep(1.0)
        cpu = meter.stop() if meter is not None else None
        client = summarize(raw)
        if cpu is not None:
            client["cpu"] = cpu
        client["client_restarts"] = attempt - 1
        time.sleep(1.0)  # requests the client stopped waiting for finish on the server
        after = server_books(self.app, self.prepared, self.emulator_url)
        client["books"] = reconcile(before, after, client, len(self.prepared.user_ids))
        client["target_rps"] = round(rate, 1) if rate else None
        client["lanes"] = lanes
        client["requested_seconds"] = seconds
        return client


@contextmanager
def served(servers: list[load.Server]) -> Iterator[str]:
    """The base URL to load: the one server itself, or nginx (deploy/nginx.conf) in front of several."""
    if len(servers) == 1:
        yield servers[0].url
        return
    with nginx_front.front([server.url.removeprefix("http://") for server in servers]) as url:
        yield url


def cpu_groups(servers: list[load.Server], database_url: str, emulator: load.Server | None = None) -> dict:
    """What a phase's CPU is told apart by: the app's servers, the database, Redis, WeChat's emulator."""
    groups = {
        "app": lambda: [
            pid for server in servers if server.process for pid in process_cpu.tree(server.process.pid)
        ],
        "MariaDB": lambda: [pid for pid in [process_cpu.database_server(database_url)] if pid],
        "Redis": lambda: process_cpu.named("redis-server"),
    }
    if emulator is not None and emulator.process is not None:
        groups["WeChat emulator"] = lambda: process_cpu.tree(emulator.process.pid)
    return groups


def bare_capacity(
    environment: dict, seconds: int, connections: int, workers: int, hosts: int = 1, database_url: str = ""
) -> dict:
    """The bare Flask app's closed-loop req/s under the same gunicorn settings, hosts and connection count."""
    env = {key: value for key, value in environment.items() if key == "GUNICORN_CMD_ARGS"}
    with ExitStack() as stack:
        bares = [
            stack.enter_context(
                load.Server("bench.baseline:app", env=env, name=f"soak-bare-{n}", workers=workers)
            )
            for n in range(hosts)
        ]
        url = stack.enter_context(served(bares))
        load.measure(url, load.Request("/"), 2, connections)  # warm-up
        with process_cpu.Meter(cpu_groups(bares, database_url)) as meter:
            measured = load.measure(url, load.Request("/"), seconds, connections)
    return {
        "rps": round(measured.rps, 1),
        "p99_ms": round(measured.p99_ms, 2),
        "errors": measured.errors,
        "requests": measured.requests,
        "cpu": meter.figures,
    }


def cpu_per_request(capacity: dict, bare: list[dict]) -> dict:
    """The app's CPU milliseconds per request in the capacity run, bare Flask's in its runs, and their ratio."""
    app_ms = 1000 * capacity["cpu"]["app"] / capacity["requests"] if capacity["requests"] else None
    bare_ms = [1000 * run["cpu"]["app"] / run["requests"] for run in bare if run["requests"]]
    bare_mean = sum(bare_ms) / len(bare_ms) if bare_ms else None
    return {
        "app_ms_per_request": round(app_ms, 3) if app_ms else None,
        "bare_ms_per_request": round(bare_mean, 3) if bare_mean else None,
        "ratio": round(bare_mean / app_ms, 3) if app_ms and bare_mean else None,
    }


def describe_cpu(figures: dict, cpus: int) -> str:
    """Where a phase's CPU went: seconds by process group, and each one's share of the machine."""
    available = figures["wall"] * cpus
    parts = [
        f"{name} {seconds:.1f} s ({seconds / max(available, 0.01):.0%})"
        for name, seconds in figures.items()
        if name != "wall"
    ]
    return f"{figures['wall']:.1f} s x {cpus} CPUs = {available:.1f} CPU-s: " + ", ".join(parts)


def judge(soak: dict, seconds: int, capacity_ratio: float | None = None) -> dict:
    """The verdicts: capacity beside bare Flask, duration, rate carried, errors, p99 (from the timetable), nothing lost."""
    p99 = soak["timetable_ms"]["p99"]
    return {
        "capacity": capacity_ratio is not None and capacity_ratio >= TARGETS["capacity_ratio"],
        "duration": soak["seconds"] >= seconds,
        "rate": soak["rps"] >= MIN_RATE_SHARE * soak["target_rps"],
        "errors": soak["error_total"] == TARGETS["errors"],
        "p99": p99 is not None and p99 < TARGETS["p99_ms"],
        "lost": soak["books"]["lost_total"] == TARGETS["lost"],
    }


def format_report(result: dict) -> str:
    """The numbers of the soak phase: one line per target, then latency per kind and the machine's load."""
    soak, verdicts, books = result["soak"], result["verdicts"], result["soak"]["books"]
    mark = {True: "PASS", False: "FAIL"}
    wrk_ms = soak["latency_ms"]
    checks = [
        (
            "capacity",
            f"{result['capacity_rps']:.0f} req/s",
            f">= {TARGETS['capacity_ratio']:.2f} x bare",
            "capacity",
            f"bare Flask {result['bare_rps']:.0f} req/s in the same run, ratio {result['capacity_ratio']:.2f}; "
            f"{result['workers']} sync workers each"
            + (f", {result['hosts']} hosts behind nginx" if result["hosts"] > 1 else ""),
        ),
        (
            "duration",
            f"{soak['seconds']:.1f} s",
            f">= {soak['requested_seconds']} s",
            "duration",
            f"{soak['lanes']} paced lanes"
            + (
                f"; run afresh after the load client crashed {soak['client_restarts']} time(s)"
                if soak.get("client_restarts")
                else ""
            ),
        ),
        (
            "rate",
            f"{soak['rps']:.1f} req/s",
            f">= {MIN_RATE_SHARE:.0%} of {soak['target_rps']:.0f}",
            "rate",
            f"{soak['requests']:,} requests",
        ),
        (
            "errors",
            str(soak["error_total"]),
            "= 0",
            "errors",
            ", ".join(f"{key} {value}" for key, value in soak["errors"].items()),
        ),
        (
            "p99",
            f"{soak['timetable_ms']['p99']} ms",
            f"< {TARGETS['p99_ms']:g} ms",
            "p99",
            f"from the timetable; from sending (wrk): p50 {wrk_ms['p50']} p90 {wrk_ms['p90']} "
            f"p99 {wrk_ms['p99']} max {wrk_ms['max']} ms",
        ),
        (
            "lost",
            str(books["lost_total"]),
            "= 0",
            "lost",
            f"sign-ins {books['sign_ins_ok']} ok, {books['sessions_alive_new']} sessions alive "
            f"({books['sessions_created']} created, {books['code_exchanges']} codes exchanged); "
            f"answers {books['answers_ok']} ok, {books['answers_saved']} saved",
        ),
    ]
    lines = [
        f"soak: target {soak['target_rps']:.0f} req/s = {result['share']:.0%} of the measured "
        f"{result['capacity_rps']:.0f} req/s"
    ]
    for label, value, target, verdict, detail in checks:
        lines.append(f"  {label:<9}{value:>14}  {target:<14}{mark[verdicts[verdict]]}  {detail}")
    lines.append("  latency per kind, ms: p50 / p90 / p99 / max from the timetable (from sending)")
    for kind, figures in soak["by_kind"].items():
        send = figures["from_send"]
        mine = f"{figures['p50']} / {figures['p90']} / {figures['p99']} / {figures['max']}"
        lines.append(
            f"    {kind:<14}{mine}"
            f"  ({send['p50']} / {send['p90']} / {send['p99']} / {send['max']}); "
            f"{figures['count']:,} answers, non-2xx {figures['non_2xx']}"
        )
    machine = result["machine"]
    lines.append(
        f"  machine: {machine['cpus']} CPUs, load average (1 min) {machine['load_1min_before_soak']}"
        f" before the soak, {machine['load_1min_after_soak']} after"
    )
    capacity, per_request = result["capacity"], result["cpu_per_request"]
    lines.append(f"  CPU in the capacity run, {describe_cpu(capacity['cpu'], machine['cpus'])}")
    bare_cpu = [run["cpu"] for run in result["bare_runs"]]
    lines.append(
        "  CPU in bare Flask's capacity runs: "
        + "; ".join(describe_cpu(figures, machine["cpus"]) for figures in bare_cpu)
    )
    lines.append(
        f"  the app's CPU per request: {per_request['app_ms_per_request']} ms, bare Flask's "
        f"{per_request['bare_ms_per_request']} ms: ratio {per_request['ratio']} (the capacity ratio "
        f"if both had the same CPU to spend)"
    )
    lines.append(f"result: {mark[result['passed']]}")
    return "\n".join(lines)


def run(
    harness: Harness,
    minutes: float = TARGETS["minutes"],
    share: float = TARGETS["share"],
    lanes: int = LANES,
    capacity_seconds: int = CAPACITY_SECONDS,
    warmup_seconds: int = WARMUP_SECONDS,
    out=sys.stdout,
    workers: int = PRODUCTION_WORKERS,
    hosts: int = 1,
    wechat_ms: float = 0.0,
) -> dict:
    """Warm up, measure the capacity beside the bare app's, soak at `share` of it for `minutes`; print and write.

    `wechat_ms` delays each code exchange at the emulator, as WeChat's round trip would.
    """
    started = time.time()
    seconds = max(1, math.ceil(minutes * 60))
    print(describe_mix(), file=out)
    emulator = emulator_server(wechat_ms)
    servers: list[load.Server] = []
    try:
        app = harness.app()
        closed_lanes = min(lanes, CLOSED_LANES)
        prepared = prepare(app, lanes, holders=HOLDERS)
        print(
            f"data: {len(prepared.user_ids)} users half way through the verify journey "
            f"({len(prepared.lanes[0].users)} per lane), {prepared.holders} verified card holders; "
            f"WeChat emulator at {emulator.url}, code exchanges answered {wechat_ms:g} ms late",
            file=out,
            flush=True,
        )
        environment = app_environment(emulator.url)
        if hosts > 1:
            # nginx adds the lanes' own address after the one each lane sends, as it would after a
            # load balancer's: two proxies, so the sign-in limit still counts per virtual user.
            environment["PROXY_HOPS"] = "2"
        # The bare app first, then the app, then the bare app again: the figure is their mean.
        database_url = harness.env["DATABASE_URL"]
        bare = [bare_capacity(environment, capacity_seconds, closed_lanes, workers, hosts, database_url)]
        servers = [
            harness.serve_app(environment, name=f"soak-subject-{n}", workers=workers) for n in range(hosts)
        ]
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as workdir, served(servers) as base_url:
            phase = Phase(app, prepared, emulator.url, base_url, Path(workdir))
            warmup = phase.run("warmup", warmup_seconds, closed_lanes) if warmup_seconds else None
            meter = process_cpu.Meter(cpu_groups(servers, database_url, emulator))
            capacity = phase.run("capacity", capacity_seconds, closed_lanes, meter=meter)
            bare.append(
                bare_capacity(environment, capacity_seconds, closed_lanes, workers, hosts, database_url)
            )
            bare_rps = sum(run["rps"] for run in bare) / len(bare)
            print(
                f"capacity (closed loop, {closed_lanes} lanes, {capacity['seconds']:.0f} s, {workers} workers): "
                f"{capacity['rps']:.0f} req/s, p99 {capacity['latency_ms']['p99']} ms, "
                f"errors {capacity['error_total']}; bare Flask {bare_rps:.0f} req/s "
                f"({' and '.join(str(round(run['rps'])) for run in bare)}), ratio {capacity['rps'] / bare_rps:.2f}",
                file=out,
                flush=True,
            )
            target = share * capacity["rps"]
            print(f"soak: {target:.0f} req/s ({share:.0%}) for {seconds} s ...", file=out, flush=True)
            load_before = os.getloadavg()[0]
            soak = phase.run("soak", seconds, lanes, rate=target)
            load_after = os.getloadavg()[0]
    finally:
        for server in servers:
            server.stop()
        emulator.stop()
    result = {
        "benchmark": "soak",
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "minutes": minutes,
        "share": share,
        "lanes": lanes,
        "workers": workers,
        "hosts": hosts,
        "wechat_ms": wechat_ms,
        "users": len(prepared.user_ids),
        "holders": prepared.holders,
        "mix": list(MIX),
        "capacity_rps": capacity["rps"],
        "bare_rps": round(bare_rps, 1),
        "bare_runs": bare,
        "capacity_ratio": round(capacity["rps"] / bare_rps, 3) if bare_rps else None,
        "cpu_per_request": cpu_per_request(capacity, bare),
        "targets": {**TARGETS, "min_rate_share": MIN_RATE_SHARE},
        "settings": {
            "server": "gunicorn",
            "workers": workers,
            "worker_class": "sync",
            "client": "wrk + bench/soak_lanes.lua",
            "wrk_timeout": WRK_TIMEOUT,
            "database": _redact(harness.env["DATABASE_URL"]),
            "redis": harness.env["REDIS_URL"],
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_1min_before_soak": round(load_before, 2),
            "load_1min_after_soak": round(load_after, 2),
        },
        "warmup": warmup,
        "capacity": capacity,
        "soak": soak,
    }
    result["verdicts"] = judge(soak, seconds, result["capacity_ratio"])
    result["passed"] = all(result["verdicts"].values())
    print(format_report(result), file=out)
    print(f"JSON: {write_json(result, started)}", file=out)
    return result


def _redact(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def write_json(result: dict, started: float) -> Path:
    """bench/out/soak-<time>.json and bench/out/soak-latest.json."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / time.strftime("soak-%Y%m%d-%H%M%S.json", time.gmtime(started))
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    path.write_text(text)
    (OUT_DIR / "soak-latest.json").write_text(text)
    return path


def rows(harness: Harness) -> list[Row]:
    """The row for `python -m bench.run --only soak` (5 minutes; 12 s with --quick)."""
    if load.client_name() != "wrk":
        return [Row.missing(NAME, "wrk is not installed (the soak paces its lanes with wrk's Lua hooks)")]
    if harness.quick:
        result = run(harness, minutes=0.2, capacity_seconds=5, warmup_seconds=1)
    else:
        result = run(harness)
    soak = result["soak"]
    target = (
        f"capacity >= {TARGETS['capacity_ratio']:.0%} of bare; "
        f"{result['share']:.0%} of capacity for {soak['requested_seconds']} s, 0 errors, "
        f"p99 < {TARGETS['p99_ms']:g} ms, 0 lost"
    )
    detail = (
        f"soak {soak['rps']:.0f} req/s; p99 {soak['timetable_ms']['p99']} ms from the "
        f"timetable; errors {soak['error_total']}; lost {soak['books']['lost_total']}; "
        f"{soak['seconds']:.0f} s; {result['workers']} workers"
    )
    return [
        Row(
            NAME,
            result["capacity_rps"],
            "req/s",
            baseline=result["bare_rps"],
            ratio=result["capacity_ratio"],
            target=target,
            passed=result["passed"],
            detail=detail,
        )
    ]


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=float, default=TARGETS["minutes"], help="length of the soak (default 5)"
    )
    parser.add_argument(
        "--share",
        type=float,
        default=TARGETS["share"],
        help="share of the measured capacity to soak at (default 0.8)",
    )
    parser.add_argument(
        "--lanes",
        type=int,
        default=None,
        help=f"virtual-user lanes (default {LANES}; {NGINX_LANES} through nginx)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=PRODUCTION_WORKERS,
        help=f"gunicorn sync workers of the app and the bare app (default {PRODUCTION_WORKERS}, as deploy/gunicorn.conf.py starts)",
    )
    parser.add_argument(
        "--hosts",
        type=int,
        default=1,
        help="gunicorn hosts of the app and of the bare app; 2 or more are put behind nginx (deploy/nginx.conf)",
    )
    parser.add_argument(
        "--wechat-ms",
        type=float,
        default=0.0,
        help="answer each code exchange this many ms late, as WeChat's round trip (default 0)",
    )
    parser.add_argument(
        "--capacity-seconds",
        type=int,
        default=CAPACITY_SECONDS,
        help=f"length of the closed-loop capacity run (default {CAPACITY_SECONDS})",
    )
    args = parser.parse_args(argv)
    if args.lanes is None:
        args.lanes = NGINX_LANES if args.hosts > 1 else LANES
    if (
        args.minutes <= 0
        or args.share <= 0
        or not 1 <= args.lanes <= 250
        or args.capacity_seconds < 1
        or not 1 <= args.workers <= 64
        or not 1 <= args.hosts <= 8
        or not 0 <= args.wechat_ms <= 5000
    ):
        parser.error(
            "--minutes, --share and --capacity-seconds must be positive, --lanes 1 to 250, --workers 1 to 64, "
            "--hosts 1 to 8, --wechat-ms 0 to 5000"
        )
    if args.hosts > 1 and nginx_front.available():
        print(f"--hosts {args.hosts} needs nginx in front: {nginx_front.available()}", file=sys.stderr)
        return 2
    if not load.gunicorn_available():
        print("gunicorn is not installed: pip install -r requirements.txt", file=sys.stderr)
        return 2
    if load.client_name() != "wrk":
        print(
            "wrk is not installed (Debian: apt-get install wrk); the soak needs its Lua hooks",
            file=sys.stderr,
        )
        return 2
    harness = Harness()
    down = services_down(harness.env)
    if down:
        print(f"not available: {down}", file=sys.stderr)
        return 2
    try:
        result = run(
            harness,
            args.minutes,
            args.share,
            args.lanes,
            args.capacity_seconds,
            workers=args.workers,
            hosts=args.hosts,
            wechat_ms=args.wechat_ms,
        )
    finally:
        harness.close()
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
