"""Register and variety hold across each catalog (docs/translators.md, "Register and variety")."""

from __future__ import annotations

import re

import pytest

from app.i18n import catalogs

#: Words a catalog must not use: the register or variety it chose says otherwise.
AVOIDED = {
    "ja": r"あなた|私の|私は",  # Japanese leaves the person out
    "ko": r"회원님",  # no "member" address: this is a public service
    "vi": r"(?i)mini[ -]?program",  # "chương trình mini"
    "es": r"(?i)\breport[aeó]|\bvencid[oa]|\bcelular|\bcomputadora",  # Spain's Spanish throughout
    "ru": r"^(Застрахован|Освобождён)$",  # statuses that fit anyone
    "fr": r"\(définitif\)",  # the card (la carte) is "définitive"
}


@pytest.mark.parametrize("locale", sorted(AVOIDED))
def test_catalog_keeps_its_register_and_variety(locale):
    pattern = re.compile(AVOIDED[locale])
    catalog = catalogs.read_catalog(catalogs.po_path(locale))
    found = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        found += [form for form in forms if pattern.search(form)]
    assert found == []


def test_the_varieties_are_documented():
    text = (catalogs.ROOT / "docs" / "translators.md").read_text(encoding="utf-8")
    assert "Register and variety" in text
    assert "Spain" in text and "usted" in text and "chương trình mini" in text
