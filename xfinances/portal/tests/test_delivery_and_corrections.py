"""Opening a document in the portal means it reached the client: no silent edit afterwards.
A correction the company allows resets an earlier acceptance. The portal shows the payment
state stored on the document."""

from __future__ import annotations

import pytest

from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.exceptions import DocumentDelivered
from xfinances.invoicing.inputs import draft
from xfinances.invoicing.tests.factories import issued, line
from xfinances.portal.models import DocumentResponse
from xfinances.portal.tests.factories import client_party, sign_in

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(Source.CLI)


def test_opening_in_the_portal_locks_silent_edits(company, client):
    party = client_party(company, "ana@client.bg")
    document = issued(company, party=party)
    sign_in(client, company, party, "ana@client.bg")
    client.get(f"/portal/{company.eik}/documents/{document.pk}/")
    document.refresh_from_db()
    assert document.delivered_via == "portal_view" and document.delivered_at is not None
    with pytest.raises(DocumentDelivered):
        invoicing.edit_issued_document(SYSTEM, document, draft(lines=[line("90.00")]), reason="x")


def test_an_allowed_correction_resets_the_acceptance(company, client):
    invoicing.update_document_settings(SYSTEM, company, allow_edit_after_delivery=True)
    party = client_party(company, "ana@client.bg")
    document = issued(company, party=party)
    sign_in(client, company, party, "ana@client.bg")
    client.post(f"/portal/{company.eik}/documents/{document.pk}/respond/", {"kind": "accepted"})
    assert DocumentResponse.objects.filter(document=document, kind="accepted").exists()
    document.refresh_from_db()
    assert document.delivered_via in ("portal_view", "accepted")
    invoicing.edit_issued_document(SYSTEM, document, draft(lines=[line("90.00")]), reason="qty")
    assert not DocumentResponse.objects.filter(document=document).exists()
    document.refresh_from_db()
    assert document.corrected_after_delivery_at is not None
