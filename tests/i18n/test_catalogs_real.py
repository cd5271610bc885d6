"""The project's own catalogs: canonical folders, pinned plural headers, every locale loads and translates."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.core import get_global
from babel.messages.pofile import read_po

from app.i18n import catalogs, force_locale, gettext, ngettext, pgettext
from app.i18n.countries import ALPHA2_BY_ALPHA3
from app.i18n.locales import PLURAL_FORMS, PSEUDO, SOURCE_LOCALE, SUPPORTED

from .conftest import mini_app

#: Strings that exist in the code now and that every catalog must translate.
CANARIES = [
    "Please sign in again.",
    "We could not find what you asked for.",
    "Something went wrong on our side. Please try again later.",
]
TRANSLATED = [locale for locale in SUPPORTED if locale != SOURCE_LOCALE]


@pytest.fixture(scope="module")
def real_app():
    return mini_app(catalogs.TRANSLATIONS_DIR, PSEUDO_LOCALES=True)


def test_folders_are_canonical_babel_ids():
    folders = {path.name for path in catalogs.TRANSLATIONS_DIR.iterdir() if path.is_dir()}
    assert set(TRANSLATED) <= folders
    assert folders <= set(TRANSLATED) | set(PSEUDO)
    for folder in folders:
        assert str(Locale.parse(folder)) == folder
    assert "zh_CN" not in folders and "zh_TW" not in folders


@pytest.mark.parametrize("locale", TRANSLATED)
def test_headers_carry_the_pinned_plural_rule(locale):
    with open(catalogs.po_path(locale), "rb") as handle:
        catalog = read_po(handle)
    assert str(catalog.locale) == locale
    assert catalog.num_plurals == PLURAL_FORMS[locale][0]
    assert catalog.plural_forms == catalogs.plural_header(locale)
    assert not catalog.fuzzy


def test_the_plural_table_decisions():
    assert {locale: PLURAL_FORMS[locale][0] for locale in ("fr", "es", "pt", "ru", "ar", "vi", "ja")} == {
        "fr": 2,
        "es": 2,
        "pt": 2,
        "ru": 3,
        "ar": 6,
        "vi": 1,
        "ja": 1,
    }


@pytest.mark.parametrize("locale", TRANSLATED)
@pytest.mark.parametrize("canary", CANARIES)
def test_every_supported_locale_loads_and_translates(real_app, locale, canary):
    with real_app.app_context(), force_locale(locale):
        translated = gettext(canary)
    assert translated != canary and translated.strip()


@pytest.mark.parametrize("locale", TRANSLATED)
def test_context_strings_translate(real_app, locale):
    with real_app.app_context(), force_locale(locale):
        assert pgettext("card status", "On hold") != "On hold"


def test_the_real_catalogs_pass_the_catalog_checks():
    problems = catalogs.check_catalogs(catalogs.TRANSLATIONS_DIR)
    assert problems == [], "\n".join(str(problem) for problem in problems)


def test_pseudo_locales_run_every_plural_path(fixture_project):
    catalogs.build_pseudo(fixture_project)
    app = mini_app(fixture_project, PSEUDO_LOCALES=True)
    counts = (0, 1, 2, 3, 11, 100)
    with app.app_context():
        with force_locale("ar@pseudo"):
            arabic = [ngettext("%(num)d day left", "%(num)d days left", n) for n in counts]
        with force_locale("en@pseudo"):
            english = [ngettext("%(num)d day left", "%(num)d days left", n) for n in (1, 2)]
    assert [text.rsplit("#", 1)[1] for text in arabic] == ["0]", "1]", "2]", "3]", "4]", "5]"]
    assert all(text.startswith("\u200f[") and str(n) in text for n, text in zip(counts, arabic, strict=True))
    assert english == ["[1 đàý ĺéƒţ ····]", "[2 đàýš ĺéƒţ ····]"]


def test_ar_pseudo_has_six_distinct_plural_forms():
    with open(catalogs.po_path("ar@pseudo"), "rb") as handle:
        catalog = read_po(handle)
    assert catalog.num_plurals == 6


def test_country_table_agrees_with_cldr():
    aliases = get_global("territory_aliases")
    for alpha3, alpha2 in ALPHA2_BY_ALPHA3.items():
        if len(alpha3) == 3 and alpha3 in aliases:
            assert aliases[alpha3][0] == alpha2, alpha3
