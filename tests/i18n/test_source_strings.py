"""Every user-visible string in app/ is translatable by construction (a gate for the whole tree)."""

from __future__ import annotations

from pathlib import Path

from app.i18n.catalogs import ROOT, extract_catalog
from app.i18n.glossary import load_glossary
from app.i18n.source_scan import (
    SHORT_MSGID_ALLOWLIST,
    catalog_offences,
    literal_problems,
    scan_file,
    scan_tree,
)

BAD_SOURCE = """
from app.i18n import _, _l, ngettext, pgettext

def bad(name, n, x):
    a = _(f"Hello {name}")
    b = _("Hello %s" % name)
    c = _("Hello " + name)
    d = _("Hello {}".format(name))
    e = _(x)
    f = ngettext("%(num)d file", x, n)
    g = _("Save 50% now")
    h = _("%s of %s")
    i = pgettext("button", "Continue")
    return a, b, c, d, e, f, g, h, i
"""


def _allow():
    terms = {variant for term in load_glossary() for variant in term.variants("en")}
    return SHORT_MSGID_ALLOWLIST | terms


def test_no_gettext_call_in_app_builds_its_message_at_runtime():
    offences = scan_tree(ROOT)
    assert offences == [], "Untranslatable gettext calls:\n" + "\n".join(str(o) for o in offences)


def test_placeholders_have_comments_and_short_strings_have_context():
    offences = catalog_offences(extract_catalog(), allow=_allow())
    assert offences == [], "Source strings to fix:\n" + "\n".join(str(o) for o in offences)


def test_the_scan_catches_each_bad_pattern(tmp_path: Path):
    source = tmp_path / "app" / "bad.py"
    source.parent.mkdir()
    source.write_text(BAD_SOURCE, encoding="utf-8")
    offences = scan_file(source, tmp_path)
    lines = sorted({offence.line for offence in offences})
    assert lines == [5, 6, 7, 8, 9, 10, 11, 12]
    assert {offence.rule for offence in offences} == {
        "not-a-literal",
        "bare-percent",
        "positional-placeholder",
    }
    assert all(str(offence).startswith("app/bad.py:") for offence in offences)


def test_literal_rules():
    assert literal_problems("Try again after %(time)s.") == []
    assert literal_problems("50%% off") == []
    assert literal_problems("50% off")[0].startswith("bare-percent")
    assert literal_problems("%d files")[0].startswith("positional-placeholder")


def test_template_rules_on_a_fixture(tmp_path: Path):
    from babel.messages.catalog import Catalog

    catalog = Catalog()
    catalog.add("Welcome back, %(name)s", locations=[("app/x.py", 3)])
    catalog.add("Hello %(name)s again", locations=[("app/x.py", 5)], auto_comments=["%(name)s is a name"])
    catalog.add("Continue", locations=[("app/x.py", 7)])
    catalog.add("Continue", locations=[("app/x.py", 8)], context="button")
    catalog.add("WeChat", locations=[("app/x.py", 9)])
    rules = [(offence.line, offence.rule) for offence in catalog_offences(catalog)]
    assert rules == [(3, "placeholder-without-comment"), (7, "short-without-context")]
