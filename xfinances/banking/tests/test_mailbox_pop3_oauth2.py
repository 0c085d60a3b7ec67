"""The statement mailbox over POP3 (against a loopback POP3 server) and with an OAuth2 sign-in
(XOAUTH2 on IMAP and POP3, against a loopback token endpoint): imported once, looked up by
UIDL, deleted only when asked, over TLS; the refresh token exchanged, a rotated one stored
sealed, a revoked one a clear failure; no secret in the log, the page or the API."""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import io
import json
import logging
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from xfinances.banking import secretbox
from xfinances.banking.actions import sources as source_actions
from xfinances.banking.models import (
    BankEntry,
    RunStatus,
    StatementImport,
    StatementMailbox,
    SyncStatus,
)
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.sources import common, mail_oauth, mailbox
from xfinances.banking.tests import imap_server, oauth_server, pop3_server
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.core.text_limits import limit_of
from xfinances.treasury.tests.factories import bank_account

IBAN = "BG80BNBG96611020345678"
D1 = dt.date(2026, 11, 2)
TODAY = dt.date(2026, 11, 5)
SYSTEM = common.SYSTEM
REFRESH = "1//0refresh-Alfa-2026-secret"
CLIENT_SECRET = "GOCSPX-client-secret-2026"


@pytest.fixture
def account(company: Any) -> Any:
    return bank_account(company, name="ББР", iban=IBAN)


def camt_bytes(bank_id: str, amount: str = "10.00") -> bytes:
    out = io.BytesIO()
    camt053(
        out, iban=IBAN, rows=[Row(D1, Decimal(amount), "Клиент ООД", "", "плащане", bank_id=bank_id)],
        opening=Decimal("100.00"), date_from=D1, date_to=D1, statement_id=bank_id,
    )  # fmt: skip
    return out.getvalue()


def mail(
    bank_id: str,
    *,
    mid: str,
    sender: str = "statements@bank.bg",
    sent: dt.date | None = TODAY,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "statements@firma.bg"
    message["Subject"] = "Извлечение"
    message["Message-ID"] = mid
    if sent is not None:
        moment = dt.datetime(sent.year, sent.month, sent.day, 7, 30, tzinfo=dt.UTC)
        message["Date"] = email.utils.format_datetime(moment)
    message.set_content("Извлечението е приложено.\n.a line that starts with a dot")
    message.add_attachment(
        camt_bytes(bank_id), maintype="application", subtype="octet-stream", filename="st.xml"
    )
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def make_mailbox(company: Any, port: int, **extra: Any) -> StatementMailbox:
    data = {
        "name": "Банка поща", "host": "127.0.0.1", "port": port, "security": "none",
        "protocol": "pop3", "username": "statements@firma.bg", "password": "Parola-2026",
        "allowed_senders": "@bank.bg",
    }  # fmt: skip
    data.update(extra)
    return source_actions.save_source(SYSTEM, company, "mailbox", data)


# --------------------------------------------------------------------------- token endpoint


@dataclass
class TokenEndpoint:
    """The provider's token endpoint (RFC 6749 section 6): a refresh token it knows buys an
    access token (accepted by the mail stores given); `rotate` issues a new refresh token each
    time and forgets the old one, as Microsoft does."""

    client_id: str = "client-123.apps.example"
    client_secret: str = CLIENT_SECRET
    refresh_tokens: set[str] = field(default_factory=lambda: {REFRESH})
    rotate: bool = False
    stores: list[Any] = field(default_factory=list)
    bad_access: bool = False  # hand out an access token the mail server refuses
    requests: list[dict[str, str]] = field(default_factory=list)
    issued: int = 0
    url: str = ""

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests.append(form)
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        if (form.get("client_id"), form.get("client_secret", "")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client"}
        token = form.get("refresh_token", "")
        if token not in self.refresh_tokens:
            # Careless providers repeat the token they refuse.
            return 400, {
                "error": "invalid_grant",
                "error_description": f"Token {token} has been expired or revoked.",
            }
        self.issued += 1
        access = f"ya29.access-{self.issued}-Zq8"
        if not self.bad_access:
            for store in self.stores:
                store.tokens.add(access)
        body: dict[str, Any] = {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}
        if self.rotate:
            self.refresh_tokens.discard(token)
            rotated = f"1//0rotated-{self.issued}-refresh"
            self.refresh_tokens.add(rotated)
            body["refresh_token"] = rotated
        return 200, body


@contextlib.contextmanager
def token_endpoint(endpoint: TokenEndpoint) -> Iterator[TokenEndpoint]:
    class Handler(oauth_server.QuietHandler):
        def do_POST(self) -> None:
            status, body = endpoint.answer(self._form())
            self._answer(status, json.dumps(body).encode(), "application/json")

    with oauth_server.loopback_http(Handler, "test-token") as url:
        endpoint.url = f"{url}/token"
        yield endpoint


@pytest.fixture
def local(settings: Any) -> None:
    settings.BANKING_ALLOW_LOCAL_BANK = True  # the token endpoint listens on loopback


def oauth2(endpoint: TokenEndpoint, **extra: Any) -> dict[str, Any]:
    return {
        "auth": "oauth2", "password": "", "oauth_token_url": endpoint.url,
        "oauth_client_id": endpoint.client_id, "oauth_client_secret": CLIENT_SECRET,
        "oauth_refresh_token": REFRESH, **extra,
    }  # fmt: skip


# --------------------------------------------------------------------------- POP3


def test_pop3_imports_once_and_leaves_the_messages(company: Any, account: Any) -> None:
    store = pop3_server.FakeMaildrop()
    store.deliver(mail("P1", mid="<p1@bank.bg>"))
    stranger = store.deliver(mail("EVIL", mid="<s@evil>", sender="spam@evil.example"))
    with pop3_server.serving(store) as port:
        box = make_mailbox(company, port)
        assert box.folder == "INBOX" and "Parola" not in box.password
        run = mailbox.poll(box, today=TODAY)
        assert (run.status, run.imported, run.new_entries) == (RunStatus.OK, 1, 1)
        assert store.commands.count("RETR") == 1  # the stranger's message was not read
        store.commands.clear()
        again = mailbox.poll(box, today=TODAY)
    # POP3 keeps no read mark: the marker row alone stops the second import.
    assert (again.status, again.imported, again.skipped, again.items) == (RunStatus.OK, 0, 0, 0)
    assert "RETR" not in store.commands and "DELE" not in store.commands
    assert len(store.messages) == 2 and stranger in store.messages  # nothing deleted
    assert BankEntry.objects.filter(account=account).count() == 1
    assert StatementImport.objects.filter(company=company).count() == 1
    box.refresh_from_db()
    assert box.status == SyncStatus.OK and box.last_error == ""


def test_pop3_session_names_messages_by_uidl_and_looks_back_by_date(
    company: Any, account: Any
) -> None:
    store = pop3_server.FakeMaildrop()
    old = store.deliver(mail("OLD", mid="<old@bank.bg>", sent=TODAY - dt.timedelta(days=30)))
    first = store.deliver(mail("N1", mid="<n1@bank.bg>"))
    undated = store.deliver(mail("N2", mid="<n2@bank.bg>", sent=None))
    with pop3_server.serving(store) as port:
        box = make_mailbox(company, port)
        session = mailbox.Pop3Session(box, mailbox.Login(box.username, password="Parola-2026"))
        try:
            since = TODAY - dt.timedelta(days=mailbox.LOOKBACK_DAYS)
            headers = list(session.recent(since))
            # The uid is the server's UIDL, not the message number; the old one is left out,
            # the one without a Date is looked at (a statement must not vanish).
            assert [h.uid for h in headers] == [first.uid, undated.uid]
            assert [h.message_id for h in headers] == ["<n1@bank.bg>", "<n2@bank.bg>"]
            fetched = session.fetch(undated.uid)
            assert fetched["Message-ID"] == "<n2@bank.bg>"
            # Dot-stuffing undone: the body line that starts with a dot is whole.
            body = fetched.get_body()
            assert body is not None and ".a line that starts with a dot" in body.get_content()
        finally:
            session.close()
        run = mailbox.poll(box, today=TODAY)
    assert run.imported == 2
    assert not BankEntry.objects.filter(bank_id="OLD").exists() and old in store.messages


def test_pop3_without_top_reads_the_whole_message(company: Any, account: Any) -> None:
    store = pop3_server.FakeMaildrop(top=False)
    store.deliver(mail("T1", mid="<t1@bank.bg>"))
    with pop3_server.serving(store) as port:
        run = mailbox.poll(make_mailbox(company, port), today=TODAY)
    assert (run.status, run.imported) == (RunStatus.OK, 1)
    assert "TOP" in store.commands and store.commands.count("RETR") == 2


def test_pop3_deletes_only_when_asked_and_finishes_a_lost_delete(
    company: Any, account: Any, monkeypatch: Any
) -> None:
    store = pop3_server.FakeMaildrop()
    bank = store.deliver(mail("D1", mid="<d1@bank.bg>"))
    stranger = store.deliver(mail("EVIL", mid="<s@evil>", sender="spam@evil.example"))
    real_close = mailbox.Pop3Session.close

    def drop_the_line(self: Any) -> None:  # the connection breaks before QUIT
        self.pop.close()

    with pop3_server.serving(store) as port:
        box = make_mailbox(company, port, delete_after_import=True)
        assert box.delete_after_import
        monkeypatch.setattr(mailbox.Pop3Session, "close", drop_the_line)
        run = mailbox.poll(box, today=TODAY)
        assert run.imported == 1 and "DELE" in store.commands
        assert bank in store.messages  # no QUIT: the server deleted nothing
        monkeypatch.setattr(mailbox.Pop3Session, "close", real_close)
        again = mailbox.poll(box, today=TODAY)
    assert again.imported == 0 and again.items == 0
    assert store.messages == [stranger]  # the handled message is gone, the stranger's kept
    assert BankEntry.objects.filter(account=account).count() == 1


def test_pop3_wrong_password_is_a_failed_run(company: Any, account: Any) -> None:
    with pop3_server.serving(pop3_server.FakeMaildrop()) as port:
        box = make_mailbox(company, port, password="wrong")
        run = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert run.status == RunStatus.FAILED and box.status == SyncStatus.FAILED
    assert "Invalid credentials" in box.last_error and "b'" not in box.last_error


# --------------------------------------------------------------------------- TLS


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, ssl.SSLContext]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    key, cert = tmp_path / "mail.key", tmp_path / "mail.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return str(cert), context


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_pop3_over_tls(
    company: Any, account: Any, certificate: Any, monkeypatch: Any, security: str
) -> None:
    cert, context = certificate
    store = pop3_server.FakeMaildrop(tls=context, tls_from_start=security == "ssl")
    store.deliver(mail("S1", mid="<s1@bank.bg>"))
    with pop3_server.serving(store) as port:
        box = make_mailbox(company, port, security=security)
        # The server's certificate is not trusted yet: refused, nothing read.
        refused = mailbox.poll(box, today=TODAY)
        assert refused.status == RunStatus.FAILED and "CERTIFICATE_VERIFY_FAILED" in str(
            refused.errors
        )
        assert store.logins == 0
        box.refresh_from_db()
        monkeypatch.setenv("SSL_CERT_FILE", cert)  # read by ssl.create_default_context()
        run = mailbox.poll(box, today=TODAY)
    assert (run.status, run.imported) == (RunStatus.OK, 1)
    assert store.tls_sessions >= 1 and store.logins == 1
    if security == "starttls":
        assert store.commands[:2] == ["CAPA", "STLS"]  # nothing sent in the clear before


# --------------------------------------------------------------------------- OAuth2


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_xoauth2_sign_in(
    company: Any, account: Any, local: None, protocol: str, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    imap = imap_server.FakeMailStore()
    pop = pop3_server.FakeMaildrop()
    raw = mail("O1", mid="<o1@bank.bg>")
    imap.deliver(raw)
    pop.deliver(raw)
    server = imap_server.serving(imap) if protocol == "imap" else pop3_server.serving(pop)
    with token_endpoint(TokenEndpoint(stores=[imap, pop])) as endpoint, server as port:
        box = make_mailbox(company, port, protocol=protocol, **oauth2(endpoint))
        assert box.password == "" and REFRESH not in box.oauth_refresh_token
        run = mailbox.poll(box, today=TODAY)
    assert (run.status, run.imported) == (RunStatus.OK, 1), run.errors
    assert (imap.logins if protocol == "imap" else pop.logins) == 1
    assert endpoint.requests == [
        {"grant_type": "refresh_token", "refresh_token": REFRESH,
         "client_id": endpoint.client_id, "client_secret": CLIENT_SECRET},
    ]  # fmt: skip
    if protocol == "pop3":
        assert "AUTH" in pop.commands and "USER" not in pop.commands
    box.refresh_from_db()
    assert box.status == SyncStatus.OK
    stored = " ".join(str(v) for v in StatementMailbox.objects.values().get().values())
    assert "ya29.access" not in stored and REFRESH not in stored  # nothing in the clear
    assert "ya29.access" not in caplog.text and REFRESH not in caplog.text


def test_a_rotated_refresh_token_is_stored_sealed_and_used(
    company: Any, account: Any, local: None
) -> None:
    store = imap_server.FakeMailStore()
    store.deliver(mail("R1", mid="<r1@bank.bg>"))
    with (
        token_endpoint(TokenEndpoint(stores=[store], rotate=True)) as endpoint,
        imap_server.serving(store) as port,
    ):
        box = make_mailbox(company, port, protocol="imap", **oauth2(endpoint))
        first = mailbox.poll(box, today=TODAY)
        box = StatementMailbox.objects.get(pk=box.pk)
        sealed = box.oauth_refresh_token
        assert "rotated" not in sealed
        assert secretbox.open_sealed(sealed) == "1//0rotated-1-refresh"
        second = mailbox.poll(box, today=TODAY)  # the old token no longer works
    assert first.status == second.status == RunStatus.OK
    assert [r["refresh_token"] for r in endpoint.requests] == [REFRESH, "1//0rotated-1-refresh"]
    box.refresh_from_db()
    assert secretbox.open_sealed(box.oauth_refresh_token) == "1//0rotated-2-refresh"
    assert box.status == SyncStatus.OK


def test_a_revoked_refresh_token_asks_the_owner_to_sign_in_again(
    company: Any, account: Any, local: None, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    store = pop3_server.FakeMaildrop()
    store.deliver(mail("V1", mid="<v1@bank.bg>"))
    with (
        token_endpoint(TokenEndpoint(stores=[store])) as endpoint,
        pop3_server.serving(store) as port,
    ):
        box = make_mailbox(company, port, **oauth2(endpoint))
        endpoint.refresh_tokens.clear()  # the owner revoked the access at the provider
        run = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert run.status == RunStatus.FAILED and box.status == SyncStatus.FAILED
    assert "sign-in" in box.last_error and "new refresh token" in box.last_error
    assert store.logins == 0 and not BankEntry.objects.exists()
    # The provider repeated the token in its answer: it reaches neither the page nor the log.
    assert REFRESH not in box.last_error and REFRESH not in json.dumps(run.errors)
    assert REFRESH not in caplog.text


@pytest.mark.parametrize("protocol", ["imap", "pop3"])
def test_a_refused_access_token_is_not_repeated(
    company: Any, account: Any, local: None, protocol: str, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    imap = imap_server.FakeMailStore(echo_refusals=True)
    pop = pop3_server.FakeMaildrop(echo_refusals=True)
    server = imap_server.serving(imap) if protocol == "imap" else pop3_server.serving(pop)
    with token_endpoint(TokenEndpoint(bad_access=True)) as endpoint, server as port:
        box = make_mailbox(company, port, protocol=protocol, **oauth2(endpoint))
        run = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert run.status == RunStatus.FAILED and box.status == SyncStatus.FAILED
    assert "Invalid credentials" in box.last_error
    assert "ya29" not in box.last_error and "ya29" not in json.dumps(run.errors)
    assert "ya29" not in caplog.text


def test_an_unreachable_token_endpoint_is_a_failed_run(
    company: Any, account: Any, local: None
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with pop3_server.serving(pop3_server.FakeMaildrop()) as port:
        endpoint = TokenEndpoint(url=f"http://127.0.0.1:{free}/token")
        box = make_mailbox(company, port, **oauth2(endpoint))
        run = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert run.status == RunStatus.FAILED and "token endpoint" in box.last_error


def test_the_token_exchange_scrubs_what_the_provider_repeats() -> None:
    text = mail_oauth.scrub("bad 1//0a+b/c and 1%2F%2F0a%2Bb%2Fc", ["1//0a+b/c", "", "xy"])
    assert "0a" not in text and text.count("…") == 2


# --------------------------------------------------------------------------- settings


def refusal(company: Any, **data: Any) -> set[str]:
    body = {"name": "x", "host": "pop.bank.bg", "username": "u", "password": "p", **data}
    with pytest.raises(InvalidInput) as refused:
        source_actions.save_source(SYSTEM, company, "mailbox", body)
    assert not StatementMailbox.objects.exists()
    return set(refused.value.errors)


def test_pop3_settings_refuse_folders(company: Any) -> None:
    assert refusal(company, protocol="pop3", done_folder="Done") == {"done_folder"}
    assert refusal(company, protocol="pop3", folder="Statements") == {"folder"}
    assert refusal(company, protocol="imap", done_folder="Done", delete_after_import=True) == {
        "delete_after_import"
    }
    assert refusal(company, protocol="smtp") == {"protocol"}
    box = source_actions.save_source(
        SYSTEM, company, "mailbox",
        {"name": "x", "host": "pop.bank.bg", "username": "u", "password": "p", "protocol": "pop3"},
    )  # fmt: skip
    assert (box.port, box.folder, box.delete_after_import) == (995, "INBOX", False)


def test_oauth2_settings_are_checked(company: Any, settings: Any) -> None:
    assert refusal(company, auth="oauth2", oauth_client_id="c", oauth_refresh_token="r") == {
        "oauth_token_url"
    }
    assert refusal(
        company, auth="oauth2", oauth_token_url="https://oauth2.googleapis.com/token"
    ) == {
        "oauth_client_id",
        "oauth_refresh_token",
    }
    complete = {"auth": "oauth2", "oauth_client_id": "c", "oauth_refresh_token": "r"}
    for url in ("http://oauth2.googleapis.com/token", "ftp://x/token", "https://10.0.0.5/t"):
        assert refusal(company, oauth_token_url=url, **complete) == {"oauth_token_url"}
    assert refusal(
        company, oauth_token_url="https://t.example/token", auth="oauth2", oauth_client_id="c",
        oauth_refresh_token="токен",
    ) == {"oauth_refresh_token"}  # fmt: skip
    too_long = "r" * (source_actions.REFRESH_TOKEN_CHARS + 1)
    assert refusal(
        company, **{**complete, "oauth_refresh_token": too_long},
        oauth_token_url="https://t.example/token",
    ) == {"oauth_refresh_token"}  # fmt: skip


def test_the_longest_secrets_fit_their_columns_sealed() -> None:
    token = secretbox.seal("~" * source_actions.REFRESH_TOKEN_CHARS)
    secret = secretbox.seal("~" * source_actions.CLIENT_SECRET_CHARS)
    assert len(token) <= limit_of(StatementMailbox, "oauth_refresh_token")
    assert len(secret) <= limit_of(StatementMailbox, "oauth_client_secret")


def test_api_keeps_the_oauth2_secrets_write_only(company: Any, api_as: Any, local: None) -> None:
    api = api_as(company, "owner", choose=True)
    body = {"name": "Gmail", "protocol": "pop3", "host": "pop.gmail.com", "username": "u@firma.bg",
            "auth": "oauth2", "oauth_token_url": "https://oauth2.googleapis.com/token",
            "oauth_client_id": "client-1", "oauth_client_secret": CLIENT_SECRET,
            "oauth_refresh_token": REFRESH, "delete_after_import": True}  # fmt: skip
    created = api.post("/banking/sources/mailbox", body)
    assert created.status_code == 201, created.content
    shown = created.json()
    assert (shown["protocol"], shown["auth"], shown["port"]) == ("pop3", "oauth2", 995)
    assert shown["oauth_client_id"] == "client-1" and shown["delete_after_import"] is True
    text = created.content.decode()
    stored = StatementMailbox.objects.get()
    for secret in (REFRESH, CLIENT_SECRET, stored.oauth_refresh_token, stored.oauth_client_secret):
        assert secret not in text
    assert "oauth_refresh_token" not in shown and "oauth_client_secret" not in shown
    listed = api.get("/banking/sources").content.decode()
    assert REFRESH not in listed and stored.oauth_refresh_token not in listed
    # A change without the secrets keeps them.
    changed = api.patch(f"/banking/sources/mailbox/{stored.pk}", {"interval_minutes": 30})
    assert changed.status_code == 200, changed.content
    stored.refresh_from_db()
    assert secretbox.open_sealed(stored.oauth_refresh_token) == REFRESH
    assert secretbox.open_sealed(stored.oauth_client_secret) == CLIENT_SECRET
    # Back to a password: one must be given, and the OAuth2 secrets are dropped.
    refused = api.patch(f"/banking/sources/mailbox/{stored.pk}", {"auth": "password"})
    assert refused.status_code == 422 and "password" in refused.json()["errors"]
    back = api.patch(
        f"/banking/sources/mailbox/{stored.pk}", {"auth": "password", "password": "Тайна-1"}
    )
    assert back.status_code == 200, back.content
    stored.refresh_from_db()
    assert stored.oauth_refresh_token == stored.oauth_client_secret == ""
    audit = json.dumps(list(AuditEntry.objects.values("changes")), ensure_ascii=False)
    # Neither a secret nor its sealed form ("v1:…") is in an audit row.
    assert REFRESH not in audit and CLIENT_SECRET not in audit and "Тайна" not in audit
    assert "v1:" not in audit
    assert "oauth2" in audit  # the audit does record the settings


def test_mailbox_page_explains_pop3_and_refuses_a_done_folder(
    company: Any, client_as: Any, local: None
) -> None:
    client = client_as(company, "owner")
    url = f"/c/{company.eik}/banking/sources/mailbox/new/"
    page = client.get(url).content.decode()
    assert 'name="protocol"' in page and 'value="pop3"' in page and 'name="auth"' in page
    assert "POP3 чете само входящата кутия" in page  # the form says, in Bulgarian
    answer = client.post(
        url,
        {"name": "Поща", "protocol": "pop3", "host": "pop.bank.bg", "security": "ssl",
         "username": "u", "password": "p", "done_folder": "Done", "auth": "password"},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "POP3 няма папки" in answer.content.decode()
    created = client.post(
        url,
        {"name": "Поща", "protocol": "pop3", "host": "pop.bank.bg", "security": "ssl",
         "username": "u", "auth": "oauth2", "oauth_token_url": "https://oauth2.googleapis.com/token",
         "oauth_client_id": "c", "oauth_refresh_token": REFRESH, "active": "1"},
    )  # fmt: skip
    assert created.status_code == 302
    stored = StatementMailbox.objects.get()
    edit = client.get(f"/c/{company.eik}/banking/sources/mailbox/{stored.pk}/").content.decode()
    assert REFRESH not in edit and stored.oauth_refresh_token not in edit
    assert 'id="f-oauth_refresh_token-stored"' in edit
    assert 'id="f-oauth_client_secret-stored"' not in edit  # none was given
