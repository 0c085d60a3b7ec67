"""The mail server refuses an OAuth2 access token the provider gave (another account's token,
a scope without mail access, IMAP or POP turned off for the account): the run fails with
*sign in again*, naming the account and what the server said, never the token — over IMAP
(NO or BAD after the server's error challenge) and POP3 (-ERR after the AUTH exchange), against
the loopback servers. Not a sign-in problem: a server without XOAUTH2, a passing refusal, a
wrong password. A malformed error challenge is handled. Signing in again in the browser, or
pasting a new refresh token, clears it."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from django.utils import translation

from xfinances.banking.models import BankEntry, RunStatus, SourceRun, StatementMailbox, SyncStatus
from xfinances.banking.sources import mail_oauth, mailbox
from xfinances.banking.tests import imap_server, oauth_server, pop3_server
from xfinances.banking.tests.test_mailbox_pop3_oauth2 import (
    TODAY,
    TokenEndpoint,
    mail,
    make_mailbox,
    oauth2,
    token_endpoint,
)
from xfinances.banking.tests.test_mailbox_sign_in import back_path, oauth_mailbox, start
from xfinances.treasury.tests.factories import bank_account

USER = "statements@firma.bg"
ACCESS = "ya29.access-1-Zq8"  # the first access token TokenEndpoint hands out
SENT = base64.b64encode(mail_oauth.xoauth2(USER, ACCESS)).decode()  # the XOAUTH2 response
REFUSED = f"refused the OAuth2 sign-in of {USER}: sign in with the provider again"


@pytest.fixture
def account(company: Any) -> Any:
    return bank_account(company, name="ББР", iban="BG80BNBG96611020345678")


@pytest.fixture
def local(settings: Any) -> None:
    settings.BANKING_ALLOW_LOCAL_BANK = True  # the token endpoint listens on loopback


def mail_server(protocol: str, **options: Any) -> tuple[Any, Any]:
    """The loopback server of `protocol` (its store, its context manager), a statement in it."""
    if protocol == "imap":
        imap = imap_server.FakeMailStore(**options)
        imap.deliver(mail("R1", mid="<r1@bank.bg>"))
        return imap, imap_server.serving(imap)
    pop = pop3_server.FakeMaildrop(**options)
    pop.deliver(mail("R1", mid="<r1@bank.bg>"))
    return pop, pop3_server.serving(pop)


def oauth_run(
    company: Any, protocol: str, *, refuse: bool = True, **options: Any
) -> tuple[SourceRun, StatementMailbox, Any]:
    """One run of an OAuth2 mailbox whose token endpoint works; `refuse`: the mail server does
    not accept the access tokens it hands out."""
    store, server = mail_server(protocol, **options)
    endpoint = TokenEndpoint(stores=[store], bad_access=refuse)
    with token_endpoint(endpoint), server as port:
        box = make_mailbox(company, port, protocol=protocol, **oauth2(endpoint))
        run = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    return run, box, store


@pytest.mark.parametrize(
    ("protocol", "options", "status", "said"),
    [
        ("imap", {}, "status 400", "[AUTHENTICATIONFAILED] Invalid credentials"),
        ("imap", {"refusal": "BAD Invalid SASL argument"}, "status 400", "Invalid SASL argument"),
        ("pop3", {}, "status 401", "[AUTH] Invalid credentials"),
        # A long answer is cut: the token it repeats must not survive the cut in part.
        ("imap", {"refusal": "NO " + "x" * 180}, "status 400", "x" * 180),
        ("pop3", {"refusal": "-ERR " + "x" * 180}, "status 401", "x" * 180),
    ],
)
def test_a_refused_access_token_asks_to_sign_in_again(
    company: Any,
    account: Any,
    local: None,
    api_as: Any,
    caplog: Any,
    protocol: str,
    options: dict[str, Any],
    status: str,
    said: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    # The server repeats the token and the response it refuses.
    run, box, store = oauth_run(company, protocol, echo_refusals=True, **options)
    assert run.status == RunStatus.FAILED and box.status == SyncStatus.FAILED
    assert box.needs_sign_in is True
    assert REFUSED in box.last_error and "as the account that owns this mailbox" in box.last_error
    assert f"The server said: {status}; {said}" in box.last_error, box.last_error
    assert "b'" not in box.last_error  # imaplib's wrapping of a BAD is gone
    for text in (box.last_error, json.dumps(run.errors), caplog.text):
        assert ACCESS not in text and "ya29" not in text and SENT not in text
    assert store.logins == 0 and not BankEntry.objects.exists()
    listed = api_as(company, "owner", choose=True).get("/banking/sources").json()
    assert listed["mailboxes"][0]["needs_sign_in"] is True


def test_the_refusal_is_told_in_bulgarian(company: Any, account: Any, local: None) -> None:
    with translation.override("bg"):
        _run, box, _store = oauth_run(company, "pop3")
    assert box.needs_sign_in is True
    assert f"отказа входа с OAuth2 на {USER}" in box.last_error, box.last_error
    assert "статус 401" in box.last_error and "Сървърът отговори" in box.last_error


@pytest.mark.parametrize(
    ("protocol", "said"),
    [
        ("imap", "[CANNOT] Unsupported authentication mechanism"),
        ("pop3", "the server does not offer XOAUTH2 sign-in"),
    ],
)
def test_a_server_without_xoauth2_is_not_a_sign_in_problem(
    company: Any, account: Any, local: None, protocol: str, said: str
) -> None:
    run, box, store = oauth_run(company, protocol, refuse=False, xoauth2=False)
    assert run.status == RunStatus.FAILED and box.status == SyncStatus.FAILED
    assert box.needs_sign_in is False
    assert box.last_error == f"The mail server 127.0.0.1: {said}"
    assert store.logins == 0


@pytest.mark.parametrize(
    ("protocol", "refusal"),
    [
        ("imap", "NO [UNAVAILABLE] Temporary authentication failure"),
        ("pop3", "-ERR [SYS/TEMP] Try again later"),
    ],
)
def test_a_passing_refusal_is_not_a_sign_in_problem(
    company: Any, account: Any, local: None, protocol: str, refusal: str
) -> None:
    run, box, _store = oauth_run(company, protocol, refusal=refusal)
    assert run.status == RunStatus.FAILED and box.needs_sign_in is False
    assert refusal.split(" ", 1)[1] in box.last_error and "OAuth2" not in box.last_error


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
@pytest.mark.parametrize(
    "challenge",
    [
        "not*base64!",
        b64("not JSON at all"),
        b64("[401]"),
        b64('{"status": {"code": 401}}'),
        b64('{"status": "401 <b>and more</b>"}'),
        b64("[" * 50_000),
    ],
)
def test_a_malformed_error_challenge_is_handled(
    company: Any, account: Any, local: None, protocol: str, challenge: str
) -> None:
    run, box, _store = oauth_run(company, protocol, error_challenge=challenge)
    assert run.status == RunStatus.FAILED and box.needs_sign_in is True
    assert REFUSED in box.last_error and "status " not in box.last_error, box.last_error
    if protocol == "imap" and challenge == "not*base64!":  # imaplib cannot even decode it
        assert box.last_error.endswith("The server said: nothing readable")
    else:
        assert box.last_error.endswith("Invalid credentials"), box.last_error


def test_the_error_challenges_status_is_read_defensively() -> None:
    def js(value: Any) -> bytes:
        return json.dumps(value).encode()

    google = js({"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"})
    assert mail_oauth.challenge_status(google) == "401"
    assert mail_oauth.challenge_status(base64.b64encode(js({"status": 400})), encoded=True) == "400"
    assert mail_oauth.challenge_status(b" " + base64.b64encode(google), encoded=True) == "401"
    unreadable = [
        b"", b"not json", b"\xff\xfe", b"[" * 100_000, b"9" * 5000, js([401]), js(None),
        js({"schemes": "bearer"}), js({"status": True}), js({"status": {"code": 401}}),
        js({"status": "401 <script>"}), js({"status": "4" * 21}),
    ]  # fmt: skip
    for challenge in unreadable:
        assert mail_oauth.challenge_status(challenge) == "", challenge[:40]
    assert mail_oauth.challenge_status(b"not*base64!", encoded=True) == ""
    assert mail_oauth.challenge_status(google, encoded=True) == ""  # not base64


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_a_wrong_password_stays_a_password_problem(
    company: Any, account: Any, protocol: str
) -> None:
    _store, server = mail_server(protocol)
    with server as port:
        box = make_mailbox(company, port, protocol=protocol, password="wrong")
        run = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert run.status == RunStatus.FAILED and box.needs_sign_in is False
    assert "Invalid credentials" in box.last_error and "OAuth2" not in box.last_error


def test_signing_in_again_in_the_browser_clears_it(
    company: Any, account: Any, client_as: Any, local: None
) -> None:
    store, server = mail_server("imap")
    provider = oauth_server.FakeProvider(refresh_tokens={"1//0another-account"})
    with oauth_server.serving(provider), server as port:
        client = client_as(company, "owner")
        box = oauth_mailbox(
            company, provider, port, protocol="imap", oauth_refresh_token="1//0another-account"
        )
        failed = mailbox.poll(box, today=TODAY)  # the server takes none of the provider's tokens
        box.refresh_from_db()
        assert failed.status == RunStatus.FAILED and box.needs_sign_in is True
        assert REFUSED in box.last_error
        page = client.get(f"/c/{company.eik}/banking/sources/mailbox/{box.pk}/").content.decode()
        assert (
            "Запазеният вход е отказан (от доставчика или от пощенския сървър)" in page
            and "alert-danger" in page
        )
        client.get(back_path(oauth_server.follow_once(start(client, company, box))))
        box.refresh_from_db()
        assert (box.status, box.last_error, box.needs_sign_in) == (SyncStatus.OK, "", False)
        provider.stores.append(store)  # signed in as the mailbox's account this time
        run = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert (run.status, run.imported) == (RunStatus.OK, 1), run.errors
    assert provider.token_requests[-1]["refresh_token"] == "1//0browser-2-refresh"
    assert (box.status, box.needs_sign_in) == (SyncStatus.OK, False)


def test_pasting_a_new_refresh_token_clears_it(
    company: Any, account: Any, api_as: Any, local: None
) -> None:
    store, server = mail_server("pop3")
    endpoint = TokenEndpoint(stores=[store], bad_access=True)
    api = api_as(company, "owner", choose=True)
    with token_endpoint(endpoint), server as port:
        box = make_mailbox(company, port, **oauth2(endpoint))
        mailbox.poll(box, today=TODAY)
        assert api.get("/banking/sources").json()["mailboxes"][0]["needs_sign_in"] is True
        endpoint.refresh_tokens.add("1//0the-mailboxs-own")
        endpoint.bad_access = False
        changed = api.patch(
            f"/banking/sources/mailbox/{box.pk}", {"oauth_refresh_token": "1//0the-mailboxs-own"}
        )
        assert changed.status_code == 200, changed.content
        assert changed.json()["needs_sign_in"] is False
        box.refresh_from_db()
        run = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert (run.status, run.imported) == (RunStatus.OK, 1), run.errors
    assert endpoint.requests[-1]["refresh_token"] == "1//0the-mailboxs-own"
    assert (box.status, box.last_error, box.needs_sign_in) == (SyncStatus.OK, "", False)
