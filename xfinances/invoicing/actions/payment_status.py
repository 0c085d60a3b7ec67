"""Keeping a document's stored payment state current.

The payments area (above invoicing) owns allocations, credit-note offsets and write-offs; each
of its actions calls `refresh_payment_status` with the document's new totals in the same
transaction, so the list, the API, the portal and exports read one stored status that is never
stale. Invoicing itself refreshes the state when a document is issued, edited or voided
(`Document.apply_payment_state`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from xfinances.core.audit import Actor
from xfinances.core.bulk_update import update_rows
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


@transaction.atomic
def refresh_payment_statuses(
    actor: Actor,
    company_id: int,
    settled: Sequence[tuple[Document, Decimal, Decimal, Decimal]],
) -> list[Document]:
    """`refresh_payment_status` for many documents of one company at once: (document, paid,
    credited, written off) each, stored with one UPDATE per 500 documents instead of one each.
    The same rules: the caller holds the row locks, writes the audit records and has checked
    its own permission; a negative amount refuses the whole call before anything is stored."""
    if not settled:
        return []
    ensure_can(actor, settled[0][0].company, "documents.view")
    for document, paid, credited, written_off in settled:
        if document.company_id != company_id:
            raise ValueError(f"document {document.pk} belongs to another company")
        if min(paid, credited, written_off) < ZERO:
            raise ValueError(f"negative settlement of document {document.pk}")
    fields = ["paid_amount", "credited_amount", "written_off_amount"]
    documents = []
    for document, paid, credited, written_off in settled:
        document.paid_amount = paid
        document.credited_amount = credited
        document.written_off_amount = written_off
        state_fields = document.apply_payment_state()
        documents.append(document)
    update_rows(Document, documents, [*fields, *state_fields])
    return documents
