"""Guides (GET /api/v1/guides, /api/v1/guides/<slug>) and the glossary (GET /api/v1/glossary)."""

from __future__ import annotations

import pytest

from app import facts as content
from app.guides.journey import GUIDES
from app.journeys import registry

SCREEN_KEYS = {
    "flow",
    "step",
    "locale",
    "dir",
    "progress",
    "title",
    "body",
    "fields",
    "errors",
    "summary",
    "actions",
}


def test_guide_list(client):
    response = client.get("/api/v1/guides?lang=ja")
    assert response.status_code == 200
    body = response.get_json()
    assert body["locale"] == "ja"
    slugs = [guide["slug"] for guide in body["guides"]]
    assert slugs == ["documents", "lost-card", "leaving-china", "medical-visit", "bilateral-agreements"]
    for guide in body["guides"]:
        assert guide["title"] and guide["summary"] and guide["pages"]
        assert guide["source"]["title"] and guide["source"]["url"].startswith(("https://", "http://"))
        assert guide["source"]["kind"] == "official"
        assert all(source["checked_on"] and source["publisher"] for source in guide["sources"])
        assert guide["checked_on"] == min(source["checked_on"] for source in guide["sources"])


@pytest.mark.parametrize("slug", list(GUIDES))
@pytest.mark.parametrize("locale", ["en", "ko", "ar"])
def test_every_page_is_a_screen_document(client, slug, locale):
    guide = GUIDES[slug]
    for index, page in enumerate(guide.order):
        response = client.get(f"/api/v1/guides/{slug}?page={page}&lang={locale}")
        assert response.status_code == 200
        document = response.get_json()
        assert SCREEN_KEYS <= set(document)
        assert document["flow"] == f"guide-{slug}" and document["step"] == page
        assert document["locale"] == locale
        assert document["dir"] == ("rtl" if locale == "ar" else "ltr")
        assert document["fields"] == [] and document["errors"] == []
        progress = document["progress"]
        assert (progress["current"], progress["total"]) == (index + 1, len(guide.order))
        assert str(index + 1) in progress["label"] and str(len(guide.order)) in progress["label"]
        assert document["title"]
        page_claims = guide.pages[index].claims
        assert page_claims, f"{slug}/{page} states facts without naming their claims"
        sources = content.claims_sources(page_claims)
        # Each source of the page's claims ends the page, official first, with its checked-on date.
        assert len(document["body"]) > len(sources)
        for line, (source, _checked) in zip(document["body"][-len(sources) :], sources, strict=True):
            assert source.title in line
        assert document["guide"]["source"] == document["guide"]["sources"][0]
        assert document["guide"]["sources"][0]["kind"] == "official"
        names = [button["name"] for button in document["actions"]]
        assert names[0] == ("done" if index == len(guide.order) - 1 else "continue")
        assert ("back" in names) == (index > 0)


def test_guides_are_registered_flows_for_the_translator_preview(app):
    from app.journeys.preview import all_screens

    names = {flow.name for flow in registry.all_flows()}
    assert {f"guide-{slug}" for slug in GUIDES} <= names
    screens = [screen for screen in all_screens(locale="de") if screen["flow"].startswith("guide-")]
    assert len(screens) >= sum(len(guide.order) for guide in GUIDES.values())
    assert all(screen["screen"]["locale"] == "de" for screen in screens)


@pytest.mark.parametrize(
    ("locale", "written"),
    [
        ("en", "since November 7, 2023."),
        ("de", "seit dem 7. November 2023 an"),
        ("ko", "2023년 11월 7일부터"),
        ("ar", "منذ \u20687 نوفمبر 2023\u2069"),
    ],
)
def test_the_apostille_date_is_a_date_written_the_users_way(client, locale, written):
    """The date is a placeholder formatted for the user, not typed into the sentence."""
    rows = client.get(f"/api/v1/guides/documents?lang={locale}").get_json()["summary"]
    assert any(written in row.get("note", "") for row in rows), [row.get("note") for row in rows]


def test_documents_checklist_has_the_seven_documents_and_validity_notes(client):
    document = client.get("/api/v1/guides/documents?category=B").get_json()
    rows = document["summary"]
    assert len(rows) == 7
    values = [row["value"] for row in rows]
    assert "无犯罪记录证明" in values and "体检证明" in values and "护照信息页" in values
    notes = " ".join(row["note"] for row in rows)
    assert "6 months" in notes and "since November 7, 2023." in notes and "6 more months" not in notes
    assert any("category B" in paragraph and "varies by city" in paragraph for paragraph in document["body"])
    assert document["guide"]["category"] == "B"
    # No current source says category A is exempt: the guide no longer says so.
    category_a = client.get("/api/v1/guides/documents?category=a").get_json()
    assert not any("Category A" in paragraph or "30 days" in paragraph for paragraph in category_a["body"])
    after = client.get("/api/v1/guides/documents?page=after_entry").get_json()
    assert any("do not receive a physical work permit" in paragraph for paragraph in after["body"])
    assert any(line.startswith("Secondary source:") for line in after["body"])


def test_bilateral_guide_lists_13_countries_and_explains_without_deciding(client):
    countries = client.get("/api/v1/guides/bilateral-agreements").get_json()
    rows = {row["label"]: row["value"] for row in countries["summary"]}
    assert len(rows) == 13
    both = "Pension and unemployment insurance"
    for country in (
        "Germany",
        "South Korea",
        "Finland",
        "Switzerland",
        "Netherlands",
        "Spain",
        "Serbia",
        "France",
    ):
        assert rows[country] == both, country
    for country in ("Denmark", "Canada", "Luxembourg", "Japan", "Kyrgyzstan"):
        assert rows[country] == "Pension only", country
    notes = {row["label"]: row["note"] for row in countries["summary"]}
    assert notes["France"] == "Signed on Oct 31, 2016; not yet in force"
    assert notes["Spain"] == "In force since Mar 20, 2018"
    assert notes["Switzerland"] == "In force since Jun 19, 2017"
    assert notes["Serbia"] == "In force since Feb 1, 2021"
    assert not any("not confirmed" in note for note in notes.values())
    assert all(row["sources"] and row["sources"][0]["kind"] == "official" for row in countries["summary"])
    assert "Belgium" not in rows
    german = client.get("/api/v1/guides/bilateral-agreements?lang=de").get_json()
    assert {"Deutschland", "Südkorea", "Kirgisistan"} <= {row["label"] for row in german["summary"]}
    who = client.get("/api/v1/guides/bilateral-agreements?page=who").get_json()
    assert any("certificate of coverage" in paragraph for paragraph in who["body"])
    assert any("locally" in paragraph and "Korea" in paragraph for paragraph in who["body"])
    assert any("60 months" in paragraph and "96 months" in paragraph for paragraph in who["body"])
    final = client.get("/api/v1/guides/bilateral-agreements?page=next").get_json()
    assert any("does not decide" in paragraph for paragraph in final["body"])
    assert any("境外免缴" in paragraph and "not for you" in paragraph for paragraph in final["body"])


def test_lost_card_and_medical_guides_name_the_official_terms(client):
    temporary = client.get("/api/v1/guides/lost-card").get_json()
    assert "12333" in [row["value"] for row in temporary["summary"]]
    last = client.get("/api/v1/guides/lost-card?page=found_or_replace").get_json()
    assert [row["value"] for row in last["summary"]] == ["解挂", "补发"]
    qr = client.get("/api/v1/guides/medical-visit").get_json()
    assert {row["value"] for row in qr["summary"]} == {"电子社保卡", "医保电子凭证"}
    leaving = client.get("/api/v1/guides/leaving-china").get_json()
    assert any("lump sum" in paragraph for paragraph in leaving["body"])
    lump_sum = client.get("/api/v1/guides/leaving-china?page=lump_sum").get_json()
    assert any("national rule" in paragraph for paragraph in lump_sum["body"])
    assert not any("some cities" in paragraph for paragraph in lump_sum["body"])
    abroad = client.get("/api/v1/guides/leaving-china?page=pension_abroad").get_json()
    assert any("apostille" in paragraph for paragraph in abroad["body"])


def test_unknown_guide_is_a_404_envelope(client):
    response = client.get("/api/v1/guides/how-to-fly?lang=fr")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "guide.not_found" and error["message"]


def test_unknown_page_and_bad_category_are_clear_errors(client):
    page = client.get("/api/v1/guides/lost-card?page=nowhere")
    assert page.status_code == 404 and page.get_json()["error"]["code"] == "guide.page_not_found"
    category = client.get("/api/v1/guides/documents?category=Z")
    assert category.status_code == 400 and category.get_json()["error"]["code"] == "guide.invalid_category"


def test_a_guide_is_also_a_journey_through_the_flows_api(client, login, db):
    headers = login(locale="ko")
    first = client.get("/api/v1/flows/guide-lost-card", headers=headers)
    assert first.status_code == 200 and first.get_json()["step"] == "temporary"
    second = client.post(
        "/api/v1/flows/guide-lost-card",
        headers=headers,
        json={"step": "temporary", "action": "continue", "answers": {}},
    )
    assert second.status_code == 200 and second.get_json()["step"] == "formal"
    back = client.post(
        "/api/v1/flows/guide-lost-card",
        headers=headers,
        json={"step": "formal", "action": "back", "answers": {}},
    )
    assert back.get_json()["step"] == "temporary"


def test_signed_in_users_read_guides_in_their_saved_language(client, login, db):
    headers = login(locale="es")
    assert client.get("/api/v1/guides/medical-visit", headers=headers).get_json()["locale"] == "es"


@pytest.mark.parametrize(
    ("query", "locale", "term"),
    [
        ("封存", "ko", "card_status_sealed"),
        ("fengcun", "en", "card_status_sealed"),
        ("fēngcún", "ja", "card_status_sealed"),
        ("certificate of coverage", "en", "certificate_of_coverage"),
        ("Rentenversicherung", "de", "pension_insurance"),
    ],
)
def test_glossary_search_in_any_language(client, query, locale, term):
    response = client.get("/api/v1/glossary", query_string={"q": query, "lang": locale})
    assert response.status_code == 200
    body = response.get_json()
    assert body["locale"] == locale
    found = {item["id"]: item for item in body["terms"]}
    assert term in found
    assert found[term]["zh"] and found[term]["pinyin"] and found[term]["translation"]


def test_glossary_gives_the_users_rendering(client):
    body = client.get("/api/v1/glossary?q=封存&lang=ko").get_json()
    assert body["terms"][0]["translation"] == "보류"
    everything = client.get("/api/v1/glossary").get_json()
    assert everything["count"] >= 20


def test_glossary_rejects_a_huge_query(client):
    response = client.get("/api/v1/glossary", query_string={"q": "x" * 101})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "glossary.query_too_long"
