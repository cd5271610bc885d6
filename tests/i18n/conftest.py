"""Fixtures of the i18n tests: fixture catalogs in a temp translations folder and a minimal app on it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from app.i18n import init_i18n
from app.web.headers_and_metrics import HeadersAndMetrics

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "i18n"


def install_po(translations: Path, locale: str, source: Path, *, compile_mo: bool = True) -> Path:
    """Copy a fixture .po into translations/<locale>/LC_MESSAGES and compile it as-is."""
    target = translations / locale / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    if compile_mo:
        with open(source, "rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        target.with_suffix(".mo").write_bytes(buffer.getvalue())
    return target


@pytest.fixture
def fixture_project(tmp_path) -> Path:
    """A translations folder with the fixture template and a correct French catalog."""
    translations = tmp_path / "translations"
    translations.mkdir()
    shutil.copyfile(FIXTURES / "project" / "translations" / "messages.pot", translations / "messages.pot")
    install_po(translations, "fr", FIXTURES / "project" / "fr.po", compile_mo=False)
    return translations


def mini_app(translations: Path, **config) -> Flask:
    """A bare Flask app with only the i18n layer (and the request-stack layer that sends its headers), on its own translations."""
    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        TRANSLATIONS_DIR=str(translations),
        BABEL_TRANSLATION_DIRECTORIES=str(translations),
        DEFAULT_LOCALE="en",
        BABEL_DEFAULT_LOCALE="en",
        DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        TRADITIONAL_CHINESE_FALLBACK="zh_Hant",
        LOCALE_RELEASE_THRESHOLD=0.0,
        PSEUDO_LOCALES=False,
    )
    app.config.update(config)
    init_i18n(app)
    app.wsgi_app = HeadersAndMetrics(app.wsgi_app, app)
    return app
