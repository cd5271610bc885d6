"""GET /api/v1/card/permit and /api/v1/card/insurances."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock
from tests.factories import make_employer, make_person, make_user

pytestmark = pytest.mark.calendar  # validity and exemptions count days from today


def _user(locale="en", **person):
    """A verified user for a new person."""
    return make_user(person=make_person(**person), verified=True, locale=locale)


def test_permit_category_b_with_onsite_check_pending(client, login, db):
    today = clock.today()
    employer = make_employer(name_zh="深圳示例有限公司", name_en="Shenzhen Example Ltd.", city_code="440300")
    user = _user(
        permit_category="B",
        entry_date=today - timedelta(days=10),
        employer=employer,
        work_city_code="440305",
        permit_valid_to=today + timedelta(days=100),
        position="教师 / Teacher",
    )
    response = client.get("/api/v1/card/permit", headers=login(user))
    assert response.status_code == 200
    permit = response.get_json()["permit"]
    assert permit["category"]["code"] == "B"
    assert "professional" in permit["category"]["name"]
    assert permit["category"]["explanation"]
    assert permit["employer"] == {
        "name": "Shenzhen Example Ltd.",
        "name_en": "Shenzhen Example Ltd.",
        "name_zh": "深圳示例有限公司",
    }
    assert permit["position"] == "教师 / Teacher"
    assert permit["work_city"]["name"] == "Shenzhen"
    assert permit["work_city"]["name_zh"] == "深圳市"
    assert permit["work_city"]["province"]["name"] == "Guangdong"
    assert permit["validity"]["days_left"] == 100
    assert permit["validity"]["days_left_text"] == "100 days left"
    assert permit["validity"]["expired"] is False
    assert permit["validity"]["to"]["iso"] == (today + timedelta(days=100)).isoformat()
    check = permit["onsite_check"]
    # The rule rests on local agencies' FAQs; the national notice is cited first, and the text says so.
    assert "Local agencies" in check["explanation"] and "varies by city" in check["explanation"]
    # The FAQs ask for a medical report from a Chinese inspection and quarantine institution.
    assert "inspection and quarantine institution in China" in check["explanation"]
    assert check["sources"][0]["kind"] == "official" and all(
        source["checked_on"] for source in check["sources"]
    )
    assert check["deadline"]["iso"] == (today + timedelta(days=20)).isoformat()
    assert check["passed"] is False and check["days_left"] == 20
    assert permit["number_masked"].endswith(user.person.permits[0].permit_number[-4:])
    assert user.person.permits[0].permit_number not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "institution"),
    [("zh_Hans", "境内检验检疫机构"), ("ja", "中国国内の検査検疫機関"), ("de", "Quarantänestelle in China")],
)
def test_the_onsite_check_names_the_medical_report_s_issuer_in_the_user_s_language(
    client, login, db, locale, institution
):
    user = _user(locale=locale, permit_category="C", entry_date=clock.today() - timedelta(days=3))
    check = client.get("/api/v1/card/permit", headers=login(user)).get_json()["permit"]["onsite_check"]
    assert institution in check["explanation"]


def test_permit_expired_and_onsite_check_passed(client, login, db):
    today = clock.today()
    user = _user(
        permit_category="C",
        entry_date=today - timedelta(days=45),
        permit_valid_from=today - timedelta(days=400),
        permit_valid_to=today - timedelta(days=3),
    )
    permit = client.get("/api/v1/card/permit", headers=login(user)).get_json()["permit"]
    assert permit["validity"]["expired"] is True
    assert permit["validity"]["days_left"] == 0
    assert permit["status"]["code"] == "expired"
    assert permit["onsite_check"]["passed"] is True


def test_permit_category_a_has_no_onsite_check(client, login, db):
    user = _user(permit_category="A", locale="ko")
    body = client.get("/api/v1/card/permit", headers=login(user)).get_json()
    assert body["locale"] == "ko"
    assert body["permit"]["onsite_check"] is None


def test_permit_in_german_formats_dates(client, login, db):
    user = _user(locale="de", permit_valid_to=date(2027, 3, 1), permit_valid_from=date(2025, 3, 1))
    body = client.get("/api/v1/card/permit", headers=login(user)).get_json()
    assert body["permit"]["validity"]["to"]["display"] == "01.03.2027"


def test_permit_unverified_is_403(client, login, db):
    response = client.get("/api/v1/card/permit", headers=login(make_user(locale="ja")))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "card.not_verified"


def test_insurances_with_bilateral_exemption(client, login, db):
    today = clock.today()
    user = _user(
        nationality="DEU",
        exempt=("pension", "unemployment"),
        exemption_certificate="DE-COC-0001",
        exemption_valid_to=today + timedelta(days=365),
        enrolment_start="2024-03",
    )
    response = client.get("/api/v1/card/insurances", headers=login(user))
    assert response.status_code == 200
    body = response.get_json()
    items = {item["insurance"]["code"]: item for item in body["insurances"]}
    assert list(items) == ["pension", "medical", "work_injury", "unemployment", "maternity"]
    assert items["pension"]["insurance"]["term_zh"] == "职工基本养老保险"
    assert items["pension"]["status"]["code"] == "exempt"
    exemption = items["pension"]["exemption"]
    assert exemption["country"]["code"] == "DEU"
    assert exemption["agreement_in_force"] is True
    assert exemption["agreement_status"] == "in_force"
    assert exemption["agreement_sources"][0]["kind"] == "official"
    assert [c["code"] for c in exemption["agreement_covers"]] == ["pension", "unemployment"]
    assert exemption["certificate_of_coverage"] == "DE-COC-0001"
    assert exemption["days_left"] == 365 and exemption["expired"] is False
    assert items["medical"]["status"]["code"] == "enrolled"
    assert items["medical"]["exemption"] is None
    assert items["medical"]["start_period"] == {"value": "2024-03", "display": "March 2024"}
    assert body["guide"] == "bilateral-agreements"


def test_insurances_missing_row_is_not_recorded(client, login, db):
    from app.registry.models import InsuranceEnrolment

    user = _user(locale="fr")
    db.session.query(InsuranceEnrolment).filter_by(insurance_type="maternity").delete()
    db.session.commit()
    body = client.get("/api/v1/card/insurances", headers=login(user)).get_json()
    assert body["locale"] == "fr"
    maternity = body["insurances"][-1]
    assert maternity["status"]["code"] == "not_recorded"
    assert maternity["start_period"] is None


def test_insurances_without_session_is_401(client):
    response = client.get("/api/v1/card/insurances")
    assert response.status_code == 401


def test_no_permit_on_record_is_a_404(client, login, db):
    from app.registry.models import WorkPermit

    user = _user(locale="ja")
    db.session.query(WorkPermit).filter_by(person_id=user.person_id).delete()
    db.session.commit()
    response = client.get("/api/v1/card/permit", headers=login(user))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "card.no_permit"


def test_no_account_on_record_is_a_404(client, login, db):
    from app.registry.models import InsuranceEnrolment, SocialSecurityAccount, SocialSecurityCard

    user = _user(locale="ko")
    account = db.session.query(SocialSecurityAccount).filter_by(person_id=user.person_id).one()
    db.session.query(InsuranceEnrolment).filter_by(account_id=account.id).delete()
    db.session.query(SocialSecurityCard).filter_by(account_id=account.id).delete()
    db.session.delete(account)
    db.session.commit()
    headers = login(user)
    for path in (
        "/api/v1/card",
        "/api/v1/card/insurances",
        "/api/v1/card/contributions?year=2025",
        "/api/v1/card/contributions.csv",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "card.no_account"


def test_a_signed_agreement_not_in_force_is_not_shown_as_in_force(client, login, db):
    today = clock.today()
    user = _user(
        nationality="FRA",
        exempt=("pension",),
        exemption_certificate="FR-COC-0001",
        exemption_valid_to=today + timedelta(days=30),
        enrolment_start="2024-03",
    )
    body = client.get("/api/v1/card/insurances", headers=login(user)).get_json()
    exemption = {item["insurance"]["code"]: item for item in body["insurances"]}["pension"]["exemption"]
    assert exemption["agreement_in_force"] is False
    assert exemption["agreement_status"] == "signed"
    assert exemption["agreement_in_force_since"] is None
