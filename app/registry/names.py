"""Passport names: the MRZ-style canonical form, family/given split and comparable variants.

ICAO 9303 writes names in the machine-readable zone with A–Z only. Letters with diacritics are
transliterated (Ä → AE, ß → SS, Å → AA …) or lose their marks; hyphens become spaces and
apostrophes vanish. Systems in China copy names in different ways, so matching compares a set of
variants rather than one string.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# ICAO 9303 Part 3 recommended transliterations that are not just "drop the accent".
_ICAO_MULTI = {
    "Ä": "AE",
    "Æ": "AE",
    "Ǽ": "AE",
    "Ö": "OE",
    "Ø": "OE",
    "Œ": "OE",
    "Ü": "UE",
    "ß": "SS",
    "ẞ": "SS",
    "Å": "AA",
    "Þ": "TH",
    "Ð": "D",
    "Đ": "D",
    "Ħ": "H",
    "Ł": "L",
    "Ŀ": "L",
    "Ŋ": "N",
    "Ŧ": "T",
    "Ĳ": "IJ",
    "ı": "I",
}
# The same letters with only their accent dropped, for the "simple" variant (Müller → MULLER).
_SIMPLE_MULTI = {**_ICAO_MULTI, "Ä": "A", "Ö": "O", "Ü": "U", "Å": "A", "Ø": "O"}

_APOSTROPHES = "'’‘ʼ`´ʹ′"
_NOT_LETTER = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r" +")


def _translation(table: dict[str, str]) -> dict[int, str | None]:
    """A str.translate map: both cases of each special letter, apostrophes removed."""
    mapping: dict[int, str | None] = {ord(char): None for char in _APOSTROPHES}
    for letter, replacement in table.items():
        mapping[ord(letter)] = replacement
        mapping.setdefault(ord(letter.lower()), replacement)
    return mapping


_ICAO_TRANSLATION = _translation(_ICAO_MULTI)
_SIMPLE_TRANSLATION = _translation(_SIMPLE_MULTI)


_LATIN_LETTER_NAME = re.compile(r"LATIN (?:CAPITAL |SMALL )?(LETTER|LIGATURE) ([A-Z ]+?)(?: WITH .*)?")


@functools.lru_cache(maxsize=4096)
def _base_letter(char: str) -> str:
    """The letter a Latin letter without a decomposition is built on (ȴ → L, ı → I, œ → OE).

    Anything that is not a Latin letter separates words.
    """
    match = _LATIN_LETTER_NAME.fullmatch(unicodedata.name(char, ""))
    if not match:
        return " "
    kind, base = match.groups()
    words = base.split()
    if kind == "LIGATURE":
        return "".join(words)
    # "DOTLESS I", "LONG S", "SMALL CAPITAL R": the letter is the last word; else its initial.
    return words[-1] if len(words[-1]) == 1 else words[-1][0]


def _transliterate(raw: str, table: dict[int, str | None] = _ICAO_TRANSLATION) -> str:
    """Uppercase A–Z and single spaces: special letters mapped, accents dropped, the rest spaces."""
    text = unicodedata.normalize("NFC", raw).translate(table)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(
            char if char.isascii() else _base_letter(char)
            for char in decomposed
            if not unicodedata.combining(char)
        )
    text = _NOT_LETTER.sub(" ", text.upper())
    return _SPACES.sub(" ", text).strip()


# A letter that is an A–Z letter with a mark (`L WITH CURL`, `D WITH HOOK`, `DOTLESS I`), or a ligature.
_MARKED_LETTER = re.compile(r"LATIN (?:CAPITAL |SMALL )?LETTER (?:DOTLESS )?([A-Z])(?: WITH .+)?")
_LIGATURE = re.compile(r"LATIN (?:CAPITAL |SMALL )?LIGATURE ([A-Z]+)")
_HYPHENS = frozenset("-\u2010\u2011")


@functools.lru_cache(maxsize=4096)
def _icao_letter(char: str) -> str:
    """A letter with no decomposition for matching: its A–Z base when it is one marked, else itself.

    `ȴ` (L with curl) → L and `ı` → I, as ICAO 9303 drops marks; a letter that is not an A–Z letter
    with a mark (`ʔ` glottal stop, `ǃ` click, `ə` schwa) has no ICAO spelling, so it stays itself
    and matches only itself.
    """
    name = unicodedata.name(char, "")
    match = _MARKED_LETTER.fullmatch(name) or _LIGATURE.fullmatch(name)
    return match.group(1) if match else char.upper()


def _words(raw: str, table: dict[int, str | None]) -> list[str]:
    """The words of a name in one transliteration: a hyphen joins the parts of a word, anything else
    that is not a letter separates words."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", raw).translate(table))
    words: list[str] = []
    current: list[str] = []
    for char in text:
        if unicodedata.combining(char) or char in _HYPHENS:
            continue
        if char.isalpha():
            current.append(char.upper() if char.isascii() else _icao_letter(char))
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def name_tokens(raw: str) -> tuple[frozenset[str], ...]:
    """The words of a name for matching, each with its spellings under ICAO 9303.

    A word is written as in the name, with ICAO's transliterations (`Müller` → MUELLER, or the
    alternative MULLER that ICAO also allows) and nothing looser; a hyphenated word (`Min-jun`)
    is one word. `KIM, Min-jun` → ({KIM}, {MINJUN}).
    """
    spellings = [_words(raw or "", table) for table in (_ICAO_TRANSLATION, _SIMPLE_TRANSLATION)]
    return tuple(frozenset(forms) for forms in zip(*spellings, strict=True))


def canonical_name(raw: str) -> str:
    """The MRZ-style form of a name: A–Z in single spaces, the family name first when known.

    `MÜLLER-LÜDENSCHEIDT, Hans Peter` → `MUELLER LUEDENSCHEIDT HANS PETER`;
    `Siobhán O'BRIEN` → `OBRIEN SIOBHAN`; `Anna Maria Rossi` (no clue) → `ANNA MARIA ROSSI`.
    """
    family, given = split_name(raw)
    return " ".join(part for part in (family, given) if part)


def split_name(raw: str) -> tuple[str, str]:
    """(family, given) in canonical form, from the comma or the all-capitals-surname convention.

    `MÜLLER-LÜDENSCHEIDT, Hans Peter` → (`MUELLER LUEDENSCHEIDT`, `HANS PETER`);
    `O'BRIEN Siobhán` → (`OBRIEN`, `SIOBHAN`); `Siobhán O'BRIEN` → the same. Without either clue
    the family name is unknown ("") and the whole name is returned as the given names.
    """
    raw = raw or ""
    if "," in raw or _family_span(raw.split()):
        return _icao(_family_part(raw)), _icao(_given_part(raw))
    return "", _icao(raw)


@functools.lru_cache(maxsize=16384)
def _icao(part: str) -> str:
    """_transliterate with the ICAO table, remembered: family and given names repeat across a feed."""
    return _transliterate(part, _ICAO_TRANSLATION)


def name_variants(raw: str) -> frozenset[str]:
    """Comparable forms of a name: ICAO and accent-stripped spellings, both name orders, no spaces.

    `Müller, Hans` → {`MUELLER HANS`, `MULLER HANS`, `HANS MUELLER`, `HANS MULLER`,
    `MUELLERHANS`, …}. Two names probably denote the same person when their variant sets meet.
    """
    variants: set[str] = set()
    family, given = split_name(raw)
    for table in (_ICAO_TRANSLATION, _SIMPLE_TRANSLATION):
        whole = _transliterate(raw.replace(",", " "), table)
        if whole:
            variants.add(whole)
        if family:
            fam = _transliterate(_family_part(raw), table)
            giv = _transliterate(_given_part(raw), table)
            for ordered in (f"{fam} {giv}", f"{giv} {fam}"):
                variants.add(_SPACES.sub(" ", ordered).strip())
    variants.discard("")
    variants |= {v.replace(" ", "") for v in variants}
    if family and given:
        variants.add(f"{family} {given}")
        variants.add(f"{given} {family}")
    return frozenset(variants)


def _family_part(raw: str) -> str:
    """The raw family-name text: before the comma, or the all-capitals words."""
    if "," in raw:
        return raw.partition(",")[0]
    words = raw.split()
    span = _family_span(words)
    return " ".join(words[span]) if span else ""


def _given_part(raw: str) -> str:
    """The raw given-names text: after the comma, or the words that are not the family name."""
    if "," in raw:
        return raw.partition(",")[2]
    words = raw.split()
    span = _family_span(words)
    if not span:
        return raw
    return " ".join(words[: span.start] + words[span.stop :])


def _family_span(words: list[str]) -> slice | None:
    """Where an all-capitals surname sits among mixed-case given names (leading or trailing).

    The convention needs the contrast: with no lower-case letter anywhere (`KIM MIN JUN`,
    `J SMITH`) the order cannot be told and None is returned.
    """

    def is_surname_word(word: str) -> bool:
        letters = [c for c in word if c.isalpha()]
        return bool(letters) and all(c.isupper() for c in letters) and len(word.rstrip(".")) > 1

    def has_lower(part: list[str]) -> bool:
        return any(c.islower() for word in part for c in word)

    lead = 0
    while lead < len(words) and is_surname_word(words[lead]):
        lead += 1
    if 0 < lead < len(words) and has_lower(words[lead:]):
        return slice(0, lead)
    trail = 0
    while trail < len(words) and is_surname_word(words[len(words) - 1 - trail]):
        trail += 1
    if 0 < trail < len(words) and has_lower(words[: len(words) - trail]):
        return slice(len(words) - trail, len(words))
    return None
