"""Fixtures of the help-desk tests: a small compiled catalog that translates the welcome."""

from __future__ import annotations

import pytest


@pytest.fixture
def korean_catalog(tmp_path):
    """A translations folder where `ko` translates the help-desk welcome (to prove the reply's locale)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from app.helpdesk import answers as helpdesk

    welcome_id = _msgid(helpdesk.welcome_text)
    catalog = Catalog(locale="ko", fuzzy=False)
    catalog.add(welcome_id, "사회보장카드 도움말에 오신 것을 환영합니다. %(keywords)s")
    catalog.add("“card”, “permit”, “contributions”, “lost card” or “language”", "“카드”, “허가”")
    folder = tmp_path / "translations" / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return str(tmp_path / "translations")


def _msgid(function) -> str:
    """The msgid a reply function translates (captured by replacing gettext for one call)."""
    import app.helpdesk.answers as module

    captured = []
    original = module._

    def capture(msgid, **variables):
        captured.append(msgid)
        return msgid

    module._ = capture
    try:
        function()
    finally:
        module._ = original
    return captured[-1]
