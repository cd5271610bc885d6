"""The identity verification journey (flow `verify`; docs/architecture.md, "The verification journey"): one question per screen.

language (first run) → start → consent → name → identifier_type → identifier → date_of_birth →
check → [match] → second_factor → phone | in_person → result; `locked` when attempts run out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import LazyString

from app import clock
from app.accounts.auth import change_locale
from app.accounts.consents import grant_consent
from app.accounts.models.user import UserAccount
from app.client_texts import nav_label
from app.extensions import db
from app.i18n import _, _l, native_name, ngettext, pgettext, served_locales, set_request_locale, to_text
from app.i18n.formatting import format_date, format_time
from app.journeys import registry
from app.journeys.engine import (
    Context,
    Field,
    FieldError,
    Flow,
    Outcome,
    Step,
    action,
    back_action,
    continue_action,
)
from app.registry.identifiers import IdentifierError, message_for, normalize
from app.registry.models import Person
from app.registry.names import canonical_name
from app.verify import verification

#: Bump when the consent wording changes: a new version asks for consent again.
#: 2026-12: names the security record of identity checks kept after an account is deleted.
#: 2026-12b: the same consent in plainer words (docs/content-style.md), the settings icon named.
#: 2026-12c: the same consent in the active voice ("we encrypt", "we then delete").
CONSENT_TEXT_VERSION = "2026-12c"
IDENTIFIER_TYPES = ("permit_number", "ssn", "pr_id")
#: Identifier type → the identifiers module's kind.
NORMALIZER_KINDS = {"permit_number": "permit", "ssn": "ssn", "pr_id": "pr_id"}
CONFIRM = "confirm"
NAME_MAX_LENGTH = 120
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAME_MARKS = set(" -'’‘ʼ`´,.<")
_TRUE = (True, 1, "true", "on", "1", "yes")


def _latin_letters_only(text: str) -> bool:
    """Every character is a Latin letter (accents allowed), a space or name punctuation."""
    for char in unicodedata.normalize("NFC", text):
        if char in _NAME_MARKS or unicodedata.category(char) == "Mn":
            continue
        if not char.isalpha() or not unicodedata.name(char, "").startswith("LATIN"):
            return False
    return True


def _type_label(kind: str | None) -> str:
    """The name of an identifier type, as in the choice list."""
    if kind == "ssn":
        # TRANSLATORS: a choice on "Which number will you use?", also shown as the answer on the
        # check-your-answers screen.
        return pgettext("number type option", "Social security number")
    if kind == "pr_id":
        # TRANSLATORS: a choice on "Which number will you use?", also shown as the answer on the
        # check-your-answers screen.
        return pgettext("number type option", "Permanent resident ID number")
    # TRANSLATORS: a choice on "Which number will you use?", also shown as the answer on the
    # check-your-answers screen.
    return pgettext("number type option", "Work permit number")


# --- screens before the questions ---------------------------------------------------------------


class LanguageStep(Step):
    """First run only: choose the language, each named in its own language."""

    name = "language"
    cacheable = True
    can_go_back = False
    fields = (
        Field(
            "locale",
            "radio",
            # TRANSLATORS: label of the list of languages.
            label=lambda ctx: pgettext("field label", "Language"),
            options=lambda ctx: [
                {"value": locale, "label": native_name(locale), "hint": None} for locale in served_locales()
            ],
        ),
    )

    def title(self, ctx):
        # TRANSLATORS: title of the first screen of the verification journey.
        return _("Choose your language")

    def body(self, ctx):
        # TRANSLATORS: %(settings)s is the name of the settings icon in the bottom bar, already translated.
        return [_("You can change the language later: tap “%(settings)s”.", settings=nav_label("settings"))]

    def required_message(self, ctx, field):
        # TRANSLATORS: error on the language screen when no language was picked.
        return _("Choose a language.")

    def clean(self, ctx, name, value):
        if value not in served_locales():
            raise FieldError(_("Choose a language."))
        return value

    def submit(self, ctx, action_name, cleaned):
        locale = cleaned["locale"]
        if not ctx.preview:
            change_locale(ctx.user_id, locale, token=ctx.token)
            # The next screen is already in the chosen language.
            set_request_locale(locale)
        ctx.locale = locale
        return Outcome.go("start")


class StartStep(Step):
    """Before you start: what you need, and what this service cannot do."""

    name = "start"
    cacheable = True

    def title(self, ctx):
        # TRANSLATORS: title of the screen that explains what the verification journey needs.
        return _("Before you start")

    def body(self, ctx):
        return [
            _(
                "This service links your WeChat account to your social security record, so you can use "
                "your electronic Social Security Card (电子社保卡) in your language."
            ),
            _(
                "You will need your passport, your Notification Letter of Foreigner's Work Permit, and "
                "your work permit number or social security number."
            ),
            _(
                "For the last step you need the Chinese mobile number in your social security record, "
                "or a visit to a service point with your passport."
            ),
            _(
                "What this service cannot do: it explains the official 电子社保卡 app, but it is not that "
                "app. It cannot issue or replace cards, change your records, or verify your face for the "
                "government."
            ),
            _("It takes about 5 minutes. You can stop at any time and continue later, on any device."),
        ]

    def actions(self, ctx):
        buttons = [continue_action(pgettext("button", "Start now"))]
        if ctx.state is not None and ctx.state.history:
            buttons.append(back_action())
        return buttons

    def next_step(self, ctx):
        return "consent"


class ConsentStep(Step):
    """Separate consent for sensitive personal information (PIPL), versioned and recorded."""

    name = "consent"
    cacheable = True
    progress = 1
    fields = (
        Field(
            "consent_sensitive",
            "checkbox",
            label=lambda ctx: _(
                "I agree that this service uses my sensitive personal information to "
                "check my identity, as described above."
            ),
        ),
    )

    def title(self, ctx):
        return _("Your consent to use your identity details")

    def body(self, ctx):
        return [
            _(
                "To find your social security record, we need sensitive personal information. This is "
                "the name in your passport, your date of birth, and your work permit number, social "
                "security number or permanent resident ID number. For the last step we also need your "
                "phone number."
            ),
            _(
                "We use these details only to match you with your record and to link your WeChat "
                "account to it. We do not sell them or use them for advertising."
            ),
            _(
                "Under China's Personal Information Protection Law this is sensitive personal "
                "information, so we ask for your separate consent. We encrypt identity numbers when "
                "we store them. We never store images of your face."
            ),
            # TRANSLATORS: %(settings)s is the name of the settings icon in the bottom bar, already translated.
            _(
                "You can withdraw your consent at any time: tap “%(settings)s”. We then delete your "
                "unfinished answers.",
                settings=nav_label("settings"),
            ),
            _security_record_notice(),
            # TRANSLATORS: %(version)s is the version of this consent text, such as 2026-11.
            _("Consent text version %(version)s", version=CONSENT_TEXT_VERSION),
        ]

    def required_message(self, ctx, field):
        return _("Tick the box to agree. Without your consent we cannot check your identity.")

    def clean(self, ctx, name, value):
        if value not in _TRUE:
            raise FieldError(self.required_message(ctx, None))
        return True

    def submit(self, ctx, action_name, cleaned):
        grant_consent(
            ctx.user_id,
            verification.CONSENT_PURPOSE,
            text_version=CONSENT_TEXT_VERSION,
            locale=ctx.locale,
            commit=False,
        )
        ctx.answers["consent_sensitive"] = True
        ctx.data["consent_version"] = CONSENT_TEXT_VERSION
        return Outcome.go("name")


# --- the questions -----------------------------------------------------------------------------


class NameStep(Step):
    """The name as in the passport's machine-readable zone."""

    name = "name"
    cacheable = True
    progress = 2
    fields = (
        Field(
            "passport_name",
            "text",
            # TRANSLATORS: label of the field for the name exactly as in the passport.
            label=lambda ctx: pgettext("field label", "Name in your passport"),
            hint=lambda ctx: _("Letters A to Z, family name first, for example MUELLER HANS PETER"),
            inputmode="text",
            max_length=NAME_MAX_LENGTH,
        ),
    )

    def title(self, ctx):
        return _("What is the name in your passport?")

    def body(self, ctx):
        return [
            _(
                "Open your passport at the page with your photo. At the bottom are two lines of capital "
                "letters, digits and < signs. Type your name as those lines spell it: letters A to Z, "
                "family name first."
            ),
            _("Example: if the first line reads P<DEUMUELLER<<HANS<PETER<<<<, type MUELLER HANS PETER."),
            _("Type every name, including middle names. Put a space where the lines show a < sign."),
        ]

    def required_message(self, ctx, field):
        return _("Enter the name in your passport.")

    def clean(self, ctx, name, value):
        value = " ".join(str(value).split())
        if not _latin_letters_only(value):
            raise FieldError(
                _(
                    "Type your name with the letters A to Z, as the two lines at the bottom of "
                    "your passport's photo page spell it."
                )
            )
        if len(canonical_name(value).replace(" ", "")) < 2:
            raise FieldError(self.required_message(ctx, None))
        return value

    def next_step(self, ctx):
        return "identifier_type"


def _type_options(ctx):
    """The three identifier types with a hint each."""
    return [
        {
            "value": "permit_number",
            "label": _type_label("permit_number"),
            "hint": _(
                "18 digits, on your Notification Letter of Foreigner's Work Permit or your work permit card"
            ),
        },
        {
            "value": "ssn",
            "label": _type_label("ssn"),
            "hint": _("18 characters, on your social security card; your employer can also tell you"),
        },
        {
            "value": "pr_id",
            "label": _type_label("pr_id"),
            "hint": _(
                "On your Foreign Permanent Resident ID Card: 18 characters starting with 9, or "
                "3 letters and 12 digits"
            ),
        },
    ]


class IdentifierTypeStep(Step):
    """Which number the user will use to find the record."""

    name = "identifier_type"
    cacheable = True
    progress = 3
    fields = (
        Field(
            "identifier_type",
            "radio",
            # TRANSLATORS: label of the choice between work permit number, SSN and PR ID number.
            label=lambda ctx: pgettext("field label", "Number type"),
            options=_type_options,
        ),
    )

    def title(self, ctx):
        return _("Which number will you use?")

    def body(self, ctx):
        return [_("Any one of them finds your record. Use the one you have at hand.")]

    def required_message(self, ctx, field):
        return _("Choose the number you will use.")

    def clean(self, ctx, name, value):
        if value not in IDENTIFIER_TYPES:
            raise FieldError(self.required_message(ctx, None))
        return value

    def submit(self, ctx, action_name, cleaned):
        if ctx.answers.get("identifier_type") != cleaned["identifier_type"]:
            # A number of another type must be typed again.
            ctx.answers.pop("identifier", None)
        ctx.answers.update(cleaned)
        return Outcome.go("identifier")


def _identifier_label(ctx):
    """The identifier field's label, named for the chosen type."""
    kind = ctx.answers.get("identifier_type")
    if kind == "ssn":
        # TRANSLATORS: field label.
        return pgettext("field label", "Social security number")
    if kind == "pr_id":
        # TRANSLATORS: field label, also the row heading of the number on the check-your-answers screen.
        return pgettext("field label", "Permanent resident ID number")
    # TRANSLATORS: field label.
    return pgettext("field label", "Work permit number")


class IdentifierStep(Step):
    """The number itself, normalised and format-checked."""

    name = "identifier"
    cacheable = True
    progress = 4
    fields = (
        Field(
            "identifier",
            "text",
            label=_identifier_label,
            hint=lambda ctx: _("You can type spaces and hyphens. We leave them out."),
            # Permit numbers are digits; an SSN may end in X and an older PR ID starts with letters.
            inputmode=lambda ctx: (
                "numeric" if ctx.answers.get("identifier_type") == "permit_number" else "text"
            ),
            max_length=24,
        ),
    )

    def before_show(self, ctx):
        return None if ctx.answers.get("identifier_type") in IDENTIFIER_TYPES else "identifier_type"

    def title(self, ctx):
        kind = ctx.answers.get("identifier_type")
        if kind == "ssn":
            return _("What is your social security number?")
        if kind == "pr_id":
            return _("What is your permanent resident ID number?")
        return _("What is your work permit number?")

    def body(self, ctx):
        kind = ctx.answers.get("identifier_type")
        if kind == "ssn":
            return [_("It is on your social security card. Your employer's HR team can also tell you.")]
        if kind == "pr_id":
            return [_("It is on your Foreign Permanent Resident ID Card.")]
        return [
            _(
                "It is on the Notification Letter of Foreigner's Work Permit from your employer, or on "
                "your work permit card. It has 18 digits and never changes."
            )
        ]

    def required_message(self, ctx, field):
        kind = ctx.answers.get("identifier_type") if ctx is not None else None
        if kind == "ssn":
            return _("Enter your social security number.")
        if kind == "pr_id":
            return _("Enter your permanent resident ID number.")
        return _("Enter your work permit number.")

    def clean(self, ctx, name, value):
        kind = NORMALIZER_KINDS.get(ctx.answers.get("identifier_type"), "permit")
        try:
            return normalize(kind, str(value))
        except IdentifierError as error:
            if error.code == "identifier.empty":  # only separators: the same as an empty field
                raise FieldError(self.required_message(ctx, None)) from None
            raise FieldError(to_text(message_for(error.code))) from None

    def next_step(self, ctx):
        return "date_of_birth"


class DateOfBirthStep(Step):
    """The date of birth, as an ISO date."""

    name = "date_of_birth"
    cacheable = True
    progress = 5
    fields = (
        Field(
            "date_of_birth",
            "date",
            # TRANSLATORS: field label.
            label=lambda ctx: pgettext("field label", "Date of birth"),
            hint=lambda ctx: _("Year, month and day, for example 1988-04-12"),
            inputmode="numeric",
            max_length=10,
        ),
    )

    def title(self, ctx):
        return _("What is your date of birth?")

    def body(self, ctx):
        return [_("As shown in your passport.")]

    def required_message(self, ctx, field):
        return _("Enter your date of birth.")

    def clean(self, ctx, name, value):
        text = str(value).strip()
        if not _ISO_DATE.fullmatch(text):
            raise FieldError(_("Enter the date as year-month-day, for example 1988-04-12."))
        try:
            born = date.fromisoformat(text)
        except ValueError:
            raise FieldError(_("This date does not exist. Check the day and the month.")) from None
        if born >= clock.today():
            raise FieldError(_("The date of birth must be in the past."))
        if born < date(1900, 1, 1):
            raise FieldError(_("Check the year of your date of birth."))
        return text

    def next_step(self, ctx):
        return "check"


# --- check answers and matching ------------------------------------------------------------------


def _failure(outcome: str) -> tuple[str | None, str]:
    """The field to mark and the message, with the next step, for a failed match as the user sees it."""
    failure = _FAILURES.get(verification.shown_outcome(outcome), _UNKNOWN_FAILURE)
    return failure.field, to_text(failure.message)


def _share_button() -> str:
    """The label of WeChat's phone-number button."""
    # TRANSLATORS: the WeChat button that shares the user's phone number.
    return pgettext("button", "Share my phone number")


def _phone_not_received() -> str:
    """WeChat's phone code could not be used (expired or forged): the user only sees the button."""
    # TRANSLATORS: %(button)s is the label of the phone-number button, already translated.
    return _(
        "We could not get your phone number from WeChat. Tap “%(button)s” again.", button=_share_button()
    )


@dataclass(frozen=True)
class _Failure:
    """How a failed match is shown: the field to mark (None: the whole form) and a lazy message."""

    field: str | None
    message: object


#: Each failed outcome, as the user sees it, with the field to mark and the message naming the next step.
_FAILURES = {
    verification.NO_MATCH: _Failure(
        None,
        _l(
            "We could not confirm your identity with these details. Check each of them against your "
            "passport and documents, then try again. If they are all correct, your employer may not "
            "have registered you yet: ask your HR team, or call 12333."
        ),
    ),
    verification.NAME_NEAR: _Failure(
        "passport_name",
        _l(
            "Your name is close to the record, but a name seems to be missing or extra, such as a "
            "middle name. Type every name as the two lines at the bottom of your passport's photo "
            "page spell it."
        ),
    ),
    verification.PERMIT_INACTIVE: _Failure(
        None,
        _l(
            "The work permit in this record has expired, or the authorities have cancelled it. So we "
            "cannot link your WeChat account to the record. Ask your employer to renew the permit in the Service "
            "System for Foreigners Working in China. Then try again."
        ),
    ),
    verification.ALREADY_LINKED: _Failure(None, verification.PersonAlreadyLinked.message),
    verification.PHONE_MISMATCH: _Failure(
        "phone_code",
        _l(
            "This is not the phone number in your social security record. Share the number you gave "
            "your employer, or go back and choose a service point instead."
        ),
    ),
    verification.PHONE_MISSING: _Failure(
        None,
        _l(
            "Your record has no Chinese mobile number, so we cannot check it by phone. Go back and "
            "choose a service point instead."
        ),
    ),
    verification.CODE_INVALID: _Failure("phone_code", LazyString(_phone_not_received)),
}
_UNKNOWN_FAILURE = _Failure(None, _l("Something went wrong. Please try again."))


def _security_record_notice() -> str:
    """The consent screen's paragraph on the record of identity checks kept after deletion."""
    days = int(current_app.config["VERIFICATION_ATTEMPT_RETENTION_DAYS"])
    # TRANSLATORS: %(num)d is the number of days the record is kept, such as 90.
    return ngettext(
        "To protect your record from people who guess, we log every identity check for %(num)d day. "
        "The log says when you made the check, which step it was and its result. We keep the numbers "
        "you typed only in a coded form that no one can read back. The log and the limit on tries "
        "stay when you delete your account.",
        "To protect your record from people who guess, we log every identity check for %(num)d days. "
        "The log says when you made the check, which step it was and its result. We keep the numbers "
        "you typed only in a coded form that no one can read back. The log and the limit on tries "
        "stay when you delete your account.",
        days,
    )


def failure_errors(outcome: str, remaining: int | None) -> list[tuple[str | None, str]]:
    """The errors of a failed check: the message, the answers to check for a no-match, tries left."""
    errors = [_failure(outcome)]
    if verification.shown_outcome(outcome) == verification.NO_MATCH:
        errors += [
            (
                "passport_name",
                _("Name: every name, as the two lines at the bottom of your passport's photo page spell it."),
            ),
            (
                "identifier",
                _(
                    "Number: the number type you chose, and every character of the number "
                    "as on your documents."
                ),
            ),
            ("date_of_birth", _("Date of birth: the year, month and day in your passport.")),
        ]
    return [*errors, *_remaining(remaining)]


def _remaining(count: int | None) -> list[tuple[str | None, str]]:
    """A line saying how many tries are left, when it is worth saying."""
    if count is None:
        return []
    # TRANSLATORS: %(num)d is how many more identity checks the user may try (1 to 4).
    message = ngettext(
        "You have %(num)d more try. After that, you must wait before you can try again.",
        "You have %(num)d more tries. After that, you must wait before you can try again.",
        count,
    )
    return [(None, message)]


def _lock(ctx: Context, until: datetime, resume: str, outcome: str | None) -> Outcome:
    """Move to the lockout screen; it returns to `resume` once `until` has passed."""
    ctx.data["locked_until"] = until.isoformat()
    ctx.data["resume"] = resume
    if outcome:
        ctx.data["last_outcome"] = outcome
    else:
        ctx.data.pop("last_outcome", None)
    return Outcome.go(
        "locked",
        status=429,
        error_code=verification.VerificationLocked.code,
        error_message=_lock_message(until),
        details={"retry_at": until.isoformat()},
    )


def _lock_message(until: datetime) -> str:
    """`… try again after <time>` in the user's language and time zone."""
    # TRANSLATORS: %(time)s is a time of day such as 14:30 and %(date)s a date such as 28 Nov 2026,
    # both in the user's time zone.
    return _(
        "You can try again after %(time)s on %(date)s. We stop the checks for a while after too "
        "many tries, to protect your record.",
        time=format_time(until),
        date=format_date(until),
    )


class CheckStep(Step):
    """Check your answers, with change links; confirming matches the registry."""

    name = "check"
    cacheable = True
    progress = 6
    accepts_change = True
    action_names = (CONFIRM,)

    def before_show(self, ctx):
        for step, field_name in (
            ("name", "passport_name"),
            ("identifier_type", "identifier_type"),
            ("identifier", "identifier"),
            ("date_of_birth", "date_of_birth"),
        ):
            if not ctx.answers.get(field_name):
                return step
        return None

    def title(self, ctx):
        # TRANSLATORS: title of the screen that lists every answer before the record is looked up.
        return _("Check your answers")

    def body(self, ctx):
        return [
            _(
                "Make sure everything matches your passport and documents. Then we look for your "
                "social security record."
            )
        ]

    def summary(self, ctx):
        answers = ctx.answers
        born = answers.get("date_of_birth")
        try:
            born_text = format_date(date.fromisoformat(born)) if born else ""
        except ValueError:
            born_text = born
        return [
            {
                # TRANSLATORS: row heading on the check-your-answers screen.
                "label": pgettext("summary", "Name in passport"),
                "value": answers.get("passport_name", ""),
                "change": "passport_name",
            },
            {
                # TRANSLATORS: row heading on the check-your-answers screen.
                "label": pgettext("summary", "Number type"),
                "value": _type_label(answers.get("identifier_type")),
                "change": "identifier_type",
            },
            {"label": _identifier_label(ctx), "value": answers.get("identifier", ""), "change": "identifier"},
            # TRANSLATORS: row heading on the check-your-answers screen.
            {"label": pgettext("summary", "Date of birth"), "value": born_text, "change": "date_of_birth"},
        ]

    def actions(self, ctx):
        return [action(CONFIRM, _("Confirm and find my record"), primary=True), back_action()]

    def submit(self, ctx, action_name, cleaned):
        answers = ctx.answers
        try:
            result = verification.match_identity(
                ctx.user_id,
                identifier_type=answers["identifier_type"],
                identifier=answers["identifier"],
                passport_name=answers["passport_name"],
                date_of_birth=date.fromisoformat(answers["date_of_birth"]),
            )
        except verification.VerificationLocked as locked:
            return _lock(ctx, locked.until, "check", None)
        if result.outcome == verification.PASS:
            ctx.data["person_id"] = result.person_id
            return Outcome.go("second_factor")
        if result.locked_until is not None:
            return _lock(ctx, result.locked_until, "check", result.shown)
        errors = failure_errors(result.shown, result.remaining)
        return Outcome.fail(errors, code=f"verification.{result.shown}", message=errors[0][1])


# --- second factor -----------------------------------------------------------------------------


class SecondFactorStep(Step):
    """Choose how to confirm: the WeChat phone number, or in person."""

    name = "second_factor"
    cacheable = True
    progress = 7
    fields = (
        Field(
            "method",
            "radio",
            # TRANSLATORS: label of the choice between phone and service point.
            label=lambda ctx: pgettext("field label", "Confirmation method"),
            options=lambda ctx: [
                {
                    "value": "phone",
                    "label": _("With my Chinese mobile number"),
                    "hint": _(
                        "WeChat shares the number of your WeChat account. It must be the number in "
                        "your social security record."
                    ),
                },
                {
                    "value": "in_person",
                    "label": _("At a service point"),
                    "hint": _(
                        "Show a reference and your passport to the staff. Choose this if you have no "
                        "Chinese mobile number, or if it has changed."
                    ),
                },
            ],
        ),
    )

    def before_show(self, ctx):
        return None if ctx.data.get("person_id") else "check"

    def title(self, ctx):
        return _("How do you want to confirm it is you?")

    def body(self, ctx):
        return [_("We found your record. One more check links it to your WeChat account.")]

    def required_message(self, ctx, field):
        return _("Choose how you want to confirm it is you.")

    def clean(self, ctx, name, value):
        if value not in ("phone", "in_person"):
            raise FieldError(self.required_message(ctx, None))
        return value

    def submit(self, ctx, action_name, cleaned):
        ctx.answers["method"] = cleaned["method"]
        if cleaned["method"] == "phone":
            return Outcome.go("phone")
        reference, expires_at = verification.create_in_person_reference(
            ctx.user_id, ctx.data["person_id"], commit=False
        )
        ctx.answers["in_person_reference"] = reference
        ctx.data["reference_expires_at"] = expires_at.isoformat()
        return Outcome.go("in_person")


class PhoneStep(Step):
    """The code from WeChat's phone-number button; the number must be the registry's."""

    name = "phone"
    progress = 7
    fields = (
        Field(
            "phone_code",
            "wechat_phone",
            # TRANSLATORS: the WeChat button that shares the user's phone number.
            label=lambda ctx: pgettext("button", "Share my phone number"),
            hint=lambda ctx: _("We use the number only for this check."),
            echo=False,
        ),
    )

    def before_show(self, ctx):
        return None if ctx.data.get("person_id") else "check"

    def title(self, ctx):
        return _("Share your phone number")

    def body(self, ctx):
        return [
            # TRANSLATORS: %(button)s is the label of the button below, already translated.
            _(
                "Tap “%(button)s”. WeChat asks whether to share the phone number of your WeChat account "
                "with this service.",
                button=_share_button(),
            ),
            _(
                "It must be the Chinese mobile number in your social security record, usually the one "
                "you gave your employer."
            ),
        ]

    def required_message(self, ctx, field):
        # TRANSLATORS: %(button)s is the label of the button below, already translated.
        return _("Tap “%(button)s” to share your phone number.", button=_share_button())

    def clean(self, ctx, name, value):
        text = str(value).strip()
        if len(text) > 128:
            raise FieldError(_phone_not_received())
        return text

    def submit(self, ctx, action_name, cleaned):
        answers = ctx.answers
        try:
            result = verification.verify_phone(
                ctx.user_id,
                openid=ctx.openid,
                person_id=ctx.data["person_id"],
                identifier_type=answers["identifier_type"],
                identifier=answers["identifier"],
                phone_code=cleaned["phone_code"],
            )
        except verification.VerificationLocked as locked:
            return _lock(ctx, locked.until, "phone", None)
        except (verification.PersonAlreadyLinked, verification.AccountLinkedElsewhere) as error:
            message = to_text(error.message)
            return Outcome.fail([(None, message)], code=error.code, status=409)
        if result.outcome == verification.PASS:
            return Outcome.go("result", remember=False)
        if result.locked_until is not None:
            return _lock(ctx, result.locked_until, "phone", result.shown)
        errors = failure_errors(result.shown, result.remaining)
        return Outcome.fail(errors, code=f"verification.{result.shown}", message=errors[0][1])


def _is_verified(user_id: int) -> bool:
    """The account is linked to a registry person."""
    user = db.session.get(UserAccount, user_id)
    return bool(user and user.person_id and user.verified_at)


class InPersonStep(Step):
    """A one-time reference to show at a service point; staff confirm it in the console."""

    name = "in_person"
    progress = 7

    def before_show(self, ctx):
        if not ctx.answers.get("in_person_reference"):
            return "second_factor"
        if not ctx.preview and _is_verified(ctx.user_id):
            return "result"
        return None

    def title(self, ctx):
        return _("Confirm your identity at a service point")

    def body(self, ctx):
        lines = [
            # TRANSLATORS: %(reference)s is a short code such as 7KQ4-MX29.
            _("Your reference: %(reference)s", reference=ctx.answers.get("in_person_reference", "")),
        ]
        expires = ctx.data.get("reference_expires_at")
        if expires:
            # TRANSLATORS: %(date)s is a date such as 5 Dec 2026.
            lines.append(_("It is valid until %(date)s.", date=format_date(datetime.fromisoformat(expires))))
        lines += [
            _(
                "Take your passport to a social security service point and show this reference. The "
                "staff check your passport and confirm the reference."
            ),
            # TRANSLATORS: %(button)s is the label of the button below, already translated.
            _(
                "When they have confirmed it, come back here and tap “%(button)s”.",
                button=pgettext("button", "Check again"),
            ),
        ]
        return lines

    def actions(self, ctx):
        # TRANSLATORS: button that checks whether staff have confirmed the reference.
        return [continue_action(pgettext("button", "Check again")), back_action()]

    def submit(self, ctx, action_name, cleaned):
        if _is_verified(ctx.user_id):
            return Outcome.go("result", remember=False)
        message = _("The staff have not confirmed your reference yet. Show it at a service point first.")
        return Outcome.fail([(None, message)], code="verification.not_confirmed", status=422)


# --- the end -----------------------------------------------------------------------------------


def _official_app_name(ctx: Context) -> list[str]:
    """How to type the name in the official app: the linked record's name (the typed one in previews)."""
    user = db.session.get(UserAccount, ctx.user_id) if ctx.user_id is not None else None
    person = db.session.get(Person, user.person_id) if user is not None and user.person_id else None
    name = (
        person.name_canonical
        if person is not None
        else canonical_name(ctx.answers.get("passport_name") or "")
    )
    if not name:
        return []
    # TRANSLATORS: %(name)s is the name in capital Latin letters, e.g. MUELLER HANS PETER.
    return [_("When the official 电子社保卡 app asks for your name, type it like this: %(name)s", name=name)]


class ResultStep(Step):
    """Verified: the WeChat account is linked to the registry record (the card's status stays the registry's)."""

    name = "result"
    cacheable = True
    can_go_back = False

    def title(self, ctx):
        # TRANSLATORS: title of the last screen, once the WeChat account is linked to the record.
        return _("You are verified")

    def body(self, ctx):
        return [
            _("We have linked your WeChat account to your social security record."),
            _(
                "This service does not activate your card. Your card shows the status that the registry "
                "records."
            ),
            # TRANSLATORS: %(card)s is the name of the card icon in the bottom bar, already translated.
            _(
                "Tap “%(card)s” to see your card status, your work permit and your contributions.",
                card=nav_label("card"),
            ),
            _(
                "The official 电子社保卡 app may still ask you to verify yourself there, for example with "
                "face recognition."
            ),
            *_official_app_name(ctx),
        ]

    def actions(self, ctx):
        # TRANSLATORS: button on the last screen; opens the card screen.
        return [continue_action(pgettext("button", "Go to my card"))]

    def submit(self, ctx, action_name, cleaned):
        return Outcome()


class LockedStep(Step):
    """Too many failed tries: when the user can try again, in their language and time zone."""

    name = "locked"
    can_go_back = False

    def _until(self, ctx) -> datetime | None:
        raw = ctx.data.get("locked_until")
        return datetime.fromisoformat(raw) if raw else None

    def before_show(self, ctx):
        until = self._until(ctx)
        if until is None or clock.now() >= until:
            return ctx.data.get("resume") or "check"
        return None

    def title(self, ctx):
        # TRANSLATORS: title of the screen shown while identity checks are stopped after too many tries.
        return _("Too many attempts")

    def body(self, ctx):
        lines = []
        outcome = ctx.data.get("last_outcome")
        if outcome:
            lines.append(_failure(outcome)[1])
        until = self._until(ctx)
        if until is not None:
            lines.append(_lock_message(until))
            lines.append(_("Open this screen again after that time to continue."))
        lines.append(
            _(
                "If you cannot verify, ask your employer's HR team to check your details. You "
                "can also call the 12333 hotline, or go to a service point with your passport."
            )
        )
        return lines

    def actions(self, ctx):
        # No button while the lockout lasts: the first view after it ends moves on by itself.
        return []

    def submit(self, ctx, action_name, cleaned):
        until = self._until(ctx)
        if until is not None and clock.now() < until:
            outcome = Outcome.fail(
                [(None, _lock_message(until))], code=verification.VerificationLocked.code, status=429
            )
            outcome.details = {"retry_at": until.isoformat()}
            return outcome
        return Outcome.go(ctx.data.get("resume") or "check", remember=False)


class VerifyFlow(Flow):
    """The identity verification journey."""

    name = "verify"
    total = 7

    def __init__(self):
        super().__init__(
            [
                LanguageStep(),
                StartStep(),
                ConsentStep(),
                NameStep(),
                IdentifierTypeStep(),
                IdentifierStep(),
                DateOfBirthStep(),
                CheckStep(),
                SecondFactorStep(),
                PhoneStep(),
                InPersonStep(),
                ResultStep(),
                LockedStep(),
            ]
        )

    def first_step(self, ctx):
        if not ctx.preview and ctx.user_id is not None and _is_verified(ctx.user_id):
            return "result"
        return "language" if ctx.first_run else "start"


VERIFY = registry.register(VerifyFlow())
