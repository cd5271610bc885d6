"""The benchmark machinery on the bare baseline only, for about a second per client."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("gunicorn", reason="gunicorn is not installed (pip install -r requirements.txt)")

from bench import load
from bench.run import Row, format_table


@pytest.fixture(scope="module")
def baseline_server(tmp_path_factory):
    """The bare baseline under gunicorn with the benchmark's settings."""
    with load.Server(
        "bench.baseline:app", name="baseline-smoke", log_dir=tmp_path_factory.mktemp("bench")
    ) as server:
        yield server


def test_server_command_is_two_sync_workers_on_loopback(baseline_server):
    command = baseline_server.command()
    assert command[command.index("--workers") + 1] == "2"
    assert command[command.index("--worker-class") + 1] == "sync"
    assert command[command.index("--bind") + 1].startswith("127.0.0.1:")


def test_measure_and_compare_with_this_machines_client(baseline_server):
    post = load.Request("/wechat/callback?x=1", "POST", {"Content-Type": "text/xml"}, b'<xml>"q"\n</xml>')
    comparison = load.compare(
        baseline_server.url, baseline_server.url, [post], load.Request("/"), rounds=1, seconds=1, warmup=0
    )
    assert comparison.rps > 0 and comparison.baseline_rps > 0
    assert comparison.errors == 0
    assert 0 < comparison.p50_ms <= comparison.p99_ms
    assert "rounds" in comparison.detail()
    json.dumps(comparison.as_dict())


def test_python_fallback_client(baseline_server):
    measurement = load.run_python(baseline_server.url, [load.Request("/")], seconds=1, connections=4)
    assert measurement.rps > 0 and measurement.errors == 0 and measurement.requests > 0


def test_wrk_script_quotes_any_body():
    script = load.wrk_script([load.Request("/a", "POST", {"X-A": 'q"\\'}, b"\x00\xff\n]]")])
    assert '"\\000\\255\\010]]"' in script
    assert '["X-A"] = "q\\034\\092"' in script


def test_table_has_every_column_and_marks_missing_rows():
    table = format_table(
        [
            Row("thing", 1234.5, "req/s", 2000.0, 0.62, ">= 50% of bare", True, "p99 3 ms"),
            Row.missing("other", "bench/other.py not there yet"),
        ]
    )
    header, _, first, second = table.splitlines()
    for column in ("benchmark", "figure", "unit", "bare", "ratio", "target", "result"):
        assert column in header
    assert "PASS" in first and "0.62" in first and "1,234" in first
    assert "not available" in second


def test_entry_command_runs_the_baseline_and_writes_json(tmp_path, monkeypatch):
    """`python -m bench.run --quick --only baseline`, in-process: the table and the JSON report."""
    import io

    from bench import run as bench_run

    monkeypatch.setattr(bench_run, "OUT_DIR", tmp_path)
    out = io.StringIO()
    rows = bench_run.run(["baseline"], quick=True, out=out)
    text = out.getvalue()
    assert f"load client: {load.client_name()}" in text
    assert rows[0].value > 0 and rows[0].status == "ok"
    report = json.loads((tmp_path / "latest.json").read_text())
    assert report["settings"]["workers"] == 2 and report["settings"]["worker_class"] == "sync"
    assert report["rows"][0]["name"] == rows[0].name
