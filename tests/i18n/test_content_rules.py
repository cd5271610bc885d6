"""The English source's content rules (docs/content-style.md): each fails on a fixture and passes on the catalogs."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.catalog import Catalog

from app.i18n import catalogs, source_rules

ROOT = Path(__file__).resolve().parents[2]
TERMS = source_rules.load_terms()


def _template(*messages) -> Catalog:
    """A template holding (msgid, context, comment, path) messages."""
    template = Catalog(locale="en")
    for msgid, context, comment, path in messages:
        template.add(msgid, context=context, auto_comments=[comment] if comment else [],
                     locations=[(path, 1)])
    return template


def _kinds(template, pending=frozenset()) -> list[tuple[str, str]]:
    return [(kind, msgid) for kind, msgid, _ in source_rules.checked_problems(template, TERMS, set(pending))]


LONG = ("Before you start we need to know which of your documents you have at hand today, because the "
        "next screens ask for the numbers printed on each of them.")


def test_a_sentence_over_25_words_fails_only_where_foreigners_read_it():
    assert source_rules.word_count(LONG) > 25
    assert _kinds(_template((LONG, None, "x", "app/flows/verify.py"))) == [("long-sentence", LONG)]
    assert _kinds(_template((LONG, None, "x", "app/admin/templates/admin/base.html"))) == []
    split = LONG.replace(" today, because", " today. The")
    assert _kinds(_template((split, None, "x", "app/flows/verify.py"))) == []


def test_a_placeholder_counts_as_one_word():
    assert source_rules.word_count("Tap “%(card)s” then “%(permit)s”.") == 4


def test_a_term_to_avoid_fails_and_its_preferred_form_passes():
    bad = "Go to a service outlet with your passport."
    assert _kinds(_template((bad, None, "x", "app/flows/guides.py"))) == [("term", bad)]
    for text in ("It works at social security counters.", "Open the e-SSC app.", "Ask your HR department.",
                 "A member of our team will answer.", "Your card is now active."):
        assert [kind for kind, _ in _kinds(_template((text, None, "x", "app/x.py")))] == ["term"], text
    good = "Go to a service point with your passport. Ask your employer's HR team."
    assert _kinds(_template((good, None, "x", "app/flows/guides.py"))) == []


def test_every_term_names_its_official_chinese_and_has_something_to_avoid():
    assert len(TERMS) >= 10
    for term in TERMS:
        assert term.zh and term.preferred and term.avoid, term.id
        assert not any(pattern.search(term.preferred) for pattern in term.avoid), term.id


def test_a_short_message_needs_a_context_or_a_comment():
    assert _kinds(_template(("Cancel the report", None, "", "app/flows/guides.py"))) == [
        ("short-without-context", "Cancel the report")]
    assert _kinds(_template(("Cancel the report", "lost card row", "", "app/flows/guides.py"))) == []
    assert _kinds(_template(("Cancel the report", None, "row of the lost-card guide", "app/flows/guides.py"))) == []
    assert _kinds(_template(("WeChat", None, "", "app/flows/guides.py"))) == []


def test_pending_entries_are_excused_and_must_go_once_fixed():
    bad = "Go to a service outlet."
    assert _kinds(_template((bad, None, "x", "app/x.py")), {("term", bad)}) == []
    assert _kinds(_template(("Go to a service point.", None, "x", "app/x.py")), {("term", bad)}) == [
        ("pending-stale", bad)]


def test_check_catalogs_reports_the_source_rules(tmp_path):
    folder = tmp_path / "translations"
    folder.mkdir()
    catalogs.write_template(_template(("A service centre", None, "", "app/x.py")), folder)
    assert catalogs.check_catalogs(folder, locales=[]) == []  # only `flask i18n check` turns them on
    problems = catalogs.check_catalogs(folder, locales=[], source_rules=True, pending=set())
    assert {(p.locale, p.kind) for p in problems} == {("source", "term"), ("source", "short-without-context")}


def test_the_project_catalogs_pass_the_source_rules(tmp_path):
    folder = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", folder, ignore=shutil.ignore_patterns("*.mo"))
    problems = [p for p in catalogs.check_catalogs(folder, locales=[], source_rules=True) if p.locale == "source"]
    assert problems == []


def test_flask_i18n_check_fails_on_a_source_offence(app, tmp_path):
    folder = tmp_path / "translations"
    folder.mkdir()
    catalogs.write_template(_template(("Visit a service outlet today.", None, "x", "app/qr.py")), folder)
    app.config["TRANSLATIONS_DIR"] = str(folder)
    result = app.test_cli_runner().invoke(args=["i18n", "check", "--no-extract"])
    assert result.exit_code == 1
    assert "source: term" in result.output and "service point" in result.output
