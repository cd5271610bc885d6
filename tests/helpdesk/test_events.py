"""What pushes lead to: welcomes, keyword help in every language, guarded echoes, the subscription ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models.user import UserAccount
from app.helpdesk import answers as helpdesk
from app.helpdesk import jobs as wechat_events
from app.helpdesk.topics import KEYWORDS, TOPICS
from app.i18n.locales import SUPPORTED
from app.notices.models.subscription import SubscriptionQuota, SubscriptionReceipt
from app.wechat_emulator.push import unix_now
from tests.factories import make_user
from tests.wechat.conftest import OPENID, payload


def replies(wechat_emulator) -> list[str]:
    return [item["text"]["content"] for item in wechat_emulator.outbox("custom")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_entering_the_chat_sends_a_welcome(wechat_emulator, fmt):
    wechat_emulator.state.user_entered_session(OPENID)
    response = wechat_emulator.push(message=payload(f"enter_session.{fmt}"), fmt=fmt)
    assert response.get_data(as_text=True) == "success"
    assert replies(wechat_emulator)[0].startswith("Welcome to the help desk.")


@pytest.fixture
def app_config(app_config, korean_catalog):
    """These tests read a compiled Korean catalog."""
    return {**app_config, "TRANSLATIONS_DIR": korean_catalog}


def test_welcome_is_in_the_users_saved_language(db, wechat_emulator):
    db.session.add(UserAccount(openid=OPENID, locale="ko"))
    db.session.commit()
    wechat_emulator.push("enter", OPENID)
    assert replies(wechat_emulator) == ["사회보장카드 도움말에 오신 것을 환영합니다. “카드”, “허가”"]


def test_job_outside_a_request_uses_the_users_locale(app, db, wechat_emulator):
    db.session.add(UserAccount(openid=OPENID, locale="ko"))
    db.session.commit()
    wechat_emulator.user_wrote(OPENID)
    message = {
        "FromUserName": OPENID,
        "MsgType": "event",
        "Event": "user_enter_tempsession",
        "CreateTime": 1,
        "ToUserName": "gh_0000000demo",
    }
    with app.app_context():
        assert wechat_events.handle(message) == "welcome"
    assert replies(wechat_emulator)[0].startswith("사회보장카드")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_text_with_a_keyword_gets_the_topic_answer(wechat_emulator, fmt):
    wechat_emulator.user_wrote(OPENID)
    wechat_emulator.push(message=payload(f"text.{fmt}"), fmt=fmt)
    assert replies(wechat_emulator) == [helpdesk.topic_reply("card")]
    assert wechat_emulator.calls("msg_sec_check") == 0  # nothing of the user's text is echoed


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_image_gets_the_generic_answer(wechat_emulator, fmt):
    wechat_emulator.user_wrote(OPENID)
    wechat_emulator.push(message=payload(f"image.{fmt}"), fmt=fmt)
    assert replies(wechat_emulator) == [helpdesk.fallback_text(None)]


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("locale", SUPPORTED)
def test_every_keyword_in_every_language_finds_its_topic(topic, locale):
    for word in KEYWORDS[topic][locale]:
        found, locales = helpdesk.find_topic(f"  {word.upper()}  ?")
        assert found == topic, (word, found)
        assert locale in locales


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I lost my card", "lost_card"),
        ("我的社保卡丢了", "lost_card"),
        ("카드를 잃어버렸어요", "lost_card"),
        ("Я потерял карту", "lost_card"),
        ("Où voir ma carte ?", "card"),
        ("Где моя карта?", "card"),
        ("help with my card", "card"),
        ("رقم البطاقة", "card"),
        ("Tôi cần thẻ bảo hiểm", "card"),
        ("Wie ändere ich die Sprache?", "language"),
        ("需要人工客服", "human"),
        ("年金の納付", "contributions"),
        ("the weather is nice", None),
        ("scarf", None),
    ],
)
def test_topics_of_sample_sentences(text, topic):
    assert helpdesk.find_topic(text)[0] == topic


def test_reply_language_without_saved_choice_follows_the_words(app, db):
    db.session.add(UserAccount(openid=OPENID))
    db.session.commit()
    assert helpdesk.locale_for({"FromUserName": OPENID, "MsgType": "text", "Content": "카드"}) == "ko"
    assert helpdesk.locale_for({"FromUserName": OPENID, "MsgType": "text", "Content": "карта"}) == "ru"
    assert helpdesk.locale_for({"FromUserName": OPENID, "MsgType": "text", "Content": "hmm"}) == "en"
    assert helpdesk.locale_for({"FromUserName": "oUnknown00000", "MsgType": "event"}) == "en"


def test_reply_language_prefers_saved_choice_then_client_language(app, db, redis_client):
    from app.accounts.auth import client_locale_key

    user = UserAccount(openid=OPENID)
    db.session.add(user)
    db.session.commit()
    redis_client.set(client_locale_key(user.id), "zh_Hant")
    assert helpdesk.locale_for({"FromUserName": OPENID, "MsgType": "text", "Content": "卡"}) == "zh_Hant"
    assert helpdesk.locale_for({"FromUserName": OPENID, "MsgType": "event"}) == "zh_Hant"
    user.locale = "fr"
    db.session.commit()
    assert helpdesk.locale_for({"FromUserName": OPENID, "MsgType": "text", "Content": "卡"}) == "fr"


def test_free_text_is_echoed_after_msg_sec_check_passes(wechat_emulator):
    wechat_emulator.push("text", OPENID, content="What are your opening hours on Sunday?")
    assert wechat_emulator.calls("msg_sec_check") == 1
    assert "What are your opening hours on Sunday" in replies(wechat_emulator)[0]


@pytest.mark.parametrize("content", ["Best casino in town", "帮你代办各种证件，价格优惠"])
def test_risky_or_review_text_is_never_echoed(wechat_emulator, content):
    text = "Great deals at the gambling hall tonight" if content.startswith("Best") else content
    wechat_emulator.push("text", OPENID, content=text)
    reply = replies(wechat_emulator)[0]
    assert "gambling" not in reply and "代办" not in reply
    assert reply == helpdesk.fallback_text(None)


def test_text_is_not_echoed_when_msg_sec_check_fails(wechat_emulator):
    wechat_emulator.fail("msg_sec_check", errcode=-1)
    wechat_emulator.push("text", OPENID, content="something unusual")
    assert replies(wechat_emulator) == [helpdesk.fallback_text(None)]


def test_long_free_text_is_quoted_short(wechat_emulator):
    wechat_emulator.push("text", OPENID, content="x" * 300)
    assert "x" * 39 + "…" in replies(wechat_emulator)[0]
    assert "x" * 41 not in replies(wechat_emulator)[0]


def test_closed_reply_window_is_logged_not_crashed(app, wechat_emulator):
    message = {
        "FromUserName": OPENID,
        "MsgType": "text",
        "Content": "card",
        "CreateTime": 1,
        "ToUserName": "gh_0000000demo",
    }
    assert wechat_events.handle(message) == "topic:card:unsent"
    assert wechat_emulator.outbox("custom") == []


def test_reply_window_allows_five_answers(wechat_emulator):
    for n in range(6):
        wechat_emulator.push(
            message={
                "ToUserName": "gh_0000000demo",
                "FromUserName": OPENID,
                "CreateTime": 1795848200 + n,
                "MsgType": "text",
                "Content": "card",
                "MsgId": 900 + n,
            }
        )
        if n == 0:
            wechat_emulator.user_wrote(OPENID)
    assert len(replies(wechat_emulator)) == 5


def ledger(db, template_id):
    user = db.session.scalars(select(UserAccount).where(UserAccount.openid == OPENID)).one()
    row = db.session.scalars(
        select(SubscriptionQuota).where(
            SubscriptionQuota.user_id == user.id, SubscriptionQuota.template_id == template_id
        )
    ).first()
    db.session.expire_all()
    return row


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_popup_event_with_one_item_adds_quota(db, wechat_emulator, fmt):
    assert (
        wechat_emulator.push(message=payload(f"popup_one.{fmt}"), fmt=fmt).get_data(as_text=True) == "success"
    )
    row = ledger(db, "tmpl_notice_update")
    assert (row.available, row.status, row.accepted_total) == (1, "accept", 1)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_popup_event_with_a_list(db, wechat_emulator, fmt):
    wechat_emulator.push(message=payload(f"popup_list.{fmt}"), fmt=fmt)
    assert ledger(db, "tmpl_notice_update").available == 1
    assert ledger(db, "tmpl_card_status").available == 1
    rejected = ledger(db, "tmpl_deadline_reminder")
    assert (rejected.available, rejected.status) == (0, "reject")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_popup_event_retried_by_wechat_counts_once(db, wechat_emulator, fmt):
    wechat_emulator.push(message=payload(f"popup_one.{fmt}"), fmt=fmt)
    wechat_emulator.push(message=payload(f"popup_one.{fmt}"), fmt=fmt, mode="compatible")
    assert ledger(db, "tmpl_notice_update").available == 1


@pytest.mark.parametrize(
    "name", ["change_one.json", "change_one.xml", "change_list_nested.json", "change_list.xml"]
)
def test_change_event_turning_a_template_off_zeroes_it(db, wechat_emulator, name):
    wechat_emulator.push(message=payload("popup_list.json"))
    wechat_emulator.push(message=payload(name), fmt=name.rsplit(".", 1)[1])
    row = ledger(db, "tmpl_notice_update")
    assert (row.available, row.status) == (0, "reject")
    assert ledger(db, "tmpl_card_status").available == (0 if "list" in name else 1)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_sent_events_record_delivery(db, wechat_emulator, fmt):
    make_user(openid=OPENID)  # a delivery report is about a message sent to a user we have
    wechat_emulator.push(message=payload(f"sent_one.{fmt}"), fmt=fmt)
    wechat_emulator.push(message=payload(f"sent_list.{fmt}"), fmt=fmt)
    notice = ledger(db, "tmpl_notice_update")
    card = ledger(db, "tmpl_card_status")
    assert notice.delivered_total == 2
    assert (card.failed_total, card.last_errcode) == (1, "10005")


@pytest.mark.parametrize("name", ["sent_one.json", "sent_list.xml", "change_one.json", "change_list.xml"])
def test_a_report_or_change_after_deletion_brings_no_account_back(client, login, db, wechat_emulator, name):
    """The user deleted their account; WeChat then reports a delivery or a settings change for them."""
    user = make_user(openid=OPENID)
    assert client.delete("/api/v1/me", headers=login(user), json={"confirm": True}).status_code == 200
    wechat_emulator.push(message=payload(name), fmt=name.rsplit(".", 1)[1])
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(UserAccount)) == 0
    assert db.session.scalar(select(func.count()).select_from(SubscriptionQuota)) == 0


def test_a_popup_after_deletion_is_a_new_sign_up(client, login, db, wechat_emulator):
    user = make_user(openid=OPENID)
    client.delete("/api/v1/me", headers=login(user), json={"confirm": True})
    wechat_emulator.push(message=payload("popup_one.json"))
    assert ledger(db, "tmpl_notice_update").available == 1


def test_emulated_popup_grants_quota_on_both_sides(app, db, wechat_emulator):
    wechat_emulator.push("popup", OPENID, results={"tmpl_card_status": "accept"}, fmt="xml")
    assert ledger(db, "tmpl_card_status").available == 1
    assert wechat_emulator.state.users[OPENID].quota["tmpl_card_status"] == 1


def test_unknown_message_types_are_ignored(app):
    assert (
        helpdesk.handle_push({"FromUserName": OPENID, "MsgType": "event", "Event": "something_new"})
        == "ignored"
    )


def sent_item(msg_id: str, template_id: str = "tmpl_notice_update", error_code: str = "0") -> dict:
    """One item of a subscribe_msg_sent_event: WeChat's report on one subscribe message."""
    return {
        "TemplateId": template_id,
        "MsgID": msg_id,
        "ErrorCode": error_code,
        "ErrorStatus": "success" if error_code == "0" else "fail",
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_two_delivery_reports_in_the_same_second_are_both_counted(db, wechat_emulator, fmt):
    """Same user, same CreateTime, different MsgIDs: two deliveries, not a duplicate."""
    make_user(openid=OPENID)
    at = unix_now()
    for msg_id in ("3000000000000000101", "3000000000000000102"):
        response = wechat_emulator.push("sent", OPENID, items=[sent_item(msg_id)], create_time=at, fmt=fmt)
        assert response.get_data(as_text=True) == "success"
    assert ledger(db, "tmpl_notice_update").delivered_total == 2


def test_two_popup_events_in_the_same_second_are_both_counted(db, wechat_emulator):
    at = unix_now()
    wechat_emulator.push("popup", OPENID, results={"tmpl_notice_update": "accept"}, create_time=at)
    wechat_emulator.push("popup", OPENID, results={"tmpl_card_status": "accept"}, create_time=at)
    assert ledger(db, "tmpl_notice_update").available == 1
    assert ledger(db, "tmpl_card_status").available == 1


def test_a_delivery_report_sent_again_after_the_dedupe_window_counts_once(db, wechat_emulator, redis_client):
    """The ledger itself is idempotent per MsgID: a report that outlived the callback's memory counts once."""
    make_user(openid=OPENID)
    message = wechat_emulator.message(
        "sent",
        OPENID,
        items=[
            sent_item("3000000000000000201"),
            sent_item("3000000000000000202", "tmpl_card_status", "10005"),
        ],
    )
    assert wechat_emulator.push(message=message).get_data(as_text=True) == "success"
    for key in redis_client.scan_iter("ssc:wechat-msg:*"):
        redis_client.delete(key)  # the de-duplication window has passed
    assert wechat_emulator.push(message=message, fmt="xml").get_data(as_text=True) == "success"
    assert ledger(db, "tmpl_notice_update").delivered_total == 1
    card = ledger(db, "tmpl_card_status")
    assert (card.failed_total, card.last_errcode) == (1, "10005")
    assert db.session.scalar(select(func.count()).select_from(SubscriptionReceipt)) == 2


def test_one_delivery_report_handled_by_two_jobs_counts_once(app, db, wechat_emulator):
    """Two jobs of one report (a queue that fell behind the memory window runs both): counted once."""
    message = wechat_emulator.message("sent", OPENID, items=[sent_item("3000000000000000301")])
    message["CreateTime"] = int(message["CreateTime"])
    user = helpdesk.user_for(OPENID, create=True)
    assert helpdesk.handle_push(dict(message)) == "ledger:1"
    assert helpdesk.handle_push(dict(message)) == "ledger:0"
    assert ledger(db, "tmpl_notice_update").delivered_total == 1
    assert user.id == db.session.scalars(select(SubscriptionReceipt.user_id)).one()
