"""OAuth2 for the statement mailbox: trade the stored refresh token for an access token at the
provider's token endpoint (RFC 6749 section 6), and the XOAUTH2 SASL string that IMAP
(`AUTHENTICATE XOAUTH2`) and POP3 (`AUTH XOAUTH2`) send. The browser sign-in that gets the
refresh token in the first place: the authorization request with a PKCE S256 challenge
(RFC 6749 section 4.1, RFC 7636) and the code's exchange at the same token endpoint.

Pure: no database; the caller stores a rotated refresh token. No error raised here carries a
secret: the provider's answer is reduced to its status, its `error` code and a description
with every secret cut out, because the text ends up in the mailbox's last error and the log.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from secrets import token_urlsafe
from typing import Any

from django.utils.translation import gettext as _

TIMEOUT = 30.0
MAX_ANSWER = 64 * 1024  # a token answer is a few kilobytes
_PRINTABLE = re.compile(r"[^\x20-\x7e]+")
_STATUS = re.compile(r"[0-9A-Za-z._-]{1,20}")  # a status worth showing: "401", "invalid_token"


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


def xoauth2_secrets(username: str, access_token: str) -> tuple[str, ...]:
    """What must not appear in an error text after an XOAUTH2 sign-in: the token, and the
    base64 response that carries it (a careless server may repeat either)."""
    return (access_token, base64.b64encode(xoauth2(username, access_token)).decode())


def challenge_status(challenge: bytes, *, encoded: bool = False) -> str:
    """The `status` of a server's XOAUTH2 error challenge — the JSON Google and Microsoft
    document, `{"status":"401","schemes":"bearer","scope":"…"}` — or "" when the challenge
    has none or cannot be read (not base64, not JSON, not an object, an odd status): the
    server's text, never trusted. `encoded`: still base64, as POP3 sends it."""
    try:
        if encoded:
            challenge = base64.b64decode(challenge.strip(), validate=True)
        data = json.loads(challenge.decode("utf-8"))
    except (ValueError, RecursionError):  # binascii.Error, UnicodeDecodeError, JSONDecodeError
        return ""
    status = data.get("status") if isinstance(data, dict) else None
    if isinstance(status, bool) or not isinstance(status, str | int):
        return ""
    text = str(status).strip()
    return text if _STATUS.fullmatch(text) else ""


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
    return _token_request(url, form, [refresh_token, client_secret], timeout)


def exchange_code(
    url: str,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    timeout: float = TIMEOUT,
) -> Tokens:
    """The tokens for an authorization code the provider sent back (RFC 6749 section 4.1.3),
    proved by the PKCE verifier whose challenge went with the request (RFC 7636 section 4.5)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "code_verifier": code_verifier,
    }
    if client_secret:
        form["client_secret"] = client_secret
    return _token_request(url, form, [code, code_verifier, client_secret], timeout)


def new_state() -> str:
    """The `state` of one authorization request: 256 random bits, URL-safe."""
    return token_urlsafe(32)


def new_verifier() -> str:
    """A PKCE code verifier: 43 characters of the unreserved set (RFC 7636 section 4.1)."""
    return token_urlsafe(32)


def challenge_of(verifier: str) -> str:
    """The S256 code challenge: BASE64URL(SHA256(verifier)) without padding (section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def default_scope(authorize_url: str, protocol: str) -> str:
    """The scope to ask for when the mailbox names none: full mail access at Google, IMAP or
    POP access and a refresh token at Microsoft; "" for another provider (the owner gives it)."""
    host = (urllib.parse.urlsplit(authorize_url).hostname or "").lower()
    if host == "accounts.google.com":
        return "https://mail.google.com/"
    if host == "login.microsoftonline.com":
        kind = "POP" if protocol == "pop3" else "IMAP"
        return f"https://outlook.office.com/{kind}.AccessAsUser.All offline_access"
    return ""


def authorization_url(
    authorize_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    code_challenge: str,
    login_hint: str = "",
) -> str:
    """Where the owner's browser goes to sign in: the endpoint with the request in its query
    (RFC 6749 section 4.1.1), the endpoint's own query kept. Google hands out a refresh token
    only with `access_type=offline`, and again only with `prompt=consent`; other providers
    ignore parameters they do not know (section 3.1), so only Google gets the prompt. No scope:
    none is sent, and the provider grants its default (section 3.3)."""
    parts = urllib.parse.urlsplit(authorize_url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query += [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        *([("scope", scope)] if scope else []),
        ("state", state),
        ("code_challenge", code_challenge),
        ("code_challenge_method", "S256"),
        ("access_type", "offline"),
    ]
    if (parts.hostname or "").lower() == "accounts.google.com":
        query.append(("prompt", "consent"))
    if login_hint:
        query.append(("login_hint", login_hint))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def provider_refusal(error: str, description: str) -> str:
    """The provider's `error` and `error_description` from the redirect back, printable and
    short (they come from the browser's address line: anyone could have typed them)."""
    code = _PRINTABLE.sub(" ", error)[:100].strip()
    text = _PRINTABLE.sub(" ", description)[:300].strip()
    return f"{code}: {text}" if text else code


def _token_request(url: str, form: dict[str, str], secrets: list[str], timeout: float) -> Tokens:
    """POST `form` to the token endpoint: no redirect followed, the answer read up to
    MAX_ANSWER, and no secret of `secrets` in an error."""
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
