"""Nothing of another party or another company is reachable by changing an id in a URL."""

from __future__ import annotations

import pytest

from xfinances.invoicing.tests.factories import draft, issued
from xfinances.portal.models import DocumentResponse
from xfinances.portal.tests.factories import client_party, sign_in

pytestmark = pytest.mark.django_db

DOCUMENT_PAGES = ("", "pdf/", "xml/")


def urls_of(company, document_id):
    base = f"/portal/{company.eik}/documents/{document_id}/"
    return [base + rest for rest in DOCUMENT_PAGES]


@pytest.fixture
def two_parties(company):
    mine = client_party(company, "me@mine.bg")
    theirs = client_party(company, "them@theirs.bg")
    return mine, theirs, issued(company, party=mine), issued(company, party=theirs)


def test_own_document_opens(company, client, two_parties):
    mine, _theirs, my_doc, _their_doc = two_parties
    sign_in(client, company, mine)
    response = client.get(f"/portal/{company.eik}/documents/{my_doc.pk}/")
    assert response.status_code == 200 and my_doc.number.encode() in response.content
    pdf = client.get(f"/portal/{company.eik}/documents/{my_doc.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_another_partys_document_is_404_everywhere(company, client, two_parties):
    mine, _theirs, _my_doc, their_doc = two_parties
    sign_in(client, company, mine)
    for url in urls_of(company, their_doc.pk):
        assert client.get(url).status_code == 404, url
    respond = client.post(
        f"/portal/{company.eik}/documents/{their_doc.pk}/respond/",
        {"kind": "returned", "reason": "not ours"},
    )
    assert respond.status_code == 404
    assert not DocumentResponse.objects.exists()
    listing = client.get(f"/portal/{company.eik}/")
    assert their_doc.number.encode() not in listing.content
    statement = client.get(f"/portal/{company.eik}/statement/")
    assert their_doc.number.encode() not in statement.content


def test_a_draft_of_my_party_is_not_visible(company, client, two_parties):
    mine = two_parties[0]
    mine_draft = draft(company, party=mine)
    sign_in(client, company, mine)
    assert client.get(f"/portal/{company.eik}/documents/{mine_draft.pk}/").status_code == 404


def test_another_companys_document_is_404_with_my_session(
    company, other_company, client, two_parties
):
    mine = two_parties[0]
    foreign = issued(other_company, party=client_party(other_company, "x@other.bg"))
    sign_in(client, company, mine)
    for url in urls_of(company, foreign.pk):
        assert client.get(url).status_code == 404, url


def test_a_session_of_one_company_does_not_open_another_companys_portal(
    company, other_company, client, two_parties
):
    """The cookie is scoped to /portal/<eik>/; even sent to another company's path (copied by
    hand), the session belongs to its company only."""
    mine, _theirs, my_doc, _their_doc = two_parties
    sign_in(client, company, mine)
    stolen = client.cookies["xf_portal"].value
    client.cookies["xf_portal"] = stolen
    client.cookies["xf_portal"]["path"] = "/"
    assert client.get(f"/portal/{other_company.eik}/").status_code == 403
    assert client.get(f"/portal/{other_company.eik}/documents/{my_doc.pk}/").status_code == 403
    assert client.get(f"/portal/{other_company.eik}/statement/").status_code == 403


def test_no_portal_session_is_403_on_every_client_page(company, client, two_parties, client_as):
    _mine, _theirs, my_doc, _their_doc = two_parties
    staff = client_as(company, "owner")  # even the company's own owner is not a portal client
    for url in [
        f"/portal/{company.eik}/",
        f"/portal/{company.eik}/statement/",
        *urls_of(company, my_doc.pk),
    ]:
        assert staff.get(url).status_code == 403, url
    assert staff.post(f"/portal/{company.eik}/documents/{my_doc.pk}/respond/").status_code == 403


def test_staff_portal_pages_are_404_for_another_companys_member(
    company, other_company, client_as, two_parties
):
    my_doc = two_parties[2]
    outsider = client_as(other_company, "owner")
    assert outsider.get(f"/portal/manage/{company.eik}/").status_code == 404
    publish = f"/portal/manage/{company.eik}/documents/{my_doc.pk}/publish/"
    assert outsider.post(publish, {"do": "withdraw"}).status_code == 404
    # Own company in the URL, another company's document id.
    own = f"/portal/manage/{other_company.eik}/documents/{my_doc.pk}/publish/"
    assert outsider.post(own, {"do": "withdraw"}).status_code == 404
