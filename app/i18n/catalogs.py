"""Catalog tools behind `flask i18n`: extract, update, compile, stats, check (Babel's Python API).

Rules these tools keep, because each one protects translators' work or users' screens:
- `update` fuzzy-matches changed strings and keeps the previous msgid (`#|`) and obsolete
  entries (`#~`); it never throws a translation away.
- Only complete, non-fuzzy entries are compiled: a fuzzy guess or a half-filled plural would show
  a wrong or English text, so it stays out of the `.mo` until a translator reviews it.
- Plural headers come from the project's pinned table (`locales.PLURAL_FORMS`), not Babel's.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

if TYPE_CHECKING:
    from .glossary import Term
    from .source_rules import PreferredTerm

from .locales import PLURAL_FORMS, PSEUDO, SOURCE_LOCALE, SUPPORTED, plural_header

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS_DIR = ROOT / "translations"
MAPPING_FILE = ROOT / "babel.cfg"
DOMAIN = "messages"
WIDTH = 79
PROJECT = "SSC Bridge"
#: Default length limits by msgctxt: a button label must fit a phone's button in any language.
CONTEXT_BUDGETS: dict[str | None, int] = {"button": 30}
#: Locales with a catalog of their own (English is the source).
CATALOG_LOCALES = tuple(locale for locale in SUPPORTED if locale != SOURCE_LOCALE)

_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_MAX_LENGTH = re.compile(r"max(?:imum)?\s+(\d+)\s+char", re.IGNORECASE)


class CatalogError(Exception):
    """A catalog cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Problem:
    """One finding of `check` or `compile`: where, what kind, and a human-readable detail."""

    locale: str
    kind: str
    msgid: str
    detail: str

    def __str__(self) -> str:
        """One line for the terminal."""
        return f"{self.locale}: {self.kind}: {self.msgid!r}: {self.detail}"


@dataclass
class Stats:
    """Completeness of one catalog, counted the way users see it (not pybabel --statistics)."""

    locale: str
    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    partial_plurals: int = 0
    errors: int = 0
    obsolete: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float:
        """Translated share in percent, one decimal."""
        return round(100.0 * self.translated / self.total, 1) if self.total else 100.0

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of `flask i18n stats --json`."""
        data = asdict(self)
        data["percent"] = self.percent
        return data


# ---------------------------------------------------------------- paths and file I/O


def pot_path(translations_dir: str | Path = TRANSLATIONS_DIR) -> Path:
    """The template's path."""
    return Path(translations_dir) / f"{DOMAIN}.pot"


def po_path(locale: str, translations_dir: str | Path = TRANSLATIONS_DIR) -> Path:
    """A locale's catalog path (folder named by the canonical Babel id)."""
    return Path(translations_dir) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str, translations_dir: str | Path = TRANSLATIONS_DIR) -> Path:
    """A locale's compiled catalog path."""
    return po_path(locale, translations_dir).with_suffix(".mo")


def catalog_locales(translations_dir: str | Path = TRANSLATIONS_DIR, pseudo: bool = True) -> list[str]:
    """The locales that have a catalog file, supported ones first, then pseudo-locales."""
    wanted = list(CATALOG_LOCALES) + (list(PSEUDO) if pseudo else [])
    return [locale for locale in wanted if po_path(locale, translations_dir).exists()]


def read_catalog(path: str | Path) -> Catalog:
    """Parse a .po/.pot file; a syntax error becomes a CatalogError naming the file."""
    try:
        with open(path, "rb") as handle:
            return read_po(handle, abort_invalid=True)
    except OSError as error:
        raise CatalogError(f"{path}: cannot read ({error.strerror})") from error
    except Exception as error:
        raise CatalogError(f"{path}: not a valid catalog ({error})") from error


def _atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file and rename, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)  # mkstemp makes 0600; the service may run as another user
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_catalog(catalog: Catalog, path: str | Path, *, template: bool = False) -> None:
    """Write a .po (with previous msgids) or the .pot, without line numbers to keep diffs small."""
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalog,
        width=WIDTH,
        include_previous=not template,
        include_lineno=False,
        sort_by_file=True,
        ignore_obsolete=False,
    )
    _atomic_write(Path(path), buffer.getvalue())


# ---------------------------------------------------------------- extract


def load_mapping(
    mapping_file: str | Path = MAPPING_FILE,
) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """(method_map, options_map) from babel.cfg."""
    with open(mapping_file, encoding="utf-8") as handle:
        # Babel leaves parse_mapping_cfg unannotated.
        mapping: tuple[list[tuple[str, str]], dict[str, dict[str, str]]] = parse_mapping_cfg(  # type: ignore[no-untyped-call]
            handle, filename=str(mapping_file)
        )
    return mapping


def extract_catalog(root: str | Path = ROOT, mapping_file: str | Path = MAPPING_FILE) -> Catalog:
    """Extract every marked string of the source tree into an in-memory template."""
    root = Path(root)
    method_map, options_map = load_mapping(mapping_file)
    top_dirs = {pattern.split("/", 1)[0] for pattern, _ in method_map if "/" in pattern}

    def wanted_dir(dirpath: str) -> bool:
        """Walk only the folders babel.cfg names, never caches or dependencies."""
        relative = Path(dirpath).relative_to(root).as_posix() if Path(dirpath) != root else ""
        name = Path(dirpath).name
        if relative and (name.startswith((".", "_")) or name == "node_modules"):
            return False
        return not relative or relative.split("/", 1)[0] in top_dirs

    catalog = Catalog(project=PROJECT, fuzzy=False, charset="utf-8")
    extracted = extract_from_dir(
        root,
        method_map,
        options_map,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
        directory_filter=wanted_dir,
    )
    for filename, lineno, message, comments, context in extracted:
        catalog.add(
            message, None, [(Path(filename).as_posix(), lineno)], auto_comments=comments, context=context
        )
    return catalog


def write_template(catalog: Catalog, translations_dir: str | Path = TRANSLATIONS_DIR) -> Path:
    """Save the template as messages.pot."""
    path = pot_path(translations_dir)
    write_catalog(catalog, path, template=True)
    return path


def _signature(catalog: Catalog) -> dict[tuple[str | None, str], tuple[object, ...]]:
    """What makes two templates equal for translators: ids, plurals, comments and files."""
    return {
        (message.context, _singular(message)): (
            message.id if isinstance(message.id, str) else tuple(message.id),
            " ".join(" ".join(message.auto_comments).split()),  # write_po re-wraps long comments
            tuple(sorted({str(location[0]) for location in message.locations})),
        )
        for message in catalog
        if message.id
    }


def template_drift(fresh: Catalog, saved: Catalog) -> list[tuple[str, str]]:
    """(msgid, how) for each string where the saved template differs from the code (empty when current)."""
    new, old = _signature(fresh), _signature(saved)
    drift = [(key[1], "new in the code") for key in new if key not in old]
    drift += [(key[1], "gone from the code") for key in old if key not in new]
    drift += [(key[1], "comments or files changed") for key in new if key in old and new[key] != old[key]]
    return drift


# ---------------------------------------------------------------- create and update


def new_catalog(locale: str, template: Catalog) -> Catalog:
    """A fresh catalog for a locale, with the project's plural header (not Babel's table)."""
    catalog = Catalog(locale=locale, project=PROJECT, fuzzy=False, charset="utf-8")
    catalog.mime_headers = [("Plural-Forms", plural_header(locale))]
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def update_catalogs(
    template: Catalog,
    translations_dir: str | Path = TRANSLATIONS_DIR,
    locales: Iterable[str] = CATALOG_LOCALES,
) -> list[str]:
    """Merge the template into each catalog (creating missing ones); returns the files written."""
    written = []
    for locale in locales:
        path = po_path(locale, translations_dir)
        if path.exists():
            catalog = read_catalog(path)
            catalog.update(template, no_fuzzy_matching=False, update_creation_date=True)
        else:
            catalog = new_catalog(locale, template)
        write_catalog(catalog, path)
        written.append(str(path))
    return written


# ---------------------------------------------------------------- inspect messages


def _singular(message: Message) -> str:
    """The singular msgid."""
    msgid: str = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return msgid


def _forms(message: Message) -> list[str]:
    """The msgstr forms as a list (one element for a singular message)."""
    if isinstance(message.string, (list, tuple)):
        return [form or "" for form in message.string]
    return [message.string or ""]


def is_complete(message: Message) -> bool:
    """Translated in every form and not fuzzy."""
    return not message.fuzzy and all(form.strip() for form in _forms(message))


def is_partial(message: Message) -> bool:
    """A plural with some forms filled and some empty."""
    forms = _forms(message)
    return len(forms) > 1 and any(form.strip() for form in forms) and not all(form.strip() for form in forms)


def placeholders(text: str) -> set[str]:
    """The named placeholders of a %-format string ('%%' ignored, '%s' counted as '')."""
    found = set()
    for match in _PLACEHOLDER.finditer(text or ""):
        if match.group(0) != "%%":
            found.add(match.group("name") or "")
    return found


def length_budget(message: Message) -> int | None:
    """The character limit of a message: a 'max N characters' comment, else its context's default."""
    for comment in message.auto_comments:
        found = _MAX_LENGTH.search(comment)
        if found:
            return int(found.group(1))
    return CONTEXT_BUDGETS.get(message.context)


def _messages(catalog: Catalog) -> list[Message]:
    """The catalog's messages without the header entry."""
    return [message for message in catalog if message.id]


# ---------------------------------------------------------------- stats


def catalog_stats(catalog: Catalog, locale: str) -> Stats:
    """Per-locale counts: translated, fuzzy, untranslated, partial plurals, errors, obsolete."""
    stats = Stats(locale=locale, obsolete=len(catalog.obsolete))
    for message in _messages(catalog):
        stats.total += 1
        if message.fuzzy:
            stats.fuzzy += 1
        elif is_complete(message):
            stats.translated += 1
        else:
            stats.untranslated += 1
        if is_partial(message):
            stats.partial_plurals += 1
    problems = message_problems(catalog, locale)
    stats.errors = len(problems)
    stats.problems = [str(problem) for problem in problems]
    return stats


def all_stats(translations_dir: str | Path = TRANSLATIONS_DIR) -> list[Stats]:
    """Stats of every catalog present."""
    result = []
    for locale in catalog_locales(translations_dir):
        result.append(catalog_stats(read_catalog(po_path(locale, translations_dir)), locale))
    return result


# ---------------------------------------------------------------- checks


def header_problems(catalog: Catalog, locale: str) -> list[Problem]:
    """The catalog's header must name the locale and carry the pinned plural rule."""
    problems = []
    if catalog.fuzzy:
        problems.append(Problem(locale, "fuzzy-header", "", "the catalog header is marked fuzzy"))
    if str(catalog.locale) != locale:
        problems.append(Problem(locale, "header", "", f"Language is {catalog.locale}, expected {locale}"))
    expected = PLURAL_FORMS.get(locale)
    if expected and (catalog.num_plurals, catalog.plural_expr.replace(" ", "")) != (
        expected[0],
        expected[1].replace(" ", ""),
    ):
        problems.append(
            Problem(
                locale,
                "plural-header",
                "",
                f"Plural-Forms is {catalog.plural_forms!r}, "
                f"the project's table says {plural_header(locale)!r}",
            )
        )
    return problems


def message_problems(catalog: Catalog, locale: str) -> list[Problem]:
    """Placeholder mismatches, wrong plural counts, partial plurals and length budgets."""
    problems = []
    nplurals = PLURAL_FORMS.get(locale, (catalog.num_plurals, ""))[0]
    for message, errors in catalog.check():
        for error in errors:
            if "plural forms" in str(error):
                continue  # reported below against the project's table
            problems.append(Problem(locale, "placeholder", _singular(message), str(error)))
    for message in _messages(catalog):
        msgid = _singular(message)
        forms = _forms(message)
        filled = [form for form in forms if form.strip()]
        if isinstance(message.id, (list, tuple)) and len(forms) != nplurals:
            problems.append(
                Problem(locale, "plural-count", msgid, f"{len(forms)} forms, {locale} needs {nplurals}")
            )
        if is_partial(message):
            problems.append(
                Problem(locale, "partial-plural", msgid, f"{len(filled)} of {len(forms)} forms filled")
            )
        if filled and not message.fuzzy:
            problems.extend(_placeholder_set_problems(message, locale))
        budget = length_budget(message)
        if budget is not None:
            for form in filled:
                if len(form) > budget:
                    problems.append(
                        Problem(locale, "length", msgid, f"{len(form)} characters, max {budget}: {form!r}")
                    )
    return problems


def _placeholder_set_problems(message: Message, locale: str) -> list[Problem]:
    """Every translation keeps the source's named placeholders (a plural form may drop num)."""
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    wanted = set().union(*(placeholders(text) for text in ids))
    problems = []
    for form in _forms(message):
        if not form.strip():
            continue
        have = placeholders(form)
        required = wanted - {"num"} if len(ids) > 1 else wanted
        missing = required - have
        if missing:
            problems.append(Problem(locale, "placeholder", ids[0], f"missing {sorted(missing)} in {form!r}"))
    return problems


def bidi_problems(catalog: Catalog, locale: str) -> list[Problem]:
    """In a right-to-left catalog, a Latin run with neutral characters must be isolated (FSI … PDI)."""
    from .bidi import unisolated_latin_runs
    from .locales import text_direction

    if text_direction(locale) != "rtl":
        return []
    problems = []
    for message in _messages(catalog):
        for form in _forms(message):
            for run in unisolated_latin_runs(form):
                problems.append(
                    Problem(
                        locale,
                        "bidi",
                        _singular(message),
                        f"put U+2068 (FSI) before and U+2069 (PDI) after {run!r}",
                    )
                )
    return problems


def completeness_problems(catalog: Catalog, locale: str) -> list[Problem]:
    """Fuzzy and untranslated entries (a failure only for a released locale)."""
    problems = []
    for message in _messages(catalog):
        if message.fuzzy:
            problems.append(Problem(locale, "fuzzy", _singular(message), "needs review (fuzzy)"))
        elif not is_complete(message):
            problems.append(Problem(locale, "untranslated", _singular(message), "not translated"))
    return problems


def sync_problems(catalog: Catalog, template: Catalog, locale: str) -> list[Problem]:
    """The catalog must hold exactly the template's strings (else `flask i18n update` is due)."""
    have = {(message.context, _singular(message)) for message in _messages(catalog)}
    want = {(message.context, _singular(message)) for message in _messages(template)}
    problems = [
        Problem(locale, "out-of-date", key[1], "missing: run `flask i18n update`") for key in want - have
    ]
    problems += [
        Problem(locale, "out-of-date", key[1], "no longer in the template: run `flask i18n update`")
        for key in have - want
    ]
    return problems


def read_released(translations_dir: str | Path = TRANSLATIONS_DIR) -> tuple[str, ...]:
    """Locales declared released in translations/released.txt (kept complete by their translators)."""
    path = Path(translations_dir) / "released.txt"
    if not path.exists():
        return ()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line)


def check_catalogs(
    translations_dir: str | Path = TRANSLATIONS_DIR,
    *,
    fresh_template: Catalog | None = None,
    released: Iterable[str] | None = None,
    glossary_terms: Iterable[Term] | None = None,
    locales: Iterable[str] | None = None,
    source_rules: bool = False,
    source_terms: list[PreferredTerm] | None = None,
    pending: set[tuple[str, str]] | None = None,
) -> list[Problem]:
    """Every problem that must fail CI; empty when the catalogs are fit to ship.

    With `source_rules`, also the English source's content rules (docs/content-style.md), with the
    pending list of the translations folder (`flask i18n check` turns them on).
    """
    from . import source_rules as rules
    from .glossary import glossary_problems, load_glossary

    translations_dir = Path(translations_dir)
    problems: list[Problem] = []
    pot = pot_path(translations_dir)
    if not pot.exists():
        return [Problem("template", "missing", "", f"{pot} does not exist: run `flask i18n extract`")]
    template = read_catalog(pot)
    if fresh_template is not None:
        problems += [
            Problem("template", "out-of-date", msgid, f"{how}: run `flask i18n update`")
            for msgid, how in template_drift(fresh_template, template)
        ]
    for message in _messages(template):
        budget = length_budget(message)
        if budget is not None and len(_singular(message)) > budget:
            problems.append(
                Problem(
                    "template", "length", _singular(message), f"English source is over {budget} characters"
                )
            )
    if source_rules:
        if pending is None:
            pending = rules.read_pending(translations_dir / rules.PENDING_FILE.name)
        passive_allowed = rules.load_passive_allowed(translations_dir / rules.PASSIVE_ALLOWED_FILE.name)
        problems += [
            Problem("source", kind, msgid, detail)
            for kind, msgid, detail in rules.checked_problems(
                template, source_terms, pending, passive_allowed
            )
        ]
    released = set(read_released(translations_dir) if released is None else released)
    terms = load_glossary() if glossary_terms is None else glossary_terms
    wanted = list(locales) if locales is not None else list(CATALOG_LOCALES)
    for locale in wanted:
        path = po_path(locale, translations_dir)
        if not path.exists():
            problems.append(Problem(locale, "missing", "", f"{path} does not exist: run `flask i18n update`"))
            continue
        try:
            catalog = read_catalog(path)
        except CatalogError as error:
            # Babel refuses to parse more msgstr forms than the header's nplurals.
            kind = "plural-count" if "num_plurals" in str(error) else "broken"
            problems.append(Problem(locale, kind, "", str(error)))
            continue
        problems += header_problems(catalog, locale)
        problems += sync_problems(catalog, template, locale)
        problems += message_problems(catalog, locale)
        problems += glossary_problems(catalog, locale, terms)
        problems += bidi_problems(catalog, locale)
        if locale in released:
            problems += completeness_problems(catalog, locale)
    return problems


# ---------------------------------------------------------------- compile


def compilable(catalog: Catalog) -> Catalog:
    """A copy holding only complete, non-fuzzy messages (what users may see)."""
    result = Catalog(locale=catalog.locale, fuzzy=False, charset="utf-8")
    result.mime_headers = catalog.mime_headers
    for message in _messages(catalog):
        if is_complete(message):
            result.add(message.id, message.string, context=message.context, flags=message.flags - {"fuzzy"})
    return result


def compile_catalog(locale: str, translations_dir: str | Path = TRANSLATIONS_DIR) -> Path:
    """Compile one locale's .po to .mo; refuse (CatalogError) a fuzzy or broken catalog."""
    path = po_path(locale, translations_dir)
    try:
        catalog = read_catalog(path)
    except CatalogError as error:
        raise CatalogError(f"{path}: not compiled: {error}") from error
    problems = header_problems(catalog, locale)
    problems += [
        problem
        for problem in message_problems(catalog, locale)
        if problem.kind in {"placeholder", "plural-count", "partial-plural"}
    ]
    if problems:
        listing = "\n  ".join(str(problem) for problem in problems)
        raise CatalogError(f"{path}: not compiled, fix these first:\n  {listing}")
    buffer = io.BytesIO()
    write_mo(buffer, compilable(catalog), use_fuzzy=False)
    target = mo_path(locale, translations_dir)
    _atomic_write(target, buffer.getvalue())
    return target


def compile_catalogs(
    translations_dir: str | Path = TRANSLATIONS_DIR, locales: Iterable[str] | None = None
) -> tuple[list[Path], list[str]]:
    """Compile every catalog; returns (written .mo files, refusal messages)."""
    written, refused = [], []
    for locale in catalog_locales(translations_dir) if locales is None else locales:
        try:
            written.append(compile_catalog(locale, translations_dir))
        except CatalogError as error:
            refused.append(str(error))
    return written, refused


def stale_compiled(translations_dir: str | Path = TRANSLATIONS_DIR) -> list[str]:
    """Locales whose .mo is missing or older than the .po (tests compile these first)."""
    stale = []
    for locale in catalog_locales(translations_dir):
        po, mo = po_path(locale, translations_dir), mo_path(locale, translations_dir)
        if not mo.exists() or mo.stat().st_mtime_ns < po.stat().st_mtime_ns:
            stale.append(locale)
    return stale


def build_pseudo(translations_dir: str | Path = TRANSLATIONS_DIR) -> list[Path]:
    """Write and compile en@pseudo and ar@pseudo from the saved template."""
    from .pseudo import pseudo_catalog

    template = read_catalog(pot_path(translations_dir))
    built = []
    for locale in PSEUDO:
        write_catalog(pseudo_catalog(template, locale), po_path(locale, translations_dir))
        built.append(compile_catalog(locale, translations_dir))
    return built


def ensure_built(translations_dir: str | Path = TRANSLATIONS_DIR) -> list[str]:
    """Compile what is stale and rebuild pseudo-locales older than the template (cheap when current)."""
    pot = pot_path(translations_dir)
    if not pot.exists():
        return []
    pseudo_mo = [mo_path(locale, translations_dir) for locale in PSEUDO]
    if any(not path.exists() or path.stat().st_mtime_ns < pot.stat().st_mtime_ns for path in pseudo_mo):
        build_pseudo(translations_dir)
    stale = [locale for locale in stale_compiled(translations_dir) if locale not in PSEUDO]
    _, refused = compile_catalogs(translations_dir, stale)
    return refused
