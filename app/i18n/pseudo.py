"""Pseudo-locales: en@pseudo (accented, 40% longer, bracketed) and ar@pseudo (right to left).

They are built from the template by `flask i18n pseudo`, never committed and never offered in
production. A screen rendered under en@pseudo shows at once which text bypassed translation (no
brackets), which sentence was glued from pieces (`][` inside a value) and what overflows.
"""

from __future__ import annotations

import gettext as gettext_module
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from babel.messages.catalog import Catalog

from .locales import PLURAL_FORMS, plural_header

#: Placeholders, HTML tags and entities pass through untouched; only the text around them changes.
PROTECTED = re.compile(
    r"%\([^)]*\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s
    r"|%[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"  # %s, %%
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"  # {name}
    r"|<[^>]+>"  # <a href="…">
    r"|&[A-Za-z]+;|&#\d+;"  # &nbsp;
)
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
_FLIPPED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ɐqɔpǝɟƃɥıɾʞlɯuodbɹsʇnʌʍxʎz∀ᗺƆᗡƎℲ⅁HIſꓘ⅂WNOԀῸᴚS⊥∩ΛMX⅄Z",
)
OPEN, CLOSE, PAD = "[", "]", "·"
RLE, RLO, PDF, RLM = "\u202b", "\u202e", "\u202c", "\u200f"


def _pieces(text: str) -> Iterator[tuple[bool, str]]:
    """(is_protected, piece) runs of a message."""
    position = 0
    for match in PROTECTED.finditer(text):
        if match.start() > position:
            yield False, text[position : match.start()]
        yield True, match.group(0)
        position = match.end()
    if position < len(text):
        yield False, text[position:]


def accent(text: str) -> str:
    """en@pseudo: accented letters, padded by 40% of the text, wrapped in brackets."""
    if not text:
        return text
    plain = sum(len(piece) for protected, piece in _pieces(text) if not protected)
    body = "".join(piece if protected else piece.translate(_ACCENTS) for protected, piece in _pieces(text))
    padding = PAD * math.ceil(plain * 0.4)
    return f"{OPEN}{body}{' ' + padding if padding else ''}{CLOSE}"


def flip(text: str) -> str:
    """ar@pseudo: flipped letters in a right-to-left override, marked with RLM, in brackets."""
    if not text:
        return text
    body = "".join(
        piece if protected else f"{RLO}{piece.translate(_FLIPPED)}{PDF}" for protected, piece in _pieces(text)
    )
    return f"{RLM}{OPEN}{body}{CLOSE}"


TRANSFORMS = {"en@pseudo": accent, "ar@pseudo": flip}


def pseudo_catalog(template: Catalog, locale: str) -> Catalog:
    """A complete catalog for a pseudo-locale, every plural form filled."""
    transform = TRANSFORMS[locale]
    catalog = Catalog(locale=locale, project=template.project, fuzzy=False, charset="utf-8")
    catalog.mime_headers = [("Plural-Forms", plural_header(locale))]
    for message in template:
        if not message.id:
            continue
        string: str | tuple[str, ...]
        if isinstance(message.id, (list, tuple)):
            string = _plural_forms(transform, message.id[0], message.id[1], locale)
        else:
            string = transform(message.id)
        catalog.add(message.id, string, context=message.context, auto_comments=message.auto_comments)
    return catalog


def _plural_forms(
    transform: Callable[[str], str], singular: str, plural: str, locale: str
) -> tuple[str, ...]:
    """Every plural form, the singular where n == 1 lands; ar@pseudo numbers them #0…#5."""
    # The numbers let a test see which of Arabic's six plural paths ran.
    count, expression = PLURAL_FORMS[locale]
    singular_index = gettext_module.c2py(expression)(1)
    forms = []
    for index in range(count):
        text = transform(singular if index == singular_index else plural)
        if locale == "ar@pseudo":
            text = f"{text[:-1]} #{index}{CLOSE}"
        forms.append(text)
    return tuple(forms)


def is_wrapped(value: str) -> bool:
    """True when a string came through a pseudo-locale whole: one bracket pair around it all."""
    text = value.strip().lstrip(RLM)
    return text.startswith(OPEN) and text.endswith(CLOSE) and f"{CLOSE}{OPEN}" not in text


#: JSON keys whose values are codes, ids, enums or data rather than text for people.
DEFAULT_ALLOW_KEYS = frozenset(
    {
        "code",
        "id",
        "locale",
        "dir",
        "bcp47",
        "name_code",
        "flow",
        "step",
        "type",
        "name",
        "field",
        "inputmode",
        "request_id",
        "url",
        "href",
        "value",
        "token",
        "status",
        "action",
        "change",
        "dependency",
        "method",
        "category",
        "priority",
        "slug",
        "lang",
        "currency",
        "date",
        "time",
        "created_at",
        "updated_at",
        "expires_at",
        "published_at",
    }
)


def unwrapped_strings(
    payload: Any, allow_keys: frozenset[str] | set[str] = DEFAULT_ALLOW_KEYS, path: str = "$"
) -> list[tuple[str, str]]:
    """(JSON path, value) of each user-facing string in a payload that is not pseudo-wrapped."""
    # Keys in allow_keys (codes, ids, enums…) are skipped with everything under them; a string
    # without letters (numbers, dates, punctuation) is data, not text, and is skipped too.
    found = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in allow_keys:
                continue
            found += unwrapped_strings(value, allow_keys, f"{path}.{key}")
    elif isinstance(payload, (list, tuple)):
        for index, value in enumerate(payload):
            found += unwrapped_strings(value, allow_keys, f"{path}[{index}]")
    elif isinstance(payload, str):
        if any(char.isalpha() for char in payload) and not is_wrapped(payload):
            found.append((path, payload))
    return found
