"""The official-term glossary: complete columns, search, and the catalog check that enforces it."""

from __future__ import annotations

from babel.messages.catalog import Catalog

from app.i18n.glossary import LOCALE_COLUMNS, glossary_problems, load_glossary, search, terms_in
from app.i18n.locales import SUPPORTED

REQUIRED_TERMS = {
    "five_insurances",
    "pension_insurance",
    "medical_insurance",
    "work_injury_insurance",
    "unemployment_insurance",
    "maternity_insurance",
    "social_security_card",
    "electronic_social_security_card",
    "work_permit",
    "social_security_number",
    "permanent_residence_id",
    "card_status_sealed",
    "card_status_normal",
    "card_status_reported_lost",
    "card_status_cancelled",
    "contribution_base",
    "uscc",
    "certificate_of_coverage",
    "work_permit_notification",
    "hotline_12333",
    "social_security_agency",
    "service_point",
    "verify",
    "card_status_not_activated",
    "card_status_frozen",
    "contribution_reversed",
}


def test_every_term_has_chinese_pinyin_and_every_locale():
    terms = load_glossary()
    assert REQUIRED_TERMS <= {term.id for term in terms}
    assert set(LOCALE_COLUMNS) == set(SUPPORTED) - {"en", "zh_Hans"}
    for term in terms:
        assert term.zh and term.pinyin and term.variants("en"), term.id
        for locale in SUPPORTED:
            assert term.rendering(locale), (term.id, locale)
    assert len({term.id for term in terms}) == len(terms)


def test_search_by_chinese_pinyin_english_and_translation():
    assert search("社保卡")[0].id == "electronic_social_security_card"
    assert search("fengcun")[0].id == "card_status_sealed"  # pinyin without tone marks
    assert search("fēngcún")[0].id == "card_status_sealed"
    assert search("work permit")[0].id == "work_permit"
    assert search("사회보장카드", "ko")[0].id == "social_security_card"
    assert search("sécurité", "fr")  # accents and case do not matter
    assert search("nothing like this") == []
    assert len(search("")) == len(load_glossary())
    assert search("12333")[0].as_dict("ja")["translation"] == "12333ホットライン"


def test_longest_term_wins_and_context_terms_need_their_context():
    terms = load_glossary()
    found = terms_in("Open your electronic social security card.", None, terms)
    assert [term.id for term in found] == ["electronic_social_security_card"]
    assert terms_in("On hold", None, terms) == []
    assert [term.id for term in terms_in("On hold", "card status", terms)] == ["card_status_sealed"]


def test_check_accepts_inflected_variants_and_flags_others():
    catalog = Catalog(locale="ru", fuzzy=False)
    catalog.add("Show your social security card.", "Покажите карту социального обеспечения.")
    catalog.add("Your social security card is ready.", "Ваша соцкарта готова.")
    catalog.add("Your work permit", "Ваше разрешение на работу", flags=["fuzzy"])  # fuzzy: not checked
    problems = glossary_problems(catalog, "ru", load_glossary())
    assert [problem.msgid for problem in problems] == ["Your social security card is ready."]
    assert "карта социального обеспечения" in problems[0].detail


def test_arabic_terms_match_with_attached_prepositions_and_articles():
    catalog = Catalog(locale="ar", fuzzy=False)
    catalog.add("Open the medical insurance app.", "افتح التطبيق الوطني للتأمين الطبي.")
    catalog.add("Your medical insurance", "تأمين طبي خاص بك")
    catalog.add("Ask about social insurance.", "اسأل عن الضرائب.")
    problems = glossary_problems(catalog, "ar", load_glossary())
    assert [problem.msgid for problem in problems] == ["Ask about social insurance."]


def _one(msgid, msgstr, locale, context=None):
    catalog = Catalog(locale=locale)
    catalog.add(msgid, msgstr, context=context)
    return [problem.detail for problem in glossary_problems(catalog, locale, load_glossary())]


def test_the_check_holds_the_terms_that_drifted():
    # zh_Hant: 服務網點 and 核驗, not 服務據點 or 驗證; es and ar: one word for a service point.
    assert _one("At a service point", "到服務據點", "zh_Hant")
    assert _one("At a service point", "到服務網點", "zh_Hant") == []
    assert _one("All verified users", "所有已驗證的使用者", "zh_Hant")
    assert _one("All verified users", "所有已核驗的使用者", "zh_Hant") == []
    assert _one("A service outlet", "Una oficina de atención", "es")
    assert _one("A service outlet", "Un punto de atención", "es") == []
    assert _one("A service outlet", "منفذ خدمة", "ar")
    assert _one("A service outlet", "نقطة خدمة", "ar") == []
    assert _one("Ask the social security agency.", "Fragen Sie die Sozialversicherungsbehörde.", "de")
    assert _one("Reversed", "Đã hoàn", "vi", context="contribution status")
    assert _one("Reversed", "معكوس", "ar", context="contribution status")
    assert _one("Frozen", "Gesperrt", "de", context="card status") == []
    assert _one("Not activated", "未激活", "zh_Hant", context="card status")
