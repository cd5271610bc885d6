"""Identifiers at rest: AES-GCM encryption and a keyed hash for look-ups, from PII_KEY (and PII_KEY_PREVIOUS).

Each ciphertext names the key that wrote it: `k<10 hex>:` (the key id, a one-way fingerprint of
the key). Values written before key ids existed carry `v1:` and open with whichever configured key
authenticates them. The current key encrypts and hashes; during a rotation (docs/deploy.md, §4)
the previous key still decrypts, and look-ups try the hashes of both keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from typing import cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: The tag of ciphertexts written before key ids existed (their key is whichever one opens them).
LEGACY_TAG = "v1"
_KEY_ID = re.compile(r"k[0-9a-f]{10}")
#: Associated data of sealed bytes, so they never open as a column value or the reverse.
_SEALED = b"sealed:"
#: Standard base64 to its URL-safe alphabet (what base64.urlsafe_b64encode does after b2a_base64).
_URLSAFE = bytes.maketrans(b"+/", b"-_")


class UnknownPiiKey(ValueError):
    """A ciphertext written with a key that is not configured (retired, or never this deployment's)."""


class PiiKey:
    """One master key: its AES-GCM and look-up hash subkeys and its public key id."""

    def __init__(self, master_key_b64: str, setting: str = "PII_KEY"):
        try:
            master = base64.b64decode(master_key_b64)
        except (ValueError, TypeError):
            master = b""
        if len(master) != 32:
            raise ValueError(f"{setting} must be the base64 of 32 bytes")
        self.aead = AESGCM(_derive(master, b"ssc-bridge pii encryption"))
        self.hash_key = _derive(master, b"ssc-bridge pii lookup hash")
        self.key_id = "k" + _derive(master, b"ssc-bridge pii key id")[:5].hex()
        # The keyed HMAC set up once: each look-up hash copies it instead of keying a new one.
        self._mac = hmac.new(self.hash_key, digestmod=hashlib.sha256)

    def lookup_hash(self, normalized: str, kind: str = "") -> str:
        """The keyed HMAC-SHA256 (hex) of a normalized identifier under this key."""
        mac = self._mac.copy()
        mac.update(f"{kind}:{normalized}".encode())
        return mac.hexdigest()


class PiiCodec:
    """Encrypts and hashes with the current key; decrypts with the current or the previous one."""

    def __init__(self, master_key_b64: str, previous_key_b64: str | None = None):
        self.current = PiiKey(master_key_b64)
        self.previous = PiiKey(previous_key_b64, "PII_KEY_PREVIOUS") if previous_key_b64 else None
        if self.previous is not None and self.previous.key_id == self.current.key_id:
            raise ValueError("PII_KEY_PREVIOUS must be the key PII_KEY replaces, not PII_KEY itself")
        self.keys: tuple[PiiKey, ...] = (self.current, self.previous) if self.previous else (self.current,)
        self._by_id = {key.key_id: key for key in self.keys}

    @property
    def key_id(self) -> str:
        """The id of the key that encrypts (the prefix of every new ciphertext)."""
        return self.current.key_id

    def encrypt(self, plaintext: str) -> str:
        """A random-nonce AES-GCM ciphertext, base64, tagged with the current key's id."""
        return cast(str, self.encrypt_many([plaintext])[0])

    def encrypt_many(self, plaintexts: list[str | None]) -> list[str | None]:
        """encrypt() of each value (None stays None), with the per-call look-ups done once."""
        tag = self.current.key_id
        prefix, associated = f"{tag}:", tag.encode()
        seal, urandom, b64 = self.current.aead.encrypt, os.urandom, binascii.b2a_base64
        out: list[str | None] = []
        for plaintext in plaintexts:
            if plaintext is None:
                out.append(None)
                continue
            nonce = urandom(12)
            raw = nonce + seal(nonce, plaintext.encode("utf-8"), associated)
            out.append(prefix + b64(raw, newline=False).translate(_URLSAFE).decode("ascii"))
        return out

    def decrypt(self, token: str) -> str:
        """The plaintext of a value written by encrypt(), with whichever configured key wrote it."""
        tag, _, payload = token.partition(":")
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        if tag == LEGACY_TAG:
            for key in self.keys:
                try:
                    return key.aead.decrypt(raw[:12], raw[12:], tag.encode()).decode("utf-8")
                except InvalidTag:
                    continue
            raise UnknownPiiKey("no configured PII key opens this v1 value")
        tagged = self._by_id.get(tag)
        if tagged is None:
            raise UnknownPiiKey(
                f"PII key {tag!r} is not configured" if _KEY_ID.fullmatch(tag) else "unknown PII scheme"
            )
        return tagged.aead.decrypt(raw[:12], raw[12:], tag.encode()).decode("utf-8")

    def seal(self, data: bytes, context: bytes = b"") -> bytes:
        """AES-GCM of bytes, random nonce in front, bound to `context` (for values kept in Redis)."""
        nonce = os.urandom(12)
        return nonce + self.current.aead.encrypt(nonce, data, _SEALED + context)

    def unseal(self, sealed: bytes, context: bytes = b"") -> bytes | None:
        """The bytes `seal` was given with the same context, or None when they do not open."""
        for key in self.keys:
            try:
                return key.aead.decrypt(sealed[:12], sealed[12:], _SEALED + context)
            except (InvalidTag, ValueError):
                continue
        return None

    def lookup_hash(self, normalized: str, kind: str = "") -> str:
        """A keyed HMAC-SHA256 (hex) of a normalized identifier, to find rows without decrypting."""
        return self.current.lookup_hash(normalized, kind)

    def lookup_hashes(self, normalized: str, kind: str = "") -> tuple[str, ...]:
        """The look-up hash under every configured key, the current one first (what a search matches)."""
        if self.previous is None:
            return (self.current.lookup_hash(normalized, kind),)
        return (self.current.lookup_hash(normalized, kind), self.previous.lookup_hash(normalized, kind))


def key_tag(token: str) -> str:
    """The key id (or `v1`) a ciphertext starts with."""
    return token.partition(":")[0]


def _derive(master: bytes, info: bytes) -> bytes:
    """A 32-byte subkey for one purpose."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def mask(value: str | None, keep: int = 4) -> str:
    """Show only the last `keep` characters: '************1234'."""
    if not value:
        return ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


_codec: PiiCodec | None = None
_codec_keys: tuple[str, str | None] | None = None


def configure(master_key_b64: str, previous_key_b64: str | None = None) -> PiiCodec:
    """Install the process-wide codec (called by create_app)."""
    global _codec, _codec_keys
    keys = (master_key_b64, previous_key_b64 or None)
    if _codec is None or _codec_keys != keys:
        _codec = PiiCodec(master_key_b64, previous_key_b64)
        _codec_keys = keys
    return _codec


def codec() -> PiiCodec:
    """The configured codec."""
    if _codec is None:
        raise RuntimeError("PII codec used before create_app configured it")
    return _codec
