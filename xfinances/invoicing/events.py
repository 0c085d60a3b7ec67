"""What the life of a sales document tells the apps above invoicing (core/events.py).

Emitted inside the action's transaction. The events carry the document itself, in the state
the action left it, so an IN_TRANSACTION subscriber reads nothing again; an ON_COMMIT
subscriber uses `document_id` and reloads.
"""

from __future__ import annotations

from dataclasses import dataclass

from xfinances.core.audit import Actor
from xfinances.core.events import Event, Hook
from xfinances.invoicing.models import Document


@dataclass(frozen=True)
class DocumentEvent(Event):
    actor: Actor
    document: Document

    @property
    def company_id(self) -> int:
        return int(self.document.company_id)

    @property
    def document_id(self) -> int:
        return int(self.document.pk)


@dataclass(frozen=True)
class DocumentIssued(DocumentEvent):
    """A draft got its number."""


@dataclass(frozen=True)
class DocumentUpdated(DocumentEvent):
    """An issued document was edited (before it locked)."""


@dataclass(frozen=True)
class DocumentVoided(DocumentEvent):
    """An issued document was annulled; it keeps its number."""


@dataclass(frozen=True)
class ElectronicInvoice:
    """A machine-readable form of a document (UBL today), for the portal and e-mail."""

    filename: str
    content: bytes
    content_type: str = "application/xml"


#: Asked with `document=`; a provider (accounting's UBL export) answers with an
#: ElectronicInvoice or None. No provider: the document has no machine-readable form.
electronic_invoices: Hook[ElectronicInvoice] = Hook("invoicing.electronic_invoices")


def electronic_invoice_of(document: Document) -> ElectronicInvoice | None:
    found = electronic_invoices.collect(document=document)
    return found[0] if found else None
