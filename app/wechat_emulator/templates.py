"""Subscribe-message templates of the emulator and WeChat's keyword value rules (47003)."""

from __future__ import annotations

import re

#: Templates registered for the demo mini program: id → keyword name → type (the prefix of the name).
DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    "tmpl_notice_update": {"thing1": "thing", "thing2": "thing", "time3": "time"},
    "tmpl_deadline_reminder": {"thing1": "thing", "date2": "date", "thing3": "thing"},
    "tmpl_verification_result": {"phrase1": "phrase", "thing2": "thing", "time3": "time"},
    "tmpl_card_status": {"thing1": "thing", "character_string2": "character_string", "date3": "date"},
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DATE = r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_RANGE = "(?:{0})(?:\\s*~\\s*(?:{0}))?"
_PATTERNS = {
    "number": re.compile(r"[+-]?\d{1,32}(?:\.\d+)?"),
    "letter": re.compile(r"[A-Za-z]{1,32}"),
    "symbol": re.compile(r"[^\w\s]{1,5}"),
    "character_string": re.compile(r"[\x21-\x7e]{1,32}"),
    "time": re.compile(_RANGE.format(f"(?:{_DATE}\\s*)?{_TIME}")),
    "date": re.compile(_RANGE.format(f"{_DATE}(?:\\s*{_TIME})?")),
    "amount": re.compile(r"[¥$€£￥]?\d{1,10}(?:\.\d{1,2})?元?"),
    "phone_number": re.compile(r"[\d+\-() ]{1,17}"),
    "phrase": re.compile(r"[\u3400-\u9fff]{1,5}"),
}


def keyword_type(name: str) -> str:
    """The type of a keyword from its name: 'thing1' → 'thing', 'character_string2' → 'character_string'."""
    return name.rstrip("0123456789")


def value_is_valid(kind: str, value: object) -> bool:
    """Whether WeChat would accept this value for a keyword of this type."""
    if not isinstance(value, str) or not value or _CONTROL.search(value):
        return False
    if kind == "thing":
        return len(value) <= 20
    if kind == "car_number":
        return len(value) <= 8
    if kind == "name":
        return len(value) <= (10 if _CJK.search(value) else 20)
    pattern = _PATTERNS.get(kind)
    return bool(pattern and pattern.fullmatch(value))


def invalid_field(keywords: dict[str, str], data: object) -> str | None:
    """The first keyword whose value breaks its rule (as WeChat names it), or None."""
    if not isinstance(data, dict):
        return "data"
    for name, kind in keywords.items():
        entry = data.get(name)
        value = entry.get("value") if isinstance(entry, dict) else None
        if not value_is_valid(kind, value):
            return f"data.{name}.value"
    return None
