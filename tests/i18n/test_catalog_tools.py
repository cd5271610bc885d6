"""Catalog tools: each check fails on its bad fixture, compile refuses broken catalogs, update keeps work."""

from __future__ import annotations

import gettext
import json
import shutil
from pathlib import Path

import pytest

from app.cli.i18n import i18n as i18n_group
from app.i18n import catalogs
from app.i18n.glossary import load_glossary

from .conftest import FIXTURES, install_po, mini_app

BAD = FIXTURES / "bad"

#: bad fixture → the check kind that must report it.
EXPECTED = {
    "placeholder_typo": "placeholder",
    "placeholder_positional": "placeholder",
    "placeholder_dropped": "placeholder",
    "plural_count": "plural-count",
    "plural_partial": "partial-plural",
    "plural_header": "plural-header",
    "fuzzy_entry": "fuzzy",
    "untranslated": "untranslated",
    "glossary": "glossary",
    "too_long": "length",
    "out_of_date": "out-of-date",
    "fuzzy_header": "fuzzy-header",
}


def _check(translations, **kwargs):
    return catalogs.check_catalogs(translations, locales=["fr"], glossary_terms=load_glossary(), **kwargs)


def test_the_good_fixture_passes_every_check(fixture_project):
    assert _check(fixture_project, released=["fr"]) == []


def test_every_bad_fixture_exists_and_is_covered():
    assert {path.stem for path in BAD.glob("*.po")} == set(EXPECTED)


@pytest.mark.parametrize(("name", "kind"), sorted(EXPECTED.items()))
def test_each_bad_fixture_fails_its_check(fixture_project, name, kind):
    install_po(fixture_project, "fr", BAD / f"{name}.po", compile_mo=False)
    problems = _check(fixture_project, released=["fr"])
    assert kind in {problem.kind for problem in problems}, [str(p) for p in problems]
    for problem in problems:
        assert problem.locale == "fr" and str(problem).startswith("fr: ")


@pytest.mark.parametrize("name", ["fuzzy_entry", "untranslated"])
def test_incomplete_entries_only_fail_a_released_locale(fixture_project, name):
    install_po(fixture_project, "fr", BAD / f"{name}.po", compile_mo=False)
    assert _check(fixture_project, released=[]) == []


def test_released_locales_come_from_the_manifest(fixture_project):
    install_po(fixture_project, "fr", BAD / "untranslated.po", compile_mo=False)
    (fixture_project / "released.txt").write_text("# kept complete\nfr\n", encoding="utf-8")
    assert catalogs.read_released(fixture_project) == ("fr",)
    assert "untranslated" in {problem.kind for problem in _check(fixture_project)}


def test_template_out_of_date_with_the_code_fails(fixture_project):
    fresh = catalogs.read_catalog(fixture_project / "messages.pot")
    fresh.add("A string just added to the code.", locations=[("app/card/new.py", 1)])
    problems = _check(fixture_project, released=[], fresh_template=fresh)
    assert [problem.kind for problem in problems] == ["out-of-date"]
    assert problems[0].msgid == "A string just added to the code." and "new in the code" in problems[0].detail


def test_english_source_over_its_budget_fails(fixture_project):
    pot = fixture_project / "messages.pot"
    pot.write_text(
        pot.read_text(encoding="utf-8").replace(
            'msgid "Card ready"', 'msgid "Your new card is ready to collect"'
        ),
        encoding="utf-8",
    )
    kinds = {(problem.locale, problem.kind) for problem in _check(fixture_project, released=[])}
    assert ("template", "length") in kinds


@pytest.mark.parametrize(
    "name",
    [
        "placeholder_typo",
        "placeholder_positional",
        "plural_partial",
        "plural_count",
        "plural_header",
        "fuzzy_header",
    ],
)
def test_compile_refuses_a_broken_catalog_with_a_clear_message(fixture_project, name):
    install_po(fixture_project, "fr", BAD / f"{name}.po", compile_mo=False)
    with pytest.raises(catalogs.CatalogError) as caught:
        catalogs.compile_catalog("fr", fixture_project)
    assert "not compiled" in str(caught.value) and "fr/LC_MESSAGES/messages.po" in str(caught.value)
    assert not catalogs.mo_path("fr", fixture_project).exists()


def _load_mo(translations: Path) -> gettext.GNUTranslations:
    with open(catalogs.mo_path("fr", translations), "rb") as handle:
        return gettext.GNUTranslations(handle)


def test_compile_leaves_fuzzy_and_untranslated_entries_out(fixture_project):
    install_po(fixture_project, "fr", BAD / "fuzzy_entry.po", compile_mo=False)
    catalogs.compile_catalog("fr", fixture_project)
    compiled = _load_mo(fixture_project)
    assert compiled.gettext("Show your social security card at the counter.") == (
        "Show your social security card at the counter."
    )
    assert compiled.gettext("Try again after %(time)s.") == "Réessayez après %(time)s."
    assert compiled.ngettext("%(num)d day left", "%(num)d days left", 2) == "%(num)d jours restants"


def test_compile_all_reports_refusals_and_compiles_the_rest(fixture_project):
    install_po(fixture_project, "de", BAD / "placeholder_typo.po", compile_mo=False)
    written, refused = catalogs.compile_catalogs(fixture_project, ["fr", "de"])
    assert [path.parent.parent.name for path in written] == ["fr"]
    assert len(refused) == 1 and "de/LC_MESSAGES" in refused[0]


def test_stats_count_what_users_see(fixture_project):
    good = catalogs.catalog_stats(catalogs.read_catalog(catalogs.po_path("fr", fixture_project)), "fr")
    assert (
        good.total,
        good.translated,
        good.fuzzy,
        good.untranslated,
        good.partial_plurals,
        good.errors,
    ) == (5, 5, 0, 0, 0, 0)
    for name, expected in {
        "fuzzy_entry": (5, 4, 1, 0, 0, 0),
        "plural_partial": (5, 4, 0, 1, 1, 1),
        "placeholder_typo": (5, 5, 0, 0, 0, 2),  # Babel's "unknown placeholder" and ours "missing"
    }.items():
        install_po(fixture_project, "fr", BAD / f"{name}.po", compile_mo=False)
        stats = catalogs.catalog_stats(catalogs.read_catalog(catalogs.po_path("fr", fixture_project)), "fr")
        assert (
            stats.total,
            stats.translated,
            stats.fuzzy,
            stats.untranslated,
            stats.partial_plurals,
            stats.errors,
        ) == expected, name
    assert stats.as_dict()["percent"] == 100.0


SOURCE = """from app.i18n import _, ngettext


def hello(name):
    # TRANSLATORS: %(name)s is the user's given name.
    return _("Hello, %(name)s!", name=name)


def days(n):
    # TRANSLATORS: %(num)d is a number of days.
    return ngettext("%(num)d day left", "%(num)d days left", n)


def gone():
    return _("This sentence will be removed from the code.")
"""


def _project(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "app" / "hello.py").write_text(SOURCE, encoding="utf-8")
    shutil.copyfile(catalogs.MAPPING_FILE, root / "babel.cfg")
    return root, root / "translations"


def test_update_keeps_translations_and_marks_changes_fuzzy_with_the_previous_msgid(tmp_path):
    root, translations = _project(tmp_path)
    template = catalogs.extract_catalog(root, root / "babel.cfg")
    assert template.get("Hello, %(name)s!").auto_comments == ["%(name)s is the user's given name."]
    catalogs.write_template(template, translations)
    catalogs.update_catalogs(template, translations, ["fr", "ru"])
    fr_path = catalogs.po_path("fr", translations)
    fr = catalogs.read_catalog(fr_path)
    assert fr.plural_forms == "nplurals=2; plural=(n > 1);"
    assert catalogs.read_catalog(catalogs.po_path("ru", translations)).num_plurals == 3
    fr.get("Hello, %(name)s!").string = "Bonjour, %(name)s !"
    fr.get("This sentence will be removed from the code.").string = "Cette phrase va disparaître."
    catalogs.write_catalog(fr, fr_path)

    source = SOURCE.replace("Hello, %(name)s!", "Hello %(name)s!").replace(
        'return _("This sentence will be removed from the code.")', "return None"
    )
    (root / "app" / "hello.py").write_text(source, encoding="utf-8")
    template = catalogs.extract_catalog(root, root / "babel.cfg")
    catalogs.update_catalogs(template, translations, ["fr"])

    text = fr_path.read_text(encoding="utf-8")
    assert '#| msgid "Hello, %(name)s!"' in text
    assert '#~ msgid "This sentence will be removed from the code."' in text
    updated = catalogs.read_catalog(fr_path)
    changed = updated.get("Hello %(name)s!")
    assert changed.fuzzy and changed.string == "Bonjour, %(name)s !"
    # The fuzzy guess is never compiled: users see English until a translator reviews it.
    catalogs.compile_catalog("fr", translations)
    assert _load_mo(translations).gettext("Hello %(name)s!") == "Hello %(name)s!"


def test_cli_commands_run_on_a_translations_folder(fixture_project):
    app = mini_app(fixture_project)
    app.cli.add_command(i18n_group)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["i18n", "compile"])
    assert result.exit_code == 0, result.output
    assert catalogs.mo_path("fr", fixture_project).exists()

    result = runner.invoke(args=["i18n", "stats", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["locale"] == "fr" and rows[0]["translated"] == 5

    result = runner.invoke(args=["i18n", "stats"])
    assert "locale" in result.output and "fr" in result.output

    result = runner.invoke(args=["i18n", "pseudo"])
    assert result.exit_code == 0, result.output
    assert catalogs.mo_path("ar@pseudo", fixture_project).exists()

    install_po(fixture_project, "fr", BAD / "placeholder_typo.po", compile_mo=False)
    result = runner.invoke(args=["i18n", "check", "--no-extract"])
    assert result.exit_code == 1
    assert "fr: placeholder:" in result.output
    result = runner.invoke(args=["i18n", "compile"])
    assert result.exit_code == 1
    assert "not compiled" in result.output


def test_button_labels_have_a_default_budget():
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale="de", fuzzy=False)
    catalog.mime_headers = [("Plural-Forms", "nplurals=2; plural=(n != 1);")]
    catalog.add("Continue", "Weiter", context="button")
    catalog.add("Back", "Zurück zur vorherigen Seite dieses Ablaufs", context="button")
    problems = [p for p in catalogs.message_problems(catalog, "de") if p.kind == "length"]
    assert [problem.msgid for problem in problems] == ["Back"]


def test_written_files_are_readable_by_the_service_user(fixture_project):
    path = catalogs.compile_catalog("fr", fixture_project)
    assert path.stat().st_mode & 0o777 == 0o644
