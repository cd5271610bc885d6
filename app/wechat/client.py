"""Our WeChat API client: wechatpy's HTTP calls, a shared token cache, bounded retries, one base URL."""

from __future__ import annotations

import logging
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.models import PreparedRequest, Response
from urllib3.exceptions import ProtocolError
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from .errors import (
    WeChatInvalidResponse,
    WeChatNoAnswer,
    WeChatTokenRejected,
    WeChatUnavailable,
    error_for,
)
from .tokens import TokenCache

log = logging.getLogger("app.wechat")

#: The host wechatpy builds every URL on (some of them hard-coded).
API_HOST = "https://api.weixin.qq.com/"
SUBSCRIBE_LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
MINIPROGRAM_STATES = ("developer", "trial", "formal")


class BaseUrlAdapter(HTTPAdapter):
    """Sends every request for api.weixin.qq.com to the configured base (an emulator), hard-coded URLs too."""

    def __init__(self, base: str, target: BaseAdapter | None = None) -> None:
        super().__init__()
        self.base = base
        self.target = target

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> Response:
        if request.url is not None and request.url.startswith(API_HOST):
            request.url = self.base + request.url[len(API_HOST) :]
        if self.target is not None:
            return self.target.send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        return super().send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )


class _SdkClient(WeChatClient):  # type: ignore[misc]  # wechatpy ships no types: its classes are Any
    """wechatpy's client with its token handling replaced: no hard-coded token URL, no retry recursion."""

    def __init__(self, appid: str, secret: str, tokens: TokenCache, timeout: float) -> None:
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self._tokens = tokens

    def fetch_access_token(self) -> dict[str, str]:
        """Refresh through the shared cache (stable_token, Redis lock) instead of GET cgi-bin/token."""
        return {"access_token": self._tokens.refresh(rejected=None)}

    @property
    def access_token(self) -> str:
        """The shared access token (wechatpy reads this for calls made without one)."""
        return self._tokens.get()

    def route_to(self, api_base: str, adapter: HTTPAdapter) -> None:
        """Send this client's calls for WeChat's host through `adapter`, with proxies resolved once for `api_base`.

        wechatpy's client keeps its `requests.Session` as `self._http`; this subclass configures
        its own session here. With trust_env on, requests re-reads os.environ on every call, a
        measurable cost at notice fan-out rates, so the proxies are resolved once.
        """
        self._http.trust_env = False
        self._http.proxies = requests.utils.get_environ_proxies(api_base)
        self._http.mount(API_HOST, adapter)


def _may_have_arrived(error: requests.RequestException) -> bool:
    """Whether WeChat may have received the request though no answer came back (not: could not connect)."""
    if isinstance(error, requests.ReadTimeout):
        return True
    return (
        isinstance(error, requests.ConnectionError)
        and bool(error.args)
        and isinstance(error.args[0], ProtocolError)
    )


def normalize_base(base: str) -> str:
    """The API base with exactly one trailing slash."""
    return base.rstrip("/") + "/"


class WeChatApi:
    """The calls our backend makes to WeChat; raises app.wechat.errors.WeChatError subclasses."""

    def __init__(
        self,
        *,
        appid: str,
        secret: str,
        api_base: str,
        redis: Any,
        timeout: float = 5.0,
        key_prefix: str = "ssc:wechat",
        transport: BaseAdapter | None = None,
    ) -> None:
        self.appid = appid
        self._secret = secret
        self.timeout = timeout
        self.tokens = TokenCache(redis, appid, self._fetch_stable_token, key_prefix=key_prefix)
        self._sdk = _SdkClient(appid, secret, self.tokens, timeout)
        self.api_base = API_HOST
        self.set_api_base(api_base, transport=transport)

    def set_api_base(self, api_base: str, transport: BaseAdapter | None = None) -> None:
        """Point every call at another base URL (the real host, or an emulator)."""
        self.api_base = normalize_base(api_base)
        # Resolve proxy settings from the environment once, for the host actually called:
        # with trust_env on, requests re-reads os.environ on every call, a measurable cost at
        # notice fan-out rates.
        routed = self.api_base != API_HOST or transport is not None
        self._sdk.route_to(
            self.api_base, BaseUrlAdapter(self.api_base, transport) if routed else HTTPAdapter()
        )

    # -- transport ---------------------------------------------------------------------------

    def _invoke(
        self,
        method: str,
        endpoint: str,
        *,
        params: dict[str, str] | list[tuple[str, str]],
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One HTTP call through wechatpy, with WeChat's and the network's failures made typed."""
        try:
            send = self._sdk.post if method == "post" else self._sdk.get
            result = send(endpoint, params=params, data=data, api_base_url=API_HOST)
        except WeChatClientException as error:
            if error.errcode is None:
                status = getattr(error.response, "status_code", None)
                raise WeChatUnavailable(None, f"HTTP {status}") from None
            raise error_for(int(error.errcode), str(error.errmsg)) from None
        except requests.RequestException as error:
            kind = WeChatNoAnswer if _may_have_arrived(error) else WeChatUnavailable
            raise kind(None, type(error).__name__) from None
        if not isinstance(result, dict):
            raise WeChatUnavailable(None, "answer was not JSON")
        return result

    def _invoke_with_token(self, method: str, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        """A call needing an access token: on a token error refresh once and retry once, never more."""
        token = self.tokens.get()
        try:
            return self._invoke(method, endpoint, params={"access_token": token}, data=data)
        except WeChatTokenRejected:
            log.warning("access token rejected; refreshing once", extra={"endpoint": endpoint})
        token = self.tokens.refresh(rejected=token)
        return self._invoke(method, endpoint, params={"access_token": token}, data=data)

    def _fetch_stable_token(self, force_refresh: bool = False) -> tuple[str, int]:
        """POST cgi-bin/stable_token (a list of params keeps wechatpy from adding a token)."""
        result = self._invoke(
            "post",
            "cgi-bin/stable_token",
            params=[],
            data={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self._secret,
                "force_refresh": force_refresh,
            },
        )
        token = result.get("access_token")
        if not token or not isinstance(token, str):
            raise WeChatUnavailable(None, "no access_token in the answer")
        return token, int(result.get("expires_in") or 7200)

    # -- the calls -----------------------------------------------------------------------------

    def code_to_session(self, code: str) -> dict[str, Any]:
        """Exchange a wx.login code: {openid, unionid, session_key}. Needs no access token."""
        result = self._invoke(
            "get",
            "sns/jscode2session",
            params=[
                ("appid", self.appid),
                ("secret", self._secret),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ],
        )
        if not result.get("openid") or not result.get("session_key"):
            raise WeChatInvalidResponse(None, "jscode2session answer without openid or session_key")
        return {
            "openid": result["openid"],
            "unionid": result.get("unionid"),
            "session_key": result["session_key"],
        }

    def get_phone_number(self, code: str, openid: str | None = None) -> dict[str, str]:
        """The phone number behind a getPhoneNumber code, after checking it was issued for our appid."""
        data = {"code": code}
        if openid:
            data["openid"] = openid
        result = self._invoke_with_token("post", "wxa/business/getuserphonenumber", data)
        info = result.get("phone_info") or {}
        watermark = info.get("watermark") or {}
        if watermark.get("appid") != self.appid or not info.get("purePhoneNumber"):
            raise WeChatInvalidResponse(None, "phone number watermark is not for this appid")
        return {
            "phone_number": str(info.get("phoneNumber") or info["purePhoneNumber"]),
            "pure_phone_number": str(info["purePhoneNumber"]),
            "country_code": str(info.get("countryCode") or ""),
        }

    def send_subscribe_message(
        self,
        openid: str,
        template_id: str,
        data: dict[str, Any],
        page: str | None = None,
        lang: str = "en_US",
        state: str = "formal",
    ) -> int | None:
        """Send a subscribe message; the msgid WeChat gave it (delivery comes later as an event)."""
        if lang not in SUBSCRIBE_LANGS or state not in MINIPROGRAM_STATES:
            raise ValueError("lang or miniprogram state not one WeChat accepts")
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "lang": lang,
            "miniprogram_state": state,
            "data": {
                key: {"value": value["value"] if isinstance(value, dict) else value}
                for key, value in data.items()
            },
        }
        if page:
            body["page"] = page
        msgid: int | None = self._invoke_with_token("post", "cgi-bin/message/subscribe/send", body).get(
            "msgid"
        )
        return msgid

    def send_custom_text(self, openid: str, text: str) -> None:
        """A customer-service text message (only inside the reply window after the user wrote)."""
        self._invoke_with_token(
            "post",
            "cgi-bin/message/custom/send",
            {"touser": openid, "msgtype": "text", "text": {"content": text}},
        )

    def msg_sec_check(self, openid: str, content: str, scene: int = 2) -> str:
        """msgSecCheck v2: 'pass', 'review' or 'risky' (errcode 0 alone says nothing about content)."""
        result = self._invoke_with_token(
            "post", "wxa/msg_sec_check", {"version": 2, "openid": openid, "scene": scene, "content": content}
        )
        suggest = (result.get("result") or {}).get("suggest")
        if not isinstance(suggest, str) or suggest not in ("pass", "review", "risky"):
            raise WeChatInvalidResponse(None, "msg_sec_check answer without result.suggest")
        return suggest
