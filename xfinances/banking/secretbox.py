"""Passwords a source must send again (a statement mailbox's), kept encrypted at rest.

The project has no encryption library (webhook secrets are stored as they are; API tokens only
as hashes, which cannot be sent back to a mail server). So this uses the standard library:
keys derived from SECRET_KEY with keyed BLAKE2b, a SHAKE-256 keystream per random nonce, and an
HMAC-SHA256 tag over version, nonce and ciphertext (encrypt-then-MAC). A database dump alone
does not reveal the password; a changed SECRET_KEY makes it unreadable (the owner enters it
again). See docs/decisions/0014-statement-sources.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

VERSION = b"v1"
NONCE = 16
TAG = 32


class SecretUnreadable(Exception):
    """The stored value was not made with this SECRET_KEY, or was altered."""


def _keys() -> tuple[bytes, bytes]:
    material = hashlib.blake2b(
        settings.SECRET_KEY.encode(), digest_size=64, person=b"xf-bank-secret"
    ).digest()
    return material[:32], material[32:]


def _stream(key: bytes, nonce: bytes, size: int) -> bytes:
    return hashlib.shake_256(key + nonce).digest(size)


def seal(plain: str) -> str:
    """The stored form of `plain` ("" stays "": no password)."""
    if not plain:
        return ""
    enc_key, mac_key = _keys()
    data = plain.encode()
    nonce = secrets.token_bytes(NONCE)
    cipher = bytes(a ^ b for a, b in zip(data, _stream(enc_key, nonce, len(data)), strict=True))
    tag = hmac.new(mac_key, VERSION + nonce + cipher, hashlib.sha256).digest()
    return VERSION.decode() + ":" + base64.urlsafe_b64encode(nonce + cipher + tag).decode()


def open_sealed(stored: str) -> str:
    """The clear text of a `seal`ed value; SecretUnreadable when it cannot be trusted."""
    if not stored:
        return ""
    version, _, body = stored.partition(":")
    try:
        blob = base64.urlsafe_b64decode(body.encode())
    except ValueError:
        raise SecretUnreadable("not a sealed value") from None
    if version.encode() != VERSION or len(blob) < NONCE + TAG:
        raise SecretUnreadable("not a sealed value")
    nonce, cipher, tag = blob[:NONCE], blob[NONCE:-TAG], blob[-TAG:]
    enc_key, mac_key = _keys()
    expected = hmac.new(mac_key, VERSION + nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise SecretUnreadable("sealed with another key or altered")
    stream = _stream(enc_key, nonce, len(cipher))
    return bytes(a ^ b for a, b in zip(cipher, stream, strict=True)).decode()
