"""Read-only guides as screen documents: documents checklist, lost card, leaving China, a medical
visit, and the bilateral agreements explainer.

Each guide is a registered Flow (named `guide-<slug>`) whose steps have no fields: Continue
moves to the next page, Back to the previous one. So the same guide works through
`/api/v1/flows/guide-<slug>`, through `/api/v1/guides/<slug>` (any page, no saved state) and in
the translator preview. Every page names the sources of its facts (title, link, date; official
first, secondary ones marked) and the day each was checked, from the reviewed facts in
content/facts.toml; the guides explain and never decide: only the authorities do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.card.terms import AGREEMENTS, INSURANCES, describe
from app.facts import claims_sources
from app.i18n import _, _l, lazy_pgettext, pgettext, to_text
from app.i18n.formatting import country_name, format_date
from app.journeys import registry
from app.journeys.engine import Context, Flow, Step, action, back_action, continue_action, render
from app.journeys.models import FlowState

PERMIT_CATEGORIES = ("A", "B", "C")
FLOW_PREFIX = "guide-"


def _row(label, value, note=None) -> dict:
    """A summary row (label and value translated now; guides have nothing to change)."""
    row = {"label": to_text(label), "value": to_text(value), "change": None}
    if note is not None:
        row["note"] = to_text(note)
    return row


@dataclass
class Page:
    """One page of a guide: title, paragraphs and rows, each produced in the request's locale."""

    name: str
    title: object
    body: Callable[[Context], list] = lambda ctx: []
    rows: Callable[[Context], list[dict]] = lambda ctx: []
    #: The reviewed claims (content/facts.toml) this page states; their sources end the page.
    claims: tuple[str, ...] = ()


class GuideStep(Step):
    """A page of a guide: no fields; Continue goes on, Back goes back."""

    fields = ()
    action_names = ("continue", "done")

    def __init__(self, guide: Guide, page: Page, index: int):
        self.guide = guide
        self.page = page
        self.name = page.name
        self.index = index
        self.progress = index + 1
        self.can_go_back = index > 0

    def title(self, ctx: Context) -> str:
        """The page heading."""
        return to_text(self.page.title)

    def body(self, ctx: Context) -> list[str]:
        """The page's paragraphs, then the source line."""
        paragraphs = [to_text(text) for text in self.page.body(ctx)]
        return [*paragraphs, *source_lines(self.page.claims)]

    def summary(self, ctx: Context) -> list[dict]:
        """Checklist rows: label, value and an optional note."""
        return self.page.rows(ctx)

    def actions(self, ctx: Context) -> list[dict]:
        """Continue (or Done on the last page) and Back."""
        buttons = []
        if self.index < len(self.guide.pages) - 1:
            buttons.append(continue_action())
        else:
            # TRANSLATORS: button that closes a guide after its last page.
            buttons.append(action("done", pgettext("button", "Done"), primary=True))
        if self.can_go_back:
            buttons.append(back_action())
        return buttons

    def next_step(self, ctx: Context) -> str:
        """The next page, or this one on the last page."""
        names = self.guide.order
        return names[min(self.index + 1, len(names) - 1)]


class Guide(Flow):
    """A read-only guide: its pages, its source and what it is about."""

    def __init__(self, slug: str, title, summary, pages: list[Page]):
        """A guide named `slug`, its title and summary, and its pages in order."""
        self.slug = slug
        self.name = FLOW_PREFIX + slug
        self.guide_title = title
        self.guide_summary = summary
        self.pages = pages
        self.claims = tuple(dict.fromkeys(claim for page in pages for claim in page.claims))
        self.total = len(pages)
        super().__init__([GuideStep(self, page, index) for index, page in enumerate(pages)])

    def sources(self) -> list[dict]:
        """Every source of the guide's claims, official first, with the day each was checked."""
        return [
            {**source.as_dict(), "checked_on": checked.isoformat()}
            for source, checked in claims_sources(self.claims)
        ]

    def describe(self) -> dict:
        """{slug, flow, title, summary, pages, source, sources, checked_on} for the guide list.

        `source` is the first (official) source, `checked_on` the earliest day any claim of the
        guide was checked.
        """
        sources = self.sources()
        return {
            "slug": self.slug,
            "flow": self.name,
            "title": to_text(self.guide_title),
            "summary": to_text(self.guide_summary),
            "pages": list(self.order),
            "source": sources[0],
            "sources": sources,
            "checked_on": min(source["checked_on"] for source in sources),
        }


def source_lines(claim_ids) -> list[str]:
    """One "Source: … Checked on …" line per source of these claims, in the active locale."""
    lines = []
    for source, checked_on in claims_sources(claim_ids):
        checked = format_date(checked_on)
        if source.official and source.published:
            # TRANSLATORS: title is a document's title, date its publication date, checked a date.
            line = _(
                "Source: %(title)s (%(date)s). Checked on %(checked)s.",
                title=source.title,
                date=format_date(source.published),
                checked=checked,
            )
        elif source.official:
            # TRANSLATORS: title is a document's title, checked a date.
            line = _("Source: %(title)s. Checked on %(checked)s.", title=source.title, checked=checked)
        elif source.published:
            # TRANSLATORS: a press, law-firm or other non-official source. title is its title, date its
            # publication date, checked a date.
            line = _(
                "Secondary source: %(title)s (%(date)s). Checked on %(checked)s.",
                title=source.title,
                date=format_date(source.published),
                checked=checked,
            )
        else:
            # TRANSLATORS: a press, law-firm or other non-official source. title is its title, checked a date.
            line = _(
                "Secondary source: %(title)s. Checked on %(checked)s.", title=source.title, checked=checked
            )
        lines.append(line)
    return lines


# --- the documents checklist ----------------------------------------------------------------------

#: The day the Apostille Convention entered into force for China (claim `documents` in content/facts.toml).
APOSTILLE_IN_FORCE = date(2023, 11, 7)


def _degree_note() -> str:
    """The degree certificate's note, its date written the user's way."""
    # TRANSLATORS: date is the day China began to accept apostilles, e.g. "November 7, 2023".
    return _(
        "With an apostille if it comes from a country of the Apostille Convention. China has accepted "
        "apostilles since %(date)s. Otherwise, a Chinese embassy or consulate must certify it.",
        date=format_date(APOSTILLE_IN_FORCE, "long"),
    )


#: The seven documents of the work permit application and their validity notes.
DOCUMENTS = (
    # TRANSLATORS: a document in the checklist of the documents guide.
    (_l("Passport information page"), "护照信息页", _l("The passport must be valid for more than 6 months.")),
    (
        lazy_pgettext("document", "Recent photo"),
        "近期照片",
        _l("Front-facing and bareheaded, taken within the last 6 months; local size rules vary."),
    ),
    # TRANSLATORS: a document in the checklist of the documents guide.
    (_l("Highest degree certificate"), "最高学位证书", _degree_note),
    (
        # TRANSLATORS: a document in the checklist of the documents guide.
        _l("Work experience certificate"),
        "工作经历证明",
        _l(
            "From previous employers: position, dates, the employer's seal or a manager's signature "
            "and a working phone number or e-mail."
        ),
    ),
    (
        # TRANSLATORS: a document in the checklist of the documents guide.
        _l("Criminal record certificate"),
        "无犯罪记录证明",
        _l(
            "From your country of nationality or of residence. It needs an apostille, or a Chinese embassy "
            "or consulate must certify it. Use it within 6 months of its issue date (3 months in some "
            "countries)."
        ),
    ),
    # TRANSLATORS: a document in the checklist of the documents guide.
    (_l("Medical examination report"), "体检证明", _l("Less than 6 months old.")),
    (
        _l("Employment contract or letter of assignment"),
        "劳动合同或派遣函",
        _l("The Chinese version for company employees."),
    ),
)


def _category(ctx: Context) -> str | None:
    """The permit category the guide is shown for (from the request), if any."""
    category = ctx.data.get("category") if ctx.state is not None else None
    return category if category in PERMIT_CATEGORIES else None


def _documents_body(ctx: Context) -> list:
    """Intro, with the category-specific note when a category is known."""
    paragraphs = [
        _(
            "Your employer applies online in the Service System for Foreigners Working in "
            "China and uploads these documents. Foreign-language documents need a Chinese "
            "translation, usually stamped by the employer or a translation company."
        )
    ]
    category = _category(ctx)
    if category in ("B", "C"):
        paragraphs.append(
            # TRANSLATORS: category is a work permit category letter, B or C.
            _(
                "As a category %(category)s holder, you may also have to go to the local work "
                "permit office (受理窗口) within 30 days of entering China. Local agencies ask "
                "for this, and the practice varies by city.",
                category=category,
            )
        )
    return paragraphs


def _document_rows(ctx: Context) -> list[dict]:
    """One row per document: name, Chinese name, validity note (a note with a date is made now)."""
    return [_row(name, name_zh, note() if callable(note) else note) for name, name_zh, note in DOCUMENTS]


def _after_entry_body(ctx: Context) -> list:
    """After entry: the national rule, then the on-site check local agencies ask of B and C."""
    return [
        _(
            "The national notice says that you do not receive a physical work permit after entry. You "
            "apply for your residence permit with the Notification Letter or your electronic Social "
            "Security Card."
        ),
        _(
            "Local agencies also ask category B and C holders to go to the local work permit office "
            "(受理窗口) within 30 days of entry. They go in person, or the employer or an authorised "
            "person goes for them. The practice varies by city. Ask your employer or the local office "
            "what applies to you."
        ),
        _(
            "Bring the originals of the application documents and a copy of your work visa or residence "
            "permit. Also bring a medical examination report from an inspection and quarantine "
            "institution in China, less than 6 months old."
        ),
        _(
            "You then receive the Decision on Administrative Permit. Your work permit page in this "
            "service shows your deadline."
        ),
    ]


DOCUMENTS_GUIDE = Guide(
    "documents",
    _l("Documents for your work permit"),
    _l("The seven documents, how long each stays valid, and the 30-day check after entry."),
    [
        Page(
            "checklist",
            _l("Documents for your work permit"),
            _documents_body,
            _document_rows,
            claims=("work-permit-documents", "onsite-check"),
        ),
        Page(
            "after_entry",
            _l("After you enter China: the 30-day check"),
            _after_entry_body,
            claims=("onsite-check",),
        ),
    ],
)


# --- lost card -----------------------------------------------------------------------------------

LOST_CARD_GUIDE = Guide(
    "lost-card",
    lazy_pgettext("guide title", "Lost your card?"),
    _l("Report it for now, make a formal report, then cancel the report or get a new card."),
    [
        Page(
            "temporary",
            _l("Report it lost right away"),
            lambda ctx: [
                _("A temporary report stops others from using your card. Make it in any of these ways:"),
            ],
            lambda ctx: [
                _row(
                    lazy_pgettext("reporting channel", "12333 hotline"),
                    "12333",
                    _l("On the phone, say: 我要临时挂失社保卡。"),
                ),
                _row(
                    lazy_pgettext("reporting channel", "Online"),
                    "电子社保卡 / 掌上12333",
                    _l("In the official 电子社保卡 app or the 掌上12333 app."),
                ),
                _row(
                    lazy_pgettext("reporting channel", "The card's bank"),
                    "银行客服",
                    _l("The customer service of the bank on your card."),
                ),
                _row(
                    lazy_pgettext("reporting channel", "A service point"),
                    "社保卡服务网点",
                    _l("Any service point that handles social security cards."),
                ),
            ],
            claims=("lost-card",),
        ),
        Page(
            "formal",
            _l("Make a formal report in person"),
            lambda ctx: [
                _(
                    "A temporary report is not the end: go in person with your passport to make a formal "
                    "report (正式挂失)."
                ),
                _(
                    "Make it at a service point for the social security side of the card. Make it at the "
                    "card's bank for the bank side. The two reports are separate."
                ),
            ],
            claims=("lost-card",),
        ),
        Page(
            "found_or_replace",
            _l("Found it, or need a new one?"),
            lambda ctx: [
                _("If you find the card, cancel the report (解挂) at the agency or bank where you made it."),
                _(
                    "Otherwise apply for a replacement card (补发). Fees and waiting times depend on the "
                    "city and the bank; ask where you apply."
                ),
            ],
            lambda ctx: [
                # TRANSLATORS: row of the lost-card guide: withdrawing a loss report when the card is found.
                _row(lazy_pgettext("lost card", "Cancel the report"), "解挂"),
                _row(lazy_pgettext("lost card", "Replacement card"), "补发"),
            ],
            claims=("lost-card",),
        ),
    ],
)


# --- leaving China -------------------------------------------------------------------------------

LEAVING_GUIDE = Guide(
    "leaving-china",
    lazy_pgettext("guide title", "Leaving China"),
    _l("Keep your social security account, or take the lump sum of your individual account."),
    [
        Page(
            "choices",
            _l("Two choices when you leave"),
            lambda ctx: [
                _(
                    "If you leave before pension age, you keep your individual account. If you work in China "
                    "again, your years of contributions add up."
                ),
                _(
                    "Or you can apply in writing to end your membership of the social insurance system "
                    "(终止社会保险关系). The social security agency then pays you the balance of your "
                    "individual account in one lump sum."
                ),
                _(
                    "This service does not make that choice or apply for you. The social security agency "
                    "decides."
                ),
            ],
            lambda ctx: [
                # TRANSLATORS: row of the leaving-China guide: the choice to keep the pension account open.
                _row(lazy_pgettext("leaving China", "Keep the account"), "保留个人账户"),
                _row(lazy_pgettext("leaving China", "Lump-sum withdrawal"), "一次性领取个人账户储存额"),
            ],
            claims=("leaving-china",),
        ),
        Page(
            "lump_sum",
            _l("Taking the lump sum"),
            lambda ctx: [
                _(
                    "Apply in writing to the social security agency where you are insured, before or "
                    "when you leave. Ask the agency or your employer's HR team which documents they "
                    "need. Bring your passport and your social security card."
                ),
                _(
                    "You receive only the balance of your individual account, not what your employer paid "
                    "into the pooled fund. This is a national rule (Interim Measures, Article 6)."
                ),
            ],
            claims=("leaving-china",),
        ),
        Page(
            "pension_abroad",
            _l("If you receive a Chinese pension abroad"),
            lambda ctx: [
                _(
                    "Pensioners living abroad prove once a year that they are still eligible. They can do it "
                    "online, or with a life certificate from a Chinese embassy or consulate. They can also use "
                    "a certificate from a notary that has an apostille or that a Chinese embassy or consulate "
                    "has certified."
                ),
            ],
            claims=("pension-abroad",),
        ),
    ],
)


# --- a medical visit -----------------------------------------------------------------------------

MEDICAL_GUIDE = Guide(
    "medical-visit",
    lazy_pgettext("guide title", "Seeing a doctor"),
    _l("Which QR code to show at a hospital or pharmacy, and what to say at the counter."),
    [
        Page(
            "which_qr",
            _l("Which QR code to show"),
            lambda ctx: [
                _(
                    "There are two different codes. The QR code of the electronic Social Security Card "
                    "(电子社保卡) proves who you are. It works at service points."
                ),
                _(
                    "The medical insurance e-voucher (医保电子凭证) is a separate code. It comes from the "
                    "National Healthcare Security Administration. You claim it in the national medical "
                    "insurance app, in WeChat or in Alipay. Many hospitals and pharmacies take it to bill "
                    "your medical insurance."
                ),
                _(
                    "Hospitals accept different codes. If a hospital refuses one, ask whether it takes the "
                    "other."
                ),
            ],
            lambda ctx: [
                _row(_l("Electronic social security card"), "电子社保卡"),
                # TRANSLATORS: row of the medical guide naming the second of two QR codes.
                _row(_l("Medical insurance e-voucher"), "医保电子凭证"),
            ],
            claims=("medical-voucher",),
        ),
        Page(
            "phrases",
            # TRANSLATORS: page title of the medical guide: at the hospital's or pharmacy's counter.
            lazy_pgettext("medical guide", "At the counter"),
            lambda ctx: [
                _("Show the phrase in Chinese if it helps."),
            ],
            lambda ctx: [
                _row(_l("I want to pay with my medical insurance."), "我想用医保结算。"),
                _row(_l("Can I use the medical insurance e-voucher?"), "可以用医保电子凭证吗？"),
                _row(_l("Can I use the electronic social security card?"), "可以用电子社保卡吗？"),
                _row(_l("I am a foreigner insured in this city."), "我是在本市参保的外国人。"),
            ],
            claims=("medical-voucher",),
        ),
    ],
)


# --- bilateral agreements ------------------------------------------------------------------------


def _agreement_rows(ctx: Context) -> list[dict]:
    """The 13 agreement countries: what each exempts, whether and since when it is in force, its sources."""
    rows = []
    for code, agreement in AGREEMENTS.items():
        if "unemployment" in agreement.insurances:
            covers = pgettext("agreement covers", "Pension and unemployment insurance")
        else:
            covers = pgettext("agreement covers", "Pension only")
        if not agreement.in_force:
            assert agreement.signed is not None  # the facts check requires it of an agreement not in force
            # TRANSLATORS: date is the day an agreement was signed; it has not entered into force.
            note = _("Signed on %(date)s; not yet in force", date=format_date(agreement.signed))
        elif agreement.in_force_since:
            # TRANSLATORS: date is the day an agreement came into force.
            note = _("In force since %(date)s", date=format_date(agreement.in_force_since))
        else:
            # TRANSLATORS: an agreement that is applied, but no official text gives its start date.
            note = pgettext("agreement", "In force (date not confirmed)")
        row = _row(country_name(code), covers, note)
        row["sources"] = [
            {**source.as_dict(), "checked_on": checked.isoformat()}
            for source, checked in claims_sources([f"agreement-{code}"])
        ]
        rows.append(row)
    return rows


def _agreement_terms(ctx: Context) -> list[dict]:
    """The official names of the insurances an agreement can cover."""
    return [
        _row(describe(INSURANCES, code)["name"], describe(INSURANCES, code)["term_zh"])
        for code in ("pension", "unemployment")
    ]


AGREEMENTS_GUIDE = Guide(
    "bilateral-agreements",
    _l("Bilateral social security agreements"),
    _l("Which 13 countries have one, what they can exempt, and the certificate of coverage."),
    [
        Page(
            "countries",
            _l("The 13 agreement countries"),
            lambda ctx: [
                _(
                    "China has signed social security agreements with 13 countries. Under each of them, "
                    "workers sent to China by an employer in the other country can be exempt from the basic "
                    "pension. Some agreements also exempt them from unemployment insurance. The table shows "
                    "which ones, and whether and since when each agreement is in force."
                ),
            ],
            _agreement_rows,
            claims=("agreements-list",),
        ),
        Page(
            "who",
            _l("Who can be exempt"),
            lambda ctx: [
                _(
                    "An exemption is mainly for workers sent to China by an employer in the agreement country. "
                    "It also covers crew, diplomats and civil servants. They show a certificate of coverage "
                    "from their home country's social security institution."
                ),
                _(
                    "Certificates are time-limited. Under the agreement with Germany, for example, a "
                    "certificate is valid for up to 60 months at first. An extension can bring it to 96 "
                    "months in total."
                ),
                _(
                    "Contributions to the other insurances continue in China. People hired locally in China are "
                    "generally not exempt, even if they are nationals of an agreement country. The agreement "
                    "with Korea also covers some locally hired workers."
                ),
            ],
            _agreement_terms,
            claims=("agreements-who",),
        ),
        Page(
            "next",
            # TRANSLATORS: page title of the agreements guide: the steps to take for an exemption.
            lazy_pgettext("guide page", "What to do"),
            lambda ctx: [
                _(
                    "This guide explains the rules; it does not decide whether you are exempt. Only the "
                    "social security agency decides, based on your certificate of coverage."
                ),
                _(
                    "Give your certificate of coverage to your employer's HR team. They show it to the social "
                    "security agency where you are insured. The national platform's 境外免缴 service is for "
                    "workers that China sends abroad, not for you. Your insurances page in this service shows "
                    "any exemption on record and when the certificate runs out."
                ),
            ],
            claims=("agreements-apply",),
        ),
    ],
)


GUIDES: dict[str, Guide] = {}
for _guide in (DOCUMENTS_GUIDE, LOST_CARD_GUIDE, LEAVING_GUIDE, MEDICAL_GUIDE, AGREEMENTS_GUIDE):
    GUIDES[_guide.slug] = _guide
    registry.register(_guide)


def get_guide(slug: str) -> Guide | None:
    """The guide with this slug, or None."""
    return GUIDES.get(slug)


def render_page(guide: Guide, page: str | None, locale: str, category: str | None = None) -> dict:
    """One page of a guide as a screen document (no saved state), with the guide's source."""
    step = page or guide.order[0]
    index = guide.order.index(step)
    state = FlowState(
        user_id=None,
        flow=guide.name,
        step=step,
        answers={},
        context={"category": category} if category else {},
        history=guide.order[:index],
        version=1,
    )
    ctx = Context(user_id=None, locale=locale, preview=True, state=state)
    document = render(guide, ctx)
    document["guide"] = {
        **guide.describe(),
        "page": step,
        "previous_page": guide.order[index - 1] if index > 0 else None,
        "next_page": guide.order[index + 1] if index < len(guide.order) - 1 else None,
        "category": category,
    }
    return document
