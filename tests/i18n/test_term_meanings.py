"""Words that said the wrong thing: 封存 is an account on hold, 冲正 a reversed entry, short labels whole."""

from __future__ import annotations

import pytest

from app.card.terms import CARD_STATUSES
from app.i18n import catalogs, force_locale, pgettext
from app.i18n.glossary import load_glossary

from .conftest import mini_app

TRANSLATED = catalogs.CATALOG_LOCALES
#: Renderings of 封存 as a physically sealed object (or the Chinese word left in Japanese).
SEALED_CALQUES = {
    "sealed",
    "versiegelt",
    "scellée",
    "sellada",
    "selado",
    "niêm phong",
    "مختومة",
    "봉인",
    "опечатана",
}


@pytest.fixture(scope="module")
def real_app():
    return mini_app(catalogs.TRANSLATIONS_DIR)


def test_fengcun_means_an_account_on_hold_in_the_source():
    term = CARD_STATUSES["sealed"]
    with mini_app(catalogs.TRANSLATIONS_DIR).app_context(), force_locale("en"):
        described = term.describe()
    assert described["term_zh"] == "封存"
    assert described["name"] == "On hold"
    assert (
        "stopped" in described["explanation"]
        and "You keep your contribution record" in described["explanation"]
    )
    assert "collected" not in described["explanation"]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_fengcun_is_no_calque_in_any_locale(real_app, locale):
    glossary = {term.id: term for term in load_glossary()}
    with real_app.app_context(), force_locale(locale):
        label = pgettext("card status", "On hold")
    assert label != "On hold"
    assert label.casefold() not in SEALED_CALQUES
    assert glossary["card_status_sealed"].rendering(locale).casefold() not in SEALED_CALQUES
    if locale == "ja":
        assert "封存" not in label


@pytest.mark.parametrize(
    "locale, context, msgid, wrong",
    [
        ("vi", "contribution status", "Reversed", "Đã hoàn"),
        ("ar", "contribution status", "Reversed", "معكوس"),
        ("de", "insurance", "Medical", "Kranken"),
        ("es", "insurance", "Medical", "Médico"),
        ("fr", "card status", "Reported lost (formal)", "Déclarée perdue (définitif)"),
        ("ru", "enrolment status", "Enrolled", "Застрахован"),
        ("ru", "enrolment status", "Exempt", "Освобождён"),
    ],
)
def test_labels_that_said_the_wrong_thing(real_app, locale, context, msgid, wrong):
    with real_app.app_context(), force_locale(locale):
        shown = pgettext(context, msgid)
    assert shown != msgid and shown != wrong
