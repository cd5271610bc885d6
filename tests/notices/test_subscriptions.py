"""POST /api/v1/subscriptions and the quota ledger: client reports and events reconciled, each accept once."""

from __future__ import annotations

import pytest

from app.accounts.models.user import UserAccount
from app.notices import subscriptions
from app.wechat_emulator.push import unix_now

OPENID = "oFixtureUser0001"
TEMPLATE = "tmpl_notice_update"


@pytest.fixture
def user(db):
    account = UserAccount(openid=OPENID)
    db.session.add(account)
    db.session.commit()
    return account


def report(client, headers, results, **extra):
    return client.post("/api/v1/subscriptions", json={"results": results, **extra}, headers=headers)


def test_client_report_records_choices(client, login, user):
    response = report(
        client,
        login(user),
        {"errMsg": "requestSubscribeMessage:ok", TEMPLATE: "accept", "tmpl_card_status": "reject"},
    )
    assert response.status_code == 200
    assert response.json == {
        "subscriptions": [
            {"template_id": "tmpl_card_status", "status": "reject", "available": 0},
            {"template_id": TEMPLATE, "status": "accept", "available": 1},
        ]
    }


def test_report_then_popup_event_counts_once(client, login, user, wechat_emulator):
    report(client, login(user), {TEMPLATE: "accept"})
    wechat_emulator.push("popup", OPENID, results={TEMPLATE: "accept"})
    assert subscriptions.quota(user.id, TEMPLATE) == 1


def test_popup_event_then_report_counts_once(client, login, user, wechat_emulator):
    wechat_emulator.push("popup", OPENID, results={TEMPLATE: "accept"}, fmt="xml")
    body = report(client, login(user), {TEMPLATE: "accept"}).json
    assert body["subscriptions"][0]["available"] == 1


def test_two_real_accepts_count_twice(client, login, user, wechat_emulator):
    headers = login(user)
    for n in range(2):
        report(client, headers, {TEMPLATE: "accept"}, report_id=f"r{n}")
        wechat_emulator.push("popup", OPENID, results={TEMPLATE: "accept"}, create_time=unix_now() + n)
    assert subscriptions.quota(user.id, TEMPLATE) == 2


def test_retried_client_report_counts_once(client, login, user):
    headers = login(user)
    report(client, headers, {TEMPLATE: "accept"}, report_id="tap-1")
    body = report(client, headers, {TEMPLATE: "acceptWithAudio"}, report_id="tap-1").json
    assert body["subscriptions"][0]["available"] == 1


def test_ban_zeroes_the_quota(client, login, user):
    headers = login(user)
    report(client, headers, {TEMPLATE: "accept"})
    assert report(client, headers, {TEMPLATE: "ban"}).json["subscriptions"][0]["available"] == 0


def test_reserve_confirm_and_release(app, user):
    subscriptions.record_event(
        user.id,
        OPENID,
        "subscribe_msg_popup_event",
        1795848400,
        [
            {"TemplateId": TEMPLATE, "SubscribeStatusString": "accept"},
            {"TemplateId": TEMPLATE, "SubscribeStatusString": "accept"},
        ],
    )
    # the same event time and template: one accept (a retried event), not two
    assert subscriptions.quota(user.id, TEMPLATE) == 1
    subscriptions.record_event(
        user.id,
        OPENID,
        "subscribe_msg_popup_event",
        1795848401,
        [{"TemplateId": TEMPLATE, "SubscribeStatusString": "accept"}],
    )
    assert subscriptions.reserve_quota(user.id, TEMPLATE)
    subscriptions.confirm_quota(user.id, TEMPLATE)
    assert subscriptions.reserve_quota(user.id, TEMPLATE)
    subscriptions.release_quota(user.id, TEMPLATE)
    assert subscriptions.quota(user.id, TEMPLATE) == 1
    assert subscriptions.reserve_quota(user.id, TEMPLATE)
    subscriptions.release_quota(user.id, TEMPLATE, exhausted=True)  # WeChat said 43101
    assert subscriptions.quota(user.id, TEMPLATE) == 0
    assert not subscriptions.reserve_quota(user.id, TEMPLATE)
    assert not subscriptions.reserve_quota(user.id, "tmpl_never_seen")


def test_ledger_matches_what_wechat_allows(app, client, login, user, wechat_emulator):
    """End to end: the popup grants on both sides, a send consumes both, the next one finds none."""
    from app.wechat import get_wechat

    report(client, login(user), {TEMPLATE: "accept"})
    wechat_emulator.push("popup", OPENID, results={TEMPLATE: "accept"})
    data = {
        "thing1": {"value": "Policy update"},
        "thing2": {"value": "See the notice"},
        "time3": {"value": "2026-12-01 09:00"},
    }
    assert subscriptions.reserve_quota(user.id, TEMPLATE)
    get_wechat().send_subscribe_message(OPENID, TEMPLATE, data)
    subscriptions.confirm_quota(user.id, TEMPLATE)
    assert subscriptions.quota(user.id, TEMPLATE) == 0
    assert wechat_emulator.state.users[OPENID].quota[TEMPLATE] == 0


@pytest.mark.parametrize(
    "results",
    [
        {},
        {"errMsg": "ok"},
        {TEMPLATE: "maybe"},
        {"bad id!": "accept"},
        "accept",
        [TEMPLATE],
        {f"t{n}": "accept" for n in range(11)},
    ],
)
def test_invalid_reports_are_422_without_writes(client, login, user, results):
    response = report(client, login(user), results)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "request.validation"
    assert subscriptions.quota(user.id, TEMPLATE) == 0


def test_invalid_report_id_is_422(client, login, user):
    assert report(client, login(user), {TEMPLATE: "accept"}, report_id="x" * 65).status_code == 422


def test_report_needs_a_body(client, login, user):
    response = client.post("/api/v1/subscriptions", data="junk", headers=login(user))
    assert response.status_code == 400 and response.json["error"]["code"] == "request.invalid"


def test_report_needs_a_session(client):
    response = client.post("/api/v1/subscriptions", json={"results": {TEMPLATE: "accept"}})
    assert response.status_code == 401
