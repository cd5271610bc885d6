"""Right to left: values and Latin runs isolated at format time, and the catalog check that asks for it."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from flask import render_template_string

from app.i18n import _, catalogs, force_locale, ngettext
from app.i18n.bidi import FSI, PDI, isolate_template, unisolated_latin_runs

from .conftest import FIXTURES, install_po, mini_app

MRZ_EN = "Example: if the first line reads P<DEUMUELLER<<HANS<PETER<<<<, type MUELLER HANS PETER."
MRZ_AR = "مثال: إذا كان السطر الأول P<DEUMUELLER<<HANS<PETER<<<<، فاكتب MUELLER HANS PETER."


def _po(path, locale: str, entries: dict) -> None:
    """Write a small catalog: {msgid or (singular, plural): msgstr or forms}."""
    catalog = Catalog(locale=locale)
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def rtl_app(tmp_path):
    translations = tmp_path / "translations"
    source = tmp_path / "ar.po"
    _po(
        source,
        "ar",
        {
            "Hello %(name)s": "مرحبًا %(name)s",
            MRZ_EN: MRZ_AR,
            ("%(num)d day left", "%(num)d days left"): tuple(f"بقي %(num)d يوم #{i}" for i in range(6)),
        },
    )
    install_po(translations, "ar", source)
    install_po(translations, "fr", FIXTURES / "broken" / "fr.po")
    return mini_app(translations)


def test_values_are_isolated_in_arabic_only(rtl_app):
    with rtl_app.app_context():
        with force_locale("ar"):
            assert _("Hello %(name)s", name="Ana-Maria <x>") == f"مرحبًا {FSI}Ana-Maria <x>{PDI}"
            assert ngettext("%(num)d day left", "%(num)d days left", 5) == f"بقي {FSI}5{PDI} يوم #3"
            # An untranslated string shown in Arabic is isolated too.
            assert _("Dear %(name)s", name="Ana") == f"{FSI}Dear{PDI} {FSI}Ana{PDI}"
        with force_locale("en"):
            assert _("Hello %(name)s", name="Ana-Maria <x>") == "Hello Ana-Maria <x>"


def test_the_passport_example_keeps_its_signs_with_the_latin_run(rtl_app):
    with rtl_app.app_context(), force_locale("ar"):
        shown = _(MRZ_EN)
    assert f"{FSI}P<DEUMUELLER<<HANS<PETER<<<<{PDI}،" in shown
    assert f"{FSI}MUELLER HANS PETER{PDI}." in shown  # the full stop stays with the Arabic sentence


def test_templates_isolate_values_before_escaping(rtl_app):
    with rtl_app.test_request_context("/?lang=ar"):
        with force_locale("ar"):
            html = render_template_string("{{ _('Hello %(name)s', name=name) }}", name="<Ana>")
    assert html == f"مرحبًا {FSI}&lt;Ana&gt;{PDI}"


def test_a_broken_translation_still_falls_back_in_a_left_to_right_locale(rtl_app):
    with rtl_app.app_context(), force_locale("fr"):
        assert _("Hello %(name)s", name="Ana") == "Hello Ana"


def test_isolation_leaves_percent_signs_numbers_and_isolated_text_alone():
    assert isolate_template("خصم 50%% اليوم") == "خصم 50%% اليوم"
    already = f"السطر {FSI}P<DEU<<{PDI} هنا"
    assert isolate_template(already) == already
    assert isolate_template("اضغط ‹ Back", latin_runs=True) == f"اضغط {FSI}‹ Back{PDI}"
    assert isolate_template("%(a)s و%(b)d", latin_runs=False) == f"{FSI}%(a)s{PDI} و{FSI}%(b)d{PDI}"


@pytest.mark.parametrize(
    "text, flagged",
    [
        (MRZ_AR, ["P<DEUMUELLER<<HANS<PETER<<<<"]),
        ("اضغط ‹ Back للعودة", ["‹ Back"]),
        ("استخدم الصيغة YYYY-MM-DD.", ["YYYY-MM-DD"]),
        (f"مثال: {FSI}P<DEUMUELLER<<HANS<PETER<<<<{PDI}، فاكتب MUELLER HANS PETER.", []),
        ("افتح WeChat ثم اضغط «رمز QR».", []),
        ("اكتب %(keywords)s أو «مساعدة»", []),
    ],
)
def test_the_check_flags_unisolated_latin_runs_with_neutral_characters(text, flagged):
    assert unisolated_latin_runs(text) == flagged


def test_catalog_check_reports_the_run_in_right_to_left_catalogs_only(tmp_path):
    translations = tmp_path / "translations"
    translations.mkdir()
    template = Catalog()
    template.add(MRZ_EN)
    with open(translations / "messages.pot", "wb") as handle:
        write_po(handle, template)
    for locale, text in (
        ("ar", MRZ_AR),
        ("fr", "Exemple : P<DEUMUELLER<<HANS<PETER<<<<, tapez MUELLER HANS PETER."),
    ):
        path = catalogs.po_path(locale, translations)
        catalog = catalogs.new_catalog(locale, template)
        catalog[MRZ_EN].string = text
        catalogs.write_catalog(catalog, path)
    problems = catalogs.check_catalogs(translations, released=(), glossary_terms=[], locales=("ar", "fr"))
    assert [(p.locale, p.kind) for p in problems] == [("ar", "bidi")]
    assert "P<DEUMUELLER<<HANS<PETER<<<<" in problems[0].detail


def test_the_project_catalogs_pass_the_isolation_check():
    problems = catalogs.check_catalogs(released=(), locales=("ar",))
    assert [str(p) for p in problems if p.kind == "bidi"] == []


def test_the_real_arabic_name_screen_isolates_the_passport_line():
    app = mini_app(catalogs.TRANSLATIONS_DIR)
    with app.app_context(), force_locale("ar"):
        shown = _(MRZ_EN)
    assert shown != MRZ_EN
    assert f"{FSI}P<DEUMUELLER<<HANS<PETER<<<<{PDI}" in shown
    assert shown.count(FSI) == shown.count(PDI)
