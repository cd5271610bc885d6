"""What a fully translated screen costs: ~40 strings in `ar` against `en` against plain literals, in-process.

Run: `python -m bench.i18n_bench` (prints JSON). `bench/run.py` calls `measure_translated_screen()`.

Each screen starts from a fresh per-request i18n state (so choosing the locale from the headers and
finding its translations are counted, as in a real request), then builds ~40 strings. The request
context itself is the same for every variant and is reported apart. Best of interleaved repeats.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask

#: One screen: 30 plain strings, 5 with placeholders, 3 with context, 2 plurals (40 lookups).
PLAIN = [f"Screen text number {index}: read this before you continue." for index in range(30)]
NAMED = [f"Step %(current)s of %(total)s, part {index}." for index in range(5)]
CONTEXT = [("button", f"Action {index}") for index in range(3)]
PLURAL = [
    (f"%(num)d day left in period {index}", f"%(num)d days left in period {index}") for index in range(2)
]


def _arabic(text: str) -> str:
    """A stand-in Arabic translation of similar length, keeping placeholders."""
    return "ترجمة عربية: " + text


def _catalog_dir() -> Path:
    """A translations folder with a complete compiled `ar` catalog of the screen's strings."""
    from app.i18n.locales import plural_header

    root = Path(tempfile.mkdtemp(prefix="i18n-bench-"))
    catalog = Catalog(locale="ar", fuzzy=False)
    catalog.mime_headers = [("Plural-Forms", plural_header("ar"))]
    for text in PLAIN + NAMED:
        catalog.add(text, _arabic(text))
    for context, text in CONTEXT:
        catalog.add(text, _arabic(text), context=context)
    for singular, plural in PLURAL:
        catalog.add((singular, plural), tuple(_arabic(plural) for _ in range(6)))
    target = root / "ar" / "LC_MESSAGES" / "messages.mo"
    target.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    target.write_bytes(buffer.getvalue())
    return root


def _app(translations: Path) -> Flask:
    """A bare Flask app with only the i18n layer."""
    from app.i18n import init_i18n

    app = Flask("i18n_bench")
    app.config.update(
        TESTING=True,
        TRANSLATIONS_DIR=str(translations),
        BABEL_TRANSLATION_DIRECTORIES=str(translations),
        DEFAULT_LOCALE="en",
        BABEL_DEFAULT_LOCALE="en",
        TRADITIONAL_CHINESE_FALLBACK="zh_Hant",
        LOCALE_RELEASE_THRESHOLD=0.0,
        LOCALE_RELEASE_GATE=False,
    )
    init_i18n(app)
    return app


def _screen_translated() -> list[str]:
    """The screen through the project's gettext wrappers."""
    from app.i18n import _, ngettext, pgettext

    out = [_(text) for text in PLAIN]
    out += [_(text, current=2, total=7) for text in NAMED]
    out += [pgettext(context, text) for context, text in CONTEXT]
    out += [ngettext(singular, plural, 3) for singular, plural in PLURAL]
    return out


def _screen_flask_babel() -> list[str]:
    """The same screen through Flask-Babel's own functions, for reference."""
    from flask_babel import gettext, ngettext, pgettext

    out = [gettext(text) for text in PLAIN]
    out += [gettext(text, current=2, total=7) for text in NAMED]
    out += [pgettext(context, text) for context, text in CONTEXT]
    out += [ngettext(singular, plural, 3) for singular, plural in PLURAL]
    return out


def _screen_bare() -> list[str]:
    """The same screen with plain literals: no translation at all."""
    out = list(PLAIN)
    out += [text % {"current": 2, "total": 7} for text in NAMED]
    out += [text for _, text in CONTEXT]
    out += [plural % {"num": 3} for _, plural in PLURAL]
    return out


#: What a request context holds of the i18n layer's per-request work: the chosen locale, Flask-Babel's
#: Locale object, and the translations looked up for it.
_REQUEST_STATE = ("_ssc_locale", "_ssc_vary_language", "_flask_babel", "_ssc_translations")


def _new_request() -> None:
    """Forget the per-request i18n state, as a new request would start (without the context's cost)."""
    from flask import g

    for key in _REQUEST_STATE:
        g.__dict__.pop(key, None)


def _per_screen(app: Flask, language: str, build, iterations: int) -> float:
    """Seconds per screen, each one starting from a fresh per-request state (locale chosen again)."""
    with app.test_request_context("/", headers={"Accept-Language": language}):
        started = time.perf_counter()
        for _ in range(iterations):
            _new_request()
            build()
        return (time.perf_counter() - started) / iterations


def _per_context(app: Flask, iterations: int) -> float:
    """Seconds per empty request-context push and pop, for scale."""
    started = time.perf_counter()
    for _ in range(iterations):
        with app.test_request_context("/", headers={"Accept-Language": "ar"}):
            pass
    return (time.perf_counter() - started) / iterations


def measure_translated_screen(iterations: int = 2000, repeats: int = 11) -> dict:
    """µs per screen of ~40 strings: bare literals, en, ar (project wrappers), ar via Flask-Babel."""
    app = _app(_catalog_dir())
    with app.test_request_context("/", headers={"Accept-Language": "ar"}):
        assert _screen_translated()[0].startswith("ترجمة"), "the ar catalog did not load"
    runs: dict[str, list[float]] = {name: [] for name in ("empty", "bare", "en", "ar", "ar_flask_babel")}
    for _ in range(repeats):  # interleaved, so a burst of load hits every variant alike
        runs["empty"].append(_per_screen(app, "ar", lambda: None, iterations))
        runs["bare"].append(_per_screen(app, "ar", _screen_bare, iterations))
        runs["en"].append(_per_screen(app, "en", _screen_translated, iterations))
        runs["ar"].append(_per_screen(app, "ar", _screen_translated, iterations))
        runs["ar_flask_babel"].append(_per_screen(app, "ar", _screen_flask_babel, iterations // 4 or 1))
    # The best of the repeats: other processes on the machine only ever add time.
    empty = min(runs["empty"])
    micro = {name: round((min(values) - empty) * 1e6, 1) for name, values in runs.items() if name != "empty"}
    strings = len(PLAIN) + len(NAMED) + len(CONTEXT) + len(PLURAL)
    return {
        "strings_per_screen": strings,
        "us_per_screen": micro,
        "ar_over_en": round(micro["ar"] / micro["en"], 2) if micro["en"] > 0 else None,
        "translation_adds_us": round(micro["ar"] - micro["bare"], 1),
        "targets": {"ar_over_en_max": 1.2, "translation_adds_us_max": 50},
        "request_context_us": round(_per_context(app, iterations) * 1e6, 1),
    }


def main() -> None:
    """Print the measurement as JSON."""
    print(json.dumps(measure_translated_screen(), indent=2))


if __name__ == "__main__":
    main()
