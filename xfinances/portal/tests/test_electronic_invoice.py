"""The portal offers a document's XML only when an app above invoicing provides it (a hook)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xfinances.accounting import ubl
from xfinances.invoicing.events import ElectronicInvoice, electronic_invoices
from xfinances.invoicing.tests.factories import issued
from xfinances.portal.models import AccessAction, PortalAccessLog
from xfinances.portal.tests.factories import client_party, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_provider() -> Iterator[None]:
    """The hook without the providers the installed apps registered (accounting's UBL)."""
    registered = list(electronic_invoices._providers)
    electronic_invoices._providers.clear()
    yield
    electronic_invoices._providers[:] = registered


@pytest.fixture
def xml_provider(no_provider: None) -> Iterator[None]:
    def provide(*, document):
        return ElectronicInvoice(
            f"{document.number}.xml", b"<Invoice>" + document.number.encode() + b"</Invoice>"
        )

    electronic_invoices.provide(provide)
    yield


def test_without_a_provider_there_is_no_xml_link_and_the_address_is_404(
    company, client, no_provider
):
    party = client_party(company)
    document = issued(company, party=party)
    sign_in(client, company, party)
    page = client.get(f"/portal/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'id="download-xml"' not in page
    assert client.get(f"/portal/{company.eik}/documents/{document.pk}/xml/").status_code == 404


def test_a_provider_adds_the_link_and_the_download_is_logged(company, client, xml_provider):
    party = client_party(company)
    document = issued(company, party=party)
    sign_in(client, company, party)
    page = client.get(f"/portal/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'id="download-xml"' in page
    response = client.get(f"/portal/{company.eik}/documents/{document.pk}/xml/")
    assert response.status_code == 200
    assert response.content == b"<Invoice>" + document.number.encode() + b"</Invoice>"
    assert response["Content-Disposition"] == f'attachment; filename="{document.number}.xml"'
    assert PortalAccessLog.objects.filter(
        document=document, action=AccessAction.DOWNLOAD_XML
    ).exists()


def test_accountings_ubl_is_the_portal_download(company, client):
    party = client_party(company, eik="205711599", vat_number="BG205711599")
    document = issued(company, party=party)
    sign_in(client, company, party)
    page = client.get(f"/portal/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'id="download-xml"' in page
    response = client.get(f"/portal/{company.eik}/documents/{document.pk}/xml/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response.content == ubl.build_ubl(document)
    assert (
        response["Content-Disposition"] == f'attachment; filename="invoice-{document.number}.xml"'
    )
