"""Where the soak's time goes: `python -m bench.soak_profile [CYCLES]`.

Replays the soak's mix (bench/soak.py `MIX`: sign in, journey screen, answer, screen again, three
card and three contribution reads) in this process, through the app's WSGI interface, on the
bench database and a Redis server of its own (started on a free loopback port, so its command
counts are this run's alone). Sign-ins exchange their codes with the WeChat emulator in its own
gunicorn, as in the soak. For each kind of request it prints the CPU time of this process (the
app's share of the work, whatever else the machine is doing), the wall time, the SQL statements
sent and the Redis commands the server processed (measured without the profiler); then the CPU
profile of a second replay of the whole mix (or of one kind, `--only`) grouped
by package and the functions with the most time of their own. `--json` writes the figures to
bench/out/soak-profile-latest.json.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import load, soak
from bench.run import OUT_DIR, Harness, services_down

#: Packages the profile's time is grouped into (the first match of a frame's file path wins).
GROUPS = (
    ("app (ours)", f"{os.sep}app{os.sep}"),
    ("sqlalchemy", "sqlalchemy"),
    ("pymysql", "pymysql"),
    ("redis", f"{os.sep}redis{os.sep}"),
    ("werkzeug", "werkzeug"),
    ("flask", "flask"),
    ("jinja2/markupsafe", "jinja2"),
    ("babel", "babel"),
    ("wechatpy/requests/urllib3", ("wechatpy", "requests", "urllib3")),
    ("cryptography", "cryptography"),
    ("prometheus", "prometheus"),
    ("structlog/logging", ("structlog", f"{os.sep}logging{os.sep}")),
    ("json", f"{os.sep}json{os.sep}"),
    ("socket/ssl (C)", ("socket", "ssl", "select")),
)


@contextmanager
def own_redis():
    """A redis-server of this run's own on a free loopback port (nothing kept on disk)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (Debian: apt-get install redis-server)")
    port = load.free_port()
    with tempfile.TemporaryDirectory(prefix="bench-profile-redis-") as directory:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            import redis

            client = redis.Redis(port=port)
            for _ in range(100):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0", client
        finally:
            process.terminate()
            process.wait(10)


@dataclass
class MixRun:
    """The app in this process on the bench database and a Redis of its own, with the soak's users."""

    harness: Harness
    app: object
    prepared: soak.Prepared
    emulator_url: str
    redis: object

    def replay(self, cycles: int, profiler=None, only=None) -> Counts:
        """`cycles` cycles of the mix (see `replay`)."""
        return replay(self.app, self.prepared, self.emulator_url, cycles, self.redis, profiler, only)


@contextmanager
def mix_run(overrides: dict | None = None) -> Iterator[MixRun]:
    """A Redis of the run's own, the WeChat emulator in its own gunicorn, the app (config `overrides`) and the soak's users."""
    with own_redis() as (redis_url, redis_client):
        os.environ["BENCH_REDIS_URL"] = redis_url
        harness = Harness()
        down = services_down(harness.env)
        if down:
            raise SystemExit(f"not available: {down}")
        emulator = soak.emulator_server()
        try:
            harness.env.update(
                {k: v for k, v in soak.app_environment(emulator.url).items() if k != "GUNICORN_CMD_ARGS"}
            )
            app = harness.app(overrides)
            prepared = soak.prepare(app, 1, users_per_lane=16, holders=soak.HOLDERS)
            yield MixRun(harness, app, prepared, emulator.url, redis_client)
        finally:
            emulator.stop()
            harness.close()


def redis_commands(client) -> int:
    """Commands the server has processed so far, not counting INFO itself."""
    stats = client.info("commandstats")
    return sum(value["calls"] for key, value in stats.items() if key != "cmdstat_info")


class Counts:
    """Per kind of request: how many, CPU and wall seconds, SQL statements, Redis commands."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[str, float]] = defaultdict(_zero)

    def table(self) -> dict:
        """Averages per request of each kind, and the mix's average per request."""
        total = _zero()
        for figures in self.by_kind.values():
            for key in total:
                total[key] += figures[key]
        result = {kind: _averages(figures) for kind, figures in self.by_kind.items()}
        result["mix (per request)"] = _averages(total)
        return result


def _zero() -> dict[str, float]:
    """Nothing counted yet."""
    return {"requests": 0, "cpu_s": 0.0, "wall_s": 0.0, "sql": 0, "redis": 0, "non_2xx": 0}


def _averages(figures: dict[str, float]) -> dict:
    """Counted totals as averages per request."""
    n = figures["requests"] or 1
    return {
        "requests": int(figures["requests"]),
        "cpu_ms": round(figures["cpu_s"] / n * 1000, 3),
        "wall_ms": round(figures["wall_s"] / n * 1000, 3),
        "sql_statements": round(figures["sql"] / n, 2),
        "redis_commands": round(figures["redis"] / n, 2),
        "non_2xx": int(figures["non_2xx"]),
    }


def replay(
    app, prepared: soak.Prepared, emulator_url: str, cycles: int, redis_client, profiler=None, only=None
) -> Counts:
    """Run `cycles` cycles of the mix through the app, counting each request."""
    from sqlalchemy import event

    from app.extensions import db, read_engine

    statements = [0]

    def count(*_args):
        statements[0] += 1

    with app.app_context():
        engines = {db.engine, read_engine()}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    counts = Counts()
    client = app.test_client()
    lane = prepared.lanes[0]
    holders = lane.holders
    codes = soak.mint_codes(emulator_url, lane, cycles, ttl=3600)
    holder = 0
    try:
        for number in range(cycles):
            user_number, code = codes[number]
            address = lane.users[user_number - 1][1]
            token, step = None, None
            for kind in soak.MIX:
                headers = {"X-Forwarded-For": address, "Accept": "application/json"}
                if token:
                    headers["Authorization"] = f"Bearer {token}"
                if kind in ("card", "contributions"):
                    holder_token, year, holder_address = holders[holder % len(holders)]
                    holder += 1
                    headers = {
                        "X-Forwarded-For": holder_address,
                        "Accept": "application/json",
                        "Authorization": f"Bearer {holder_token}",
                    }
                redis_before, sql_before = redis_commands(redis_client), statements[0]
                wall, cpu = time.perf_counter(), time.process_time()
                profiling = profiler is not None and only in (None, kind)
                if profiling:
                    profiler.enable()
                if kind == "login":
                    response = client.post("/api/v1/auth/login", json={"code": code}, headers=headers)
                elif kind == "journey":
                    response = client.get("/api/v1/flows/verify", headers=headers)
                elif kind == "answer":
                    body = (
                        {"step": "identifier_type", "action": "back", "answers": {}}
                        if step == "identifier_type"
                        else {
                            "step": "name",
                            "action": "continue",
                            "answers": {"passport_name": "MUELLER HANS PETER"},
                        }
                    )
                    response = client.post("/api/v1/flows/verify", json=body, headers=headers)
                elif kind == "card":
                    response = client.get("/api/v1/card", headers=headers)
                else:
                    response = client.get(f"/api/v1/card/contributions?year={year}", headers=headers)
                response.get_data()
                if profiling:
                    profiler.disable()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                figures = counts.by_kind[kind]
                figures["requests"] += 1
                figures["cpu_s"] += cpu
                figures["wall_s"] += wall
                figures["sql"] += statements[0] - sql_before
                figures["redis"] += redis_commands(redis_client) - redis_before
                if not 200 <= response.status_code < 300:
                    figures["non_2xx"] += 1
                    continue
                data = response.get_json(silent=True) or {}
                if kind == "login":
                    token = data.get("token")
                elif kind == "journey":
                    step = data.get("step")
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    return counts


def group_profile(stats: pstats.Stats) -> dict[str, float]:
    """Own (not cumulative) CPU seconds by package."""
    grouped: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for label, needles in GROUPS:
            needles = needles if isinstance(needles, tuple) else (needles,)
            if any(needle in filename for needle in needles):
                grouped[label] += own
                break
        else:
            grouped["other (stdlib, C builtins)"] += own
    return dict(sorted(grouped.items(), key=lambda item: -item[1]))


def top_functions(stats: pstats.Stats, limit: int = 25) -> list[tuple[str, int, float, float]]:
    """The functions with the most time of their own: (where, calls, own s, cumulative s)."""
    rows = []
    for (filename, line, name), (_cc, calls, own, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename
        for marker in ("site-packages" + os.sep, str(Path(__file__).resolve().parent.parent) + os.sep):
            if marker in short:
                short = short.split(marker, 1)[1]
        rows.append((f"{short}:{line}({name})", calls, own, cum))
    rows.sort(key=lambda row: -row[2])
    return rows[:limit]


def main(argv: list[str] | None = None) -> int:
    """Replay the mix once unmeasured (warm-up), then measured, then profiled; print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak_profile", description=__doc__.splitlines()[0])
    parser.add_argument("cycles", nargs="?", type=int, default=200, help="cycles of the mix (default 200)")
    parser.add_argument("--only", choices=sorted(soak.REQUESTS), help="profile only this kind of request")
    parser.add_argument("--json", action="store_true", help="also write bench/out/soak-profile-latest.json")
    args = parser.parse_args(argv)
    with mix_run() as run:
        run.replay(min(20, args.cycles))  # warm-up
        profiler = cProfile.Profile(time.process_time)  # CPU time: waiting on a server costs none
        # The table unprofiled (a profiler's own cost would swell it), then the profile.
        counts = run.replay(args.cycles)
        run.replay(args.cycles, profiler, args.only)
    stats = pstats.Stats(profiler)
    table = counts.table()
    print(
        f"the soak's mix replayed in-process, {args.cycles} cycles ({args.cycles * len(soak.MIX)} requests)"
    )
    print(f"{'kind':<20}{'requests':>9}{'CPU ms':>9}{'wall ms':>9}{'SQL':>7}{'Redis':>7}{'non-2xx':>9}")
    for kind, figures in table.items():
        print(
            f"{kind:<20}{figures['requests']:>9}{figures['cpu_ms']:>9.2f}{figures['wall_ms']:>9.2f}"
            f"{figures['sql_statements']:>7.2f}{figures['redis_commands']:>7.2f}{figures['non_2xx']:>9}"
        )
    grouped = group_profile(stats)
    total = sum(grouped.values()) or 1.0
    print("\nCPU by package (own time, profiled):")
    for label, seconds in grouped.items():
        print(f"  {label:<30}{seconds * 1000:>9.0f} ms  {seconds / total:>6.1%}")
    print("\nfunctions with the most time of their own:")
    functions = top_functions(stats)
    for where, calls, own, cum in functions:
        print(f"  {own * 1000:>8.1f} ms own {cum * 1000:>9.1f} ms cum {calls:>8} calls  {where}")
    print("\nour functions by cumulative time:")
    ours = [row for row in top_functions(stats, limit=len(stats.stats)) if row[0].startswith("app/")]  # type: ignore[attr-defined]
    for where, calls, own, cum in sorted(ours, key=lambda row: -row[3])[:25]:
        print(f"  {cum * 1000:>8.1f} ms cum {own * 1000:>9.1f} ms own {calls:>8} calls  {where}")
    if args.json:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUT_DIR / "soak-profile-latest.json"
        path.write_text(
            json.dumps(
                {
                    "cycles": args.cycles,
                    "per_kind": table,
                    "by_package_ms": {k: round(v * 1000, 1) for k, v in grouped.items()},
                    "top_functions": functions,
                },
                indent=2,
            )
        )
        print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
