"""The import benchmark runs end to end on a tiny file (a smoke test: no timing is asserted)."""

from __future__ import annotations

import pytest

from bench import import_bench


@pytest.mark.slow
def test_the_benchmark_imports_its_synthetic_files_without_rejections():
    result = import_bench.run(120)
    assert result["rows"] == 120 and result["rejected"] == 0
    assert result["people_rows_per_s"] > 0 and result["contributions_rows_per_s"] > 0
    assert result["app_peak_mb"] > 0 and result["people_peak_mb"] > 0
