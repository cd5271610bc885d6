"""Comparing a passport name someone typed with the registry's: match, near match, or mismatch.

Built on the MRZ-style forms of `names`: case, spacing, hyphens, apostrophes and diacritics
(ICAO 9303 and accent-dropped spellings) never cause a mismatch, and neither does the order of
family and given names. The letters themselves must agree, so a different name never matches.
A name that lacks (or adds) a whole name, typically a middle name, is a *near* match: the
user is told what to check, it is not a pass.
"""

from __future__ import annotations

from app.services.names import name_variants

MATCH = "match"
NEAR = "near"
MISMATCH = "mismatch"


def _spaced(raw: str) -> list[tuple[str, ...]]:
    """The token sequences of a name's variants (ICAO and accent-dropped, both orders, unspaced)."""
    return [tuple(variant.split()) for variant in name_variants(raw or "")]


def _rotations(tokens: tuple[str, ...]) -> set[str]:
    """Every rotation of the tokens, spaces removed: family-first and given-first are rotations."""
    return {"".join(tokens[k:] + tokens[:k]) for k in range(len(tokens))} if tokens else set()


def compare_names(entered: str, recorded: str) -> str:
    """MATCH, NEAR (a whole name missing or added) or MISMATCH; never MATCH for other letters."""
    entered_forms = _spaced(entered)
    recorded_forms = _spaced(recorded)
    if not entered_forms or not recorded_forms:
        return MISMATCH
    recorded_joined = {"".join(tokens) for tokens in recorded_forms}
    for tokens in entered_forms:
        if _rotations(tokens) & recorded_joined:
            return MATCH
    for mine in entered_forms:
        for theirs in recorded_forms:
            a, b = set(mine), set(theirs)
            if a != b and (a < b or b < a) and len(a & b) >= 2:
                return NEAR
    return MISMATCH
