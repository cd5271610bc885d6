"""Property tests: passport-name matching is tolerant of form but never of letters; identifier checks."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.journeys.engine import Context, FieldError
from app.journeys.models import FlowState
from app.registry.identifiers import mod11_2_check_char
from app.registry.names import name_variants
from app.verify.journey import IdentifierStep
from app.verify.name_match import MATCH, MISMATCH, NEAR, compare_names

ASCII_WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=10)
NAME_WORDS = st.lists(ASCII_WORD, min_size=2, max_size=5)
# Letters ICAO 9303 transliterates in two ways (Ä → AE or A), plus plain ones.
ACCENTED_WORD = st.text(alphabet="ABEHMNORSTUÄÖÜÉÈÅØßÇ", min_size=2, max_size=8).filter(
    lambda w: any(c.isalpha() for c in w)
)


def letter_counts(raw: str) -> set[tuple]:
    """The letters of every spelling of a name, ignoring spaces and order."""
    return {tuple(sorted(Counter(v.replace(" ", "")).items())) for v in name_variants(raw)}


@given(words=NAME_WORDS, data=st.data())
def test_form_never_matters(words, data):
    recorded = f"{words[0]}, {' '.join(words[1:])}"
    given_first = " ".join(words[1:] + words[:1])
    styles = [
        " ".join(words).lower(),
        given_first.title(),
        "-".join(words),
        f"{words[0]}<<{'<'.join(words[1:])}",
        "  ".join(words),
        "".join(words),
    ]
    typed = data.draw(st.sampled_from(styles))
    assert compare_names(typed, recorded) == MATCH


@given(family=ACCENTED_WORD, given_name=ACCENTED_WORD)
def test_icao_and_plain_spellings_of_diacritics_match(family, given_name):
    recorded = f"{family}, {given_name}"
    for spelling in name_variants(recorded):
        assert compare_names(spelling, recorded) == MATCH


@settings(max_examples=300)
@given(
    a=st.lists(st.one_of(ASCII_WORD, ACCENTED_WORD), min_size=1, max_size=4),
    b=st.lists(st.one_of(ASCII_WORD, ACCENTED_WORD), min_size=1, max_size=4),
)
def test_different_letters_never_match(a, b):
    first, second = " ".join(a), " ".join(b)
    assume(not (letter_counts(first) & letter_counts(second)))
    assert compare_names(first, second) != MATCH
    assert compare_names(second, first) != MATCH


@given(words=st.lists(ASCII_WORD, min_size=3, max_size=5, unique=True), missing=st.integers(1, 4))
def test_a_missing_middle_name_is_near_not_a_pass(words, missing):
    index = 1 + missing % (len(words) - 1)
    assume(index < len(words))
    assume(len(set(words[:index] + words[index + 1 :])) >= 2)
    short = [w for i, w in enumerate(words) if i != index]
    assume(Counter("".join(short)) != Counter("".join(words)))
    recorded = f"{words[0]}, {' '.join(words[1:])}"
    assert compare_names(" ".join(short), recorded) == NEAR


@pytest.mark.parametrize(
    ("typed", "recorded", "expected"),
    [
        ("Mc Donald Ronald", "MCDONALD, Ronald", MATCH),
        ("MC DONALD RONALD", "McDonald, Ronald", MATCH),
        ("Müller Hans", "MUELLER, HANS", MATCH),
        ("Muller Hans", "MÜLLER, Hans", MATCH),
        ("O'Brien Siobhan", "Siobhán O'BRIEN", MATCH),
        ("Hans Müller", "MÜLLER, Hans Peter", NEAR),
        ("Hans Meier", "MÜLLER, Hans", MISMATCH),
        ("", "MÜLLER, Hans", MISMATCH),
    ],
)
def test_examples(typed, recorded, expected):
    assert compare_names(typed, recorded) == expected


@pytest.mark.parametrize(
    ("typed", "recorded", "expected"),
    [
        # Letters never move from one word to another: no re-cutting of the joined letters.
        ("AN NALI", "LI, Anna", MISMATCH),
        ("ANNAL I", "LI, Anna", MISMATCH),
        ("JUN KIM MIN", "KIM, Min-jun", MISMATCH),
        ("JUN MIN KIM", "KIM, Min-jun", MISMATCH),
        # Whole words in any order, and words typed together or a word typed in pieces.
        ("Anna Li", "LI, Anna", MATCH),
        ("ANNALI", "LI, Anna", MATCH),
        ("Kim Min Jun", "KIM, Min-jun", MATCH),
        ("MINJUN KIM", "KIM, Min-jun", MATCH),
        ("Min-jun Kim", "KIM, Min-jun", MATCH),
        ("JUN KIM MIN", "KIM MIN JUN", MATCH),
        ("Peter Hans Müller", "MÜLLER, Hans Peter", MATCH),
        # No loose folding of letters ICAO 9303 does not transliterate.
        ("NASA Lilo", "NAʔA, Lilo", MISMATCH),
        ("Naʔa Lilo", "NAʔA, Lilo", MATCH),
        ("CXOO Ann", "ǃXOO, Ann", MISMATCH),
        ("ǃXoo Ann", "ǃXOO, Ann", MATCH),
        ("SSSD Leyla", "ƏSƏD, Leyla", MISMATCH),
        ("Əsəd Leyla", "ƏSƏD, Leyla", MATCH),
        # ICAO's own spellings: marks dropped, Ø → OE (or O), Ł → L, ı → I.
        ("JOERGENSEN Soeren", "JØRGENSEN, Søren", MATCH),
        ("Lukaszewicz Pawel", "ŁUKASZEWICZ, Paweł", MATCH),
        ("Yildiz Isil", "YILDIZ, Işıl", MATCH),
    ],
)
def test_whole_words_only(typed, recorded, expected):
    assert compare_names(typed, recorded) == expected


@pytest.mark.parametrize("typed", ["A" * 120, " ".join(["A"] * 60), " ".join("A" * k for k in range(1, 15))])
def test_a_name_built_to_be_slow_is_answered_and_refused(typed):
    recorded = " ".join("A" * k for k in range(1, 19))
    assert compare_names(typed, recorded) == MISMATCH


DISTINCT_LETTERS = st.permutations("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _cut(letters, lengths):
    """Split a string into consecutive words of the given lengths."""
    words, start = [], 0
    for length in lengths:
        words.append("".join(letters[start : start + length]))
        start += length
    return words


@given(letters=DISTINCT_LETTERS, lengths=st.lists(st.integers(2, 5), min_size=2, max_size=4), data=st.data())
def test_letters_rotated_across_words_never_match(letters, lengths, data):
    words = _cut(letters, lengths)
    joined = "".join(words)
    boundaries = {sum(lengths[:k]) for k in range(len(lengths))}
    shift = data.draw(st.integers(1, len(joined) - 1).filter(lambda k: k not in boundaries))
    rotated = joined[shift:] + joined[:shift]
    typed = " ".join(_cut(rotated, lengths))
    recorded = f"{words[0]}, {' '.join(words[1:])}"
    assert compare_names(typed, recorded) != MATCH


@given(letters=DISTINCT_LETTERS, lengths=st.lists(st.integers(2, 5), min_size=3, max_size=4), data=st.data())
def test_whole_words_match_in_any_order_and_a_hyphenated_word_stays_whole(letters, lengths, data):
    words = _cut(letters, lengths)
    order = data.draw(st.permutations(words))
    assert compare_names(" ".join(order), f"{words[0]}, {' '.join(words[1:])}") == MATCH
    # The last two words as one hyphenated name: its halves must stay together and in order.
    recorded = f"{words[0]}, {' '.join(words[1:-2])} {words[-2]}-{words[-1]}"
    assert compare_names(" ".join([*words[:-2], words[-2] + words[-1]]), recorded) == MATCH
    assert compare_names(" ".join(words), recorded) == MATCH
    assert compare_names(" ".join([words[-1], *words[:-2], words[-2]]), recorded) != MATCH


def _identifier_step(app, kind: str):
    """The flow's identifier step with a chosen type, outside any request."""
    state = FlowState(step="identifier", answers={"identifier_type": kind}, context={})
    return IdentifierStep(), Context(user_id=None, preview=True, state=state)


SEPARATORS = st.sampled_from([" ", "-", "  ", "\u3000", "", "."])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    digits=st.text(alphabet="0123456789", min_size=18, max_size=18),
    seps=st.lists(SEPARATORS, min_size=17, max_size=17),
)
def test_permit_numbers_with_any_separators_are_accepted(app, digits, seps):
    step, ctx = _identifier_step(app, "permit_number")
    typed = "".join(d + s for d, s in zip(digits, [*seps, ""], strict=True))
    assert step.clean(ctx, "identifier", typed) == digits


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(digits=st.text(alphabet="0123456789", min_size=1, max_size=30).filter(lambda d: len(d) != 18))
def test_permit_numbers_of_another_length_are_refused(app, digits):
    step, ctx = _identifier_step(app, "permit_number")
    with pytest.raises(FieldError) as error:
        step.clean(ctx, "identifier", digits)
    assert "18" in error.value.message


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.text(alphabet="0123456789", min_size=16, max_size=16),
    year=st.integers(1950, 2005),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    wrong=st.sampled_from("0123456789X"),
)
def test_ssn_check_character(app, body, year, month, day, wrong):
    step, ctx = _identifier_step(app, "ssn")
    seventeen = f"9{body[:5]}{year:04d}{month:02d}{day:02d}{body[5:8]}"
    good = seventeen + mod11_2_check_char(seventeen)
    assert step.clean(ctx, "identifier", good.lower()) == good
    assume(wrong != good[-1])
    with pytest.raises(FieldError):
        step.clean(ctx, "identifier", seventeen + wrong)
