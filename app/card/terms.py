"""The card's vocabulary: statuses, permit categories, the five insurances and their official Chinese terms.

Each entry pairs a translatable English label and explanation with the official Chinese term, so
a user can find the same words in the official 电子社保卡 app. Labels are lazy: they are
translated when a response is built, in the user's locale.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import overload

from app.facts import Agreement, facts
from app.i18n import _l, lazy_pgettext, to_text
from app.i18n.translate import current_translations


@dataclass(frozen=True)
class Term:
    """One coded value: its label and explanation (translatable) and the official Chinese term."""

    code: str
    name: object
    term_zh: str
    explanation: object = None

    def describe(self) -> dict:
        """{code, name, term_zh, explanation} in the active locale."""
        return {
            "code": self.code,
            "name": to_text(self.name),
            "term_zh": self.term_zh,
            "explanation": to_text(self.explanation) if self.explanation is not None else None,
        }


def _terms(*terms: Term) -> dict[str, Term]:
    """A code → Term table, in the given order."""
    return {term.code: term for term in terms}


#: Card statuses as the registry codes them; the Chinese terms are those shown under "My SSC".
CARD_STATUSES = _terms(
    Term(
        "not_activated",
        # TRANSLATORS: card status 未激活: the holder has the card, but it does not work until activated.
        lazy_pgettext("card status", "Not activated"),
        "未激活",
        _l(
            "You have the card, but you have not activated its social security functions yet. It does not "
            "work until you activate it at a service point, at the card's bank or in the official "
            "电子社保卡 app."
        ),
    ),
    Term(
        "normal",
        # TRANSLATORS: card status 正常: the one status in which the card works (not "active", not "in use").
        lazy_pgettext("card status", "Normal"),
        "正常",
        _l(
            "The card works. Use the physical card or the electronic Social Security Card to prove who you "
            "are and to look up your records. Use it also to pay medical costs with your medical "
            "insurance."
        ),
    ),
    Term(
        "sealed",
        # TRANSLATORS: card status 封存: contributions have stopped and the account is on hold until a
        # new employer enrols the holder. Not a "sealed" card, and not the card's own state.
        lazy_pgettext("card status", "On hold"),
        "封存",
        _l(
            "Contributions to your social insurance have stopped, usually because a job ended. Your account "
            "is on hold. You keep your contribution record and your individual account. When a new "
            "employer enrols you, the account opens again. Ask the social security agency where you are "
            "insured what this means for your benefits."
        ),
    ),
    Term(
        "temp_lost",
        lazy_pgettext("card status", "Reported lost (temporary)"),
        "临时挂失",
        _l(
            "You have reported the card lost for now (through the 12333 hotline, online or at the card's "
            "bank). Make a formal report in person with your passport, or cancel the report if you find "
            "the card."
        ),
    ),
    Term(
        "formally_lost",
        lazy_pgettext("card status", "Reported lost (formal)"),
        "正式挂失",
        _l(
            "You have made a formal loss report in person. Apply for a replacement card, or "
            "cancel the report if you find the card."
        ),
    ),
    Term(
        "frozen",
        lazy_pgettext("card status", "Frozen"),
        "冻结",
        _l(
            "The card is frozen: you cannot use it for now. Call the 12333 hotline or ask your local "
            "social security agency why, and what to do."
        ),
    ),
    Term(
        "cancelled",
        lazy_pgettext("card status", "Cancelled"),
        "注销",
        _l("The card is cancelled. You can no longer use it."),
    ),
)

#: Statuses in which the card works for services.
USABLE_CARD_STATUSES = frozenset({"normal"})
#: Statuses for which the lost-card guide is the next step.
LOST_CARD_STATUSES = frozenset({"temp_lost", "formally_lost"})

#: Work permit categories of the 2017 points system.
PERMIT_CATEGORIES = _terms(
    Term(
        "A",
        _l("Category A: foreign high-end talent"),
        "外国高端人才（A类）",
        _l("For high-end talent: usually 85 points or more, or meeting one of the listed criteria."),
    ),
    Term(
        "B",
        _l("Category B: foreign professional talent"),
        "外国专业人才（B类）",
        _l(
            "For professionals: usually 60 to 84 points, typically a bachelor's degree and two years "
            "of work experience."
        ),
    ),
    Term(
        "C",
        _l("Category C: other foreign workers"),
        "其他外国人员（C类）",
        _l("For other foreign workers below 60 points. A quota limits the number of these permits."),
    ),
)

#: Work permit statuses.
PERMIT_STATUSES = _terms(
    Term("valid", lazy_pgettext("permit status", "Valid"), "有效"),
    Term("expired", lazy_pgettext("permit status", "Expired"), "已过期"),
    Term("cancelled", lazy_pgettext("permit status", "Cancelled"), "已注销"),
)

#: Local agencies (not the national notice) ask B and C holders to attend an acceptance window
#: within this many days of entry (claim "onsite-check").
ONSITE_CHECK_DAYS = 30
ONSITE_CHECK_CATEGORIES = frozenset({"B", "C"})

#: The five insurances, in the order the official app lists them (names as in MOHRSS's
#: English translation of Decree 16).
INSURANCES = _terms(
    Term(
        "pension",
        _l("Basic old-age insurance for employees (pension)"),
        "职工基本养老保险",
        _l("Builds your pension. The individual account stays yours if you leave China."),
    ),
    Term(
        "medical",
        _l("Basic medical insurance for employees"),
        "职工基本医疗保险",
        _l("Pays part of your costs at designated hospitals and pharmacies."),
    ),
    Term(
        "work_injury",
        # TRANSLATORS: name of one of the five insurances on the insurances screen.
        _l("Work injury insurance"),
        "工伤保险",
        _l("Covers injuries and illness caused by work. Only the employer pays."),
    ),
    Term(
        "unemployment",
        # TRANSLATORS: name of one of the five insurances on the insurances screen.
        _l("Unemployment insurance"),
        "失业保险",
        _l("Pays benefits if you lose your job, under local rules."),
    ),
    Term(
        "maternity",
        # TRANSLATORS: name of one of the five insurances on the insurances screen.
        _l("Maternity insurance"),
        "生育保险",
        _l(
            "Covers childbirth costs and maternity pay. Since 2019, China has run it together with medical "
            "insurance nationwide. Only the employer pays."
        ),
    ),
)
INSURANCE_ORDER = {code: index for index, code in enumerate(INSURANCES)}

#: Short insurance labels for tables and CSV columns.
INSURANCE_SHORT = {
    "pension": lazy_pgettext("insurance", "Pension"),
    # TRANSLATORS: short name of basic medical insurance in tables and CSV columns (the insurance, not
    # a doctor's visit).
    "medical": lazy_pgettext("insurance", "Medical"),
    "work_injury": lazy_pgettext("insurance", "Work injury"),
    "unemployment": lazy_pgettext("insurance", "Unemployment"),
    "maternity": lazy_pgettext("insurance", "Maternity"),
}

#: Enrolment statuses; "not_recorded" is ours, for an insurance the registry has no row for.
ENROLMENT_STATUSES = _terms(
    Term(
        "enrolled",
        lazy_pgettext("enrolment status", "Enrolled"),
        "参保",
        _l("You are insured. Contributions for this insurance are due every month."),
    ),
    Term(
        "exempt",
        lazy_pgettext("enrolment status", "Exempt"),
        "免缴",
        _l(
            "You do not pay this insurance in China under a bilateral social security agreement, "
            "while your certificate of coverage is valid."
        ),
    ),
    Term(
        "suspended",
        lazy_pgettext("enrolment status", "Suspended"),
        "暂停缴费",
        _l("You pay no contributions for now, for example between two jobs."),
    ),
    Term("ended", lazy_pgettext("enrolment status", "Ended"), "终止参保", _l("This insurance has ended.")),
    Term(
        "not_recorded",
        lazy_pgettext("enrolment status", "No record"),
        "无记录",
        _l("We have no record of this insurance for you. Ask your employer's HR team."),
    ),
)

#: Contribution payment statuses.
CONTRIBUTION_STATUSES = _terms(
    # TRANSLATORS: status of one month's contribution 应缴: the amount is owed and not paid yet.
    Term("due", lazy_pgettext("contribution status", "Due"), "应缴"),
    Term("paid", lazy_pgettext("contribution status", "Paid"), "已缴"),
    # TRANSLATORS: status of one month's contribution 欠缴: the payment is late, past its deadline.
    Term("arrears", lazy_pgettext("contribution status", "In arrears"), "欠缴"),
    # TRANSLATORS: status of one month's contribution 冲销: an earlier booking was cancelled by a
    # correcting entry (an accounting reversal), not a refund.
    Term("reversed", lazy_pgettext("contribution status", "Reversed"), "冲销"),
)


#: The 13 countries with a bilateral social security agreement with China, from the reviewed facts
#: (content/facts.toml): per country the China-side insurances it exempts, its dates and status.
AGREEMENTS: dict[str, Agreement] = facts().agreements

#: The claims (content/facts.toml) behind the tables above.
CLAIMS = {
    "card_statuses": "card-statuses",
    "permit_categories": "permit-categories",
    "onsite_check": "onsite-check",
    "insurances": "insurances",
    "activation": "activation",
}


#: Described values per catalog: a catalog (Translations object) maps (table, code) → dict.
_DESCRIBED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@overload
def describe(table: dict[str, Term], code: str) -> dict: ...
@overload
def describe(table: dict[str, Term], code: None) -> None: ...
@overload
def describe(table: dict[str, Term], code: str | None) -> dict | None: ...
def describe(table: dict[str, Term], code: str | None) -> dict | None:
    """A coded value described in the active locale; unknown codes keep their code, no label.

    Results are memoized per catalog (catalogs are fixed for the life of an app), so callers
    must treat the returned dict as read-only.
    """
    if code is None:
        return None
    translations = current_translations()
    memo = _DESCRIBED.setdefault(translations, {}) if translations is not None else {}
    key = (id(table), code)
    described = memo.get(key)
    if described is None:
        term = table.get(code)
        if term is None:
            described = {"code": code, "name": code, "term_zh": None, "explanation": None}
        else:
            described = term.describe()
        memo[key] = described
    return described
