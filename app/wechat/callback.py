"""Message pushes from WeChat: verify (constant time, before parsing), decrypt, parse JSON or XML."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException

#: Event names whose XML form nests the items in a container element (JSON puts them in "List").
EVENT_CONTAINERS = {
    "subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
    "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
    "subscribe_msg_sent_event": "SubscribeMsgSentEvent",
}
_XML_ENCRYPT = re.compile(rb"<Encrypt>\s*(?:<!\[CDATA\[)?\s*([A-Za-z0-9+/=]+)\s*(?:\]\]>)?\s*</Encrypt>")
_XML_TO_USER = re.compile(rb"<ToUserName>\s*(?:<!\[CDATA\[)?\s*([^<\]]*?)\s*(?:\]\]>)?\s*</ToUserName>")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


#: The metrics outcome of a refusal when the raiser names none, by status.
_DEFAULT_OUTCOMES = {400: "bad_payload", 403: "bad_signature", 413: "too_large"}


class PushRefused(Exception):
    """A push we will not process: `status` 403 (not from WeChat) or 400/413 (unreadable); `outcome` for metrics."""

    def __init__(self, status: int, reason: str, outcome: str | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.outcome = outcome or _DEFAULT_OUTCOMES.get(status, "refused")


@dataclass(frozen=True)
class Handshake:
    """A verified GET verification: the echostr to echo, its (timestamp, nonce), and a digest for the replay store."""

    echostr: str
    timestamp: str
    nonce: str
    digest: str


@dataclass(frozen=True)
class Push:
    """A verified push: the message (List always a list), its format and mode, and its keys."""

    message: dict[str, Any]
    fmt: str
    mode: str
    timestamp: str
    nonce: str
    digest: str
    dedupe_key: str


def aes_key_bytes(aes_key: str) -> bytes:
    """The 32-byte AES key behind WeChat's 43-character EncodingAESKey; a ValueError otherwise."""
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except ValueError:
        key = b""
    if len(aes_key) != 43 or len(key) != 32:
        raise ValueError("WECHAT_AES_KEY must be the 43-character EncodingAESKey from the console")
    return key


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 hex of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's scheme


def _same(expected: str, given: str | None) -> bool:
    """Constant-time comparison (bytes, so non-ASCII input cannot raise)."""
    return hmac.compare_digest(expected.encode("utf-8"), (given or "").encode("utf-8", "replace"))


class PushVerifier:
    """Checks and opens WeChat's pushes for one mini program (token, AES key, appid, original id)."""

    def __init__(
        self,
        *,
        token: str,
        aes_key: str | None,
        appid: str,
        original_id: str | None,
        # WeChat signs its pushes with Unix seconds: the skew is checked on that clock.
        max_bytes: int = 64 * 1024,
        max_skew: int = 300,
        clock: Callable[[], float] = time.time,  # noqa: TID251 - WeChat signs with Unix seconds
    ) -> None:
        self.token = token
        self.appid = appid
        self.original_id = original_id
        self.max_bytes = max_bytes
        self.max_skew = max_skew
        self.clock = clock
        self._prp = PrpCrypto(aes_key_bytes(aes_key)) if aes_key else None

    @property
    def mode(self) -> str:
        """How this mini program pushes: 'encrypted' (safe or compatible mode) with an AES key, else 'plain'."""
        return "encrypted" if self._prp is not None else "plain"

    def check_url_signature(self, args: Mapping[str, str]) -> tuple[str, str]:
        """The URL's timestamp window and signature; (timestamp, nonce) when both hold."""
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if (
            not (timestamp.isascii() and timestamp.isdigit())
            or len(timestamp) > 12
            or not nonce
            or len(nonce) > 64
        ):
            raise PushRefused(403, "bad timestamp or nonce", "bad_query")
        if not _same(sha1_signature(self.token, timestamp, nonce), args.get("signature")):
            raise PushRefused(403, "bad signature", "bad_signature")
        if abs(self.clock() - int(timestamp)) > self.max_skew:
            raise PushRefused(403, "timestamp outside the window", "stale_timestamp")
        return timestamp, nonce

    def handshake(self, args: Mapping[str, str]) -> Handshake:
        """A correctly signed GET verification: the echostr to answer with, and its (timestamp, nonce)."""
        timestamp, nonce = self.check_url_signature(args)
        echostr = args.get("echostr")
        if not echostr or len(echostr) > 256:
            raise PushRefused(400, "no echostr", "bad_query")
        return Handshake(
            echostr=echostr,
            timestamp=timestamp,
            nonce=nonce,
            digest="handshake:" + hashlib.sha256(echostr.encode("utf-8")).hexdigest()[:32],
        )

    def check_mode(self, args: Mapping[str, str]) -> bool:
        """Whether the push claims to be encrypted; refused when that is not how this mini program pushes.

        With an AES key, WeChat pushes in safe or compatible mode (`encrypt_type=aes`): a plaintext
        POST is not WeChat's, whatever its URL signature (that signature covers no body). Without a
        key only plaintext is configured, so an encrypted push is refused too.
        """
        encrypt_type = args.get("encrypt_type") or "raw"
        if encrypt_type not in ("raw", "aes"):
            raise PushRefused(403, "unknown encrypt_type", "wrong_mode")
        claimed = "encrypted" if encrypt_type == "aes" else "plain"
        if claimed != self.mode:
            raise PushRefused(403, f"{claimed} push but this mini program pushes {self.mode}", "wrong_mode")
        return encrypt_type == "aes"

    def verify(self, args: Mapping[str, str], raw: bytes) -> Push:
        """Verify, decrypt and parse one POSTed push; raises PushRefused."""
        if len(raw) > self.max_bytes:
            raise PushRefused(413, "body too large")
        timestamp, nonce = self.check_url_signature(args)
        encrypted = self.check_mode(args)  # after the signature: `wrong_mode` counts signed URLs only
        fmt = _detect_format(raw)
        if encrypted:
            plain, mode = self._open_encrypted(args, raw, fmt, timestamp, nonce)
            message = _parse(plain, fmt)
        else:
            mode, message = "plain", _parse(raw, fmt)
        if self.original_id and message.get("ToUserName") != self.original_id:
            raise PushRefused(403, "ToUserName is not this mini program", "wrong_recipient")
        message = normalize(message)
        return Push(
            message=message,
            fmt=fmt,
            mode=mode,
            timestamp=timestamp,
            nonce=nonce,
            digest=hashlib.sha256(raw).hexdigest()[:32],
            dedupe_key=dedupe_key(message),
        )

    def _open_encrypted(
        self, args: Mapping[str, str], raw: bytes, fmt: str, timestamp: str, nonce: str
    ) -> tuple[bytes, str]:
        """Check msg_signature over the ciphertext, decrypt it and check the appid inside."""
        envelope_to, encrypt, compatible = _envelope(raw, fmt)
        if self.original_id and envelope_to is not None and envelope_to != self.original_id:
            raise PushRefused(403, "ToUserName is not this mini program", "wrong_recipient")
        if not _same(sha1_signature(self.token, timestamp, nonce, encrypt), args.get("msg_signature")):
            raise PushRefused(403, "bad msg_signature", "bad_signature")
        if self._prp is None:
            raise PushRefused(403, "encrypted push but this mini program pushes plain", "wrong_mode")
        try:
            plain: str = self._prp.decrypt(encrypt, self.appid)
        except InvalidAppIdException:
            raise PushRefused(403, "appid inside the ciphertext is not ours", "wrong_appid") from None
        except Exception:  # noqa: BLE001 - malformed ciphertext fails in many ways (padding, length, utf-8)
            raise PushRefused(400, "ciphertext could not be decrypted", "decrypt_failed") from None
        return plain.encode("utf-8"), ("compatible" if compatible else "safe")


def _detect_format(raw: bytes) -> str:
    """'json' or 'xml' from the first significant byte."""
    head = raw.lstrip()[:1]
    if head == b"{":
        return "json"
    if head == b"<":
        return "xml"
    raise PushRefused(400, "body is neither JSON nor XML")


def _envelope(raw: bytes, fmt: str) -> tuple[str | None, str, bool]:
    """(ToUserName, Encrypt, has plaintext fields) of an encrypted envelope, read without full parsing."""
    if fmt == "json":
        try:
            body = json.loads(raw)
        except ValueError:
            raise PushRefused(400, "envelope is not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("Encrypt"), str):
            raise PushRefused(400, "envelope without Encrypt")
        return body.get("ToUserName"), body["Encrypt"], len(set(body) - {"ToUserName", "Encrypt"}) > 0
    if _DTD.search(raw):
        raise PushRefused(400, "XML with a DTD or entities")
    found = _XML_ENCRYPT.search(raw)
    if not found:
        raise PushRefused(400, "envelope without Encrypt")
    to_user = _XML_TO_USER.search(raw)
    compatible = b"<MsgType>" in raw or b"<FromUserName>" in raw
    return (
        to_user.group(1).decode("utf-8", "replace") if to_user else None,
        found.group(1).decode("ascii"),
        compatible,
    )


def _parse(raw: bytes, fmt: str) -> dict[str, Any]:
    """A message dict from JSON or XML (entities and DTDs refused)."""
    try:
        if fmt == "json":
            message = json.loads(raw)
        else:
            if _DTD.search(raw):
                raise PushRefused(400, "XML with a DTD or entities")
            message = parse_xml(raw)
    except PushRefused:
        raise
    except Exception:  # noqa: BLE001 - expat and json raise several types for junk
        raise PushRefused(400, "body could not be parsed") from None
    if (
        not isinstance(message, dict)
        or not isinstance(message.get("FromUserName"), str)
        or not isinstance(message.get("MsgType"), str)
    ):
        raise PushRefused(400, "not a WeChat message")
    return message


class _DtdRefused(ValueError):
    """The XML declared a DTD or an entity."""


def _refuse_dtd(*_args: object) -> None:
    raise _DtdRefused("XML with a DTD or entities")


def parse_xml(raw: bytes) -> dict[str, Any] | None:
    """A push's <xml> as a dict (repeated <List> items as a list); any DTD or entity declaration raises.

    Straight on expat with three small handlers: about three times faster than xmltodict. Expat
    reports DOCTYPE and ENTITY declarations whatever the encoding, so they are refused here as well
    as by the byte check before parsing; an undeclared entity reference is a parse error.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.buffer_text = True
    nodes: list[dict[str, Any]] = [{}]
    texts: list[list[str]] = [[]]

    def start(_name: str, _attributes: dict[str, str]) -> None:
        nodes.append({})
        texts.append([])

    def end(name: str) -> None:
        node, text = nodes.pop(), "".join(texts.pop()).strip()
        _add(nodes[-1], name, node if node else text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda data: texts[-1].append(data)
    parser.Parse(raw, True)
    root = nodes[0].get("xml")
    return root if isinstance(root, dict) else None


def _add(parent: dict[str, Any], name: str, value: object) -> None:
    """Add a child: <List> items always in a list, other repeated names turned into lists."""
    if name == "List":
        parent.setdefault("List", []).append(value)
    elif name in parent:
        existing = parent[name]
        parent[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
    else:
        parent[name] = value


def normalize(message: dict[str, Any]) -> dict[str, Any]:
    """One shape for both formats: CreateTime an int, subscribe-event items always a list in 'List'."""
    message = dict(message)
    try:
        message["CreateTime"] = int(message.get("CreateTime") or 0)
    except (TypeError, ValueError):
        raise PushRefused(400, "CreateTime is not a number") from None
    container = EVENT_CONTAINERS.get(message.get("Event") or "")
    items = message.get("List")
    if container and isinstance(message.get(container), (dict, list)):
        nested = message.pop(container)
        items = nested.get("List", []) if isinstance(nested, dict) else nested
    if items is not None or container:
        if isinstance(items, dict):
            items = [items]
        message["List"] = [item for item in (items or []) if isinstance(item, dict)]
    return message


def dedupe_key(message: dict[str, Any]) -> str:
    """What makes one delivery distinct: its MsgId, else sender + time + event + what its items carry.

    WeChat's advice for events (FromUserName + CreateTime) is the minimum: subscribe events list
    items, and two deliveries in the same second differ only there. A sent event's items carry
    the MsgID of each subscribe message; popup and change events their template and choice.
    """
    msg_id = message.get("MsgId")
    if msg_id:
        return f"msg:{msg_id}"
    key = f"evt:{message['FromUserName']}:{message['CreateTime']}:{message.get('Event') or ''}"
    items = message.get("List")
    if not items:
        return key
    parts = ",".join(sorted({_item_identity(item) for item in items}))
    if len(parts) > 96:
        parts = hashlib.sha256(parts.encode("utf-8")).hexdigest()[:32]
    return f"{key}:{parts}"


def _item_identity(item: dict[str, Any]) -> str:
    """One subscribe-event item's own identity: its MsgID when it carries one, else template and status."""
    msg_id = item.get("MsgID") or item.get("MsgId")
    if msg_id:
        return f"m{msg_id}"
    return (
        f"t{item.get('TemplateId') or ''}={item.get('SubscribeStatusString') or item.get('ErrorCode') or ''}"
    )
