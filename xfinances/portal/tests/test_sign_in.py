"""Signing in: asking for a link (no enumeration, throttled), valid / expired / used / unknown
links, sessions kept apart from the staff session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from xfinances.portal import actions, links, throttle
from xfinances.portal.models import AccessAction, PortalAccessLog, PortalSession
from xfinances.portal.tests.factories import client_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """POST the sign-in form; the e-mail leaves after commit, as in production."""

    def post(client, company, email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/portal/sign-in/", {"company": company.eik, "email": email})

    return post


def link_in(message) -> str:
    found = re.search(r"https?://\S+/portal/\S+/link/\S+/", message.body)
    assert found, message.body
    return found.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_home_without_a_portal_session_is_403_with_the_sign_in_form(company, client):
    response = client.get(f"/portal/{company.eik}/")
    assert response.status_code == 403
    assert b'id="send-link"' in response.content
    assert company.name.encode() in response.content
    assert client.get("/portal/000000000/").status_code == 404  # no such company


def test_a_contact_gets_a_one_time_link_that_signs_in(ask, company, client):
    party = client_party(company, "maria@client.bg")
    response = ask(client, company, "Maria@Client.BG")
    assert response.status_code == 200 and b'id="link-sent"' in response.content
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maria@client.bg"]
    path = path_of(link_in(mail.outbox[0]))
    assert client.get(path).status_code == 200  # confirm page, link not spent
    assert client.post(path).status_code == 302
    home = client.get(f"/portal/{company.eik}/")
    assert home.status_code == 200
    assert party.name.encode() in home.content
    session = PortalSession.objects.get(company=company)
    assert session.party_id == party.pk and session.email == "maria@client.bg"
    assert "xf_portal" in client.cookies
    assert client.cookies["xf_portal"]["path"] == f"/portal/{company.eik}/"
    assert client.cookies["xf_portal"]["httponly"]


def test_the_partys_main_email_also_signs_in(ask, company, client):
    client_party(company, email="office@client.bg")
    ask(client, company, "office@client.bg")
    assert len(mail.outbox) == 1


def _neutral(html: bytes) -> bytes:
    """The page without the address typed in and the per-request CSRF token."""
    html = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)
    return re.sub(rb"[\w.]+@client\.bg", b"ADDRESS", html)


def test_unknown_email_gets_the_same_answer_and_no_mail(ask, company, other_company, client):
    client_party(other_company, "maria@client.bg")  # a contact of ANOTHER company
    known = client_party(company, "known@client.bg")
    unknown = ask(client, company, "maria@client.bg")
    assert unknown.status_code == 200 and mail.outbox == []
    known_answer = ask(client, company, "known@client.bg")
    assert len(mail.outbox) == 1
    assert _neutral(unknown.content) == _neutral(known_answer.content)
    assert known.pk  # used


def test_archived_party_gets_no_link(ask, company, client):
    from xfinances.core.audit import Actor
    from xfinances.parties.actions import archive_party

    archive_party(Actor.system(), client_party(company, "gone@client.bg"))
    ask(client, company, "gone@client.bg")
    assert mail.outbox == []


def test_bad_email_names_the_field_and_sends_nothing(ask, company, client):
    response = ask(client, company, "not-an-email")
    assert response.status_code == 400
    assert b"is-invalid" in response.content and mail.outbox == []
    assert client.post("/portal/sign-in/", {"company": "999", "email": "a@b.bg"}).status_code == 404


def test_requests_are_throttled_per_email(ask, company, client):
    client_party(company, "maria@client.bg")
    for _ in range(throttle.PER_EMAIL):
        assert ask(client, company, "maria@client.bg").status_code == 200
    refused = ask(client, company, "maria@client.bg")
    assert refused.status_code == 429
    assert len(mail.outbox) == throttle.PER_EMAIL
    # An unknown address is throttled just the same (no enumeration through the throttle).
    for _ in range(throttle.PER_EMAIL):
        ask(client, company, "nobody@client.bg")
    assert ask(client, company, "nobody@client.bg").status_code == 429


def test_requests_are_throttled_per_ip(ask, company, client):
    for number in range(throttle.PER_IP):
        assert ask(client, company, f"n{number}@client.bg").status_code == 200
    assert ask(client, company, "last@client.bg").status_code == 429


def test_a_used_link_shows_a_friendly_page_offering_a_new_link(company, client):
    party = client_party(company)
    path = path_of(links.sign_in_link(company, party, "a@client.bg"))
    client.post(path)
    client.cookies.clear()
    again = client.post(path)
    assert again.status_code == 200
    assert b'id="link-problem"' in again.content and b'id="send-link"' in again.content
    assert client.get(f"/portal/{company.eik}/").status_code == 403  # no session from it
    assert PortalAccessLog.objects.filter(action=AccessAction.LINK_REFUSED).count() == 1


def test_an_expired_link_shows_a_friendly_page(company, client):
    party = client_party(company)
    path = path_of(links.sign_in_link(company, party, "a@client.bg"))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        response = client.post(path)
    assert response.status_code == 200 and b'id="link-problem"' in response.content
    assert not PortalSession.objects.exists()


def test_an_expired_document_link_shows_a_friendly_page(company, client):
    from xfinances.invoicing.tests.factories import issued

    party = client_party(company)
    path = path_of(links.document_link(issued(company, party=party)))
    with time_machine.travel(timezone.now() + dt.timedelta(days=61)):
        response = client.get(path)
    assert response.status_code == 200 and b'id="link-problem"' in response.content
    assert not PortalSession.objects.exists()


def test_an_unknown_or_other_companys_link_is_404_with_the_friendly_page(
    company, other_company, client
):
    party = client_party(company)
    raw = actions.create_sign_in_token(company, party, "a@client.bg")
    response = client.post(f"/portal/{other_company.eik}/link/{raw}/")
    assert response.status_code == 404 and b'id="send-link"' in response.content
    assert client.get(f"/portal/{company.eik}/link/nonsense/").status_code == 404


def test_a_session_expires(company, client):
    from xfinances.portal.tests.factories import sign_in

    sign_in(client, company, client_party(company))
    assert client.get(f"/portal/{company.eik}/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=9)):
        assert client.get(f"/portal/{company.eik}/").status_code == 403


def test_sign_out_ends_the_session(company, client):
    from xfinances.portal.tests.factories import sign_in

    sign_in(client, company, client_party(company))
    assert client.post(f"/portal/{company.eik}/sign-out/").status_code == 200
    assert PortalSession.objects.get().ended_at is not None
    assert client.get(f"/portal/{company.eik}/").status_code == 403


def test_staff_session_and_portal_session_do_not_mix(company, client_as):
    """A staff member signed in in the same browser is not a portal client, and signing into
    the portal does not touch the staff session."""
    from xfinances.portal.tests.factories import sign_in

    staff = client_as(company, "owner")
    assert staff.get(f"/portal/{company.eik}/").status_code == 403
    staff_session = staff.cookies["sessionid"].value
    sign_in(staff, company, client_party(company))
    assert staff.get(f"/portal/{company.eik}/").status_code == 200
    assert staff.cookies["sessionid"].value == staff_session
    assert staff.get(f"/c/{company.eik}/").status_code == 200


def test_a_tampered_cookie_is_refused(company, client):
    from xfinances.portal.tests.factories import sign_in

    sign_in(client, company, client_party(company))
    value = client.cookies["xf_portal"].value
    client.cookies["xf_portal"] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    client.cookies["xf_portal"]["path"] = f"/portal/{company.eik}/"
    assert client.get(f"/portal/{company.eik}/").status_code == 403


def test_a_request_for_an_unknown_address_is_logged_without_a_party(ask, company, client):
    ask(client, company, "stranger@client.bg")
    row = PortalAccessLog.objects.get(company=company)
    assert row.party_id is None and row.action == AccessAction.LINK_REQUESTED
    assert row.email == "stranger@client.bg"


def test_no_link_for_a_draft(company):
    from xfinances.core.exceptions import InvalidInput
    from xfinances.invoicing.tests.factories import draft

    with pytest.raises(InvalidInput):
        links.document_link(draft(company, party=client_party(company)))


def test_sign_in_link_refuses_another_companys_party(company, other_company):
    from xfinances.core.exceptions import InvalidInput

    with pytest.raises(InvalidInput):
        links.sign_in_link(company, client_party(other_company), "a@b.bg")


class _DeadCache:
    """A cache whose server is down: every call fails as django's Redis backend does."""

    def add(self, *args, **kwargs):
        from redis.exceptions import ConnectionError as RedisConnectionError

        raise RedisConnectionError("Connection refused")

    incr = add


def test_with_the_cache_down_the_page_answers_and_keeps_its_limits(
    ask, company, client, monkeypatch
):
    monkeypatch.setattr(throttle, "cache", _DeadCache())
    client_party(company, "maria@client.bg")
    for _ in range(throttle.PER_EMAIL):
        assert ask(client, company, "maria@client.bg").status_code == 200
    assert ask(client, company, "maria@client.bg").status_code == 429
    assert len(mail.outbox) == throttle.PER_EMAIL
    # Unknown addresses are counted the same way (no enumeration through the fallback).
    for _ in range(throttle.PER_EMAIL):
        assert ask(client, company, "nobody@client.bg").status_code == 200
    assert ask(client, company, "nobody@client.bg").status_code == 429


def test_a_mail_server_that_is_down_does_not_turn_the_request_into_an_error(
    ask, company, client, monkeypatch
):
    """The answer must be the one an unknown address gets (200), not a 500 after commit."""
    import smtplib

    def refuse(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "down")

    monkeypatch.setattr(actions, "send_mail", refuse)
    client_party(company, "maria@client.bg")
    known = ask(client, company, "maria@client.bg")
    unknown = ask(client, company, "nobody@client.bg")
    assert known.status_code == unknown.status_code == 200
    assert mail.outbox == []
