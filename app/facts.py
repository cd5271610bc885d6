"""Reviewed facts (content/facts.toml): each claim with its sources and the day it was checked.

The guides, the card terms, the bilateral agreements table and the demo registry read their facts
from here; `check` is what `flask content check` and the test suite run (docs/content.md).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

FACTS_FILE = Path(__file__).resolve().parents[1] / "content" / "facts.toml"

KINDS = ("official", "secondary", "qa")
AGREEMENT_STATUSES = ("in_force", "signed")
INSURANCE_CODES = ("pension", "medical", "work_injury", "unemployment", "maternity")
#: Question-and-answer sites and content farms: a source on these hosts must be of kind "qa".
QA_HOSTS = (
    "qiaqa.com",
    "zhihu.com",
    "zhidao.baidu.com",
    "baike.baidu.com",
    "si12333.cn",
    "jxyuer.com",
    "chaojilvshi.com",
    "sohu.com",
    "163.com",
    "toutiao.com",
    "51dongshi.com",
)


@dataclass(frozen=True)
class Source:
    """One document or page: title, publisher, address, date, kind."""

    id: str
    title: str
    publisher: str
    url: str
    published: date | None
    kind: str
    copy: bool = False

    @property
    def official(self) -> bool:
        """True for an official source (a government body, an agreement text, a partner institution)."""
        return self.kind == "official"

    def as_dict(self) -> dict:
        """{title, publisher, url, date, kind} for the wire (date ISO, or null when undated)."""
        return {
            "title": self.title,
            "publisher": self.publisher,
            "url": self.url,
            "date": self.published.isoformat() if self.published else None,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Claim:
    """One fact the service states, its sources (official first) and the day it was checked."""

    id: str
    statement: str
    sources: tuple[Source, ...]
    checked_on: date


@dataclass(frozen=True)
class Agreement:
    """A bilateral social security agreement: the China-side insurances it exempts, its dates, its status."""

    country: str
    insurances: tuple[str, ...]
    status: str
    signed: date | None
    in_force_since: date | None
    claim: Claim

    @property
    def in_force(self) -> bool:
        """True once the agreement has entered into force."""
        return self.status == "in_force"


@dataclass(frozen=True)
class Facts:
    """Everything in the facts file, resolved."""

    sources: dict[str, Source]
    claims: dict[str, Claim]
    agreements: dict[str, Agreement]


class FactsError(ValueError):
    """The facts file breaks a rule of docs/content.md; the message lists every problem."""


def _date(value) -> date | None:
    """A TOML date as a date (TOML dates load as datetime.date already)."""
    return value if isinstance(value, date) else None


def problems(raw: dict) -> list[str]:
    """Every rule the raw facts data breaks, one line each (empty when it is sound)."""
    found: list[str] = []
    sources = raw.get("sources", {})
    titles_by_url: dict[str, set[str]] = {}
    for key, source in sources.items():
        where = f"sources.{key}"
        for field in ("title", "publisher", "url", "kind"):
            if not str(source.get(field) or "").strip():
                found.append(f"{where}: no {field}")
        url = str(source.get("url") or "")
        if url and urlsplit(url).scheme not in ("http", "https"):
            found.append(f"{where}: url is not an http(s) address: {url}")
        kind = source.get("kind")
        if kind and kind not in KINDS:
            found.append(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        host = (urlsplit(url).hostname or "").lower()
        if kind != "qa" and any(host == qa or host.endswith("." + qa) for qa in QA_HOSTS):
            found.append(f'{where}: {host} is a question-and-answer site or content farm: kind must be "qa"')
        if _date(source.get("published")) is None and not source.get("undated"):
            found.append(f"{where}: no published date (write `undated = true` if the page has none)")
        if url:
            titles_by_url.setdefault(url, set()).add(str(source.get("title") or ""))
    for url, titles in sorted(titles_by_url.items()):
        if len(titles) > 1:
            found.append(f"one address under {len(titles)} titles: {url}: {' | '.join(sorted(titles))}")

    def check_claim(where: str, claim: dict) -> None:
        ids = claim.get("sources") or []
        if not ids:
            found.append(f"{where}: no source")
        unknown = [sid for sid in ids if sid not in sources]
        for sid in unknown:
            found.append(f"{where}: unknown source {sid!r}")
        kinds = [sources[sid].get("kind") for sid in ids if sid in sources]
        if "qa" in kinds and "official" not in kinds:
            found.append(
                f"{where}: a question-and-answer or content-farm source needs an official one beside it"
            )
        if kinds and kinds[0] != "official" and "official" in kinds:
            found.append(f"{where}: list the official source first")
        if _date(claim.get("checked_on")) is None:
            found.append(f"{where}: no checked_on date")

    for key, claim in raw.get("claims", {}).items():
        if not str(claim.get("statement") or "").strip():
            found.append(f"claims.{key}: no statement")
        check_claim(f"claims.{key}", claim)
    for key, row in raw.get("agreements", {}).items():
        where = f"agreements.{key}"
        check_claim(where, row)
        insurances = row.get("insurances") or []
        if not insurances or any(code not in INSURANCE_CODES for code in insurances):
            found.append(f"{where}: insurances must be a non-empty list of {', '.join(INSURANCE_CODES)}")
        status = row.get("status")
        if status not in AGREEMENT_STATUSES:
            found.append(f"{where}: status must be one of {', '.join(AGREEMENT_STATUSES)}")
        if status == "signed" and row.get("in_force"):
            found.append(f"{where}: a signed agreement not in force has no in_force date")
        if status == "signed" and _date(row.get("signed")) is None:
            # The guide says "Signed on <date>" for it.
            found.append(f"{where}: a signed agreement not in force needs its signed date")
        if (
            status == "in_force"
            and row.get("signed")
            and row.get("in_force")
            and row["in_force"] < row["signed"]
        ):
            found.append(f"{where}: in force before it was signed")
    return found


def _build(raw: dict) -> Facts:
    """The raw data resolved into Source, Claim and Agreement objects (the data must be sound)."""
    sources = {
        key: Source(
            key,
            value["title"],
            value["publisher"],
            value["url"],
            _date(value.get("published")),
            value["kind"],
            bool(value.get("copy")),
        )
        for key, value in raw.get("sources", {}).items()
    }

    def claim(key: str, value: dict, statement: str) -> Claim:
        return Claim(key, statement, tuple(sources[sid] for sid in value["sources"]), value["checked_on"])

    claims = {key: claim(key, value, value["statement"]) for key, value in raw.get("claims", {}).items()}
    agreements = {}
    for key, value in raw.get("agreements", {}).items():
        statement = f"{key}: exempts {', '.join(value['insurances'])}; {value['status']}"
        agreements[key] = Agreement(
            key,
            tuple(value["insurances"]),
            value["status"],
            _date(value.get("signed")),
            _date(value.get("in_force")),
            claim(f"agreement-{key}", value, statement),
        )
    return Facts(sources, claims, agreements)


def load(path: Path = FACTS_FILE) -> Facts:
    """Read and check a facts file; FactsError lists every problem."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    found = problems(raw)
    if found:
        raise FactsError("\n".join(found))
    return _build(raw)


@cache
def facts() -> Facts:
    """The project's facts, read once."""
    return load()


def claim(claim_id: str) -> Claim:
    """One claim by id, an agreement row as "agreement-<alpha-3>" (KeyError for an unknown id)."""
    if claim_id.startswith("agreement-"):
        return facts().agreements[claim_id.removeprefix("agreement-")].claim
    return facts().claims[claim_id]


def claims_sources(claim_ids) -> list[tuple[Source, date]]:
    """The distinct sources of these claims, official first, each with its earliest checked-on date."""
    checked: dict[str, date] = {}
    order: dict[str, Source] = {}
    for claim_id in claim_ids:
        item = claim(claim_id)
        for source in item.sources:
            order.setdefault(source.id, source)
            checked[source.id] = min(checked.get(source.id, item.checked_on), item.checked_on)
    ranked = sorted(order.values(), key=lambda source: KINDS.index(source.kind))
    return [(source, checked[source.id]) for source in ranked]
