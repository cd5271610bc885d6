"""Read-only guides as screen documents: documents checklist, lost card, leaving China, a medical
visit, and the bilateral agreements explainer.

Each guide is a registered Flow (named `guide-<slug>`) whose steps have no fields: Continue
moves to the next page, Back to the previous one. So the same guide works through
`/api/v1/flows/guide-<slug>`, through `/api/v1/guides/<slug>` (any page, no saved state) and in
the translator preview. Every guide names its source (title, link, date) and the day it was
last checked against it; the guides explain and never decide: only the authorities do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.i18n import _, _l, lazy_pgettext, pgettext, to_text
from app.i18n.formatting import format_date
from app.models.flow import FlowState
from app.services.card_format import country as describe_country
from app.services.card_terms import AGREEMENTS, INSURANCES, describe

from . import registry
from .engine import Context, Flow, Sample, Step, action, back_action, continue_action, render

PERMIT_CATEGORIES = ("A", "B", "C")
FLOW_PREFIX = "guide-"


@dataclass(frozen=True)
class Source:
    """Where a guide's facts come from."""

    title: str
    url: str
    published: date | None = None

    def as_dict(self) -> dict:
        """{title, url, date} for the wire (date ISO, or null when the page has none)."""
        return {"title": self.title, "url": self.url,
                "date": self.published.isoformat() if self.published else None}


#: The day every guide below was last checked against its sources.
CHECKED_ON = date(2026, 11, 28)


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
        return [*paragraphs, self.guide.source_line()]

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

    def __init__(self, slug: str, title, summary, source: Source, pages: list[Page],
                 samples_data: list[dict] | None = None):
        self.slug = slug
        self.name = FLOW_PREFIX + slug
        self.guide_title = title
        self.guide_summary = summary
        self.source = source
        self.pages = pages
        self.total = len(pages)
        self.samples_data = samples_data or [{}]
        super().__init__([GuideStep(self, page, index) for index, page in enumerate(pages)])

    def source_line(self) -> str:
        """"Source: <title> (<date>). Checked on <date>." in the active locale."""
        checked = format_date(CHECKED_ON)
        if self.source.published:
            # TRANSLATORS: title is a document's title, date its publication date, checked a date.
            return _("Source: %(title)s (%(date)s). Checked on %(checked)s.", title=self.source.title,
                     date=format_date(self.source.published), checked=checked)
        # TRANSLATORS: title is a document's title, checked a date.
        return _("Source: %(title)s. Checked on %(checked)s.", title=self.source.title, checked=checked)

    def samples(self) -> list[Sample]:
        """Every page (with each variant of context data, e.g. the permit categories)."""
        samples = []
        for data in self.samples_data:
            suffix = "".join(f".{key}-{value}" for key, value in sorted(data.items()))
            samples.extend(Sample(step=name, data=dict(data), label=f"{name}{suffix}") for name in self.order)
        return samples

    def describe(self) -> dict:
        """{slug, flow, title, summary, pages, source, checked_on} for the guide list."""
        return {
            "slug": self.slug,
            "flow": self.name,
            "title": to_text(self.guide_title),
            "summary": to_text(self.guide_summary),
            "pages": list(self.order),
            "source": self.source.as_dict(),
            "checked_on": CHECKED_ON.isoformat(),
        }


# --- the documents checklist ----------------------------------------------------------------------

#: The seven documents of the work permit application and their validity notes.
DOCUMENTS = (
    (_l("Passport information page"), "护照信息页",
     _l("The passport must be valid for more than 6 more months.")),
    (lazy_pgettext("document", "Recent photo"), "近期照片",
     _l("Front-facing and bareheaded, taken within the last 6 months; local size rules vary.")),
    (_l("Highest degree certificate"), "最高学位证书",
     _l("With an apostille if issued in a country of the Apostille Convention (accepted since "
        "7 November 2023), otherwise legalised by a Chinese mission.")),
    (_l("Work experience certificate"), "工作经历证明",
     _l("From previous employers: position, dates, the employer's seal or a manager's signature "
        "and a working phone number or e-mail.")),
    (_l("Criminal record certificate"), "无犯罪记录证明",
     _l("From your country of nationality or of residence; apostilled or legalised; used within "
        "6 months of its issue date (3 months in some countries).")),
    (_l("Medical examination report"), "体检证明",
     _l("Less than 6 months old.")),
    (_l("Employment contract or letter of assignment"), "劳动合同或派遣函",
     _l("The Chinese version for company employees.")),
)


def _category(ctx: Context) -> str | None:
    """The permit category the guide is shown for (from the request), if any."""
    category = ctx.data.get("category") if ctx.state is not None else None
    return category if category in PERMIT_CATEGORIES else None


def _documents_body(ctx: Context) -> list:
    """Intro, with the category-specific note when a category is known."""
    paragraphs = [_("Your employer applies online in the Service System for Foreigners Working in "
                    "China and uploads these documents. Foreign-language documents need a Chinese "
                    "translation, usually stamped by the employer or a translation company.")]
    category = _category(ctx)
    if category in ("B", "C"):
        # TRANSLATORS: category is a work permit category letter, B or C.
        paragraphs.append(_("As a category %(category)s holder, you must also attend an acceptance "
                            "window within 30 days of entering China.", category=category))
    elif category == "A":
        paragraphs.append(_("Category A holders do not have the 30-day on-site check after entry."))
    return paragraphs


def _document_rows(ctx: Context) -> list[dict]:
    """One row per document: name, Chinese name, validity note."""
    return [_row(name, name_zh, note) for name, name_zh, note in DOCUMENTS]


def _after_entry_body(ctx: Context) -> list:
    """The on-site check after entry for B and C, and what to bring."""
    return [
        _("Category B and C holders go to an acceptance window within 30 days of entry, in person "
          "or through the employer or an authorised person."),
        _("Bring the originals of the application documents, a copy of your work visa or "
          "residence permit, and a medical examination report less than 6 months old from a "
          "domestic inspection and quarantine institution."),
        _("You then receive the Decision on Administrative Permit. Your work permit page in this "
          "app shows your deadline."),
    ]


DOCUMENTS_GUIDE = Guide(
    "documents",
    _l("Documents for your work permit"),
    _l("The seven documents, how long each stays valid, and the 30-day check after entry."),
    Source("外国人来华工作许可服务指南 (SAFEA 2017 No. 36), CAS newsletter",
           "https://newsletter.cas.cn/wap/NL230/202601/t20260104_1145007.html", date(2026, 1, 4)),
    [
        Page("checklist", _l("Documents for your work permit"), _documents_body, _document_rows),
        Page("after_entry", _l("After you enter China: the 30-day check"), _after_entry_body),
    ],
    samples_data=[{"category": "A"}, {"category": "B"}],
)


# --- lost card -----------------------------------------------------------------------------------

LOST_CARD_GUIDE = Guide(
    "lost-card",
    _l("Lost your card?"),
    _l("Report it for now, make a formal report, then cancel the report or get a new card."),
    Source("社保卡丢失怎么办：临时挂失、正式挂失、解挂与补发", "https://www.qiaqa.com/baike/237785.html"),
    [
        Page("temporary", _l("Report it lost right away"), lambda ctx: [
            _("A temporary report stops others from using your card. Make it in any of these ways:"),
        ], lambda ctx: [
            _row(_l("12333 hotline"), "12333", _l("On the phone, say: 我要临时挂失社保卡。")),
            _row(lazy_pgettext("reporting channel", "Online"), "电子社保卡 / 掌上12333", _l("In the official e-SSC app or 12333 app.")),
            _row(_l("The card's bank"), "银行客服", _l("The customer service of the bank on your card.")),
            _row(_l("A service outlet"), "社保卡服务网点", _l("Any social security card outlet.")),
        ]),
        Page("formal", _l("Make a formal report in person"), lambda ctx: [
            _("A temporary report is not the end: go in person with your passport to make a formal "
              "report (正式挂失)."),
            _("Do it at the social security agency for the social security side of the card, and at "
              "the card's bank for the financial side: they are separate."),
        ]),
        Page("found_or_replace", _l("Found it, or need a new one?"), lambda ctx: [
            _("If you find the card, cancel the report (解挂) at the agency or bank where you made it."),
            _("Otherwise apply for a replacement card (补发). Fees and waiting times depend on the "
              "city and the bank; ask where you apply."),
        ], lambda ctx: [
            _row(_l("Cancel the report"), "解挂"),
            _row(lazy_pgettext("lost card", "Replacement card"), "补发"),
        ]),
    ],
)


# --- leaving China -------------------------------------------------------------------------------

LEAVING_GUIDE = Guide(
    "leaving-china",
    lazy_pgettext("guide title", "Leaving China"),
    _l("Keep your social security account, or take the lump sum of your individual account."),
    Source("Beijing HRSS: social insurance for foreigners (Q&A)",
           "https://rsj.beijing.gov.cn/english/policies/socialinsurance/202507/t20250721_4153933.html",
           date(2025, 7, 21)),
    [
        Page("choices", _l("Two choices when you leave"), lambda ctx: [
            _("If you leave before pension age, your individual account is kept, and your years of "
              "contributions add up if you work in China again."),
            _("Or you can apply in writing to end your social insurance relationship; the balance of "
              "your individual account is then paid to you in one lump sum."),
            _("This app does not make that choice or apply for you; the social security agency "
              "decides."),
        ], lambda ctx: [
            _row(_l("Keep the account"), "保留个人账户"),
            _row(lazy_pgettext("leaving China", "Lump-sum withdrawal"), "一次性领取个人账户储存额"),
        ]),
        Page("lump_sum", _l("Taking the lump sum"), lambda ctx: [
            _("Apply in writing to the social security agency where you are insured, before or "
              "when you leave. Ask the agency or your employer's HR which documents they need; "
              "bring your passport and your social security card."),
            _("In some cities only the individual account is paid out, not the employer's pooled "
              "share. Ask your agency how it applies to you."),
        ]),
        Page("pension_abroad", _l("If you draw a Chinese pension abroad"), lambda ctx: [
            _("Pensioners living abroad prove once a year that they are still eligible: with a "
              "life certificate from a Chinese embassy or consulate, a notarised and authenticated "
              "certificate, or online."),
        ]),
    ],
)


# --- a medical visit -----------------------------------------------------------------------------

MEDICAL_GUIDE = Guide(
    "medical-visit",
    _l("Seeing a doctor"),
    _l("Which QR code to show at a hospital or pharmacy, and what to say at the counter."),
    Source("电子社保卡与医保电子凭证的区别", "https://www.qiaqa.com/baike/237785.html"),
    [
        Page("which_qr", _l("Which QR code to show"), lambda ctx: [
            _("There are two different codes. The e-SSC QR code (电子社保卡) proves who you are and "
              "works at social security counters."),
            _("The medical insurance e-voucher (医保电子凭证) is separate: it comes from the National "
              "Healthcare Security Administration and is claimed in the national medical insurance "
              "app, WeChat or Alipay. Many hospitals and pharmacies settle medical costs with it."),
            _("Which code a hospital accepts varies. If one is refused, ask whether they take the "
              "other."),
        ], lambda ctx: [
            _row(_l("Electronic social security card"), "电子社保卡"),
            _row(_l("Medical insurance e-voucher"), "医保电子凭证"),
        ]),
        Page("phrases", _l("At the counter"), lambda ctx: [
            _("Show the phrase in Chinese if it helps."),
        ], lambda ctx: [
            _row(_l("I want to pay with my medical insurance."), "我想用医保结算。"),
            _row(_l("Can I use the medical insurance e-voucher?"), "可以用医保电子凭证吗？"),
            _row(_l("Can I use the electronic social security card?"), "可以用电子社保卡吗？"),
            _row(_l("I am a foreigner insured in this city."), "我是在本市参保的外国人。"),
        ]),
    ],
)


# --- bilateral agreements ------------------------------------------------------------------------

def _agreement_rows(ctx: Context) -> list[dict]:
    """The 13 agreement countries with what their agreement can exempt."""
    rows = []
    for code, agreement in AGREEMENTS.items():
        if "unemployment" in agreement.insurances:
            covers = pgettext("agreement covers", "Pension and unemployment insurance")
        else:
            covers = pgettext("agreement covers", "Pension only")
        note = None
        if agreement.in_force_since:
            # TRANSLATORS: date is the day an agreement came into force.
            note = _("In force since %(date)s", date=format_date(agreement.in_force_since))
        rows.append(_row(describe_country(code)["name"], covers, note))
    return rows


def _agreement_terms(ctx: Context) -> list[dict]:
    """The official names of the insurances an agreement can cover."""
    return [_row(describe(INSURANCES, code)["name"], describe(INSURANCES, code)["term_zh"])
            for code in ("pension", "unemployment")]


AGREEMENTS_GUIDE = Guide(
    "bilateral-agreements",
    _l("Bilateral social security agreements"),
    _l("Which 13 countries have one, what they can exempt, and the certificate of coverage."),
    Source("人社部2025年第三季度新闻发布会 (MOHRSS press conference, Q3 2025)",
           "https://m.55883801.com/news/guonei/2025-10-29/1793061.html", date(2025, 10, 29)),
    [
        Page("countries", _l("The 13 agreement countries"), lambda ctx: [
            _("China has signed social security agreements with 13 countries. Most of them cover "
              "only the pension; those with Germany and Korea also cover unemployment insurance for "
              "seconded workers."),
        ], _agreement_rows),
        Page("who", _l("Who can be exempt"), lambda ctx: [
            _("An exemption is mainly for workers seconded by an employer in the agreement country "
              "(and for crew, diplomats and civil servants). They show a certificate of coverage "
              "from their home country's social security institution."),
            _("Certificates are time-limited, for example 5 years with a possible extension under "
              "the agreement with Japan, and up to 48 months under the agreement with Germany."),
            _("The other insurances are still paid in China. People hired locally in China are "
              "generally not exempt, even if they are nationals of an agreement country."),
        ], _agreement_terms),
        Page("next", _l("What to do"), lambda ctx: [
            _("This guide explains the rules; it does not decide whether you are exempt. Only the "
              "social security agency decides, based on your certificate of coverage."),
            _("Ask your employer's HR department to apply for the exemption; it can be applied for "
              "online on the National Social Insurance Public Service Platform. Your insurances page "
              "in this app shows any exemption on record and when the certificate runs out."),
        ]),
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
    state = FlowState(user_id=None, flow=guide.name, step=step, answers={},
                      context={"category": category} if category else {},
                      history=guide.order[:index], version=1)
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
