"""Portal links for e-mails. Each call writes a fresh token (only its hash is stored).

- `document_link(document)`: opens the portal on that document, for the document's party; lives
  `document_link_days` (portal settings, default 60 days) and may be opened many times.
- `sign_in_link(company, party, email)`: a one-time sign-in link, `sign_in_link_minutes`
  (default 30 minutes).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from xfinances.core.models import Company
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party


def url_for_token(company: Company, raw_token: str) -> str:
    """The absolute URL (settings.BASE_URL) that trades `raw_token` for a portal session."""
    path = reverse("portal:link", kwargs={"eik": company.eik, "token": raw_token})
    return f"{settings.BASE_URL}{path}"


def document_link(document: Document, email: str = "") -> str:
    """An absolute link that signs the document's party in and lands on the document."""
    from xfinances.portal.actions import create_document_token

    raw = create_document_token(document, email)
    return url_for_token(document.company, raw)


def sign_in_link(company: Company, party: Party, email: str) -> str:
    """An absolute one-time sign-in link for `email` at `party`."""
    from xfinances.portal.actions import create_sign_in_token

    raw = create_sign_in_token(company, party, email)
    return url_for_token(company, raw)
