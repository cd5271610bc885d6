"""The official-term glossary (translations/glossary.csv): load, search, and check catalogs against it.

Columns: `term_id`, `context`, `zh` (official Simplified Chinese), `pinyin`, `en`, then one column
per locale id, then `note`. A cell may list accepted variants separated by `|` (inflected forms
in ru, de, ar…); the first variant is the one to show. `context`, when set, limits the catalog
check to strings with that msgctxt (short words such as card statuses are only terms there).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.catalog import Catalog

from .locales import SUPPORTED

if TYPE_CHECKING:
    from .catalogs import Problem

GLOSSARY_FILE = Path(__file__).resolve().parents[2] / "translations" / "glossary.csv"
LOCALE_COLUMNS = tuple(locale for locale in SUPPORTED if locale not in ("en", "zh_Hans"))


@dataclass(frozen=True)
class Term:
    """One official term: its Chinese original, pinyin, and each locale's rendering."""

    id: str
    zh: str
    pinyin: str
    en: str
    renderings: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    context: str = ""
    note: str = ""

    def variants(self, locale: str) -> list[str]:
        """Every accepted rendering in a locale, the preferred one first."""
        if locale == "zh_Hans":
            cell = self.zh
        elif locale == "en":
            cell = self.en
        else:
            cell = self.renderings.get(locale.split("@", 1)[0], "")
        return [variant.strip() for variant in cell.split("|") if variant.strip()]

    def rendering(self, locale: str) -> str:
        """The preferred rendering in a locale (English when the locale has none)."""
        variants = self.variants(locale)
        return variants[0] if variants else self.variants("en")[0]

    def as_dict(self, locale: str | None = None) -> dict[str, str]:
        """A JSON-ready view; with a locale, its rendering as `translation`."""
        data = {
            "id": self.id,
            "zh": self.zh,
            "pinyin": self.pinyin,
            "en": self.variants("en")[0],
            "context": self.context,
            "note": self.note,
        }
        if locale:
            data["translation"] = self.rendering(locale)
        return data


def _read(path: Path) -> tuple[Term, ...]:
    """Parse the CSV into Terms."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    terms = []
    for row in rows:
        if not (row.get("term_id") or "").strip():
            continue
        terms.append(
            Term(
                id=row["term_id"].strip(),
                zh=row["zh"].strip(),
                pinyin=row["pinyin"].strip(),
                en=row["en"].strip(),
                renderings={locale: (row.get(locale) or "").strip() for locale in LOCALE_COLUMNS},
                context=(row.get("context") or "").strip(),
                note=(row.get("note") or "").strip(),
            )
        )
    return tuple(terms)


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> tuple[Term, ...]:
    """Terms of one version of the file."""
    return _read(Path(path))


def load_glossary(path: str | Path = GLOSSARY_FILE) -> list[Term]:
    """Every term of the glossary file (re-read only when the file changes)."""
    path = Path(path)
    return list(_cached(str(path), path.stat().st_mtime_ns))


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for searching (pinyin tones, é…)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_ARABIC_PREFIXES = ("وبال", "فبال", "وال", "فال", "بال", "كال", "لل", "ال")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})


def _fold_for(locale: str, text: str) -> str:
    """_fold, plus for Arabic: no article or attached preposition, one form of alef/taa marbuta."""
    folded = _fold(text)
    if not locale.startswith("ar"):
        return folded
    words = []
    for word in folded.translate(_ARABIC_LETTERS).split():
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                word = word[len(prefix) :]
                break
        words.append(word)
    # "للتأمين الطبي" (for the medical insurance) still contains "التأمين الطبي".
    return " ".join(words)


def search(query: str, locale: str = "en", terms: Iterable[Term] | None = None) -> list[Term]:
    """Terms matching a query in Chinese, pinyin, English, the id or the locale's rendering; best first."""
    needle = _fold((query or "").strip())
    terms = load_glossary() if terms is None else terms
    if not needle:
        return list(terms)
    scored = []
    for position, term in enumerate(terms):
        fields = [
            term.id,
            term.zh,
            term.pinyin,
            term.pinyin.replace(" ", ""),
            *term.variants("en"),
            *term.variants(locale),
        ]
        folded = [_fold(value) for value in fields if value]
        if any(value == needle for value in folded):
            scored.append((0, position, term))
        elif any(value.startswith(needle) for value in folded):
            scored.append((1, position, term))
        elif any(needle in value for value in folded):
            scored.append((2, position, term))
    return [term for _, _, term in sorted(scored, key=lambda item: item[:2])]


def _english_pattern(variant: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern for an English rendering."""
    return re.compile(r"(?<![\w-])" + re.escape(variant).replace(r"\ ", r"\s+") + r"(?![\w-])", re.IGNORECASE)


def terms_in(msgid: str, context: str | None, terms: Iterable[Term]) -> list[Term]:
    """The glossary terms an English msgid uses (the longest wins where two overlap)."""
    spans: list[tuple[int, int]] = []
    candidates = sorted(terms, key=lambda term: -max(len(v) for v in term.variants("en")))
    found = []
    for term in candidates:
        if term.context and term.context != (context or ""):
            continue
        for variant in term.variants("en"):
            for hit in _english_pattern(variant).finditer(msgid):
                if any(start < hit.end() and hit.start() < end for start, end in spans):
                    continue
                spans.append(hit.span())
                if term not in found:
                    found.append(term)
    return found


def glossary_problems(catalog: Catalog, locale: str, terms: Iterable[Term]) -> list[Problem]:
    """Translations whose English source uses a glossary term but not the locale's rendering."""
    from .catalogs import Problem, is_complete

    problems: list[Problem] = []
    if locale.split("@", 1)[0] in ("en",):
        return problems
    for message in catalog:
        if not message.id or not is_complete(message):
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string or ())
        for term in terms_in(" / ".join(ids), message.context, terms):
            accepted = [_fold_for(locale, variant) for variant in term.variants(locale)]
            if not accepted:
                continue
            for form in forms:
                if not any(variant in _fold_for(locale, form) for variant in accepted):
                    problems.append(
                        Problem(
                            locale,
                            "glossary",
                            ids[0],
                            f"uses {term.variants('en')[0]!r} ({term.zh}); {locale} must say "
                            f"{term.rendering(locale)!r}: {form!r}",
                        )
                    )
                    break
    return problems
