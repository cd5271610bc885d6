"""The reviewed facts (content/facts.toml): the check's rules, and the agreements table row by row."""

from __future__ import annotations

import copy
import tomllib
from datetime import date

import pytest

from app import facts as content
from app.card.terms import AGREEMENTS
from app.guides.cli import code_problems

with content.FACTS_FILE.open("rb") as _handle:
    RAW = tomllib.load(_handle)


def test_the_projects_facts_pass_the_check_and_match_the_code():
    assert content.problems(RAW) == []
    assert code_problems(RAW) == []


def test_every_claim_has_a_source_and_a_checked_on_date():
    facts = content.facts()
    for claim in [*facts.claims.values(), *(row.claim for row in facts.agreements.values())]:
        assert claim.sources, claim.id
        assert isinstance(claim.checked_on, date), claim.id
        kinds = [source.kind for source in claim.sources]
        assert "qa" not in kinds or "official" in kinds, claim.id


def _broken(mutate) -> list[str]:
    raw = copy.deepcopy(RAW)
    mutate(raw)
    return content.problems(raw)


def test_a_claim_without_a_source_fails():
    found = _broken(lambda raw: raw["claims"]["leaving-china"].update(sources=[]))
    assert "claims.leaving-china: no source" in found


def test_a_claim_without_a_checked_on_date_fails():
    found = _broken(lambda raw: raw["claims"]["leaving-china"].pop("checked_on"))
    assert "claims.leaving-china: no checked_on date" in found


def test_a_qa_source_alone_fails_and_passes_with_an_official_one_beside_it():
    found = _broken(lambda raw: raw["claims"]["lost-card"].update(sources=["qiaqa-ssc"]))
    assert any("claims.lost-card: a question-and-answer" in line for line in found)
    assert not any(line.startswith("claims.lost-card") for line in content.problems(RAW))


def test_a_content_farm_cannot_pass_as_secondary():
    found = _broken(lambda raw: raw["sources"]["qiaqa-ssc"].update(kind="secondary"))
    assert any("sources.qiaqa-ssc: www.qiaqa.com is a question-and-answer site" in line for line in found)


def test_one_url_under_two_titles_fails():
    def mutate(raw):
        raw["sources"]["qiaqa-medical"] = {
            **raw["sources"]["qiaqa-ssc"],
            "title": "电子社保卡与医保电子凭证的区别",
        }

    found = _broken(mutate)
    assert any(
        line.startswith("one address under 2 titles: https://www.qiaqa.com/baike/237785.html")
        for line in found
    )


def test_a_source_needs_title_publisher_url_kind_and_a_date_or_undated():
    def mutate(raw):
        raw["sources"]["decree-16"].update(title="", kind="blog")
        raw["sources"]["decree-16"].pop("published")

    found = _broken(mutate)
    assert "sources.decree-16: no title" in found
    assert any("sources.decree-16: kind 'blog'" in line for line in found)
    assert any("sources.decree-16: no published date" in line for line in found)


#: Hosts whose copies of official pages carry an online casino's name in their titles (seen 2026-12-07).
CASINO_BRANDED_HOSTS = {"mgm0908.com", "286260.com"}
#: The sources still read on such a host: no other copy was found, and the guides rest on it.
NO_OTHER_COPY = {"rs-mohrss-guide"}


def test_no_source_is_read_on_a_casino_branded_mirror_where_another_copy_exists():
    """A user who opens a fact's source must not land on a gambling site when a better copy exists."""
    from urllib.parse import urlsplit

    on_casino_hosts = {
        source_id
        for source_id, source in RAW["sources"].items()
        if urlsplit(source["url"]).hostname in CASINO_BRANDED_HOSTS
    }
    assert on_casino_hosts == NO_OTHER_COPY


def test_official_sources_come_first():
    found = _broken(
        lambda raw: raw["agreements"]["DEU"].update(sources=["xinhua-2002-04-04", "de-notice-2002-2"])
    )
    assert "agreements.DEU: list the official source first" in found


def test_a_signed_agreement_has_no_in_force_date():
    found = _broken(lambda raw: raw["agreements"]["FRA"].update(in_force=date(2020, 1, 1)))
    assert "agreements.FRA: a signed agreement not in force has no in_force date" in found


def test_a_signed_agreement_needs_its_signed_date():
    found = _broken(lambda raw: raw["agreements"]["FRA"].pop("signed"))
    assert "agreements.FRA: a signed agreement not in force needs its signed date" in found


def test_an_unknown_claim_named_by_the_code_fails():
    raw = copy.deepcopy(RAW)
    raw["claims"].pop("onsite-check")
    assert "the code states claim 'onsite-check', which content/facts.toml lacks" in code_problems(raw)


def test_the_cli_check_passes(app):
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("ok")


# The agreements table, row by row: China-side insurances exempted, status, date in force.
PENSION = ("pension",)
BOTH = ("pension", "unemployment")
TABLE = {
    "DEU": (BOTH, "in_force", date(2002, 4, 4)),
    "KOR": (BOTH, "in_force", date(2013, 1, 16)),
    "DNK": (PENSION, "in_force", date(2014, 5, 14)),
    "FIN": (BOTH, "in_force", date(2017, 2, 1)),
    "CAN": (PENSION, "in_force", date(2017, 1, 1)),
    "CHE": (BOTH, "in_force", date(2017, 6, 19)),
    "NLD": (BOTH, "in_force", date(2017, 9, 1)),
    "FRA": (BOTH, "signed", None),
    "ESP": (BOTH, "in_force", date(2018, 3, 20)),
    "LUX": (PENSION, "in_force", date(2019, 5, 1)),
    "JPN": (PENSION, "in_force", date(2019, 9, 1)),
    "SRB": (BOTH, "in_force", date(2021, 2, 1)),
    "KGZ": (PENSION, "in_force", date(2025, 10, 14)),
}


# The day each agreement was signed (None where no source read gives it) and the official source
# each row cites first.
SIGNED_AND_FIRST_SOURCE = {
    "DEU": (date(2001, 7, 12), "de-notice-2002-2"),
    "KOR": (date(2012, 10, 29), "kr-notice-2012-120"),
    "DNK": (None, "mohrss-press-2025q3"),
    "FIN": (date(2014, 9, 22), "fi-notice-2017-6"),
    "CAN": (date(2015, 4, 2), "ca-notice-2016-190"),
    "CHE": (date(2015, 9, 30), "ch-agreement-art2"),
    "NLD": (date(2016, 9, 12), "nl-agreement"),
    "FRA": (date(2016, 10, 31), "fr-cleiss-2016"),
    "ESP": (date(2017, 5, 19), "es-seg-social-2017"),
    "LUX": (date(2017, 11, 27), "lu-notice-2019-36"),
    "JPN": (date(2018, 5, 9), "jp-notice-2019-81"),
    "SRB": (date(2018, 6, 8), "rs-mfa-china"),
    "KGZ": (None, "mohrss-press-2025q3"),
}


def test_the_table_has_the_13_countries_in_the_ministrys_order():
    assert list(AGREEMENTS) == list(TABLE)


@pytest.mark.parametrize("country", list(TABLE))
def test_agreement_row(country):
    insurances, status, in_force = TABLE[country]
    row = AGREEMENTS[country]
    assert row.insurances == insurances
    assert row.status == status
    assert row.in_force is (status == "in_force")
    assert row.in_force_since == in_force
    assert row.claim.sources and row.claim.sources[0].kind == "official"
    signed, first_source = SIGNED_AND_FIRST_SOURCE[country]
    assert row.signed == signed
    assert row.claim.sources[0].id == first_source


def test_every_agreement_in_force_has_its_date():
    undated = [code for code, row in AGREEMENTS.items() if row.in_force and row.in_force_since is None]
    assert undated == []


def test_france_is_signed_not_in_force():
    france = AGREEMENTS["FRA"]
    assert france.signed == date(2016, 10, 31) and not france.in_force
