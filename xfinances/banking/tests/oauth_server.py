"""A tiny OAuth2 provider on loopback for the mailbox sign-in tests: the authorization endpoint
(RFC 6749 section 4.1.1, with PKCE from RFC 7636; the "user" approves or declines at once and
the browser is sent back with a code or an error) and the token endpoint (the code's exchange,
section 4.1.3, checking the client, the redirect URI and the S256 verifier; and the refresh of
section 6). Enough protocol to be honest, no more: one client, codes used once, every request
kept for the tests to look at.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    used: bool = False


@dataclass
class FakeProvider:
    client_id: str = "client-123.apps.example"
    client_secret: str = "GOCSPX-client-secret-2026"
    approve: bool = True  # the user at the provider approves (else `access_denied`)
    give_refresh_token: bool = True
    token_error: tuple[int, str] | None = None  # the token endpoint's refusal, e.g. (500, "…")
    stores: list[Any] = field(default_factory=list)  # mail servers that take the access tokens
    grants: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    authorizations: list[dict[str, str]] = field(default_factory=list)  # the queries received
    token_requests: list[dict[str, str]] = field(default_factory=list)  # the forms received
    issued: int = 0
    url: str = ""

    @property
    def authorize_url(self) -> str:
        return self.url + "/authorize"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """The answer to the browser: (302, where it goes back) or (400, why)."""
        self.authorizations.append(query)
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri.startswith("http"):
            return 400, "unknown client or redirect URI"  # never redirected (section 4.1.2.1)
        back: dict[str, str] = {"state": query.get("state", "")}
        if query.get("response_type") != "code":
            back["error"] = "unsupported_response_type"
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            back.update(error="invalid_request", error_description="PKCE S256 is required")
        elif not self.approve:
            back.update(error="access_denied", error_description="The user declined.")
        else:
            code = "4/0code-" + secrets.token_urlsafe(12)
            self.grants[code] = Grant(
                self.client_id, redirect_uri, query["code_challenge"], query.get("scope", "")
            )
            back["code"] = code
        return 302, redirect_uri + "?" + urllib.parse.urlencode(back)

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if self.token_error is not None:
            status, error = self.token_error
            return status, {"error": error, "error_description": f"code {form.get('code')}"}
        if (form.get("client_id"), form.get("client_secret", "")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client"}
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = self.grants.get(form.get("code", ""))
            if grant is None or grant.used:
                return 400, {"error": "invalid_grant", "error_description": "unknown code"}
            grant.used = True
            if form.get("redirect_uri") != grant.redirect_uri:
                return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification"}
            return 200, self._tokens(new_refresh=self.give_refresh_token)
        if grant_type == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return 400, {"error": "invalid_grant"}
            return 200, self._tokens(new_refresh=False)
        return 400, {"error": "unsupported_grant_type"}

    def _tokens(self, *, new_refresh: bool) -> dict[str, Any]:
        self.issued += 1
        access = f"ya29.signed-in-{self.issued}"
        for store in self.stores:
            store.tokens.add(access)
        body: dict[str, Any] = {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}
        if new_refresh:
            refresh = f"1//0browser-{self.issued}-refresh"
            self.refresh_tokens.add(refresh)
            body["refresh_token"] = refresh
        return body


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A loopback test endpoint's handler: answers in one call, logs nothing."""

    def _answer(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        size = int(self.headers.get("Content-Length") or 0)
        return dict(urllib.parse.parse_qsl(self.rfile.read(size).decode()))

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def loopback_http(handler: type[http.server.BaseHTTPRequestHandler], name: str) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 at a free port; yields the base URL while it runs."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def serving(provider: FakeProvider) -> Iterator[FakeProvider]:
    """Serve `provider` on 127.0.0.1 at a free port (its `url` set while it runs)."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            if parts.path != "/authorize":
                self._answer(404, b"", "text/plain")
                return
            status, said = provider.authorize(dict(urllib.parse.parse_qsl(parts.query)))
            if status == 302:
                self.send_response(302)
                self.send_header("Location", said)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._answer(status, said.encode(), "text/plain")

        def do_POST(self) -> None:
            form = self._form()
            if urllib.parse.urlsplit(self.path).path != "/token":
                self._answer(404, b"{}", "application/json")
                return
            status, body = provider.token(form)
            self._answer(status, json.dumps(body).encode(), "application/json")

    with loopback_http(Handler, "test-oauth") as url:
        provider.url = url
        yield provider


def follow_once(url: str) -> str:
    """What a browser does at the authorization endpoint: GET it and read where it is sent
    back (the redirect itself is not followed: it goes to the server under test)."""

    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(Stop)
    try:
        with opener.open(url, timeout=10) as answer:
            raise AssertionError(f"the provider answered {answer.status}, not a redirect")
    except urllib.error.HTTPError as error:
        error.close()
        if error.code != 302:
            raise AssertionError(f"the provider answered {error.code}") from None
        return str(error.headers["Location"])
