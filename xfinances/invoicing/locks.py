"""Row locks of sales documents, in one place: by primary key order, in short transactions.

- The number series row is locked while a number is taken, so concurrent issues on PostgreSQL
  queue on it and get consecutive numbers; the counter moves in the same transaction as the
  document, so a rollback leaves no gap. (SQLite ignores `select_for_update`; its IMMEDIATE
  transactions serialise writers anyway.)
- A corrected invoice (or a deducted advance) is locked before notes against it are counted, so
  two notes issued at the same time cannot together go past what was invoiced.
"""

from __future__ import annotations

from collections.abc import Iterable

from xfinances.core.models import Company
from xfinances.invoicing.models import Document, NumberSeries, RecurringInvoice


def lock_series(company: Company, series_id: int) -> NumberSeries:
    return NumberSeries.objects.select_for_update().get(company=company, pk=series_id)


def lock_default_series(company: Company, group: str) -> NumberSeries | None:
    """The default series of `group`, locked (None when the company has none yet)."""
    return (
        NumberSeries.objects.select_for_update()
        .filter(company=company, group=group, is_default=True)
        .first()
    )


def lock_documents(company: Company, document_ids: Iterable[int]) -> dict[int, Document]:
    """Lock the documents ordered by id, so two actions never wait on each other in a circle."""
    ids = sorted(set(document_ids))
    rows = (
        Document.objects.select_for_update(of=("self",))
        .select_related("party")
        .filter(company=company, pk__in=ids)
        .order_by("pk")
    )
    found = {}
    for row in rows:
        row.company = company  # the caller's tenant row: no second read of the company
        found[row.pk] = row
    return found


def lock_document(company: Company, document_id: int) -> Document:
    return lock_documents(company, [document_id])[document_id]


def lock_recurring(company: Company, template_id: int) -> RecurringInvoice:
    """A recurring invoice's row: one worker at a time invoices its next period."""
    return (
        RecurringInvoice.objects.select_for_update(of=("self",))
        .select_related("company", "party", "created_by")
        .get(company=company, pk=template_id)
    )
