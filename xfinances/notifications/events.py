"""What the outbox tells the apps above it, and what it asks them (core/events.py).

The outbox sits below invoicing: it carries a sales document's e-mail without knowing what a
document is. Invoicing answers these hooks for documents; the portal gives its sign-in links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xfinances.core.events import Event, Hook


@dataclass(frozen=True)
class MessageSent(Event):
    """An e-mail or webhook call reached its receiver (emitted inside the worker's
    transaction that marks it sent)."""

    company_id: int
    message_id: int
    kind: str
    purpose: str
    document_id: int | None
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class MessageFailed(Event):
    """The outbox gave up on a message (emitted inside the worker's transaction)."""

    company_id: int
    message_id: int
    error: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str


#: Files to attach to an e-mail when it is sent: `provider(message=OutboxMessage)` returns
#: Attachments or None. Invoicing attaches the document's PDF (rendered then if it is missing).
message_attachments: Hook[Attachment] = Hook("notifications.message_attachments")

#: The portal's link to a document for a recipient: `provider(document=..., email=str)` → str.
document_portal_link: Hook[str] = Hook("notifications.document_portal_link")

#: The portal's sign-in link for a party: `provider(company=..., party=..., email=str)` → str.
party_portal_link: Hook[str] = Hook("notifications.party_portal_link")


def first_link(hook: Hook[str], **kwargs: Any) -> str:
    """The first non-empty link a provider gives ("" without a portal)."""
    for link in hook.collect(**kwargs):
        if link:
            return str(link)
    return ""
