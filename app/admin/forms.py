"""The console's forms: every POST form carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from app.accounts.admin_auth import MIN_PASSWORD_LENGTH
from app.i18n import _l, lazy_ngettext, lazy_pgettext
from app.i18n.locales import SUPPORTED, native_name
from app.notices.models.notice import NOTICE_CATEGORIES, NOTICE_PRIORITIES

REQUIRED = _l("This field is required.")


def locale_choices() -> list[SelectChoice]:
    """Every supported locale with its own name."""
    return [SelectChoice(locale, f"{native_name(locale)} ({locale})") for locale in SUPPORTED]


def category_choices() -> list[SelectChoice]:
    """The notice categories, labelled in the console's language."""
    labels = {
        "policy_change": lazy_pgettext("notice category", "Policy change"),
        "deadline": lazy_pgettext("notice category", "Deadline"),
        "outage": lazy_pgettext("notice category", "Service outage"),
        "how_to": lazy_pgettext("notice category", "How-to"),
        "reminder": lazy_pgettext("notice category", "Reminder"),
    }
    return [SelectChoice(value, labels[value]) for value in NOTICE_CATEGORIES]


def priority_choices() -> list[SelectChoice]:
    """The notice priorities, labelled in the console's language."""
    labels = {
        "normal": lazy_pgettext("notice priority", "Normal"),
        "important": lazy_pgettext("notice priority", "Important"),
        "urgent": lazy_pgettext("notice priority", "Urgent"),
    }
    return [SelectChoice(value, labels[value]) for value in NOTICE_PRIORITIES]


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(
        lazy_pgettext("console", "Username"), validators=[DataRequired(REQUIRED), Length(max=64)]
    )
    password = PasswordField(
        lazy_pgettext("console", "Password"), validators=[DataRequired(REQUIRED), Length(max=256)]
    )


class PasswordForm(FlaskForm):
    """Change one's own password: the current one, and the new one twice."""

    current = PasswordField(
        lazy_pgettext("console", "Current password"), validators=[DataRequired(REQUIRED), Length(max=256)]
    )
    new = PasswordField(
        lazy_pgettext("console", "New password"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=256),
            Length(
                min=MIN_PASSWORD_LENGTH,
                # TRANSLATORS: %(num)d is the fewest characters a console password may have (10).
                message=lazy_ngettext(
                    "A password needs at least %(num)d character.",
                    "A password needs at least %(num)d characters.",
                    MIN_PASSWORD_LENGTH,
                ),
            ),
        ],
    )
    repeat = PasswordField(
        lazy_pgettext("console", "New password again"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new", message=_l("The two new passwords are not the same.")),
        ],
    )


class ActionForm(FlaskForm):
    """A button that changes something (publish, withdraw, sign out): only the CSRF token."""


class VersionForm(ActionForm):
    """Publish or discard a draft: the version the admin saw rides along, so a newer one is refused."""

    version = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)], widget=HiddenInput())


class NoticeForm(FlaskForm):
    """Compose or edit a notice: text in its source language, source reference, audience, schedule."""

    source_locale = SelectField(
        lazy_pgettext("console", "Written in"), choices=locale_choices, default="zh_Hans"
    )
    title = StringField(
        lazy_pgettext("console", "Title"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    body = TextAreaField(
        lazy_pgettext("console", "Text (Markdown)"), validators=[DataRequired(REQUIRED), Length(max=20000)]
    )
    source_title = StringField(
        # TRANSLATORS: console, notice form: the title of the official source.
        _l("Official source: title"),
        validators=[DataRequired(REQUIRED), Length(max=300)],
    )
    source_url = StringField(
        # TRANSLATORS: console, notice form: the web address of the official source.
        _l("Official source: link"),
        validators=[DataRequired(REQUIRED), URL(message=_l("Enter a web address.")), Length(max=500)],
    )
    # TRANSLATORS: console, notice form: the publication date of the official source.
    source_date = DateField(_l("Official source: date"), validators=[InputRequired(REQUIRED)])
    category = SelectField(lazy_pgettext("console", "Category"), choices=category_choices)
    priority = SelectField(lazy_pgettext("console", "Priority"), choices=priority_choices, default="normal")
    template_id = StringField(_l("WeChat template id (optional)"), validators=[Optional(), Length(max=64)])
    publish_at = DateTimeLocalField(
        _l("Publish at (optional, local time)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    # TRANSLATORS: console, notice audience: a checkbox that sends the notice to everyone verified.
    audience_all = BooleanField(_l("All verified users"), default=True)
    audience_locales = SelectMultipleField(lazy_pgettext("console", "Languages"), choices=locale_choices)
    audience_nationalities = StringField(_l("Nationalities (ISO codes, comma separated)"))
    audience_cities = StringField(_l("Cities (6-digit region codes, comma separated)"))
    audience_employers = StringField(_l("Employers (credit codes, comma separated)"))
    audience_permit_categories = SelectMultipleField(
        lazy_pgettext("console", "Permit categories"), choices=[SelectChoice(c) for c in "ABC"]
    )
    audience_permit_expiring_within_days = IntegerField(
        _l("Permit expires within (days)"), validators=[Optional(), NumberRange(min=0, max=3650)]
    )


class TranslationForm(FlaskForm):
    """One locale's title and body."""

    title = StringField(
        lazy_pgettext("console", "Title"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    body = TextAreaField(
        lazy_pgettext("console", "Text (Markdown)"), validators=[DataRequired(REQUIRED), Length(max=20000)]
    )
    machine_translated = BooleanField(_l("Machine translated, not reviewed yet"))


class UploadForm(FlaskForm):
    """A registry feed file."""

    file = FileField(_l("Registry file (CSV or JSON Lines)"), validators=[FileRequired(REQUIRED)])


class ConfirmForm(FlaskForm):
    """The reference a user shows at the counter."""

    reference = StringField(
        lazy_pgettext("console", "Reference"), validators=[DataRequired(REQUIRED), Length(max=32)]
    )
