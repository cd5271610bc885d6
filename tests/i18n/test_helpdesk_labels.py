"""The help desk names only the mini program's own buttons, in the words each language shows on them."""

from __future__ import annotations

import re

import pytest

from app.helpdesk.answers import topic_reply
from app.i18n import catalogs, force_locale, pgettext
from app.i18n.locales import SUPPORTED

from .conftest import mini_app

#: A quoted label: “…”, «…», « … », „…“, 「…」.
QUOTED = re.compile(r"“([^”“]+)”|«\s?([^»]+?)\s?»|„([^“]+)“|「([^」]+)」")
#: Invisible direction isolates a right-to-left message puts around interpolated labels.
ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")
#: The navigation icons and the card's shortcuts (client texts, miniprogram_stub/components/nav).
NAV = (
    "Verify",
    "Card",
    "Permit",
    "Insurances",
    "Contributions",
    "QR code",
    "Notices",
    "Guides",
    "Settings",
    "Help desk",
)


@pytest.fixture(scope="module")
def real_app():
    return mini_app(catalogs.TRANSLATIONS_DIR)


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("topic", ["card", "permit", "contributions", "language"])
def test_help_texts_quote_only_existing_buttons(real_app, locale, topic):
    with real_app.app_context(), force_locale(locale):
        labels = {pgettext("navigation", name).translate(ISOLATES) for name in NAV}
        text = topic_reply(topic)
    quoted = [
        next(group for group in match.groups() if group).translate(ISOLATES)
        for match in QUOTED.finditer(text)
    ]
    assert quoted, text
    assert [label for label in quoted if label not in labels] == [], text
