"""The soak's machinery (bench/soak.py) for a few seconds: the emulator's control options, the client's
figures, and one tiny run end to end on the real services (not the five-minute soak itself)."""

from __future__ import annotations

import io
import json
import os
import shutil

import pytest
from sqlalchemy.engine import make_url

from app.wechat_emulator import create_emulator
from bench import soak
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.parts import missing_part


def test_emulator_mints_many_long_lived_codes_on_the_control_route_only():
    emulator = create_emulator()
    client = emulator.test_client()
    state = emulator.extensions["wechat_emulator"]
    body = client.post("/_control/login-code", json={"openid": "osoak-1", "count": 3, "ttl": 3600}).json
    assert len(set(body["codes"])) == 3 and body["code"] == body["codes"][0]
    state.advance(1800)  # past WeChat's 5 minutes, inside the minted hour
    args = {"appid": state.appid, "secret": state.secret, "grant_type": "authorization_code"}
    answer = client.get("/sns/jscode2session", query_string={**args, "js_code": body["codes"][0]}).json
    assert answer["openid"] == "osoak-1"
    again = client.get("/sns/jscode2session", query_string={**args, "js_code": body["codes"][0]}).json
    assert again["errcode"] == 40163  # still single-use
    plain = client.post("/_control/login-code", json={"openid": "osoak-1"}).json["code"]
    state.advance(301)
    assert client.get("/sns/jscode2session", query_string={**args, "js_code": plain}).json["errcode"] == 40029
    assert client.post("/_control/login-code", json={"count": 0}).status_code == 400
    assert client.post("/_control/login-code", json={"ttl": 10**9}).status_code == 400


def test_percentiles_of_the_lua_histogram():
    figures = soak.percentiles({"0": 50, "9": 40, "999": 9, "1010": 1})
    assert figures == {"p50": 0.1, "p90": 1.0, "p99": 100.0, "max": 155.0, "count": 100}
    assert soak.percentiles({})["p99"] is None


def test_books_count_lost_and_doubled_writes():
    client = {"by_kind": {"login": {"ok": 10, "sent": 11}, "answer": {"ok": 9, "sent": 10}}}
    before = {"sessions": 5, "sessions_alive": 5, "journey_versions": 100, "journeys": 4, "code_exchanges": 5}
    after = {
        "sessions": 16,
        "sessions_alive": 16,
        "journey_versions": 110,
        "journeys": 4,
        "code_exchanges": 16,
    }
    books = soak.reconcile(before, after, client, users=4)
    assert books["lost_total"] == 0  # the 11th sign-in and 10th answer landed after the client stopped
    after = dict(after, sessions_alive=14, journey_versions=107)
    books = soak.reconcile(before, after, client, users=4)
    assert books["lost"]["sign_ins"] == 1 and books["lost"]["sessions_dropped"] == 2
    assert books["lost"]["answers"] == 2 and books["lost_total"] == 5


def _soak_services(monkeypatch) -> None:
    """Point the harness at its own database and Redis db next to the test backends (it drops both)."""
    if not os.environ.get("BENCH_DATABASE_URL"):
        url = make_url(TEST_DATABASE_URL)
        own = url.set(database=f"{url.database}_soak")
        monkeypatch.setenv("BENCH_DATABASE_URL", own.render_as_string(hide_password=False))
    if not os.environ.get("BENCH_REDIS_URL"):
        monkeypatch.setenv("BENCH_REDIS_URL", TEST_REDIS_URL.rsplit("/", 1)[0] + "/13")


def _short_soak_harness(tmp_path, monkeypatch):
    """A quick harness on the soak's own database and Redis, with few users (or the missing part named)."""
    pytest.importorskip("gunicorn", reason="gunicorn is not installed (pip install -r requirements.txt)")
    if shutil.which("wrk") is None:
        missing_part("wrk is not installed (Debian: apt-get install wrk); the soak's client needs it")
    from bench.run import Harness, services_down

    _soak_services(monkeypatch)
    monkeypatch.setattr(soak, "OUT_DIR", tmp_path)
    monkeypatch.setattr(soak, "USERS_PER_LANE", 8)  # each sign-in limit is per user a minute
    monkeypatch.setattr(soak, "HOLDERS", 2)
    harness = Harness(quick=True)
    down = services_down(harness.env)
    if down:
        missing_part(down)
    return harness


@pytest.mark.real_mysql
@pytest.mark.real_redis
def test_a_short_soak_end_to_end(tmp_path, monkeypatch):
    """Warm-up, capacity and soak of a few seconds each: no errors, nothing lost, JSON written."""
    harness = _short_soak_harness(tmp_path, monkeypatch)
    out = io.StringIO()
    try:
        result = soak.run(harness, minutes=0.08, lanes=4, capacity_seconds=2, warmup_seconds=1, out=out)
    finally:
        harness.close()
    text = out.getvalue()
    assert "mix, one cycle of a lane" in text and "result:" in text
    run = result["soak"]
    assert result["capacity_rps"] > 0 and run["target_rps"] > 0
    assert run["error_total"] == 0, run["errors"]
    assert run["books"]["lost_total"] == 0, run["books"]
    assert run["by_kind"]["login"]["ok"] > 0 and run["by_kind"]["answer"]["ok"] > 0
    assert run["books"]["answers_saved"] >= run["by_kind"]["answer"]["ok"]
    assert result["verdicts"]["duration"] and result["verdicts"]["errors"] and result["verdicts"]["lost"]
    saved = json.loads((tmp_path / "soak-latest.json").read_text())
    assert saved["bare_rps"] > 0 and saved["capacity_ratio"] == round(
        result["capacity_rps"] / saved["bare_rps"], 3
    )
    assert "bare Flask" in text and "CPU in the capacity run" in text
    capacity_cpu = saved["capacity"]["cpu"]
    assert capacity_cpu["app"] > 0 and capacity_cpu["WeChat emulator"] > 0 and capacity_cpu["load client"] > 0
    assert capacity_cpu["MariaDB"] > 0 and all(run["cpu"]["app"] > 0 for run in saved["bare_runs"])
    assert 0 < saved["cpu_per_request"]["ratio"] < 1
    assert saved["soak"]["requests"] == run["requests"] and set(saved["verdicts"]) == {
        "capacity",
        "duration",
        "rate",
        "errors",
        "p99",
        "lost",
    }


def test_the_full_bench_run_leaves_the_soak_out_unless_named(monkeypatch):
    from bench import run as bench_run

    assert "soak" in bench_run.BENCHMARKS and "soak" in bench_run.OPT_IN
    ran = []
    monkeypatch.setattr(
        bench_run,
        "BENCHMARKS",
        {name: (lambda h, n=name: ran.append(n) or []) for name in ("baseline", "soak")},
    )
    monkeypatch.setattr(bench_run, "write_json", lambda *args: "-")
    monkeypatch.setattr(bench_run, "services_down", lambda env: None)
    monkeypatch.setattr(bench_run.Harness, "close", lambda self: None)
    bench_run.run([], out=io.StringIO())
    assert ran == ["baseline"]
    bench_run.run(["soak"], out=io.StringIO())
    assert ran == ["baseline", "soak"]


def test_row_for_the_bench_table(monkeypatch):
    soak_figures = {
        "rps": 400.0,
        "requested_seconds": 300,
        "seconds": 300.1,
        "error_total": 0,
        "timetable_ms": {"p99": 42.5},
        "books": {"lost_total": 0},
    }
    monkeypatch.setattr(
        soak,
        "run",
        lambda harness, **kw: {
            "soak": soak_figures,
            "share": 0.8,
            "capacity_rps": 1500.0,
            "bare_rps": 4000.0,
            "capacity_ratio": 0.375,
            "workers": 4,
            "passed": True,
        },
    )
    monkeypatch.setattr(soak.load, "client_name", lambda: "wrk")
    [row] = soak.rows(type("QuickHarness", (), {"quick": True})())
    assert row.passed and row.value == 1500.0 and row.baseline == 4000.0 and row.ratio == 0.375
    assert "80% of capacity for 300 s" in row.target and "35% of bare" in row.target
    assert "p99 42.5 ms" in row.detail


@pytest.mark.real_mysql
@pytest.mark.real_redis
def test_a_short_soak_through_nginx_across_two_hosts(tmp_path, monkeypatch):
    """Two gunicorn hosts behind deploy/nginx.conf over HTTPS: both carry the mix, nothing lost."""
    from bench import nginx_front

    if nginx_front.available():
        missing_part(nginx_front.available())
    harness = _short_soak_harness(tmp_path, monkeypatch)
    out = io.StringIO()
    try:
        result = soak.run(
            harness, minutes=0.08, lanes=4, capacity_seconds=2, warmup_seconds=1, out=out, workers=2, hosts=2
        )
    finally:
        harness.close()
    run = result["soak"]
    assert result["hosts"] == 2 and "2 hosts behind nginx" in out.getvalue()
    assert run["error_total"] == 0, run["errors"]
    assert run["books"]["lost_total"] == 0, run["books"]
    assert run["by_kind"]["login"]["ok"] > 0 and run["by_kind"]["answer"]["ok"] > 0
    assert result["bare_rps"] > 0


def test_the_command_line_hands_every_option_to_the_run(monkeypatch):
    """`python -m bench.soak --hosts 2 --wechat-ms 30 …` runs two hosts with a slow WeChat (not one host)."""
    from bench import nginx_front

    seen = {}

    def fake_run(harness, minutes, share, lanes, capacity_seconds, **options):
        seen.update(minutes=minutes, share=share, lanes=lanes, capacity_seconds=capacity_seconds, **options)
        return {"passed": True}

    monkeypatch.setattr(soak, "run", fake_run)
    monkeypatch.setattr(soak, "services_down", lambda env: None)
    monkeypatch.setattr(soak.load, "client_name", lambda: "wrk")
    monkeypatch.setattr(nginx_front, "available", lambda: None)
    monkeypatch.setattr(soak.Harness, "close", lambda self: None)
    code = soak.main(["--minutes", "1", "--hosts", "2", "--wechat-ms", "30", "--workers", "3"])
    assert code == 0
    assert seen["hosts"] == 2 and seen["wechat_ms"] == 30 and seen["workers"] == 3
    assert seen["lanes"] == soak.NGINX_LANES and seen["minutes"] == 1


def test_the_emulator_answers_code_exchanges_late_and_side_by_side():
    """`--wechat-ms`: each exchange waits, and exchanges wait together (threads), not one after another."""
    import threading
    import time
    import urllib.request

    server = soak.emulator_server(wechat_ms=300)
    try:

        def exchange():
            urllib.request.urlopen(f"{server.url}/sns/jscode2session?js_code=none", timeout=10).read()

        started = time.monotonic()
        calls = [threading.Thread(target=exchange) for _ in range(4)]
        for call in calls:
            call.start()
        for call in calls:
            call.join()
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert 0.3 <= elapsed < 1.2  # four in a row would take 1.2 s


def test_a_phase_whose_load_client_crashed_is_run_afresh(tmp_path, monkeypatch):
    """wrk dying of a signal (Debian's 4.1 now and then): fresh codes and books, the run goes on; twice fails."""
    lane = soak.Lane(users=[("oUser", "10.0.0.1", 1)], holders=[])
    prepared = soak.Prepared(lanes=[lane], holders=0)
    directories, crashes = [], [1]

    def run_lanes(base_url, directory, seconds, lanes, rate):
        directories.append(directory.name)
        if crashes and crashes.pop():
            raise soak.ClientCrashed("wrk died of signal 11")
        return {"raw": True}

    monkeypatch.setattr(soak, "mint_codes", lambda *args, **kwargs: [(1, "code")])
    monkeypatch.setattr(soak, "write_lane_files", lambda *args: None)
    monkeypatch.setattr(soak, "server_books", lambda *args: {})
    monkeypatch.setattr(soak, "reconcile", lambda *args: {"lost_total": 0})
    monkeypatch.setattr(soak, "summarize", lambda raw: dict(raw))
    monkeypatch.setattr(soak, "run_lanes", run_lanes)
    monkeypatch.setattr(soak.time, "sleep", lambda seconds: None)
    phase = soak.Phase(None, prepared, "http://emulator", "http://app", tmp_path)
    result = phase.run("capacity", 2, 1)
    assert directories == ["capacity", "capacity-2"] and result["client_restarts"] == 1
    crashes.extend([1, 1])
    with pytest.raises(soak.ClientCrashed):
        phase.run("soak", 2, 1, rate=10)
