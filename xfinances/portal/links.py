"""Portal links for e-mails. Each call writes a fresh token (only its hash is stored).

- `document_link(document)`: opens the portal on that document, for the document's party; lives
  `document_link_days` (portal settings, default 60 days) and may be opened many times.
- `sign_in_link(company, party, email)`: a one-time sign-in link, `sign_in_link_minutes`
  (default 30 minutes).
"""

from __future__ import annotations

from xfinances.core.models import Company
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
from xfinances.portal.actions import create_document_token, create_sign_in_token, url_for_token

__all__ = ["document_link", "sign_in_link", "url_for_token"]


def document_link(document: Document, email: str = "") -> str:
    """An absolute link that signs the document's party in and lands on the document."""
    raw = create_document_token(document, email)
    return url_for_token(document.company, raw)


def sign_in_link(company: Company, party: Party, email: str) -> str:
    """An absolute one-time sign-in link for `email` at `party`."""
    raw = create_sign_in_token(company, party, email)
    return url_for_token(company, raw)


def document_link_provider(*, document: Document, email: str = "") -> str:
    """Answers `notifications.events.document_portal_link` for e-mails about a document."""
    return document_link(document, email)


def sign_in_link_provider(*, company: Company, party: Party, email: str) -> str:
    """Answers `notifications.events.party_portal_link` for e-mails to a party (reminders)."""
    return sign_in_link(company, party, email)
