"""Every text of the card screens goes through gettext: under en@pseudo each one comes back wrapped."""

from __future__ import annotations

import pytest

from app.i18n import catalogs
from app.i18n.pseudo import unwrapped_strings
from tests.factories import make_person, make_user

#: Keys holding data, not text: identifiers, registry values, Chinese terms, and values that
#: CLDR formats (dates, months, amounts, country names), which are right in CLDR's English.
DATA_KEYS = frozenset(
    {
        "code",
        "id",
        "locale",
        "dir",
        "value",
        "iso",
        "display",
        "label",
        "period",
        "first_period",
        "last_period",
        "term_zh",
        "name_zh",
        "name_en",
        "number_masked",
        "ssn_masked",
        "permit_number_masked",
        "position",
        "work_address",
        "certificate_of_coverage",
        "next_cursor",
        "guide",
        "insurance",
        "status",
        "employer_id",
        "currency",
        "from",
        "to",
        "deadline",
        "entry_date",
        "valid_to",
        "changed_on",
        "paid_on",
        "start_period",
        "end_period",
        "request_id",
        "agreement_status",
        "agreement_in_force_since",
        "checked_on",
    }
)


@pytest.fixture(scope="module")
def pseudo_dir(tmp_path_factory):
    """en@pseudo and ar@pseudo built from a template extracted now from the source."""
    folder = tmp_path_factory.mktemp("translations")
    catalogs.write_template(catalogs.extract_catalog(), folder)
    catalogs.build_pseudo(folder)
    return str(folder)


@pytest.fixture
def app_config(database_url, pseudo_dir):
    """This module's apps serve the pseudo-locales."""
    from tests.conftest import make_test_config

    return make_test_config(database_url, TRANSLATIONS_DIR=pseudo_dir, PSEUDO_LOCALES=True)


def _unwrapped(payload, ignore_paths=()):
    """Unwrapped strings outside the data keys (holder and employer names are registry data)."""
    found = unwrapped_strings(payload, allow_keys=DATA_KEYS)
    return [(path, value) for path, value in found if not any(part in path for part in ignore_paths)]


@pytest.mark.parametrize("locale", ["en@pseudo", "ar@pseudo"])
def test_card_screens_are_all_translatable(client, login, db, locale):
    person = make_person(
        card_status="temp_lost",
        permit_category="B",
        exempt=("pension",),
        contributions_months=3,
        contributions_until="2025-03",
    )
    user = make_user(person=person, verified=True, locale=locale)
    headers = login(user)
    data_paths = (
        "$.holder.name",
        "$.holder.nationality.name",
        "$.employer.name",
        "$.employers",
        ".country.name",
        "$.permit.employer",
        # A source's title and publisher are cited as the source publishes them.
        "sources[",
    )
    for path in (
        "/api/v1/card",
        "/api/v1/card/permit",
        "/api/v1/card/insurances",
        "/api/v1/card/contributions?year=2025",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        body = response.get_json()
        assert body["locale"] == locale
        assert _unwrapped(body, data_paths) == [], path


def test_errors_and_csv_header_are_translatable(client, login, db):
    user = make_user(locale="en@pseudo")
    error = client.get("/api/v1/card", headers=login(user)).get_json()["error"]
    assert _unwrapped(error) == []
    person = make_person(contributions_months=1, contributions_until="2025-01")
    holder = make_user(person=person, verified=True, locale="en@pseudo")
    text = client.get("/api/v1/card/contributions.csv", headers=login(holder)).get_data().decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert all(cell.startswith("[") and cell.endswith("]") for cell in header), header
