"""Identifiers at rest: AES-GCM encryption and a keyed hash for look-ups, both from PII_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
#: Associated data of sealed bytes, so they never open as a column value or the reverse.
_SEALED = b"sealed:"


class PiiCodec:
    """Encrypts, decrypts and hashes identifiers with keys derived from one master key."""

    def __init__(self, master_key_b64: str):
        master = base64.b64decode(master_key_b64)
        if len(master) != 32:
            raise ValueError("PII_KEY must be the base64 of 32 bytes")
        self._aead = AESGCM(_derive(master, b"ssc-bridge pii encryption"))
        self._hash_key = _derive(master, b"ssc-bridge pii lookup hash")

    def encrypt(self, plaintext: str) -> str:
        """A random-nonce AES-GCM ciphertext, base64, tagged with the scheme version."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _VERSION.encode())
        return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plaintext of a value written by encrypt()."""
        version, _, payload = token.partition(":")
        if version != _VERSION:
            raise ValueError("unknown PII scheme")
        raw = base64.urlsafe_b64decode(payload.encode("ascii"))
        return self._aead.decrypt(raw[:12], raw[12:], _VERSION.encode()).decode("utf-8")

    def seal(self, data: bytes, context: bytes = b"") -> bytes:
        """AES-GCM of bytes, random nonce in front, bound to `context` (for values kept in Redis)."""
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data, _SEALED + context)

    def unseal(self, sealed: bytes, context: bytes = b"") -> bytes | None:
        """The bytes `seal` was given with the same context, or None when they do not open."""
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], _SEALED + context)
        except (InvalidTag, ValueError):
            return None

    def lookup_hash(self, normalized: str, kind: str = "") -> str:
        """A keyed HMAC-SHA256 (hex) of a normalized identifier, to find rows without decrypting."""
        message = f"{kind}:{normalized}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()


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


def configure(master_key_b64: str) -> PiiCodec:
    """Install the process-wide codec (called by create_app)."""
    global _codec
    if _codec is None or getattr(_codec, "_source", None) != master_key_b64:
        _codec = PiiCodec(master_key_b64)
        _codec._source = master_key_b64  # type: ignore[attr-defined]
    return _codec


def codec() -> PiiCodec:
    """The configured codec."""
    if _codec is None:
        raise RuntimeError("PII codec used before create_app configured it")
    return _codec
