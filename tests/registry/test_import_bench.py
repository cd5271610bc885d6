"""The import benchmark runs end to end on a tiny file (a smoke test: no timing is asserted)."""

from __future__ import annotations

import pytest

from bench import import_bench, process_cpu


@pytest.mark.slow
def test_the_benchmark_imports_its_synthetic_files_without_rejections():
    result = import_bench.run(120)
    assert result["rows"] == 120 and result["rejected"] == 0
    assert result["people_rows_per_s"] > 0 and result["contributions_rows_per_s"] > 0
    assert result["app_peak_mb"] > 0 and result["people_peak_mb"] > 0
    assert result["people_db_cpu_s"] is None  # SQLite works inside the importing process


@pytest.mark.slow
@pytest.mark.real_mysql
def test_the_database_servers_cpu_time_is_measured_when_it_runs_here():
    """On a loopback MariaDB the server's share of an import is read from /proc."""
    from bench.run import ensure_database

    url = "mysql+pymysql://root@127.0.0.1:3306/bench_import?charset=utf8mb4"
    ensure_database(url)
    result = import_bench.run(60, url)
    assert result["rejected"] == 0
    assert result["people_db_cpu_s"] is not None and result["people_db_cpu_s"] >= 0
    assert result["contributions_db_cpu_s"] is not None
    assert process_cpu.database_server("mysql+pymysql://127.0.0.1:3306/ssc") is not None  # no user named


@pytest.mark.slow
@pytest.mark.real_mysql
def test_bench_run_measures_imports_on_sqlite_and_mariadb(monkeypatch):
    """`python -m bench.run`'s import rows come from both databases, each import in its own database."""
    import types

    from bench import run as bench_run

    databases = []

    def small_run(rows, database=None):
        databases.append(database)
        return import_bench.run(60, database)

    monkeypatch.setattr(bench_run, "_module", lambda name: types.SimpleNamespace(run=small_run, TARGETS={}))
    monkeypatch.setenv("BENCH_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/bench?charset=utf8mb4")
    harness = bench_run.Harness(quick=True)
    rows = bench_run.bench_import(harness)
    assert databases[0] is None and databases[1].startswith("mysql+pymysql://")
    assert "/bench_import?" in databases[1]
    names = [row.name for row in rows]
    assert "import people, 20,000 rows (SQLite)" in names and "import people, 20,000 rows (MariaDB)" in names
    assert all(row.value and row.value > 0 for row in rows if "rows/s" == row.unit)
    assert all("rows per CPU-s" in row.detail for row in rows if row.unit == "rows/s")
