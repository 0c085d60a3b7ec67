"""OAuth2 for the statement mailbox: trade the stored refresh token for an access token at the
provider's token endpoint (RFC 6749 section 6), and the XOAUTH2 SASL string that IMAP
(`AUTHENTICATE XOAUTH2`) and POP3 (`AUTH XOAUTH2`) send.

Pure: no database; the caller stores a rotated refresh token. No error raised here carries a
secret: the provider's answer is reduced to its status, its `error` code and a description
with every secret cut out, because the text ends up in the mailbox's last error and the log.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

TIMEOUT = 30.0
MAX_ANSWER = 64 * 1024  # a token answer is a few kilobytes
_PRINTABLE = re.compile(r"[^\x20-\x7e]+")


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str  # "" when the provider keeps the old one


class TokenError(Exception):
    """The token endpoint could not be reached, or answered with an error."""


class SignInAgain(TokenError):
    """`invalid_grant`: the refresh token was revoked, expired or issued to another client; only
    the mailbox's owner can fix it, by signing in again."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A token endpoint answers where it was asked; a redirect would send the refresh token
    somewhere the owner never typed (and urllib would turn the POST into a GET)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def scrub(text: str, secrets: list[str]) -> str:
    """`text` without any of `secrets` (nor their URL-encoded form)."""
    for secret in secrets:
        if len(secret) < 4:
            continue
        for form in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            text = text.replace(form, "…")
    return text


def xoauth2(username: str, access_token: str) -> bytes:
    """The XOAUTH2 initial client response, before base64."""
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01".encode()


def refresh(
    url: str,
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    scope: str = "",
    timeout: float = TIMEOUT,
) -> Tokens:
    """An access token for one run (HTTP POST, form `grant_type=refresh_token`)."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
    if client_secret:
        form["client_secret"] = client_secret
    if scope:
        form["scope"] = scope
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise TokenError(_("is not an https:// address"))
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url,
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )
    secrets = [refresh_token, client_secret]
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as answer:
            status, raw = answer.status, answer.read(MAX_ANSWER)
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read(MAX_ANSWER)
        error.close()
    except (OSError, ValueError, http.client.HTTPException) as error:  # URLError, timeout, TLS
        reason = getattr(error, "reason", None) or error
        raise TokenError(scrub(_("cannot be reached (%(reason)s)") % {"reason": reason}, secrets))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise TokenError(_("answered %(status)s without a JSON object") % {"status": status})
    access = data.get("access_token")
    if status == 200 and isinstance(access, str) and access:
        rotated = data.get("refresh_token")
        return Tokens(access, rotated if isinstance(rotated, str) else "")
    code = _PRINTABLE.sub(" ", str(data.get("error") or ""))[:100]
    if code == "invalid_grant":
        raise SignInAgain(code)
    description = _PRINTABLE.sub(" ", str(data.get("error_description") or ""))
    detail = scrub(f"{code} {description}".strip(), secrets)[:300]
    raise TokenError(
        _("answered %(status)s: %(detail)s")
        % {"status": status, "detail": detail or _("no access token")}
    )
