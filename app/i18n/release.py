"""The release gate: which locales are complete enough to offer to users.

A locale is offered only when every *critical* string is translated and the rest reaches
`LOCALE_RELEASE_THRESHOLD` (a ratio, e.g. 0.95). A string is critical when one of its source
references is in a journey (`app/journeys/`, and each domain's `journey.py`: consent, verification, guides) or when its
translator comment carries the marker `[critical]`, e.g. `# TRANSLATORS: [critical] consent text`.

The gate reads the template (`messages.pot`: which strings exist and which are critical) and each
locale's compiled `.mo` (which strings are translated; fuzzy and empty entries are never compiled).
The result is cached per file state, so creating apps repeatedly costs a few `stat` calls.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from .locales import PLURAL_FORMS, SOURCE_LOCALE, SUPPORTED

log = logging.getLogger("app.i18n")

CRITICAL_MARKER = "[critical]"
CRITICAL_PATHS = ("app/journeys/", "app/verify/journey.py", "app/guides/journey.py")
DOMAIN = "messages"


@dataclass(frozen=True)
class LocaleStatus:
    """How complete one locale's compiled catalog is, and whether it passes the gate."""

    locale: str
    total: int
    translated: int
    critical_total: int
    critical_missing: tuple[str, ...] = field(default_factory=tuple)
    released: bool = False
    reason: str = ""

    @property
    def ratio(self) -> float:
        """Share of all strings translated (1.0 for an empty template)."""
        return round(self.translated / self.total, 4) if self.total else 1.0


def is_critical(message: Message) -> bool:
    """True for a catalog message the gate requires: a journey string or one marked [critical]."""
    for filename, _line in message.locations:
        if str(filename).replace(os.sep, "/").startswith(CRITICAL_PATHS):
            return True
    comments = list(message.auto_comments) + list(message.user_comments)
    return any(CRITICAL_MARKER in comment.lower() for comment in comments)


def message_key(message: Message) -> tuple[str | None, str]:
    """(context, singular msgid) of a catalog message."""
    msgid: str = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return message.context, msgid


def mo_path(translations_dir: str | Path, locale_id: str) -> Path:
    """Where a locale's compiled catalog lives."""
    return Path(translations_dir) / locale_id / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _compiled_keys(path: Path) -> set[str | tuple[str, int]]:
    """The keys of a compiled catalog's translated entries: msgid, ctx\x04msgid or (msgid, n)."""
    with open(path, "rb") as handle:
        catalog = read_mo(handle)
    keys: set[str | tuple[str, int]] = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        msgid: str = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        key = f"{message.context}\x04{msgid}" if message.context else msgid
        if isinstance(message.string, (list, tuple)):
            keys.update((key, index) for index, form in enumerate(message.string) if form)
        else:
            keys.add(key)
    return keys


def _is_translated(message: Message, keys: set[str | tuple[str, int]], nplurals: int) -> bool:
    """True when the compiled catalog holds every form of the message."""
    context, msgid = message_key(message)
    key = f"{context}\x04{msgid}" if context else msgid
    if isinstance(message.id, (list, tuple)):
        return all((key, index) in keys for index in range(nplurals))
    return key in keys


_CACHE: dict[tuple[object, ...], dict[str, LocaleStatus]] = {}


def _file_state(paths: list[Path]) -> tuple[tuple[str, int | None, int | None], ...]:
    """(path, mtime, size) of each file, so the cache notices a rebuilt catalog."""
    state: list[tuple[str, int | None, int | None]] = []
    for path in paths:
        try:
            info = path.stat()
            state.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            state.append((str(path), None, None))
    return tuple(state)


def release_status(
    translations_dir: str | Path, threshold: float, locales: tuple[str, ...] = SUPPORTED
) -> dict[str, LocaleStatus]:
    """The gate's verdict for each locale, computed from the POT and the compiled catalogs."""
    translations_dir = Path(translations_dir)
    pot = translations_dir / f"{DOMAIN}.pot"
    paths = [pot] + [mo_path(translations_dir, locale) for locale in locales]
    cache_key = (str(translations_dir), float(threshold), tuple(locales), _file_state(paths))
    cached = _CACHE.get(cache_key)
    if cached is not None:
        return cached
    result = _compute(translations_dir, pot, float(threshold), tuple(locales))
    _CACHE.clear()  # only the newest state of the files matters
    _CACHE[cache_key] = result
    return result


def _compute(
    translations_dir: Path, pot: Path, threshold: float, locales: tuple[str, ...]
) -> dict[str, LocaleStatus]:
    """Compare each compiled catalog with the template."""
    messages: list[Message] = []
    if pot.exists():
        with open(pot, "rb") as handle:
            messages = [message for message in read_po(handle) if message.id]
    else:
        log.warning("no %s: every compiled locale is offered without a completeness check", pot)
    critical = [message for message in messages if is_critical(message)]
    result: dict[str, LocaleStatus] = {}
    for locale in locales:
        if locale == SOURCE_LOCALE:
            result[locale] = LocaleStatus(
                locale, len(messages), len(messages), len(critical), (), True, "source"
            )
            continue
        path = mo_path(translations_dir, locale)
        if not path.exists():
            result[locale] = LocaleStatus(locale, len(messages), 0, len(critical), (), False, "not compiled")
            continue
        keys = _compiled_keys(path)
        nplurals = PLURAL_FORMS.get(locale, (2, ""))[0]
        done = sum(_is_translated(message, keys, nplurals) for message in messages)
        missing = tuple(
            message_key(message)[1] for message in critical if not _is_translated(message, keys, nplurals)
        )
        ratio = done / len(messages) if messages else 1.0
        if missing:
            released, reason = False, f"{len(missing)} critical strings untranslated"
        elif ratio + 1e-9 < threshold:
            released, reason = False, f"{ratio:.0%} translated, below the {threshold:.0%} threshold"
        else:
            released, reason = True, "complete" if done == len(messages) else f"{ratio:.0%} translated"
        result[locale] = LocaleStatus(locale, len(messages), done, len(critical), missing, released, reason)
    return result


def released_locales(
    translations_dir: str | Path, threshold: float, locales: tuple[str, ...] = SUPPORTED
) -> tuple[str, ...]:
    """The locales passing the gate, in the order of `locales`."""
    status = release_status(translations_dir, threshold, locales)
    return tuple(locale for locale in locales if status[locale].released)
