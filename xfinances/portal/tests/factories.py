"""Portal test data: parties with contacts, issued documents, signed-in portal clients."""

from __future__ import annotations

import secrets
from typing import Any

from django.test import Client

from xfinances.core.models import Company
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import bg_client, issued
from xfinances.parties.models import Party, PartyContact
from xfinances.portal import actions


def client_party(company: Company, contact_email: str = "", **overrides: Any) -> Party:
    """A client party with a contact who receives invoices at `contact_email` (the party's own
    e-mail for documents comes as `email=`)."""
    overrides.setdefault("email", "")
    party = bg_client(company, **overrides)
    email = contact_email
    if email:
        PartyContact.objects.create(
            company=company, party=party, name="Мария Иванова", email=email, receives_invoices=True
        )
    return party


def sign_in(client: Client, company: Company, party: Party, email: str = "") -> Client:
    """Sign `client` into the portal of `company` as `party` through a real link."""
    raw = actions.create_sign_in_token(company, party, email or f"client-{party.pk}@example.bg")
    response = client.post(f"/portal/{company.eik}/link/{raw}/")
    assert response.status_code == 302, response.status_code
    return client


def isolation_objects(company: Company) -> dict[str, Any]:
    """For the tenant walker: `company` gets a party with a published document and a live link,
    and the walker is given a GUESSED token. A link token is a bearer secret, not an id: whoever
    holds a real one is meant to get in, so the walker checks that a guessed token of the same
    shape is 404 (test_sign_in checks that a real token under another company's ЕИК is 404).
    The document ids come from the invoicing factories (`document_id`)."""
    party = client_party(company, contact_email="isolation@example.bg")
    document: Document = issued(company, party=party)
    actions.create_document_token(document, "isolation@example.bg")
    return {"token": secrets.token_urlsafe(32)}
