"""Push parsing without HTTP: both formats to one shape, and XML entities refused however they are encoded."""

from __future__ import annotations

import json
from xml.parsers import expat

import pytest

from app.wechat.callback import PushRefused, PushVerifier, dedupe_key, normalize, parse_xml, sha1_signature
from app.wechat_emulator.push import unix_now

from .conftest import payload

TOKEN, APPID, ORIGINAL = "demo-token", "wx0000000000demo", "gh_0000000demo"


@pytest.fixture
def verifier():
    return PushVerifier(token=TOKEN, aes_key=None, appid=APPID, original_id=ORIGINAL)


def signed(extra: dict | None = None) -> dict:
    timestamp, nonce = str(unix_now()), "123"
    return {
        "signature": sha1_signature(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        **(extra or {}),
    }


@pytest.mark.parametrize("stem", ["popup_one", "popup_list", "change_one", "sent_one", "sent_list"])
def test_json_and_xml_give_the_same_message(verifier, stem):
    from_json = verifier.verify(signed(), payload(f"{stem}.json").encode()).message
    from_xml = verifier.verify(signed(), payload(f"{stem}.xml").encode()).message
    assert from_json == from_xml
    assert isinstance(from_json["List"], list) and from_json["List"]
    assert isinstance(from_json["CreateTime"], int)


def test_nested_json_container_is_accepted(verifier):
    message = verifier.verify(signed(), payload("change_list_nested.json").encode()).message
    assert [item["TemplateId"] for item in message["List"]] == ["tmpl_notice_update", "tmpl_card_status"]
    assert "SubscribeMsgChangeEvent" not in message


def test_event_without_items_has_an_empty_list():
    assert (
        normalize(
            {"FromUserName": "o", "MsgType": "event", "Event": "subscribe_msg_popup_event", "CreateTime": "5"}
        )["List"]
        == []
    )


def test_dedupe_keys(verifier):
    text = verifier.verify(signed(), payload("text.json").encode())
    event = verifier.verify(signed(), payload("enter_session.xml").encode())
    assert text.dedupe_key == "msg:23812783749361111"
    assert event.dedupe_key == "evt:oFixtureUser0001:1795848002:user_enter_tempsession"
    sent = verifier.verify(signed(), payload("sent_list.json").encode())
    assert sent.dedupe_key == (
        "evt:oFixtureUser0001:1795848008:subscribe_msg_sent_event:m3000000000000000002,m3000000000000000003"
    )
    popup = verifier.verify(signed(), payload("popup_list.xml").encode()).dedupe_key
    assert popup.startswith("evt:oFixtureUser0001:") and ":ttmpl_card_status=accept," in popup


def test_list_events_in_one_second_keep_their_own_keys():
    """WeChat's FromUserName + CreateTime is the minimum: the items tell two deliveries apart."""
    base = {"FromUserName": "o1", "CreateTime": 7, "MsgType": "event", "Event": "subscribe_msg_sent_event"}
    one = dedupe_key(normalize({**base, "List": [{"TemplateId": "t", "MsgID": "1", "ErrorCode": "0"}]}))
    two = dedupe_key(normalize({**base, "List": [{"TemplateId": "t", "MsgID": "2", "ErrorCode": "0"}]}))
    many = dedupe_key(normalize({**base, "List": [{"TemplateId": "t", "MsgID": str(n)} for n in range(50)]}))
    assert one != two and len(many) < 200
    same = dedupe_key(normalize({**base, "List": {"TemplateId": "t", "MsgID": "1", "ErrorCode": "0"}}))
    assert same == one  # a single item, as JSON sends it, is the same delivery


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_dtd_hidden_in_another_encoding_is_refused(encoding):
    document = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE xml [<!ENTITY a "injected">]>'
        "<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>&a;</Content></xml>"
    )
    with pytest.raises(ValueError):
        parse_xml(document.encode(encoding))


def test_dtd_in_a_single_byte_encoding_is_refused():
    head = b'<?xml version="1.0" encoding="cp500"?>'
    with pytest.raises((ValueError, expat.ExpatError)):
        parse_xml(head + '<!DOCTYPE xml [<!ENTITY a "x">]><xml><A>&a;</A></xml>'.encode("cp500"))


def test_undeclared_entities_are_parse_errors(verifier):
    body = b"<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>&a;</Content></xml>"
    with pytest.raises(PushRefused) as refused:
        verifier.verify(signed(), body)
    assert refused.value.status == 400


def test_utf16_body_is_refused_before_parsing(verifier):
    with pytest.raises(PushRefused) as refused:
        verifier.verify(signed(), payload("text.xml").encode("utf-16"))
    assert refused.value.status == 400


def test_non_ascii_signature_does_not_crash(verifier):
    with pytest.raises(PushRefused) as refused:
        verifier.verify({**signed(), "signature": "签名"}, payload("text.json").encode())
    assert refused.value.status == 403


def test_json_numbers_and_strings_for_create_time(verifier):
    body = json.loads(payload("text.json"))
    body["CreateTime"] = str(body["CreateTime"])
    assert verifier.verify(signed(), json.dumps(body).encode()).message["CreateTime"] == 1795848000


@pytest.mark.parametrize("bad", ["short", "x" * 44, "!" * 43])
def test_a_wrong_aes_key_stops_the_start(bad):
    with pytest.raises(ValueError, match="WECHAT_AES_KEY"):
        PushVerifier(token=TOKEN, aes_key=bad, appid=APPID, original_id=ORIGINAL)
