"""Translatability rules for source strings, checked over the whole `app/` tree by a test.

Two passes, so each rule uses the most exact source of truth:
- an AST scan of every gettext-family call: the message must be a string literal (no f-string,
  `%`, `+`, `.format()` or variable), must not use positional `%s`, nor a bare `%`;
- the extracted template (Babel's own view, with translator comments): a msgid with placeholders
  needs a `TRANSLATORS:` comment, and a msgid of one or two words needs a `pgettext` context
  unless it is in SHORT_MSGID_ALLOWLIST.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

#: Function name → positions of its message arguments (context arguments are literals too).
GETTEXT_CALLS = {
    "_": (0,),
    "gettext": (0,),
    "_l": (0,),
    "lazy_gettext": (0,),
    "ngettext": (0, 1),
    "lazy_ngettext": (0, 1),
    "pgettext": (0, 1),
    "lazy_pgettext": (0, 1),
    "npgettext": (0, 1, 2),
    "lazy_npgettext": (0, 1, 2),
}
#: Short msgids that are unambiguous without a context (brand names and the like).
SHORT_MSGID_ALLOWLIST: frozenset[str] = frozenset({"WeChat", "OK"})

_VALID_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%%")
_NAMED = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)")


@dataclass(frozen=True)
class Offence:
    """One violation: where, which rule, and the offending text."""

    path: str
    line: int
    rule: str
    text: str

    def __str__(self) -> str:
        """path:line: rule: text."""
        return f"{self.path}:{self.line}: {self.rule}: {self.text}"


def _call_name(node: ast.Call) -> str | None:
    """The gettext-family name a call uses (`_`, `i18n.gettext`…), or None."""
    func = node.func
    if isinstance(func, ast.Name) and func.id in GETTEXT_CALLS:
        return func.id
    if (
        isinstance(func, ast.Attribute)
        and func.attr in GETTEXT_CALLS
        and isinstance(func.value, ast.Name)
        and func.value.id in {"i18n", "flask_babel"}
    ):
        return func.attr
    return None


def literal_problems(text: str) -> list[str]:
    """What is wrong with a literal msgid: positional placeholders or a bare %."""
    problems = []
    stripped = _VALID_PLACEHOLDER.sub("", text)
    if "%" in stripped:
        problems.append("bare-percent: write %% for a literal percent sign")
    positional = [
        m.group(0) for m in _VALID_PLACEHOLDER.finditer(text) if m.group(0) != "%%" and "(" not in m.group(0)
    ]
    if positional:
        problems.append(f"positional-placeholder {positional}: use named ones such as %(count)s")
    return problems


def scan_file(path: Path, root: Path) -> list[Offence]:
    """AST offences of one Python file."""
    relative = path.relative_to(root).as_posix()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    except SyntaxError as error:
        return [Offence(relative, error.lineno or 0, "syntax-error", str(error))]
    offences = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name is None:
            continue
        for position in GETTEXT_CALLS[name]:
            if position >= len(node.args):
                offences.append(
                    Offence(relative, node.lineno, "missing-argument", f"{name}() without its message")
                )
                break
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                for problem in literal_problems(argument.value):
                    offences.append(
                        Offence(
                            relative,
                            node.lineno,
                            problem.split(":")[0].split(" ")[0],
                            f"{argument.value!r}: {problem}",
                        )
                    )
                continue
            kind = {
                ast.JoinedStr: "f-string",
                ast.BinOp: "operator (% or +)",
                ast.Call: "call (.format?)",
            }.get(type(argument), type(argument).__name__)
            offences.append(
                Offence(
                    relative,
                    node.lineno,
                    "not-a-literal",
                    f"{name}() message is a {kind}: {ast.unparse(argument)[:80]}",
                )
            )
    return offences


def scan_tree(root: Path, package: str = "app", exclude: tuple[str, ...] = ("app/i18n/",)) -> list[Offence]:
    """AST offences in every Python file of the package (the i18n layer's wrappers excluded)."""
    offences = []
    for path in sorted((root / package).rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(exclude) or "__pycache__" in relative:
            continue
        offences += scan_file(path, root)
    return offences


def catalog_offences(
    catalog: Catalog, allow: frozenset[str] | set[str] = SHORT_MSGID_ALLOWLIST
) -> list[Offence]:
    """Template rules: placeholders need a TRANSLATORS comment; short msgids need a context."""
    allow = {text.casefold() for text in allow}
    offences = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        where = message.locations[0] if message.locations else ("?", 0)
        path, line = str(where[0]), int(where[1] or 0)
        if any(_NAMED.search(text) for text in ids) and not message.auto_comments:
            offences.append(
                Offence(
                    path,
                    line,
                    "placeholder-without-comment",
                    f"{ids[0]!r}: add '# TRANSLATORS: …' naming each placeholder",
                )
            )
        words = ids[0].split()
        if len(words) <= 2 and not message.context and ids[0].casefold() not in allow:
            offences.append(
                Offence(
                    path, line, "short-without-context", f"{ids[0]!r}: use pgettext('where it appears', …)"
                )
            )
    return offences
