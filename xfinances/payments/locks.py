"""Row locks of the payments area, in one place: by primary key order, in short transactions.

The allocate/undo/write-off actions lock every payment and document they touch (payments first,
then documents or supplier invoices, each group by id) before reading the amounts they check.
Two allocations to the same document or from the same payment therefore run one after the
other and can never together exceed either side. (SQLite ignores `select_for_update`; its
IMMEDIATE transactions serialise writers anyway.)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from xfinances.core.lookups import AnyOf
from xfinances.core.models import Company
from xfinances.invoicing.models import Document
from xfinances.payments.models import DocumentSettlement, Payment, ReminderRun
from xfinances.purchases.models import SupplierInvoice


def lock_payments(company: Company, payment_ids: Iterable[int]) -> dict[int, Payment]:
    ids = sorted(set(payment_ids))
    rows = (
        Payment.objects.select_for_update()
        .filter(company=company)
        .filter(AnyOf(F("pk"), ids))
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def lock_documents(company: Company, document_ids: Iterable[int]) -> dict[int, Document]:
    """Lock the documents, then their settlement rows (created when missing, so that the
    settlement row itself is locked too)."""
    ids = sorted(set(document_ids))
    rows = {
        row.pk: row
        for row in Document.objects.select_for_update()
        .filter(company=company)
        .filter(AnyOf(F("pk"), ids))
        .order_by("pk")
    }
    return rows


def lock_settlements(
    company: Company, document_ids: Iterable[int]
) -> dict[int, DocumentSettlement]:
    """The settlement rows of locked documents (call after `lock_documents`), created where
    missing. The rows that exist are locked first; only the missing ones are inserted and then
    locked (no separate look for which exist: one statement when all do)."""
    ids = sorted(set(document_ids))
    rows = _locked_settlements(company, ids)
    missing = [i for i in ids if i not in rows]
    if missing:
        DocumentSettlement.objects.bulk_create(
            [DocumentSettlement(document_id=i, company=company) for i in missing],
            ignore_conflicts=True,
        )
        rows.update(_locked_settlements(company, missing))
    return {pk: rows[pk] for pk in ids if pk in rows}


def _locked_settlements(company: Company, ids: list[int]) -> dict[int, DocumentSettlement]:
    found = (
        DocumentSettlement.objects.select_for_update()
        .filter(company=company)
        .filter(AnyOf(F("pk"), ids))
        .order_by("pk")
    )
    return {row.pk: row for row in found}


def lock_supplier_invoices(
    company: Company, invoice_ids: Iterable[int]
) -> dict[int, SupplierInvoice]:
    """Lock supplier invoices (after the payments), by id; their paid/remaining are read after."""
    ids = sorted(set(invoice_ids))
    rows = (
        SupplierInvoice.objects.select_for_update()
        .filter(company=company)
        .filter(AnyOf(F("pk"), ids))
        .select_related("company", "supplier")
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def lock_run(company: Company, run_id: int) -> ReminderRun:
    return ReminderRun.objects.select_for_update().get(company=company, pk=run_id)
