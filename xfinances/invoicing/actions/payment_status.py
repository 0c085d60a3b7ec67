"""Keeping a document's stored payment state current.

The payments area (above invoicing) owns allocations, credit-note offsets and write-offs; each
of its actions calls `refresh_payment_status` with the document's new totals in the same
transaction, so the list, the API, the portal and exports read one stored status that is never
stale. Invoicing itself refreshes the state when a document is issued, edited or voided
(`Document.apply_payment_state`)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from xfinances.core.audit import Actor
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.models import Document

ZERO = Decimal("0.00")


@transaction.atomic
def refresh_payment_status(
    actor: Actor,
    document: Document,
    *,
    paid: Decimal,
    credited: Decimal,
    written_off: Decimal,
) -> Document:
    """Store what settled `document` (its currency) and the status that follows.

    The caller (a payments action) holds the document's row lock, has checked its own
    permission and writes the audit record of the allocation or write-off that changed the
    amounts; these stored figures are derived from it, so no second audit row is written.
    `updated_at` and `version` do not move: the document itself did not change."""
    ensure_can(actor, document.company, "documents.view")
    if min(paid, credited, written_off) < ZERO:
        raise ValueError(f"negative settlement of document {document.pk}")
    document.paid_amount = paid
    document.credited_amount = credited
    document.written_off_amount = written_off
    fields = [
        "paid_amount",
        "credited_amount",
        "written_off_amount",
        *document.apply_payment_state(),
    ]
    Document.objects.filter(company_id=document.company_id, pk=document.pk).update(
        **{name: getattr(document, name) for name in fields}
    )
    return document
