"""Counts inside sentences are plural messages with the number: grammar right in every language."""

from __future__ import annotations

import pytest

from app.accounts.admin_auth import AccountLocked
from app.card import formatting as card_format
from app.i18n import catalogs, force_locale

from .conftest import mini_app


@pytest.fixture(scope="module")
def real_app():
    return mini_app(catalogs.TRANSLATIONS_DIR)


@pytest.mark.parametrize(
    "locale, days, expected",
    [
        ("de", -5, "Vor 5 Tagen beendet"),
        ("de", -1, "Vor 1 Tag beendet"),
        ("de", 5, "Noch 5 Tage"),
        ("es", 1, "Queda 1 día"),
        ("es", 3, "Quedan 3 días"),
        ("pt", 1, "Falta 1 dia"),
        ("pt", 2, "Faltam 2 dias"),
        ("ru", 21, "Остался 21 день"),
        ("ru", 3, "Осталось 3 дня"),
        ("ru", 11, "Осталось 11 дней"),
        ("fr", -2, "Terminé il y a 2 jours"),
        ("en", 1, "1 day left"),
        ("en", -1, "Ended 1 day ago"),
        ("en", 0, "Ends today"),
    ],
)
def test_days_left_agrees_with_its_number(real_app, locale, days, expected):
    with real_app.app_context(), force_locale(locale):
        assert card_format.days_left(days) == expected


def test_arabic_uses_its_dual_and_plural_forms(real_app):
    with real_app.app_context(), force_locale("ar"):
        assert "يومان" in card_format.days_left(2)
        assert "أيام" in card_format.days_left(5)
        assert "يومًا" in card_format.days_left(15)


@pytest.mark.parametrize(
    "locale, minutes, expected",
    [
        ("en", 1, "Too many failed sign-ins. Try again in 1 minute."),
        ("en", 15, "Too many failed sign-ins. Try again in 15 minutes."),
        ("ru", 1, "Слишком много неудачных попыток входа. Повторите через 1 минуту."),
        ("ru", 2, "Слишком много неудачных попыток входа. Повторите через 2 минуты."),
        ("de", 1, "Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in 1 Minute erneut."),
    ],
)
def test_the_lockout_message_agrees_with_its_minutes(real_app, locale, minutes, expected):
    with real_app.app_context(), force_locale(locale):
        assert AccountLocked(minutes=minutes).render_message() == expected


def test_no_message_drops_a_count_with_its_unit_into_a_sentence():
    """Counts reach sentences as %(num)d of a plural message, never as a preformatted "5 days"."""
    template = catalogs.read_catalog(catalogs.pot_path())
    singular = {message.id for message in template if isinstance(message.id, str)}
    for name in ("days", "minutes", "max", "hours", "months"):
        assert not [msgid for msgid in singular if f"%({name})s" in msgid], name
