"""Content rules for the English source (docs/content-style.md), checked by `flask i18n check`.

Four rules, over the extracted template:
- `long-sentence`: a sentence of a user-facing message has more than MAX_SENTENCE_WORDS words;
- `passive`: a user-facing message has a form of "be" followed by a past participle (regular -ed
  or a listed irregular), unless `translations/passive_allowed.csv` keeps it on purpose;
- `term`: a message uses a term the English term list (translations/terms_en.csv) says to avoid;
- `short-without-context`: a message of SHORT_WORDS words or fewer has neither a msgctxt nor a
  translator comment, so a translator cannot tell where it appears.
User-facing means: shown to foreigners, so every message with a location outside the staff console
(its shell `app/admin/` and each domain's console pages, `app/<domain>/console.py`). The term list
applies to every message.

`translations/content_pending.txt` lists offences whose rewrite belongs to another change (a fact
under review, say). It only shrinks: an entry that no longer matches an offence is itself an
error, so a fixed message must leave the list in the same change. The passive allow-list works
the same way: an entry that no longer matches a passive is an error.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message

TERMS_FILE = Path(__file__).resolve().parents[2] / "translations" / "terms_en.csv"
#: Known offences waiting for a rewrite that another change owns: `rule<TAB>msgid` per line.
PENDING_FILE = TERMS_FILE.with_name("content_pending.txt")
MAX_SENTENCE_WORDS = 25
SHORT_WORDS = 3
#: Passive constructions kept on purpose: msgctxt, msgid, phrase, reason (reviewed, one a row).
PASSIVE_ALLOWED_FILE = TERMS_FILE.with_name("passive_allowed.csv")
#: Forms of "be" that start a passive ("can be paid", "is kept", "were sent").
BE_FORMS = ("am", "is", "are", "was", "were", "be", "been", "being", "isn't", "aren't", "wasn't", "weren't")
#: Words that may stand between "be" and the participle ("is not paid", "are then sent"), besides
#: any -ly adverb ("is formally reported").
PASSIVE_ADVERBS = (
    "not",
    "now",
    "also",
    "already",
    "still",
    "then",
    "only",
    "usually",
    "automatically",
    "never",
    "just",
    "often",
    "always",
    "normally",
    "probably",
    "fully",
    "no",
    "longer",
    "all",
    "both",
    "each",
    "directly",
    "first",
    "later",
    "correctly",
    "properly",
)
#: Common irregular past participles (the regular ones end in -ed).
IRREGULAR_PARTICIPLES = (
    "paid",
    "made",
    "done",
    "given",
    "taken",
    "shown",
    "sent",
    "kept",
    "held",
    "known",
    "seen",
    "found",
    "told",
    "written",
    "set",
    "put",
    "cut",
    "read",
    "brought",
    "bought",
    "built",
    "left",
    "lost",
    "meant",
    "spent",
    "stolen",
    "broken",
    "chosen",
    "frozen",
    "got",
    "gotten",
    "hidden",
    "drawn",
    "thrown",
    "worn",
    "torn",
    "sold",
    "understood",
    "run",
    "begun",
    "led",
    "felt",
    "heard",
    "met",
    "won",
    "struck",
    "shut",
    "split",
    "spread",
    "bound",
    "forgiven",
    "forgotten",
    "driven",
    "ridden",
    "withdrawn",
    "undone",
    "overpaid",
    "underpaid",
    "rebuilt",
    "rewritten",
    "mistaken",
    "proven",
    "sworn",
)
_WORD = r"[A-Za-z][A-Za-z’'-]*"
_PASSIVE = re.compile(
    r"(?<![\w’'-])(?P<be>"
    + "|".join(re.escape(form).replace("'", "['’]") for form in BE_FORMS)
    + r")"
    + r"(?P<between>(?:\s+(?:"
    + "|".join(PASSIVE_ADVERBS)
    + r"|[A-Za-z]+ly))*)"
    + r"\s+(?P<participle>[A-Za-z]+ed|"
    + "|".join(sorted(set(IRREGULAR_PARTICIPLES)))
    + r")(?![\w’'-])",
    re.IGNORECASE,
)

#: Locations of messages that only staff see (the console's shell and each domain's console pages).
STAFF_ONLY = re.compile(r"app/admin/|app/\w+/console(?:\.py|/)")
#: Short messages that mean the same wherever they appear.
SHORT_ALLOWLIST: frozenset[str] = frozenset({"WeChat", "OK"})

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[\"“(]?[A-Z0-9%])|(?<=[.!?])\s+")
_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@dataclass(frozen=True)
class PreferredTerm:
    """One thing, one English name: the term to use, its official Chinese, and the names to avoid."""

    id: str
    preferred: str
    zh: str
    avoid: tuple[re.Pattern[str], ...]
    note: str = ""


def _pattern(phrase: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern; a phrase in /slashes/ is a regular expression."""
    if len(phrase) > 2 and phrase.startswith("/") and phrase.endswith("/"):
        return re.compile(phrase[1:-1])
    return re.compile(r"(?<![\w-])" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![\w-])", re.IGNORECASE)


def load_terms(path: str | Path = TERMS_FILE) -> list[PreferredTerm]:
    """The English term list: id, preferred, zh, avoid (variants separated by |), note."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    terms = []
    for row in rows:
        if not (row.get("id") or "").strip():
            continue
        avoid = tuple(_pattern(item.strip()) for item in (row.get("avoid") or "").split("|") if item.strip())
        terms.append(
            PreferredTerm(
                row["id"].strip(),
                row["preferred"].strip(),
                row["zh"].strip(),
                avoid,
                (row.get("note") or "").strip(),
            )
        )
    return terms


def sentences(text: str) -> list[str]:
    """The sentences of a message (placeholders count as one word each)."""
    return [part for part in _SENTENCE_END.split(" ".join(text.split())) if part.strip()]


def word_count(sentence: str) -> int:
    """Words of an English sentence; a placeholder is one word."""
    return len(_PLACEHOLDER.sub("X", sentence).split())


def passive_phrases(text: str) -> list[str]:
    """The passive constructions of an English text, as written ("can be paid" gives "be paid")."""
    return [" ".join(match.group(0).split()) for match in _PASSIVE.finditer(text)]


def _ids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def _user_facing(message: Message) -> bool:
    """Shown to foreigners: some location outside the staff console (or no location known)."""
    paths = [str(path) for path, _line in message.locations]
    return not paths or any(not STAFF_ONLY.match(path) for path in paths)


def source_problems(
    template: Catalog, terms: list[PreferredTerm] | None = None
) -> list[tuple[str, str, str]]:
    """(kind, msgid, detail) for every message of the template that breaks a content rule."""
    terms = load_terms() if terms is None else terms
    allow = {text.casefold() for text in SHORT_ALLOWLIST}
    problems = []
    for message in template:
        if not message.id:
            continue
        ids = _ids(message)
        if _user_facing(message):
            for text in ids:
                for sentence in sentences(text):
                    count = word_count(sentence)
                    if count > MAX_SENTENCE_WORDS:
                        problems.append(
                            (
                                "long-sentence",
                                ids[0],
                                f"{count} words, max {MAX_SENTENCE_WORDS}: {sentence!r}",
                            )
                        )
        for term in terms:
            for pattern in term.avoid:
                hit = next((pattern.search(text) for text in ids if pattern.search(text)), None)
                if hit:
                    problems.append(("term", ids[0], f"{hit.group(0)!r}: say {term.preferred!r} ({term.zh})"))
                    break
        if (
            len(ids[0].split()) <= SHORT_WORDS
            and not message.context
            and not message.auto_comments
            and ids[0].casefold() not in allow
        ):
            problems.append(
                (
                    "short-without-context",
                    ids[0],
                    "add pgettext('where it appears', …) or a '# TRANSLATORS:' comment",
                )
            )
    return problems


@dataclass(frozen=True)
class KeptPassive:
    """A passive construction kept on purpose: which message, which phrase, and why."""

    context: str
    msgid: str
    phrase: str
    reason: str


def load_passive_allowed(path: str | Path = PASSIVE_ALLOWED_FILE) -> list[KeptPassive]:
    """The reviewed allow-list of passives: msgctxt, msgid, phrase, reason (a reason is required)."""
    path = Path(path)
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if (row.get("msgid") or "").strip()]
    kept: list[KeptPassive] = []
    for row in rows:
        if not (row.get("reason") or "").strip():
            raise ValueError(f"{path.name}: the entry for {row['msgid']!r} gives no reason")
        kept.append(
            KeptPassive(
                (row.get("msgctxt") or "").strip(),
                row["msgid"],
                " ".join(row["phrase"].split()),
                row["reason"].strip(),
            )
        )
    return kept


def passive_problems(template: Catalog, allowed: list[KeptPassive]) -> list[tuple[str, str, str]]:
    """A passive in a user-facing message not on the allow-list, and an allow-list entry that no longer applies."""
    kept = {(entry.context, entry.msgid, entry.phrase.casefold()) for entry in allowed}
    found: set[tuple[str, str, str]] = set()
    problems: list[tuple[str, str, str]] = []
    for message in template:
        if not message.id or not _user_facing(message):
            continue
        ids = _ids(message)
        for phrase in dict.fromkeys(phrase for text in ids for phrase in passive_phrases(text)):
            key = (message.context or "", ids[0], phrase.casefold())
            found.add(key)
            if key not in kept:
                problems.append(
                    (
                        "passive",
                        ids[0],
                        f"{phrase!r}: say who does it, or keep it in "
                        f"{PASSIVE_ALLOWED_FILE.name} with a reason",
                    )
                )
    problems += [
        (
            "passive-stale",
            msgid,
            f"no longer a passive {phrase!r}: remove it from {PASSIVE_ALLOWED_FILE.name}",
        )
        for context, msgid, phrase in sorted(kept - found)
    ]
    return problems


def read_pending(path: str | Path = PENDING_FILE) -> set[tuple[str, str]]:
    """(rule, msgid) pairs acknowledged as waiting for their rewrite."""
    path = Path(path)
    if not path.exists():
        return set()
    pending = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rule, _, msgid = line.partition("\t")
        pending.add((rule.strip(), msgid))
    return pending


def checked_problems(
    template: Catalog,
    terms: list[PreferredTerm] | None = None,
    pending: set[tuple[str, str]] | None = None,
    passive_allowed: list[KeptPassive] | None = None,
) -> list[tuple[str, str, str]]:
    """source_problems less the pending ones, plus every pending entry that no longer applies."""
    pending = read_pending() if pending is None else pending
    passive_allowed = load_passive_allowed() if passive_allowed is None else passive_allowed
    found = source_problems(template, terms) + passive_problems(template, passive_allowed)
    keys = {(kind, msgid) for kind, msgid, _detail in found}
    problems = [problem for problem in found if (problem[0], problem[1]) not in pending]
    problems += [
        ("pending-stale", msgid, f"no longer a {rule} offence: remove it from content_pending.txt")
        for rule, msgid in sorted(pending - keys)
    ]
    return problems
