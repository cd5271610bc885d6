"""Comparing a passport name someone typed with the registry's: match, near match, or mismatch.

Names are compared word by word (`names.name_tokens`), each word in the registry's own spelling
or an ICAO 9303 transliteration of it. Case, punctuation, diacritics and the order of the words
never cause a mismatch; how the words are cut may differ only along the registry's own word
boundaries: words typed together (`MCDONALDRONALD`, `MINJUN`) stand for whole recorded words, in
any order, and a recorded word typed in pieces (`MC DONALD`, `MIN JUN`) is typed in order, the
pieces next to each other. Letters are never moved from one word to another, so `AN NALI` is not
`LI, Anna` and `JUN KIM MIN` is not `KIM, Min-jun`.

A name that lacks (or adds) one or two whole words, typically a middle name, and shares at least
two with the record is a *near* match: the user is told what to check, it is not a pass.
"""

from __future__ import annotations

from app.registry.names import name_tokens

MATCH = "match"
NEAR = "near"
MISMATCH = "mismatch"

#: Steps one comparison may take; a name so unusual that it needs more is a mismatch.
_BUDGET = 20_000
#: Most whole words a near match may lack or add.
MAX_SPARE = 2

Word = frozenset[str]


class _TooComplex(Exception):
    """The comparison ran out of its budget."""


class _Aligner:
    """Pairs the typed words with the recorded ones; `spare` lets words of one side go unpaired."""

    def __init__(self, typed: tuple[Word, ...], recorded: tuple[Word, ...], spare: str | None):
        self.typed = typed
        self.recorded = recorded
        self.spare = spare
        self.full = (1 << len(recorded)) - 1
        self.memo: dict[tuple[int, int, int], int] = {}
        self.steps = 0

    def _tick(self) -> None:
        """Count one step; past the budget, give up."""
        self.steps += 1
        if self.steps > _BUDGET:
            raise _TooComplex

    def _free(self, mask: int):
        """Indices of recorded words not yet paired; of equal words only the first free one."""
        seen: set[Word] = set()
        for k, word in enumerate(self.recorded):
            if not mask >> k & 1 and word not in seen:
                seen.add(word)
                yield k

    def _covers(self, text: str, mask: int) -> set[int]:
        """Sets (as bit masks) of free recorded words that, in some order, spell `text` exactly."""
        self._tick()
        found: set[int] = set()
        for k in self._free(mask):
            for form in self.recorded[k]:
                if not text.startswith(form):
                    continue
                rest = text[len(form) :]
                if not rest:
                    found.add(1 << k)
                else:
                    found |= {(1 << k) | more for more in self._covers(rest, mask | 1 << k)}
        return found

    def _pieces_end(self, start: int, form: str) -> list[int]:
        """Ends `j` (at least two words on) where typed words start…j-1, in order, spell `form`."""
        ends = []
        positions = {0}
        for j in range(start, len(self.typed)):
            self._tick()
            positions = {
                p + len(piece) for p in positions for piece in self.typed[j] if form.startswith(piece, p)
            }
            if len(form) in positions and j > start:
                ends.append(j + 1)
            positions.discard(len(form))
            if not positions:
                break
        return ends

    def best(self, i: int = 0, mask: int = 0, skipped: int = 0) -> int:
        """The most pairs for typed words i… given the recorded words in `mask` are taken; -1: none.

        `skipped`: typed words left unpaired so far.
        """
        key = (i, mask, skipped)
        if key in self.memo:
            return self.memo[key]
        self._tick()
        if i == len(self.typed):
            left = (self.full & ~mask).bit_count()
            result = 0 if left == 0 or (self.spare == "recorded" and left <= MAX_SPARE) else -1
            self.memo[key] = result
            return result
        result = -1
        if self.spare == "typed" and skipped < MAX_SPARE:
            result = self.best(i + 1, mask, skipped + 1)
        # One typed word for one or more whole recorded words, those in any order.
        for used in set().union(*(self._covers(form, mask) for form in self.typed[i])):
            rest = self.best(i + 1, mask | used, skipped)
            if rest >= 0:
                result = max(result, rest + 1)
        # Two or more typed words, in order and together, for one recorded word.
        for k in self._free(mask):
            for form in self.recorded[k]:
                for end in self._pieces_end(i, form):
                    rest = self.best(end, mask | 1 << k, skipped)
                    if rest >= 0:
                        result = max(result, rest + 1)
        self.memo[key] = result
        return result


def compare_names(entered: str, recorded: str) -> str:
    """MATCH, NEAR (one or two whole words missing or added) or MISMATCH; never MATCH for other letters."""
    typed, theirs = name_tokens(entered), name_tokens(recorded)
    if not typed or not theirs:
        return MISMATCH
    try:
        if _Aligner(typed, theirs, None).best() >= 0:
            return MATCH
        near = max(_Aligner(typed, theirs, "recorded").best(), _Aligner(typed, theirs, "typed").best())
    except _TooComplex:
        return MISMATCH
    return NEAR if near >= 2 else MISMATCH
