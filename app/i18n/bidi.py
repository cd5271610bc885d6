"""Right-to-left safety: isolate interpolated values and Latin runs (FSI … PDI) in RTL messages.

In an Arabic sentence, a Latin run that starts or ends with neutral characters (the passport's
`P<DEUMUELLER<<HANS<PETER<<<<`, a `‹` or `/` beside a word) takes the direction of the Arabic around
it, so its `<` signs are drawn on the wrong side and the run falls apart. A value filled into a
placeholder (a name, an e-mail address, an amount with its sign) has the same problem. Unicode's
answer (UAX #9) is to isolate each one: FIRST STRONG ISOLATE (U+2068) before, POP DIRECTIONAL
ISOLATE (U+2069) after; inside, the run keeps its own direction, outside it counts as one neutral.

`isolate_template` does that once per message template (cached) for right-to-left locales, at
format time, wrapping every placeholder and every Latin run of the literal text; text the
translator already isolated is left as it is. `unisolated_latin_runs` is the catalog check: a Latin
run with neutral characters in a right-to-left catalog must be isolated in the msgstr itself, so
that every copy of the text (the mini program's offline copy too) is right.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

FSI, PDI = "\u2068", "\u2069"
#: Isolate and embedding openers (LRI, RLI, FSI, LRE, RLE, LRO, RLO) and their closers.
_OPENERS = frozenset("\u2066\u2067\u2068\u202a\u202b\u202d\u202e")
_CLOSERS = frozenset("\u2069\u202c")

#: A %-placeholder (named or not); `%%` is a literal percent sign and stays text.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
#: Sentence punctuation, brackets and quotes stay outside a run: they belong to the sentence.
_SENTENCE = frozenset(".,;:!?()[]{}\"'«»“”„‘’…%")
#: Signs that belong to the word beside them even across a space (`‹ Back`, `Next ›`).
_ARROWS = frozenset("‹›<>←→")


def _is_rtl(char: str) -> bool:
    """A strong right-to-left letter, or a character of an RTL script (Arabic comma, marks)."""
    if unicodedata.bidirectional(char) in ("R", "AL"):
        return True
    code = ord(char)
    return 0x0590 <= code <= 0x08FF or 0xFB1D <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def _is_core(char: str) -> bool:
    """A strong left-to-right character (a Latin letter, CJK) or a European digit."""
    return unicodedata.bidirectional(char) in ("L", "EN")


def _is_edge(char: str) -> bool:
    """A neutral that may lead or trail a Latin run as part of it (`<`, `‹`, `/`, `-`, `#`…)."""
    return (
        not char.isspace()
        and not _is_core(char)
        and not _is_rtl(char)
        and char not in _SENTENCE
        and char not in _OPENERS
        and char not in _CLOSERS
    )


def _is_inner(char: str) -> bool:
    """A character that may stand between two left-to-right characters of one run."""
    return not _is_rtl(char) and char not in _OPENERS and char not in _CLOSERS and char not in "\n"


def _edge_before(text: str, index: int) -> int:
    """Where a run that reaches index starts: its leading neutrals, across one space (`‹ Back`)."""
    start = index
    gap = start - 1 if start > 0 and text[start - 1] == " " else start
    edge = gap
    while edge > 0 and _is_edge(text[edge - 1]) and (gap == start or text[edge - 1] in _ARROWS):
        edge -= 1
    if edge < gap:
        start = edge
    return start


def _edge_after(text: str, index: int) -> int:
    """Where a run that ends before index ends: its trailing neutrals, across one space (`Next ›`)."""
    end = index
    gap = end + 1 if end < len(text) and text[end] == " " else end
    edge = gap
    while edge < len(text) and _is_edge(text[edge]) and (gap == end or text[edge] in _ARROWS):
        edge += 1
    if edge > gap:
        end = edge
    return end


def _runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each Latin run outside isolates: edges, then strong/digit chars joined by neutrals."""
    spans: list[tuple[int, int]] = []
    depth = 0
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char in _OPENERS:
            depth += 1
            index += 1
            continue
        if char in _CLOSERS:
            depth = max(0, depth - 1)
            index += 1
            continue
        if depth or not _is_core(char):
            index += 1
            continue
        start = _edge_before(text, index)
        if spans and start < spans[-1][1]:
            start = spans[-1][1]
        end = index + 1
        last_core = index
        while end < length and _is_inner(text[end]):
            if _is_core(text[end]):
                last_core = end
            end += 1
        end = _edge_after(text, last_core + 1)
        has_letter = any(unicodedata.bidirectional(c) == "L" for c in text[start:end])
        if has_letter:
            spans.append((start, end))
        index = end
    return spans


def _isolate_text(text: str) -> str:
    """Literal text with each Latin run wrapped in FSI … PDI."""
    spans = _runs(text)
    if not spans:
        return text
    out = []
    position = 0
    for start, end in spans:
        out.append(text[position:start])
        out.append(FSI + text[start:end] + PDI)
        position = end
    out.append(text[position:])
    return "".join(out)


@lru_cache(maxsize=8192)
def isolate_template(template: str, latin_runs: bool = True) -> str:
    """A message template with every placeholder (and, unless told not to, Latin run) isolated."""
    out = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        if _escaped(template, match.start()):
            continue
        literal = template[position : match.start()]
        out.append(_isolate_text(literal) if latin_runs else literal)
        out.append(FSI + match.group(0) + PDI)
        position = match.end()
    rest = template[position:]
    out.append(_isolate_text(rest) if latin_runs else rest)
    return "".join(out)


def _escaped(text: str, index: int) -> bool:
    """True when the % at index is the second half of a `%%` (an odd number of % before it)."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "%":
        count += 1
    return count % 2 == 1


def unisolated_latin_runs(text: str) -> list[str]:
    """Latin runs of a translation that carry neutral characters and are not isolated."""
    literal = PLACEHOLDER.sub(FSI + PDI, text.replace("%%", "%"))
    found = []
    for start, end in _runs(literal):
        run = literal[start:end]
        if any(not _is_core(char) and not char.isspace() for char in run):
            found.append(run)
    return found
