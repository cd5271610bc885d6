"""`python -m bench.instructions`: instructions per request of each kind in the soak's mix, beside bare Flask."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from bench import instructions, soak, soak_profile
from tests.parts import missing_part
from tests.platform.test_soak_smoke import _soak_services


def _dump(directory, number: int, label: str, total: int) -> None:
    """A callgrind dump file as `callgrind_control -d LABEL` writes it (the lines read back)."""
    (directory / f"callgrind.out.{number}").write_text(
        f"# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 7\ncmd: python\npart: {number}\n\n"
        f"desc: I1 cache: \ndesc: Timerange: Basic block 0 - 9\ndesc: Trigger: dump {label}\n\n"
        f"positions: line\nevents: Ir\nsummary: 0\ntotals: {total}\n"
    )


def test_dumps_are_read_by_label_and_the_toggling_is_taken_off_every_figure(tmp_path):
    for number, (label, total) in enumerate(
        [
            ("login", 7_100),
            ("journey", 1_100),
            ("journey", 1_500),
            ("card", 600),
            ("bare Flask", 500),
            ("bare Flask", 500),
            ("toggle only", 100),
            ("toggle only", 120),
            ("toggle only", 100),
        ],
        start=1,
    ):
        _dump(tmp_path, number, label, total)
    (tmp_path / "callgrind.out").write_text("desc: Trigger: Program termination\ntotals: 0\n")
    counts = instructions.read_dumps(tmp_path)
    assert counts == {
        "login": [7_100],
        "journey": [1_100, 1_500],
        "card": [600],
        "bare Flask": [500, 500],
        "toggle only": [100, 120, 100],
    }
    result = instructions.figures(counts, ("login", "journey", "card", "journey"))
    assert result["toggle_instructions"] == 100
    kinds = result["per_kind"]
    assert kinds["journey"] == {
        "requests": 2,
        "instructions": 1_200,
        "min": 1_000,
        "max": 1_400,
        "bare_ratio": 0.333,
    }
    assert kinds["login"]["instructions"] == 7_000 and kinds["bare Flask"]["bare_ratio"] == 1.0
    assert result["mix_per_request"] == round((7_000 + 2 * 1_200 + 500) / 4) == 2_475
    assert result["mix_bare_ratio"] == round(400 / 2_475, 3)
    assert "mix (average)" in instructions.format_report({**result, "cycles": 2})
    with pytest.raises(ValueError, match="answer"):
        instructions.figures(counts, ("login", "answer"))
    with pytest.raises(ValueError, match="callgrind"):
        instructions.figures({"login": [1]}, ("login",))


def test_bench_run_names_it_and_prints_each_kind_beside_bare_flask(monkeypatch):
    """`python -m bench.run --only instructions` (left out of the full run): a row per kind and the mix."""
    from bench import run as bench_run

    assert "instructions" in bench_run.BENCHMARKS and "instructions" in bench_run.OPT_IN
    counts = {
        "login": [7_100],
        "journey": [600, 600],
        "card": [500],
        "bare Flask": [500],
        "toggle only": [100],
    }
    asked = []
    monkeypatch.setattr(instructions, "missing", lambda: None)
    monkeypatch.setattr(
        instructions,
        "measure",
        lambda cycles: (
            asked.append(cycles)
            or {**instructions.figures(counts, ("login", "journey", "card")), "cycles": cycles}
        ),
    )
    rows = bench_run._plugin_rows(instructions, bench_run.Harness(quick=True))
    assert asked == [2]
    table = {row.name: row for row in rows}
    assert list(table) == [
        "instructions per request: login",
        "instructions per request: journey",
        "instructions per request: card",
        "instructions per request: the mix",
    ]
    assert (
        table["instructions per request: login"].value == 7_000
        and table["instructions per request: login"].baseline == 400
    )
    mix = table["instructions per request: the mix"]
    assert mix.value == round((7_000 + 500 + 400) / 3) and mix.ratio == round(400 / mix.value, 3)
    assert "instructions per request: card" in bench_run.format_table(rows)
    monkeypatch.setattr(instructions, "missing", lambda: "valgrind is not installed")
    (row,) = instructions.rows(bench_run.Harness(quick=True))
    assert row.status == "not available" and "valgrind" in row.detail


def test_the_app_under_callgrind_waits_for_wechat_longer_than_production(monkeypatch):
    """Under callgrind a sign-in's code exchange is far slower: its app must not give up at 5 s."""
    asked = []

    class Stop(Exception):
        """Raised once the app's settings are seen."""

    @contextmanager
    def mix_run(overrides=None):
        asked.append(overrides)
        raise Stop
        yield

    monkeypatch.setattr(soak_profile, "mix_run", mix_run)
    with pytest.raises(Stop):
        instructions.child(1)
    assert asked == [{"WECHAT_TIMEOUT_SECONDS": instructions.WECHAT_TIMEOUT_SECONDS}]
    assert instructions.WECHAT_TIMEOUT_SECONDS >= 60


@pytest.mark.real_mysql
@pytest.mark.real_redis
def test_the_harness_builds_its_app_with_the_settings_it_is_given(bench_harness):
    """Settings given to `harness.app` reach what is built with the app (the WeChat client's timeout)."""
    app = bench_harness.app({"WECHAT_TIMEOUT_SECONDS": 120.0})
    assert app.extensions["wechat"].timeout == 120.0


@pytest.mark.real_mysql
@pytest.mark.real_redis
@pytest.mark.slow
def test_the_mix_is_counted_under_callgrind_kind_by_kind(monkeypatch):
    """Every kind of the mix and bare Flask counted under callgrind, the toggling's own cost taken off."""
    pytest.importorskip("gunicorn", reason="gunicorn is not installed (pip install -r requirements.txt)")
    why = instructions.missing()
    if why:
        missing_part(why)
    _soak_services(monkeypatch)
    result = instructions.measure(2)
    kinds = result["per_kind"]
    assert set(kinds) == set(soak.MIX) | {instructions.BARE}
    for kind, weight in result["weights"].items():
        assert kinds[kind]["requests"] == 2 * weight
    bare = kinds[instructions.BARE]["instructions"]
    assert 0 < result["toggle_instructions"] and 100_000 < bare < 2_000_000
    assert kinds["login"]["instructions"] > 3 * bare and kinds["answer"]["instructions"] > 3 * bare
    for row in kinds.values():
        assert 0 < row["min"] <= row["instructions"] <= row["max"]
    assert 0 < result["mix_bare_ratio"] < 1
