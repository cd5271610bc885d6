"""Reading a registry feed file: encoding, CSV or JSON lines, the kind of file, one row at a time.

The reader streams: it holds one row in memory, never the file. Encodings: UTF-8 (with or
without a byte-order mark) is the format; a file that is not UTF-8 but is valid GB18030 (a
superset of GBK, what Chinese spreadsheet software often saves) is decoded as such and the report
says so; UTF-16/32 and anything else are refused. A line that still does not decode is rejected
on its own, the rest of the file is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import AppError
from app.i18n import _l

KINDS = ("people", "contributions")

PEOPLE_REQUIRED = (
    "passport_name",
    "nationality",
    "date_of_birth",
    "passport_number",
    "permit_number",
    "permit_category",
    "permit_valid_from",
    "permit_valid_to",
    "position",
    "employer_uscc",
    "employer_name_zh",
    "work_city_code",
    "work_address",
    "ssn",
)
PEOPLE_OPTIONAL = (
    "sex",
    "passport_expires_on",
    "permit_status",
    "entry_date",
    "employer_name_en",
    "pr_id",
    "card_number",
    "card_status",
    "phone",
    "insurances",
    "exemption_country",
    "exemption_certificate",
    "exemption_valid_to",
)
CONTRIBUTIONS_REQUIRED = (
    "ssn",
    "period",
    "insurance",
    "base",
    "employer_amount",
    "employee_amount",
    "status",
    "employer_uscc",
)
CONTRIBUTIONS_OPTIONAL = ("paid_on",)

COLUMNS = {
    "people": (PEOPLE_REQUIRED, PEOPLE_OPTIONAL),
    "contributions": (CONTRIBUTIONS_REQUIRED, CONTRIBUTIONS_OPTIONAL),
}

_SNIFF_BYTES = 1 << 20
_REFUSED_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_REPLACEMENT = "\ufffd"


class FeedFileError(AppError):
    """The whole file cannot be imported (missing, unreadable encoding, unknown kind, columns)."""

    code = "registry.file_invalid"
    status = 422
    message = _l("We cannot import this file.")


_FILE_MESSAGES = {
    "registry.file_missing": _l("The file does not exist, or we cannot read it."),
    "registry.file_empty": _l("The file is empty: it has no header row."),
    "registry.file_encoding": _l(
        "The file is neither UTF-8 nor GBK/GB18030. Save it as UTF-8 (CSV UTF-8) and try again."
    ),
    "registry.file_utf16": _l("The file is UTF-16 or UTF-32. Save it as UTF-8 (CSV UTF-8) and try again."),
    "registry.file_kind": _l(
        "We cannot tell the kind of file from its columns. Give --kind people or --kind contributions."
    ),
    "registry.file_kind_unknown": _l("The kind must be people or contributions."),
    # TRANSLATORS: %(columns)s is a comma-separated list of column names.
    "registry.file_columns": _l("Required columns are missing: %(columns)s."),
    # TRANSLATORS: %(columns)s is a comma-separated list of column names.
    "registry.file_header_duplicate": _l("The header names a column more than once: %(columns)s."),
    "registry.file_header": _l("We cannot read the header row as CSV."),
}


def file_error(code: str, **variables) -> FeedFileError:
    """A FeedFileError with the message for `code`."""
    return FeedFileError(_FILE_MESSAGES[code], code=code, **variables)


@dataclass(slots=True)
class RawRow:
    """One data row as read: its first line number, its values by column, or why it is unreadable."""

    line: int
    values: dict[str, str] | None
    error: str | None = None
    detail: dict = field(default_factory=dict)


@dataclass
class Feed:
    """An opened feed: format, encoding, kind, columns and the row iterator."""

    path: Path
    format: str
    encoding: str
    kind: str
    columns: tuple[str, ...]
    unknown_columns: tuple[str, ...]
    rows: Iterator[RawRow]
    handle: io.TextIOBase | None = None

    def close(self) -> None:
        """Close the underlying file."""
        if self.handle is not None:
            self.handle.close()


def open_feed(path: str | Path, kind: str | None = None, encoding: str = "auto") -> Feed:
    """Open a feed file for streaming; raises FeedFileError when the file as a whole is unusable."""
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise file_error("registry.file_kind_unknown")
    try:
        raw = path.open("rb")
    except OSError as error:
        raise file_error("registry.file_missing") from error
    try:
        head = raw.read(_SNIFF_BYTES)
        raw.seek(0)
        chosen = _choose_encoding(head) if encoding == "auto" else _explicit_encoding(encoding)
        label = _encoding_label(chosen, head)
        text = io.TextIOWrapper(raw, encoding=chosen, errors="replace", newline="")
        is_json = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or _first_char(head) == "{"
        feed = _open_jsonl(path, text, label, kind) if is_json else _open_csv(path, text, label, kind)
    except BaseException:
        raw.close()
        raise
    feed.handle = text
    return feed


def _encoding_label(codec: str, head: bytes) -> str:
    """How the report names the encoding: utf-8, utf-8 with BOM, or gb18030."""
    if codec == "gb18030":
        return "gb18030"
    return "utf-8 with BOM" if head.startswith(codecs.BOM_UTF8) else "utf-8"


def _explicit_encoding(name: str) -> str:
    """Validate an encoding given on the command line."""
    aliases = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}
    if name.lower() not in aliases:
        raise file_error("registry.file_encoding")
    return aliases[name.lower()]


def _choose_encoding(head: bytes) -> str:
    """UTF-8 (BOM allowed), else GB18030 when the start of the file decodes as such, else refuse."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(_REFUSED_BOMS):
        raise file_error("registry.file_utf16")
    if _decodes(head, "utf-8"):
        return "utf-8-sig"
    if _decodes(head, "gb18030"):
        return "gb18030"
    raise file_error("registry.file_encoding")


def _decodes(head: bytes, encoding: str) -> bool:
    """True when `head` decodes (a character cut off at the end of the sample is allowed)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _first_char(head: bytes) -> str:
    """The first non-blank character of the file (after any BOM)."""
    stripped = head.removeprefix(codecs.BOM_UTF8).lstrip()
    return chr(stripped[0]) if stripped else ""


def _detect_kind(columns, kind: str | None) -> str:
    """The kind given, or the one whose required columns the header has."""
    if kind:
        return kind
    present = set(columns)
    if "period" in present and "insurance" in present:
        return "contributions"
    if "passport_name" in present or "permit_number" in present:
        return "people"
    raise file_error("registry.file_kind")


def _check_columns(columns, kind: str) -> tuple[str, ...]:
    """Refuse missing required columns; return the unknown ones (ignored, reported as a warning)."""
    required, optional = COLUMNS[kind]
    missing = [name for name in required if name not in columns]
    if missing:
        raise file_error("registry.file_columns", columns=", ".join(missing))
    known = set(required) | set(optional)
    return tuple(name for name in columns if name not in known)


def _open_csv(path: Path, text, encoding: str, kind: str | None) -> Feed:
    """A CSV feed: header first, then one RawRow per record (blank lines skipped)."""
    bad_lines: set[int] = set()
    line_counter = [0]

    def lines():
        for line in text:
            line_counter[0] += 1
            if _REPLACEMENT in line:
                bad_lines.add(line_counter[0])
            yield line

    # csv's own field size limit (128 KiB) stops a runaway quote from swallowing the file.
    reader = csv.reader(lines(), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise file_error("registry.file_header") from error
    if not header or not any(cell.strip() for cell in header):
        raise file_error("registry.file_empty")
    columns = tuple(cell.strip().lower() for cell in header)
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise file_error("registry.file_header_duplicate", columns=", ".join(duplicates))
    kind = _detect_kind(columns, kind)
    unknown = _check_columns(columns, kind)

    def rows() -> Iterator[RawRow]:
        width = len(columns)
        previous_end = reader.line_num
        while True:
            start = previous_end + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                previous_end = reader.line_num
                yield RawRow(start, None, "row.malformed", {"error": str(error)})
                continue
            previous_end = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if bad_lines and any(n in bad_lines for n in range(start, previous_end + 1)):
                yield RawRow(start, None, "row.encoding")
                continue
            if len(record) != width:
                yield RawRow(start, None, "row.field_count", {"found": len(record), "expected": width})
                continue
            yield RawRow(start, dict(zip(columns, record, strict=True)))

    return Feed(path, "csv", encoding, kind, columns, unknown, rows())


def _open_jsonl(path: Path, text, encoding: str, kind: str | None) -> Feed:
    """A JSON-lines feed: one object per line; the kind comes from the first object's keys."""
    lines = enumerate(text, start=1)
    pending: list[tuple[int, str]] = []
    first: dict | None = None
    for number, line in lines:
        pending.append((number, line))
        if not line.strip():
            continue
        try:
            candidate = json.loads(line)
        except ValueError:
            continue
        if isinstance(candidate, dict):
            first = candidate
            break
    if first is None and not kind:
        if not any(line.strip() for _, line in pending):
            raise file_error("registry.file_empty")
        raise file_error("registry.file_kind")
    columns = tuple(str(key).strip().lower() for key in (first or {}))
    kind = _detect_kind(columns, kind)
    required, optional = COLUMNS[kind]
    known = set(required) | set(optional)
    unknown = tuple(name for name in columns if name not in known)

    def rows() -> Iterator[RawRow]:
        for number, line in _chain(pending, lines):
            if not line.strip():
                continue
            if _REPLACEMENT in line:
                yield RawRow(number, None, "row.encoding")
                continue
            try:
                obj = json.loads(line, parse_float=str, parse_int=str)
            except ValueError as error:
                yield RawRow(number, None, "row.json", {"error": str(error)})
                continue
            if not isinstance(obj, dict):
                yield RawRow(number, None, "row.json", {"error": "not an object"})
                continue
            yield RawRow(number, {str(key).strip().lower(): _as_text(value) for key, value in obj.items()})

    return Feed(path, "jsonl", encoding, kind, columns, unknown, rows())


def _chain(pending, rest):
    """The lines already read while peeking, then the rest."""
    yield from pending
    yield from rest


def _as_text(value) -> str:
    """JSON values as the text a CSV cell would hold (null → empty; numbers arrive as their text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
