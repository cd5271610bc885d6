"""The English source's content rules (docs/content-style.md): each fails on a fixture and passes on the catalogs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from app.i18n import catalogs, source_rules

ROOT = Path(__file__).resolve().parents[2]
TERMS = source_rules.load_terms()


def _template(*messages) -> Catalog:
    """A template holding (msgid, context, comment, path) messages."""
    template = Catalog(locale="en")
    for msgid, context, comment, path in messages:
        template.add(
            msgid, context=context, auto_comments=[comment] if comment else [], locations=[(path, 1)]
        )
    return template


def _kinds(template, pending=frozenset(), kept=()) -> list[tuple[str, str]]:
    return [
        (kind, msgid)
        for kind, msgid, _ in source_rules.checked_problems(template, TERMS, set(pending), list(kept))
    ]


LONG = (
    "Before you start we need to know which of your documents you have at hand today, because the "
    "next screens ask for the numbers printed on each of them."
)


def test_a_sentence_over_25_words_fails_only_where_foreigners_read_it():
    assert source_rules.word_count(LONG) > 25
    assert _kinds(_template((LONG, None, "x", "app/verify/journey.py"))) == [("long-sentence", LONG)]
    assert _kinds(_template((LONG, None, "x", "app/admin/templates/admin/base.html"))) == []
    split = LONG.replace(" today, because", " today. The")
    assert _kinds(_template((split, None, "x", "app/verify/journey.py"))) == []


def test_a_placeholder_counts_as_one_word():
    assert source_rules.word_count("Tap “%(card)s” then “%(permit)s”.") == 4


def test_a_term_to_avoid_fails_and_its_preferred_form_passes():
    bad = "Go to a service outlet with your passport."
    assert _kinds(_template((bad, None, "x", "app/guides/journey.py"))) == [("term", bad)]
    for text in (
        "It works at social security counters.",
        "Open the e-SSC app.",
        "Ask your HR department.",
        "A member of our team will answer.",
        "Your card is now active.",
    ):
        assert [kind for kind, _ in _kinds(_template((text, None, "x", "app/x.py")))] == ["term"], text
    good = "Go to a service point with your passport. Ask your employer's HR team."
    assert _kinds(_template((good, None, "x", "app/guides/journey.py"))) == []


def test_every_term_names_its_official_chinese_and_has_something_to_avoid():
    assert len(TERMS) >= 10
    for term in TERMS:
        assert term.zh and term.preferred and term.avoid, term.id
        assert not any(pattern.search(term.preferred) for pattern in term.avoid), term.id


def test_a_short_message_needs_a_context_or_a_comment():
    assert _kinds(_template(("Cancel the report", None, "", "app/guides/journey.py"))) == [
        ("short-without-context", "Cancel the report")
    ]
    assert _kinds(_template(("Cancel the report", "lost card row", "", "app/guides/journey.py"))) == []
    assert (
        _kinds(_template(("Cancel the report", None, "row of the lost-card guide", "app/guides/journey.py")))
        == []
    )
    assert _kinds(_template(("WeChat", None, "", "app/guides/journey.py"))) == []


def test_passive_voice_is_found_with_regular_and_irregular_participles():
    assert source_rules.passive_phrases("Your unfinished answers are then deleted.") == ["are then deleted"]
    assert source_rules.passive_phrases("Only the balance is paid out.") == ["is paid"]
    assert source_rules.passive_phrases("The card has been formally reported lost.") == [
        "been formally reported"
    ]
    assert source_rules.passive_phrases("The address cannot be copied for you.") == ["be copied"]
    assert source_rules.passive_phrases("This notice wasn’t sent.") == ["wasn’t sent"]
    for active in (
        "We deleted your account.",
        "You keep your individual account.",
        "It is on your card.",
        "The card is in use.",
        "Contributions are due every month.",
        "Is the red button there?",
    ):
        assert source_rules.passive_phrases(active) == [], active


def test_a_passive_fails_where_foreigners_read_it_and_its_active_rewrite_passes():
    bad = "Your unfinished answers are then deleted."
    assert _kinds(_template((bad, None, "x", "app/verify/journey.py"))) == [("passive", bad)]
    assert _kinds(_template((bad, None, "x", "app/admin/console.py"))) == []
    assert (
        _kinds(_template(("We then delete your unfinished answers.", None, "x", "app/verify/journey.py")))
        == []
    )


def test_a_kept_passive_needs_its_entry_and_the_entry_must_go_once_fixed():
    status = "The card is frozen: you cannot use it for now."
    kept = [source_rules.KeptPassive("", status, "is frozen", "card status 冻结")]
    assert _kinds(_template((status, None, "x", "app/card/terms.py")), kept=kept) == []
    other_context = [source_rules.KeptPassive("card status", status, "is frozen", "card status 冻结")]
    assert _kinds(_template((status, None, "x", "app/card/terms.py")), kept=other_context) == [
        ("passive", status),
        ("passive-stale", status),
    ]
    assert _kinds(_template(("You cannot use the card for now.", None, "x", "app/x.py")), kept=kept) == [
        ("passive-stale", status)
    ]


def test_the_passive_allow_list_gives_a_reason_for_every_entry(tmp_path):
    kept = source_rules.load_passive_allowed()
    assert kept and all(entry.reason and entry.phrase for entry in kept)
    for entry in kept:
        assert entry.phrase.casefold() in [p.casefold() for p in source_rules.passive_phrases(entry.msgid)], (
            entry
        )
    unreasoned = tmp_path / "passive_allowed.csv"
    unreasoned.write_text("msgctxt,msgid,phrase,reason\n,The card is frozen.,is frozen,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no reason"):
        source_rules.load_passive_allowed(unreasoned)


def test_flask_i18n_check_fails_on_a_passive(app, tmp_path):
    folder = tmp_path / "translations"
    folder.mkdir()
    catalogs.write_template(
        _template(("Your request was refused by the bank.", None, "x", "app/qr.py")), folder
    )
    app.config["TRANSLATIONS_DIR"] = str(folder)
    result = app.test_cli_runner().invoke(args=["i18n", "check", "--no-extract"])
    assert result.exit_code == 1
    assert "source: passive" in result.output and "was refused" in result.output


def test_pending_entries_are_excused_and_must_go_once_fixed():
    bad = "Go to a service outlet."
    assert _kinds(_template((bad, None, "x", "app/x.py")), {("term", bad)}) == []
    assert _kinds(_template(("Go to a service point.", None, "x", "app/x.py")), {("term", bad)}) == [
        ("pending-stale", bad)
    ]


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
    problems = [
        p for p in catalogs.check_catalogs(folder, locales=[], source_rules=True) if p.locale == "source"
    ]
    assert problems == []


def test_flask_i18n_check_fails_on_a_source_offence(app, tmp_path):
    folder = tmp_path / "translations"
    folder.mkdir()
    catalogs.write_template(_template(("Visit a service outlet today.", None, "x", "app/qr.py")), folder)
    app.config["TRANSLATIONS_DIR"] = str(folder)
    result = app.test_cli_runner().invoke(args=["i18n", "check", "--no-extract"])
    assert result.exit_code == 1
    assert "source: term" in result.output and "service point" in result.output
