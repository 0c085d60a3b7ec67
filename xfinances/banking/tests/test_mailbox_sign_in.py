"""A statement mailbox's OAuth2 sign-in in the browser (authorization code + PKCE), through the
pages and the API with Django's test client, against a loopback provider
(`oauth_server.FakeProvider`) that checks the client, the redirect URI and the PKCE verifier:
the refresh token is stored sealed and then used by a run; a used, expired, foreign or another
user's state is refused; a declined sign-in or a token endpoint's error changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from xfinances.banking import secretbox
from xfinances.banking.actions import mail_sign_in
from xfinances.banking.models import (
    MailSignIn,
    RunStatus,
    StatementMailbox,
    SyncStatus,
)
from xfinances.banking.sources import mail_oauth, mailbox, runner
from xfinances.banking.tests import oauth_server, pop3_server
from xfinances.banking.tests.test_mailbox_pop3_oauth2 import TODAY, mail, make_mailbox
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.treasury.tests.factories import bank_account

IBAN = "BG80BNBG96611020345678"


@pytest.fixture
def account(company: Any) -> Any:
    return bank_account(company, name="ББР", iban=IBAN)


@pytest.fixture
def local(settings: Any) -> None:
    settings.BANKING_ALLOW_LOCAL_BANK = True  # the provider listens on loopback


def oauth_mailbox(
    company: Any, provider: oauth_server.FakeProvider, port: int = 110, **extra: Any
) -> Any:
    """A POP3 mailbox set up for the sign-in in the browser, no refresh token pasted."""
    return make_mailbox(
        company, port, auth="oauth2", password="", oauth_token_url=provider.token_url,
        oauth_authorize_url=provider.authorize_url, oauth_client_id=provider.client_id,
        oauth_client_secret=provider.client_secret, **extra,
    )  # fmt: skip


def start(client: Client, company: Any, box: Any) -> str:
    """Press *Sign in with the provider*; the provider's address the browser is sent to."""
    answer = client.post(f"/c/{company.eik}/banking/mailboxes/{box.pk}/sign-in/")
    assert answer.status_code == 302, answer.content
    return str(answer["Location"])


def back_path(location: str) -> str:
    """The callback address the provider sent the browser to, as the test client takes it."""
    assert location.startswith(settings.BASE_URL + "/"), location
    parts = urllib.parse.urlsplit(location)
    return f"{parts.path}?{parts.query}"


def messages_of(answer: Any) -> str:
    return " ".join(str(m) for m in answer.context["messages"]) if answer.context else ""


def test_sign_in_in_the_browser_stores_the_token_and_the_run_uses_it(
    company: Any, account: Any, client_as: Any, local: None
) -> None:
    store = pop3_server.FakeMaildrop()
    store.deliver(mail("B1", mid="<b1@bank.bg>"))
    provider = oauth_server.FakeProvider(stores=[store])
    with oauth_server.serving(provider), pop3_server.serving(store) as port:
        client = client_as(company, "owner")
        box = oauth_mailbox(company, provider, port, oauth_scope="https://mail.example/pop")
        assert box.oauth_refresh_token == ""  # saved without a pasted token
        page = client.get(f"/c/{company.eik}/banking/sources/mailbox/{box.pk}/").content.decode()
        assert "Вход при доставчика" in page  # the button, in Bulgarian
        assert f"{settings.BASE_URL}/c/{company.eik}/banking/mail-sign-in/" in page
        # Not signed in yet: the worker leaves the mailbox alone.
        assert runner.run_due()["mailbox"] == 0

        location = start(client, company, box)
        assert location.startswith(provider.authorize_url + "?")
        sent = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        assert sent["response_type"] == "code" and sent["client_id"] == provider.client_id
        assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
        assert sent["redirect_uri"] == mail_sign_in.callback_url(company)
        assert sent["scope"] == "https://mail.example/pop"  # the mailbox's own
        assert len(sent["state"]) >= 43 and sent["login_hint"] == "statements@firma.bg"
        # Only the state's hash is kept, and the verifier sealed.
        pending = MailSignIn.objects.get()
        assert sent["state"] not in pending.state_hash and pending.session_hash
        verifier = secretbox.open_sealed(pending.verifier)
        assert mail_oauth.challenge_of(verifier) == sent["code_challenge"]

        back = back_path(oauth_server.follow_once(location))
        answer = client.get(back, follow=True)
        assert answer.status_code == 200
        assert "Входът при доставчика е успешен" in messages_of(answer)
        # The code went to the token endpoint with the verifier, and the provider checked it.
        exchange = provider.token_requests[0]
        assert exchange["grant_type"] == "authorization_code"
        assert exchange["code_verifier"] == verifier
        assert exchange["redirect_uri"] == sent["redirect_uri"]
        box.refresh_from_db()
        assert "1//0browser" not in box.oauth_refresh_token
        assert secretbox.open_sealed(box.oauth_refresh_token) == "1//0browser-1-refresh"
        run = mailbox.poll(box, today=TODAY)  # the worker's run signs in with the new token
    assert (run.status, run.imported) == (RunStatus.OK, 1), run.errors
    assert provider.token_requests[-1]["grant_type"] == "refresh_token"
    assert "AUTH" in store.commands
    entry = AuditEntry.objects.get(action="mail_sign_in")
    assert entry.object_id == str(box.pk)
    audit = json.dumps(list(AuditEntry.objects.values("changes")), ensure_ascii=False)
    assert "1//0browser" not in audit and "v1:" not in audit and verifier not in audit


def test_a_used_state_is_refused_and_the_code_not_traded_again(
    company: Any, account: Any, client_as: Any, local: None
) -> None:
    provider = oauth_server.FakeProvider()
    with oauth_server.serving(provider):
        client = client_as(company, "owner")
        box = oauth_mailbox(company, provider)
        back = back_path(oauth_server.follow_once(start(client, company, box)))
        assert client.get(back).status_code == 302
        first = StatementMailbox.objects.get().oauth_refresh_token
        again = client.get(back, follow=True)
    assert "already used" in messages_of(again) or "вече е използван" in messages_of(again)
    assert len(provider.token_requests) == 1  # the replay never reached the provider
    assert StatementMailbox.objects.get().oauth_refresh_token == first


def test_an_expired_state_is_refused(
    company: Any, account: Any, client_as: Any, local: None
) -> None:
    provider = oauth_server.FakeProvider()
    with oauth_server.serving(provider):
        client = client_as(company, "owner")
        box = oauth_mailbox(company, provider)
        back = back_path(oauth_server.follow_once(start(client, company, box)))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=mail_sign_in.SIGN_IN_MINUTES + 1)
        with time_machine.travel(later, tick=False):
            answer = client.get(back, follow=True)
    assert "изтекъл" in messages_of(answer)
    assert provider.token_requests == []
    assert StatementMailbox.objects.get().oauth_refresh_token == ""


def test_a_state_of_another_company_is_refused(
    company: Any, other_company: Any, account: Any, client_as: Any, make_member: Any, local: None
) -> None:
    provider = oauth_server.FakeProvider()
    with oauth_server.serving(provider):
        client = client_as(company, "owner")
        user = make_member(company, "owner")
        make_member(other_company, "owner", email=user.email)  # an owner of both
        box = oauth_mailbox(company, provider)
        back = back_path(oauth_server.follow_once(start(client, company, box)))
        query = urllib.parse.urlsplit(back).query
        # The state is presented at the other company's sign-in page.
        elsewhere = client.get(f"/c/{other_company.eik}/banking/mail-sign-in/?{query}", follow=True)
        assert "не е известен" in messages_of(elsewhere)
        assert provider.token_requests == []
        assert StatementMailbox.objects.get().oauth_refresh_token == ""
        # It stays good where it belongs.
        assert client.get(back).status_code == 302
    assert StatementMailbox.objects.get().oauth_refresh_token != ""


def test_a_member_of_another_company_gets_404(
    company: Any, other_company: Any, client: Client, make_member: Any
) -> None:
    box = StatementMailbox.objects.create(
        company=company, name="П", host="h.example", username="u", auth="oauth2"
    )
    client.force_login(make_member(other_company, "owner"))
    assert client.get(f"/c/{company.eik}/banking/mail-sign-in/?state=x&code=y").status_code == 404
    assert client.post(f"/c/{company.eik}/banking/mailboxes/{box.pk}/sign-in/").status_code == 404
    own = f"/c/{other_company.eik}/banking/mailboxes/{box.pk}/sign-in/"
    assert client.post(own).status_code == 404  # A's mailbox under B's address


def test_another_user_or_another_session_cannot_use_the_state(
    company: Any, account: Any, client_as: Any, make_member: Any, local: None
) -> None:
    provider = oauth_server.FakeProvider()
    with oauth_server.serving(provider):
        client = client_as(company, "owner")
        box = oauth_mailbox(company, provider)
        back = back_path(oauth_server.follow_once(start(client, company, box)))
        colleague = Client()
        colleague.force_login(make_member(company, "accountant"))
        refused = colleague.get(back, follow=True)
        assert "друг потребител" in messages_of(refused)
        same_user_elsewhere = Client()  # the same user, another browser: another session
        same_user_elsewhere.force_login(make_member(company, "owner"))
        refused = same_user_elsewhere.get(back, follow=True)
        assert "друга сесия" in messages_of(refused)
        assert provider.token_requests == []
        assert client.get(back).status_code == 302  # the starter's own browser still can
    assert secretbox.open_sealed(StatementMailbox.objects.get().oauth_refresh_token)


def test_a_declined_sign_in_changes_nothing(
    company: Any, account: Any, client_as: Any, local: None
) -> None:
    provider = oauth_server.FakeProvider(approve=False)
    with oauth_server.serving(provider):
        client = client_as(company, "owner")
        box = oauth_mailbox(company, provider)
        before = StatementMailbox.objects.values().get()
        back = back_path(oauth_server.follow_once(start(client, company, box)))
        assert "error=access_denied" in back
        answer = client.get(back, follow=True)
    said = messages_of(answer)
    assert "access_denied" in said and "нищо не е променено" in said
    assert answer.request["PATH_INFO"] == f"/c/{company.eik}/banking/sources/mailbox/{box.pk}/"
    assert provider.token_requests == []
    assert StatementMailbox.objects.values().get() == before
    assert not AuditEntry.objects.filter(action="mail_sign_in").exists()


@pytest.mark.parametrize(
    "problem", ["server_error", "no_refresh_token", "wrong_verifier", "wrong_secret"]
)
def test_a_token_endpoint_refusal_changes_nothing(
    company: Any, account: Any, client_as: Any, local: None, problem: str
) -> None:
    provider = oauth_server.FakeProvider(
        token_error=(500, "server_error") if problem == "server_error" else None,
        give_refresh_token=problem != "no_refresh_token",
    )
    with oauth_server.serving(provider):
        client = client_as(company, "owner")
        box = oauth_mailbox(company, provider)
        if problem == "wrong_secret":
            provider.client_secret = "another-secret"
        location = start(client, company, box)
        if problem == "wrong_verifier":  # as if an attacker had the code but not the verifier
            MailSignIn.objects.update(verifier=secretbox.seal(mail_oauth.new_verifier()))
        back = back_path(oauth_server.follow_once(location))
        before = StatementMailbox.objects.values().get()
        answer = client.get(back, follow=True)
    said = messages_of(answer)
    assert len(provider.token_requests) == 1
    assert StatementMailbox.objects.values().get() == before
    assert not AuditEntry.objects.filter(action="mail_sign_in").exists()
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(back).query)["code"][0]
    assert code not in said  # the provider repeated the code in its description
    expected = {
        "server_error": "server_error",
        "no_refresh_token": "offline_access",
        "wrong_verifier": "invalid_grant",
        "wrong_secret": "invalid_client",
    }[problem]
    assert expected in said, said


def test_a_viewer_may_not_sign_in(company: Any, client_as: Any, local: None) -> None:
    provider = oauth_server.FakeProvider(url="http://127.0.0.1:9")
    box = oauth_mailbox(company, provider)
    client = client_as(company, "viewer")
    assert client.post(f"/c/{company.eik}/banking/mailboxes/{box.pk}/sign-in/").status_code == 403
    assert client.get(f"/c/{company.eik}/banking/mail-sign-in/?state=x").status_code == 403
    assert not MailSignIn.objects.exists()


def test_a_failure_for_the_sign_in_is_cleared_by_signing_in(
    company: Any, account: Any, client_as: Any, local: None
) -> None:
    provider = oauth_server.FakeProvider()
    with oauth_server.serving(provider), pop3_server.serving(pop3_server.FakeMaildrop()) as port:
        client = client_as(company, "owner")
        box = oauth_mailbox(company, provider, port)
        failed = mailbox.poll(box, today=TODAY)  # no token yet: a sign-in failure
        box.refresh_from_db()
        assert failed.status == RunStatus.FAILED and box.needs_sign_in
        assert box.status == SyncStatus.FAILED and "sign in" in box.last_error
        page = client.get(f"/c/{company.eik}/banking/sources/mailbox/{box.pk}/").content.decode()
        assert "sign-in" in page and "alert-danger" in page
        client.get(back_path(oauth_server.follow_once(start(client, company, box))))
    box.refresh_from_db()
    assert (box.status, box.last_error, box.needs_sign_in) == (SyncStatus.OK, "", False)
    assert box.next_run_at is None  # runs at the next tick


def test_the_sign_in_needs_the_endpoint_and_oauth2(company: Any, client_as: Any) -> None:
    box = make_mailbox(company, 110)  # a password mailbox
    client = client_as(company, "owner")
    answer = client.post(f"/c/{company.eik}/banking/mailboxes/{box.pk}/sign-in/", follow=True)
    assert "OAuth2" in messages_of(answer) and not MailSignIn.objects.exists()
    with pytest.raises(InvalidInput) as refused:
        make_mailbox(
            company, 110, auth="oauth2", password="", oauth_client_id="c",
            oauth_token_url="https://oauth2.googleapis.com/token",
            oauth_authorize_url="http://accounts.google.com/o/oauth2/v2/auth",
        )  # fmt: skip
    assert set(refused.value.errors) == {"oauth_authorize_url"}
    with pytest.raises(InvalidInput) as refused:  # neither a token nor a way to get one
        make_mailbox(
            company, 110, auth="oauth2", password="", oauth_client_id="c",
            oauth_token_url="https://oauth2.googleapis.com/token",
        )  # fmt: skip
    assert set(refused.value.errors) == {"oauth_refresh_token"}


def test_google_and_microsoft_get_what_they_need() -> None:
    google = "https://accounts.google.com/o/oauth2/v2/auth"
    microsoft = "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/authorize?x=1"
    assert mail_oauth.default_scope(google, "imap") == "https://mail.google.com/"
    assert mail_oauth.default_scope(microsoft, "pop3") == (
        "https://outlook.office.com/POP.AccessAsUser.All offline_access"
    )
    assert mail_oauth.default_scope("https://id.example/auth", "imap") == ""
    common = {"client_id": "c", "redirect_uri": "https://x/cb", "scope": "s", "state": "st",
              "code_challenge": "ch"}  # fmt: skip
    to_google = dict(
        urllib.parse.parse_qsl(urllib.parse.urlsplit(
            mail_oauth.authorization_url(google, **common)).query)
    )  # fmt: skip
    assert to_google["prompt"] == "consent" and to_google["access_type"] == "offline"
    to_microsoft = urllib.parse.urlsplit(mail_oauth.authorization_url(microsoft, **common))
    query = dict(urllib.parse.parse_qsl(to_microsoft.query))
    assert query["x"] == "1" and "prompt" not in query  # the endpoint's own query kept


def test_pkce_challenge_is_rfc_7636s_example() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert mail_oauth.challenge_of(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    first, second = mail_oauth.new_verifier(), mail_oauth.new_verifier()
    assert first != second and 43 <= len(first) <= 128


def test_api_starts_the_sign_in_and_the_browser_finishes_it(
    company: Any, account: Any, api_as: Any, client_as: Any, local: None
) -> None:
    provider = oauth_server.FakeProvider()
    with oauth_server.serving(provider):
        box = oauth_mailbox(company, provider)
        viewer = api_as(company, "viewer", choose=True)
        assert viewer.post(f"/banking/sources/mailbox/{box.pk}/sign-in").status_code == 403
        api = api_as(company, "owner", choose=True)
        listed = api.get("/banking/sources").json()["mailboxes"][0]
        assert listed["signed_in"] is False and listed["oauth_authorize_url"]
        started = api.post(f"/banking/sources/mailbox/{box.pk}/sign-in")
        assert started.status_code == 200, started.content
        body = started.json()
        assert body["authorization_url"].startswith(provider.authorize_url + "?")
        assert body["redirect_uri"] == mail_sign_in.callback_url(company)
        # The same user opens it in a browser signed in here (no page session to match).
        browser = client_as(company, "owner")
        answer = browser.get(back_path(oauth_server.follow_once(body["authorization_url"])))
        assert answer.status_code == 302
    assert api.get("/banking/sources").json()["mailboxes"][0]["signed_in"] is True
    password_box = make_mailbox(company, 110, name="Друга")
    refused = api.post(f"/banking/sources/mailbox/{password_box.pk}/sign-in")
    assert refused.status_code == 422 and "auth" in refused.json()["errors"]
