"""The adapter over real HTTP: shared stable tokens, one refresher, bounded retries, every error code."""

from __future__ import annotations

import threading

import pytest
from wechatpy import WeChatClient

from app.wechat import WeChatApi
from app.wechat.errors import (
    WeChatError,
    WeChatInvalidArgument,
    WeChatInvalidCode,
    WeChatInvalidResponse,
    WeChatQuotaExhausted,
    WeChatRateLimited,
    WeChatTokenRejected,
    WeChatUnavailable,
    WeChatWindowClosed,
)
from app.wechat_emulator.push import unix_now

OPENID = "oClientUser00001"
DATA = {
    "thing1": {"value": "New rule for permits"},
    "thing2": {"value": "Read before May"},
    "time3": {"value": "2026-12-01 09:00"},
}


@pytest.fixture
def api(app, wechat_emulator):
    return app.extensions["wechat"]


def second_process(app, base_url) -> WeChatApi:
    """Another worker's client: same Redis, its own HTTP session and memory."""
    return WeChatApi(
        appid=app.config["WECHAT_APPID"],
        secret=app.config["WECHAT_SECRET"],
        api_base=base_url,
        redis=app.extensions["redis"],
        timeout=5,
    )


# -- access tokens -------------------------------------------------------------------------------------


def test_token_comes_from_stable_token_and_is_shared_through_redis(app, api, wechat_emulator):
    token = api.tokens.get()
    other = second_process(app, wechat_emulator.base_url)
    assert other.tokens.get() == token
    assert wechat_emulator.calls("stable_token") == 1
    assert wechat_emulator.calls("token") == 0


def test_parallel_refresh_fetches_once(app, wechat_emulator):
    wechat_emulator.slow("stable_token", 0.3)
    clients = [second_process(app, wechat_emulator.base_url) for _ in range(6)]
    tokens = []
    threads = [threading.Thread(target=lambda c=c: tokens.append(c.tokens.get())) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1 and len(tokens) == 6
    assert wechat_emulator.calls("stable_token") == 1


def test_token_is_refreshed_before_it_expires(app, api, wechat_emulator):
    first = api.tokens.get()
    api.tokens.clock = lambda: unix_now() + 7200 - 100  # inside the refresh margin
    wechat_emulator.advance(7200 - 100)
    second = api.tokens.get()
    assert second != first
    assert wechat_emulator.calls("stable_token") == 2


def test_expired_token_is_refreshed_once_and_the_call_retried(api, wechat_emulator):
    wechat_emulator.grant_subscription(OPENID, "tmpl_notice_update")
    api.tokens.get()
    wechat_emulator.expire_tokens()  # WeChat now answers 42001 to the cached token
    assert api.send_subscribe_message(OPENID, "tmpl_notice_update", DATA)
    assert wechat_emulator.calls("subscribe_send") == 2
    assert wechat_emulator.calls("stable_token") == 2


def test_a_process_keeps_the_token_a_moment_instead_of_asking_redis_on_every_call(app, api, wechat_emulator):
    from tests.redis_probe import commands_sent

    now = [0.0]
    api.tokens.monotonic = lambda: now[0]
    token = api.tokens.get()
    with commands_sent(app.extensions["redis"]) as sent:
        assert [api.tokens.get() for _ in range(5)] == [token] * 5
    assert "GET" not in sent
    now[0] += api.tokens.local_seconds
    with commands_sent(app.extensions["redis"]) as sent:
        assert api.tokens.get() == token
    assert sent.count("GET") == 1


def test_a_token_another_process_replaced_is_taken_up_after_one_refusal(app, api, wechat_emulator):
    wechat_emulator.grant_subscription(OPENID, "tmpl_notice_update")
    old = api.tokens.get()
    other = second_process(app, wechat_emulator.base_url)
    new = other.tokens.refresh(rejected=old)  # forced: WeChat no longer takes the old one
    assert new != old and api.tokens.get() == old  # this process still holds the old one
    assert api.send_subscribe_message(OPENID, "tmpl_notice_update", DATA)
    assert wechat_emulator.calls("subscribe_send") == 2  # refused once, then sent with the shared new one
    assert wechat_emulator.calls("stable_token") == 3  # the first fetch and the other's forced refresh only
    assert api.tokens.get() == new


def test_token_rejected_forever_means_one_refresh_one_retry_then_503(app, client, api, wechat_emulator):
    wechat_emulator.fail("subscribe_send", errcode=40001, times=None)
    with pytest.raises(WeChatTokenRejected):
        api.send_subscribe_message(OPENID, "tmpl_notice_update", DATA)
    assert wechat_emulator.calls("subscribe_send") == 2
    assert wechat_emulator.calls("stable_token") <= 3  # first fetch, then a normal and a forced refresh


def test_token_endpoint_down_is_unavailable(api, wechat_emulator):
    wechat_emulator.fail("stable_token", errcode=-1, times=None)
    with pytest.raises(WeChatUnavailable):
        api.send_custom_text(OPENID, "hi")
    assert wechat_emulator.calls("custom_send") == 0


def test_wechatpy_hard_coded_token_url_reaches_the_configured_base(app, api, wechat_emulator):
    """wechatpy's own fetch_access_token hard-codes api.weixin.qq.com/cgi-bin/token; it must not escape."""
    result = WeChatClient.fetch_access_token(api._sdk)
    assert result["access_token"].startswith("at_")
    assert wechat_emulator.calls("token") == 1


def test_wechatpy_group_methods_use_our_token(api, wechat_emulator):
    """wechatpy's API groups read client.access_token, which is our shared cache."""
    wechat_emulator.user_wrote(OPENID)
    api._sdk.message.send_text(OPENID, "through wechatpy's message group")
    assert wechat_emulator.outbox("custom")[0]["text"]["content"] == "through wechatpy's message group"
    assert wechat_emulator.calls("token") == 0


def test_classic_refetch_invalidates_the_previous_token(wechat_emulator):
    state = wechat_emulator.state
    first = state.issue_token("classic").value
    state.issue_token("classic")
    assert state.token_error(first)[0] == 40001


def test_stable_token_force_refresh_invalidates(wechat_emulator):
    state = wechat_emulator.state
    first = state.issue_token("stable").value
    assert state.issue_token("stable").value == first
    assert state.issue_token("stable", force=True).value != first
    assert state.token_error(first)[0] == 40001


# -- subscribe messages ----------------------------------------------------------------------------------


def test_subscribe_send_with_lang_and_state(api, wechat_emulator):
    wechat_emulator.grant_subscription(OPENID, "tmpl_notice_update")
    msgid = api.send_subscribe_message(
        OPENID, "tmpl_notice_update", DATA, page="pages/notices/index?id=1", lang="zh_TW", state="trial"
    )
    sent = wechat_emulator.outbox("subscribe")[0]
    assert sent["msgid"] == msgid and sent["lang"] == "zh_TW" and sent["miniprogram_state"] == "trial"
    assert sent["page"] == "pages/notices/index?id=1" and sent["data"]["thing1"] == {
        "value": "New rule for permits"
    }


def test_subscribe_send_without_quota_is_43101(api, wechat_emulator):
    wechat_emulator.grant_subscription(OPENID, "tmpl_notice_update")
    api.send_subscribe_message(OPENID, "tmpl_notice_update", DATA)
    with pytest.raises(WeChatQuotaExhausted) as error:
        api.send_subscribe_message(OPENID, "tmpl_notice_update", DATA)
    assert error.value.errcode == 43101


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thing1", "x" * 21),
        ("thing1", "two\nlines"),
        ("time3", "tomorrow"),
        ("thing2", ""),
    ],
)
def test_subscribe_send_with_an_invalid_value_is_47003_naming_it(api, wechat_emulator, field, value):
    wechat_emulator.grant_subscription(OPENID, "tmpl_notice_update")
    with pytest.raises(WeChatInvalidArgument) as error:
        api.send_subscribe_message(OPENID, "tmpl_notice_update", {**DATA, field: {"value": value}})
    assert error.value.errcode == 47003 and f"data.{field}.value" in error.value.errmsg
    assert wechat_emulator.state.users[OPENID].quota["tmpl_notice_update"] == 1  # nothing was used


def test_phrase_keyword_refuses_latin_text(api, wechat_emulator):
    wechat_emulator.grant_subscription(OPENID, "tmpl_verification_result")
    data = {"phrase1": {"value": "Passed"}, "thing2": {"value": "ok"}, "time3": {"value": "15:01"}}
    with pytest.raises(WeChatInvalidArgument):
        api.send_subscribe_message(OPENID, "tmpl_verification_result", data)
    data["phrase1"] = {"value": "已通过"}
    assert api.send_subscribe_message(OPENID, "tmpl_verification_result", data)


def test_unknown_template_is_40037(api, wechat_emulator):
    with pytest.raises(WeChatError) as error:
        api.send_subscribe_message(OPENID, "tmpl_nope", DATA)
    assert error.value.errcode == 40037


def test_subscribe_send_rejects_bad_lang_before_calling(api, wechat_emulator):
    with pytest.raises(ValueError):
        api.send_subscribe_message(OPENID, "tmpl_notice_update", DATA, lang="ko_KR")
    assert wechat_emulator.calls("subscribe_send") == 0


def test_subscribe_send_busy_and_http_errors_are_unavailable(api, wechat_emulator):
    wechat_emulator.fail("subscribe_send", errcode=-1)
    with pytest.raises(WeChatUnavailable):
        api.send_subscribe_message(OPENID, "tmpl_notice_update", DATA)
    wechat_emulator.fail("subscribe_send", status=503)
    with pytest.raises(WeChatUnavailable):
        api.send_subscribe_message(OPENID, "tmpl_notice_update", DATA)


# -- customer service, content check, phone number ---------------------------------------------------


def test_custom_send_needs_the_reply_window(api, wechat_emulator):
    with pytest.raises(WeChatWindowClosed) as error:
        api.send_custom_text(OPENID, "hello")
    assert error.value.errcode == 45015
    wechat_emulator.user_wrote(OPENID)
    api.send_custom_text(OPENID, "hello")
    wechat_emulator.advance(48 * 3600 + 1)
    with pytest.raises(WeChatWindowClosed):
        api.send_custom_text(OPENID, "too late")


def test_custom_send_after_entering_the_chat_allows_two(api, wechat_emulator):
    wechat_emulator.state.user_entered_session(OPENID)
    api.send_custom_text(OPENID, "one")
    api.send_custom_text(OPENID, "two")
    with pytest.raises(WeChatWindowClosed) as error:
        api.send_custom_text(OPENID, "three")
    assert error.value.errcode == 45047


@pytest.mark.parametrize(
    ("content", "suggest"),
    [
        ("When does the office open?", "pass"),
        ("We do 代办 for permits", "review"),
        ("online casino", "risky"),
    ],
)
def test_msg_sec_check_v2_verdicts(api, wechat_emulator, content, suggest):
    assert api.msg_sec_check(OPENID, content) == suggest


def test_msg_sec_check_errors(api, wechat_emulator):
    with pytest.raises(WeChatError) as error:
        api.msg_sec_check(OPENID, "hi", scene=9)
    assert error.value.errcode == 40129
    with pytest.raises(WeChatError) as error:
        api.msg_sec_check(OPENID, "")
    assert error.value.errcode == 44002


def test_phone_number_for_the_right_user(api, wechat_emulator):
    code = wechat_emulator.mint_phone_code(OPENID, "+8613800138000")
    assert api.get_phone_number(code, OPENID) == {
        "phone_number": "13800138000",
        "pure_phone_number": "13800138000",
        "country_code": "86",
    }


def test_foreign_phone_number_keeps_its_country_code(api, wechat_emulator):
    code = wechat_emulator.mint_phone_code(OPENID, "+821012345678")
    assert api.get_phone_number(code, OPENID) == {
        "phone_number": "+821012345678",
        "pure_phone_number": "1012345678",
        "country_code": "82",
    }


def test_phone_code_errors(api, wechat_emulator):
    code = wechat_emulator.mint_phone_code(OPENID, "13800138000")
    with pytest.raises(WeChatInvalidCode):
        api.get_phone_number(code, "oSomeoneElse0001")
    api.get_phone_number(code, OPENID)
    with pytest.raises(WeChatInvalidCode) as error:
        api.get_phone_number(code, OPENID)
    assert error.value.errcode == 40163
    with pytest.raises(WeChatInvalidCode):
        api.get_phone_number("never-minted", OPENID)
    stale = wechat_emulator.mint_phone_code(OPENID, "13800138000")
    wechat_emulator.advance(301)
    with pytest.raises(WeChatInvalidCode) as error:
        api.get_phone_number(stale, OPENID)
    assert error.value.errcode == 40029


def test_phone_watermark_for_another_appid_is_refused(api, wechat_emulator):
    wechat_emulator.state.watermark_appid = "wxSomebodyElse01"
    with pytest.raises(WeChatInvalidResponse):
        api.get_phone_number(wechat_emulator.mint_phone_code(OPENID, "13800138000"), OPENID)


def test_phone_rate_limit_is_typed(api, wechat_emulator):
    wechat_emulator.fail("getuserphonenumber", errcode=45011)
    with pytest.raises(WeChatRateLimited):
        api.get_phone_number(wechat_emulator.mint_phone_code(OPENID, "13800138000"), OPENID)


def test_wrong_secret_is_a_wechat_error_not_a_crash(app, wechat_emulator):
    broken = WeChatApi(
        appid=app.config["WECHAT_APPID"],
        secret="wrong",
        api_base=wechat_emulator.base_url,
        redis=app.extensions["redis"],
        key_prefix="ssc:wechat-test",
    )
    with pytest.raises(WeChatError) as error:
        broken.code_to_session("whatever")
    assert error.value.errcode == 40125


def test_proxy_settings_are_read_once_for_the_host_called(app, wechat_emulator, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    client = second_process(app, wechat_emulator.base_url)
    assert client._sdk._http.trust_env is False
    assert client._sdk._http.proxies == {}  # the emulator on loopback is exempt by NO_PROXY
    client.set_api_base("https://api.weixin.qq.com/")
    assert client._sdk._http.proxies.get("https") == "http://proxy.example:3128"
