"""What the life of a supplier document tells the apps above purchases (core/events.py).

Emitted inside the action's transaction, carrying the document in the state the action left
it, so an IN_TRANSACTION subscriber reads nothing again."""

from __future__ import annotations

from dataclasses import dataclass

from xfinances.core.audit import Actor
from xfinances.core.events import Event
from xfinances.purchases.models import SupplierInvoice


@dataclass(frozen=True)
class SupplierDocumentRegistered(Event):
    """An incoming invoice, credit note or debit note was registered."""

    actor: Actor
    invoice: SupplierInvoice

    @property
    def company_id(self) -> int:
        return int(self.invoice.company_id)
