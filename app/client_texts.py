"""The texts the mini program shows outside screen documents, in the request's locale.

The mini program carries no words of its own: its privacy pop-up, its "new version" dialog and
the names of its navigation icons come from here (`GET /api/v1/client-texts`). The stub keeps a
copy of this document in every language (`miniprogram_stub/lib/fallback_texts.js`) for the one
case where the server cannot be reached; a node test keeps that copy equal to this answer.
"""

from __future__ import annotations

from pydantic import BaseModel

from app.i18n import _, pgettext


class PrivacyTexts(BaseModel):
    """The privacy pop-up WeChat requires before a privacy interface (the phone button, the clipboard)."""

    title: str
    body: str
    read_guide: str
    agree: str
    disagree: str
    refused_phone: str
    refused_clipboard: str


class UpdateTexts(BaseModel):
    """The dialog offering to restart on a new version (`wx.showModal`: buttons of at most 4 characters)."""

    title: str
    body: str
    restart: str
    later: str


class NavTexts(BaseModel):
    """Names of the navigation icons and shortcuts: their visible labels and their screen-reader names."""

    verify: str
    card: str
    permit: str
    insurances: str
    contributions: str
    qr: str
    notices: str
    guides: str
    settings: str
    help_desk: str


class IconTexts(BaseModel):
    """Names of the icons that stand alone, without a text beside them."""

    subscribe: str
    subscribed: str
    language: str
    change: str


class ClientTexts(BaseModel):
    """GET /api/v1/client-texts: every block, with the locale and direction of the answer."""

    locale: str
    dir: str
    privacy: PrivacyTexts
    update: UpdateTexts
    nav: NavTexts
    icons: IconTexts


def _privacy() -> dict:
    """The privacy pop-up's texts."""
    return {
        # TRANSLATORS: [critical] heading of the privacy pop-up WeChat requires before the phone
        # button or the clipboard can be used.
        "title": pgettext("privacy prompt", "Your privacy"),
        # TRANSLATORS: [critical] the privacy pop-up's text; "privacy guide" is the mini program's
        # 用户隐私保护指引, which WeChat shows when the user taps the link below it.
        "body": _(
            "Before this mini program can use your phone number or the clipboard, WeChat asks you "
            "to agree to its privacy guide. The guide says what we collect, why, and how long we "
            "keep it."
        ),
        # TRANSLATORS: [critical] link in the privacy pop-up that opens the privacy guide.
        "read_guide": pgettext("privacy prompt", "Read the privacy guide"),
        # TRANSLATORS: [critical] button of the privacy pop-up. Max 20 characters.
        "agree": pgettext("button", "Agree"),
        # TRANSLATORS: [critical] button of the privacy pop-up. Max 20 characters.
        "disagree": pgettext("button", "Disagree"),
        # TRANSLATORS: [critical] shown on the phone step when the user did not agree to the privacy guide.
        "refused_phone": _(
            "Without your agreement, WeChat cannot share your phone number. You can still "
            "confirm your identity at a service point: go back and choose that option."
        ),
        # TRANSLATORS: [critical] shown below a link that could not be copied because the user did not
        # agree to the privacy guide.
        "refused_clipboard": _(
            "Without your agreement, we cannot copy the address for you. Press and "
            "hold it to copy it yourself."
        ),
    }


def _update() -> dict:
    """The new-version dialog's texts."""
    return {
        # TRANSLATORS: title of the dialog shown when a new version of the mini program is ready.
        # Max 20 characters.
        "title": pgettext("update dialog", "New version"),
        "body": _("A new version of the mini program is ready. Restart now to use it?"),
        # TRANSLATORS: answer to "Restart now?". Max 4 characters: WeChat does not show a dialog
        # whose buttons are longer.
        "restart": pgettext("update dialog", "Yes"),
        # TRANSLATORS: answer to "Restart now?" (the update then waits for the next start).
        # Max 4 characters: WeChat does not show a dialog whose buttons are longer.
        "later": pgettext("update dialog", "No"),
    }


def _nav() -> dict:
    """Names of the navigation icons and the card's shortcuts (a label shares a phone's width with six others)."""
    return {
        # TRANSLATORS: the identity verification journey. Max 16 characters.
        "verify": pgettext("navigation", "Verify"),
        # TRANSLATORS: the user's social security card. Max 16 characters.
        "card": pgettext("navigation", "Card"),
        # TRANSLATORS: the user's work permit. Max 16 characters.
        "permit": pgettext("navigation", "Permit"),
        # TRANSLATORS: the five social insurances. Max 16 characters.
        "insurances": pgettext("navigation", "Insurances"),
        # TRANSLATORS: the contribution records. Max 16 characters.
        "contributions": pgettext("navigation", "Contributions"),
        # TRANSLATORS: the identity QR code shown to staff. Max 16 characters.
        "qr": pgettext("navigation", "QR code"),
        # TRANSLATORS: the inbox of official notices. Max 16 characters.
        "notices": pgettext("navigation", "Notices"),
        # TRANSLATORS: the list of step-by-step guides. Max 16 characters.
        "guides": pgettext("navigation", "Guides"),
        # TRANSLATORS: language and consents. Max 16 characters.
        "settings": pgettext("navigation", "Settings"),
        # TRANSLATORS: the chat with the help desk. Max 16 characters.
        "help_desk": pgettext("navigation", "Help desk"),
    }


def nav_label(key: str) -> str:
    """The visible name of one navigation icon or card shortcut, for texts that tell the user where to tap."""
    return _nav()[key]


def _icons() -> dict:
    """Names of icons shown without a text beside them."""
    return {
        # TRANSLATORS: the bell button in the notice inbox that asks WeChat for notice alerts.
        "subscribe": _("Get alerts for new notices"),
        # TRANSLATORS: the bell button once the user accepted notice alerts.
        "subscribed": _("Alerts for new notices are on"),
        # TRANSLATORS: heading icon above the list of languages in the settings.
        "language": pgettext("settings heading", "Language"),
        # TRANSLATORS: the link beside an answer on the check-your-answers screen. Max 20 characters.
        "change": pgettext("change link", "Change"),
    }


def client_texts() -> dict:
    """Every block of texts, in the active locale (without the locale and direction)."""
    return {"privacy": _privacy(), "update": _update(), "nav": _nav(), "icons": _icons()}
