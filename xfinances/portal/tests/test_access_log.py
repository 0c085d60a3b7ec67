"""Every access is logged: who, when, IP, what."""

from __future__ import annotations

import pytest

from xfinances.invoicing.tests.factories import issued
from xfinances.portal.models import AccessAction, PortalAccessLog
from xfinances.portal.tests.factories import client_party, sign_in

pytestmark = pytest.mark.django_db


def test_sign_in_views_and_downloads_are_logged(company, client):
    party = client_party(company, "ana@client.bg")
    document = issued(company, party=party)
    sign_in(client, company, party, "ana@client.bg")
    client.get(f"/portal/{company.eik}/", REMOTE_ADDR="10.1.2.3")
    client.get(f"/portal/{company.eik}/statement/")
    client.get(f"/portal/{company.eik}/documents/{document.pk}/")
    client.get(f"/portal/{company.eik}/documents/{document.pk}/pdf/")
    rows = list(PortalAccessLog.objects.filter(company=company).order_by("id"))
    assert [r.action for r in rows] == [
        AccessAction.SIGN_IN,
        AccessAction.VIEW_DOCUMENTS,
        AccessAction.VIEW_STATEMENT,
        AccessAction.VIEW_DOCUMENT,
        AccessAction.DOWNLOAD_PDF,
    ]
    assert all(r.party_id == party.pk and r.email == "ana@client.bg" for r in rows)
    assert rows[1].ip_address == "10.1.2.3"
    assert rows[4].document_id == document.pk
    assert rows[1].session_id == rows[0].session_id is not None


def test_another_partys_id_is_not_logged_against_that_document(company, client):
    mine = client_party(company)
    theirs = issued(company, party=client_party(company))
    sign_in(client, company, mine)
    client.get(f"/portal/{company.eik}/documents/{theirs.pk}/")
    assert not PortalAccessLog.objects.filter(document=theirs).exists()


def test_the_staff_page_shows_the_documents_access_log(company, client, client_as):
    party = client_party(company, "ana@client.bg")
    document = issued(company, party=party)
    sign_in(client, company, party, "ana@client.bg")
    client.get(f"/portal/{company.eik}/documents/{document.pk}/pdf/")
    staff = client_as(company, "owner")
    detail = staff.get(f"/c/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'id="portal-log"' in detail
    assert "ana@client.bg" in detail
