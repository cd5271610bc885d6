"""The world outside the deployment: the mini program and WeChat, speaking to it over HTTPS through nginx.

Pushes are built as WeChat builds them, encrypted with wechatpy's own `WeChatCrypto` (not the
project's code), so the callback is checked against WeChat's scheme rather than against itself.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import requests
from wechatpy.crypto import WeChatCrypto

from .processes import StepFailed
from .stack import Run

TIMEOUT = 15


def _expect(response: requests.Response, status: int, what: str) -> requests.Response:
    """The response when its status is `status`, else StepFailed with what came back."""
    if response.status_code != status:
        raise StepFailed(f"{what}: HTTP {response.status_code} (expected {status}): {response.text[:500]}")
    return response


class WeChat:
    """WeChat's side: the emulator's control routes (codes, grants, outbox) and signed, encrypted pushes."""

    def __init__(self, run: Run):
        self.run = run
        self.session = requests.Session()
        self.session.trust_env = False
        self.crypto = WeChatCrypto(run.wechat["token"], run.wechat["aes_key"], run.wechat["appid"])

    def control(self, path: str, payload: dict | None = None) -> dict:
        """POST (or GET without a payload) a control route of the emulator."""
        url = self.run.emulator_url + "_control/" + path
        response = (
            self.session.post(url, json=payload, timeout=120)
            if payload is not None
            else self.session.get(url, timeout=120)
        )
        return _expect(response, 200, f"emulator {path}").json()

    def login_code(self, openid: str) -> str:
        """What wx.login gives the mini program of this user."""
        return self.control("login-code", {"openid": openid})["code"]

    def phone_code(self, openid: str, phone: str) -> str:
        """What getPhoneNumber gives the mini program when the user shares this number."""
        return self.control("phone-code", {"openid": openid, "phone": phone})["code"]

    def grant(self, openids: list[str], template_id: str, n: int = 1) -> None:
        """The users accepted a subscribe-message template n times (WeChat's own count)."""
        self.control("grant", {"openids": openids, "template_id": template_id, "n": n})

    def outbox(self) -> list[dict]:
        """Every subscribe message WeChat accepted."""
        return self.control("outbox?kind=subscribe")["messages"]

    def push(self, plain: str, fmt: str) -> tuple[str, bytes, dict]:
        """(path with query, body, headers) of a safe-mode push of this plaintext, as WeChat sends it."""
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        envelope = ET.fromstring(self.crypto.encrypt_message(plain, nonce, timestamp))
        encrypt, msg_signature = envelope.findtext("Encrypt"), envelope.findtext("MsgSignature")
        signature = hashlib.sha1(
            "".join(sorted([self.run.wechat["token"], timestamp, nonce])).encode()
        ).hexdigest()
        query = urlencode(
            {
                "signature": signature,
                "timestamp": timestamp,
                "nonce": nonce,
                "encrypt_type": "aes",
                "msg_signature": msg_signature,
            }
        )
        to = self.run.wechat["original_id"]
        if fmt == "json":
            body = json.dumps({"ToUserName": to, "Encrypt": encrypt}).encode()
            headers = {"Content-Type": "application/json"}
        else:
            body = f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
            headers = {"Content-Type": "text/xml"}
        return f"/wechat/callback?{query}", body, headers


def popup_event(openid: str, original_id: str, template_id: str, create_time: int, fmt: str) -> str:
    """The plaintext of a subscribe_msg_popup_event (the user accepted a template), in WeChat's JSON or XML."""
    if fmt == "json":
        return json.dumps(
            {
                "ToUserName": original_id,
                "FromUserName": openid,
                "CreateTime": create_time,
                "MsgType": "event",
                "Event": "subscribe_msg_popup_event",
                "List": {"TemplateId": template_id, "SubscribeStatusString": "accept", "PopupScene": "0"},
            }
        )
    return (
        f"<xml><ToUserName><![CDATA[{original_id}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{create_time}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event>"
        f"<SubscribeMsgPopupEvent><List><TemplateId><![CDATA[{template_id}]]></TemplateId>"
        f"<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>"
        f"<PopupScene>0</PopupScene></List></SubscribeMsgPopupEvent></xml>"
    )


class Public:
    """HTTPS through nginx, the certificate made for the run trusted and nothing else."""

    def __init__(self, run: Run, certificate: str):
        self.base = run.base_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = certificate

    def request(
        self,
        method: str,
        path: str,
        status: int = 200,
        *,
        token: str | None = None,
        what: str | None = None,
        **options,
    ) -> requests.Response:
        """One request; StepFailed unless it answers `status`."""
        headers = dict(options.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.session.request(method, self.base + path, headers=headers, timeout=TIMEOUT, **options)
        return _expect(response, status, what or f"{method} {path}")

    def sign_in(self, wechat: WeChat, openid: str, language: str = "en") -> str:
        """The mini program's sign-in: wx.login's code to our API, a session token back."""
        answer = self.request(
            "POST", "/api/v1/auth/login", json={"code": wechat.login_code(openid), "language": language}
        ).json()
        return answer["token"]

    def verify(self, wechat: WeChat, token: str, openid: str, person: dict) -> list[str]:
        """The verification journey to its result, the phone second factor through WeChat; the steps seen."""
        path = "/api/v1/flows/verify"
        screen = self.request("GET", path, token=token).json()
        seen = [screen["step"]]

        def answer(step: str, action: str = "continue", **answers) -> dict:
            body = {"step": step, "action": action, "answers": answers}
            result = self.request("POST", path, token=token, json=body, what=f"journey step {step}").json()
            seen.append(result["step"])
            return result

        if screen["step"] == "language":
            screen = answer("language", locale="en")
        steps = [
            ("start", {}),
            ("consent", {"consent_sensitive": True}),
            ("name", {"passport_name": person["passport_name"]}),
            ("identifier_type", {"identifier_type": "permit_number"}),
            ("identifier", {"identifier": person["permit_number"]}),
            ("date_of_birth", {"date_of_birth": person["date_of_birth"]}),
        ]
        for step, answers in steps:
            if screen["step"] != step:
                raise StepFailed(f"the journey showed {screen['step']!r} where {step!r} was due")
            screen = answer(step, **answers)
        screen = answer("check", "confirm")
        screen = answer("second_factor", method="phone")
        if screen["step"] != "phone":
            raise StepFailed(f"the journey showed {screen['step']!r} after choosing the phone")
        screen = answer("phone", phone_code=wechat.phone_code(openid, person["phone"]))
        if screen["step"] != "result":
            raise StepFailed(f"the journey ended on {screen['step']!r}, not its result: {screen}")
        return seen
