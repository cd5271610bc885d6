"""The i18n benchmark runs and reports what bench/run.py reads (numbers are not asserted: never timed tests)."""

from __future__ import annotations

from bench.i18n_bench import measure_translated_screen


def test_measure_translated_screen_reports_every_variant():
    result = measure_translated_screen(iterations=20, repeats=1)
    assert result["strings_per_screen"] == 40
    assert set(result["us_per_screen"]) == {"bare", "en", "ar", "ar_flask_babel"}
    assert {"ar_over_en", "translation_adds_us", "targets", "request_context_us"} <= set(result)
