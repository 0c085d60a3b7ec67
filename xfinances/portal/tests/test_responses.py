"""Accepting and returning documents: logged, audited, shown to the company (staff page, bell)."""

from __future__ import annotations

import pytest

from xfinances.core.audit import Actor
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.tests.factories import issued
from xfinances.portal.models import AccessAction, DocumentResponse, PortalAccessLog
from xfinances.portal.tests.factories import client_party, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(company, client):
    party = client_party(company, "ana@client.bg")
    document = issued(company, party=party)
    sign_in(client, company, party, "ana@client.bg")
    return party, document, f"/portal/{company.eik}/documents/{document.pk}/respond/"


def test_return_with_reason_is_logged_audited_and_shown_to_staff(
    company, client, setup, client_as, make_member
):
    party, document, url = setup
    response = client.post(url, {"kind": "returned", "reason": "Грешен адрес на фирмата"})
    assert response.status_code == 302
    answer = DocumentResponse.objects.get(document=document)
    assert answer.kind == "returned" and answer.reason == "Грешен адрес на фирмата"
    assert answer.party_id == party.pk and answer.email == "ana@client.bg"
    assert PortalAccessLog.objects.filter(document=document, action=AccessAction.RETURN).exists()
    entry = AuditEntry.objects.get(company=company, action="portal.document_returned")
    assert entry.user_label == "portal: ana@client.bg"
    page = client.get(f"/portal/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'id="response-state"' in page and "Грешен адрес на фирмата" in page
    staff = client_as(company, "accountant")
    detail = staff.get(f"/c/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'data-response="returned"' in detail and "Грешен адрес на фирмата" in detail
    assert 'id="portal-log"' in detail


def test_return_needs_a_reason(client, setup):
    _party, _document, url = setup
    response = client.post(url, {"kind": "returned", "reason": "  "})
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert not DocumentResponse.objects.exists()


def test_accept_once_only(company, client, setup):
    _party, document, url = setup
    assert client.post(url, {"kind": "accepted"}).status_code == 302
    again = client.post(url, {"kind": "returned", "reason": "late"})
    assert again.status_code == 400
    assert again.context["form"].non_field_errors()
    assert DocumentResponse.objects.get(document=document).kind == "accepted"


def test_unknown_kind_is_refused(client, setup):
    _party, _document, url = setup
    assert client.post(url, {"kind": "paid"}).status_code == 400
    assert not DocumentResponse.objects.exists()


def test_a_voided_document_cannot_be_answered(company, client, setup):
    _party, document, url = setup
    invoicing.void_document(Actor.system(), document, reason="грешка")
    response = client.post(url, {"kind": "accepted"})
    assert response.status_code == 400
    assert not DocumentResponse.objects.exists()


def test_the_bell_tells_the_owner_when_notifications_exist(company, client, setup, make_member):
    notifications = pytest.importorskip("xfinances.notifications.models")
    owner = make_member(company, "owner")
    _party, document, url = setup
    client.post(url, {"kind": "returned", "reason": "Сумата е грешна"})
    item = notifications.Notification.objects.get(company=company, user=owner)
    assert "Сумата е грешна" in item.text
    assert item.link == f"/c/{company.eik}/documents/{document.pk}/"
