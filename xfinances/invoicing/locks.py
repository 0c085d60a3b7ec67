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
from typing import Any

from django.db import connection
from django.db.transaction import TransactionManagementError

from xfinances.core.models import Company
from xfinances.invoicing import model_rows
from xfinances.invoicing.models import Document, NumberSeries, RecurringInvoice
from xfinances.parties.models import Party


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
    """Lock the documents ordered by id, so two actions never wait on each other in a circle.
    Each comes with its party (read in the same statement) and the caller's company."""
    ids = sorted(set(document_ids))
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    return _documents_read(company, f"d.id IN ({marks})", ids).fetch()


def issue_lock(
    company: Company, document_id: int, corrected_id: int | None
) -> model_rows.Read[dict[int, Document]]:
    """The lock of a draft about to be issued, the invoice it corrects and the advance invoices
    its lines deduct, by id order, in one statement (the advances are found by a subquery on the
    lines; an `OR` there would make PostgreSQL scan every document of the company). A `Read`:
    the issue sends its other reads in the same round trip, after this one."""
    wanted = ["SELECT %s"] * (2 if corrected_id else 1)
    params = [document_id, corrected_id] if corrected_id else [document_id]
    where = (
        f"d.id IN ({' UNION '.join(wanted)} UNION SELECT advance_document_id"  # noqa: S608 (placeholders)
        " FROM invoicing_documentline WHERE company_id = %s AND document_id = %s"
        " AND advance_document_id IS NOT NULL)"
    )
    return _documents_read(company, where, [*params, company.pk, document_id])


def _documents_read(
    company: Company, where: str, params: list[Any]
) -> model_rows.Read[dict[int, Document]]:
    """`SELECT … FOR UPDATE OF` the documents matching `where`, with their parties, written by
    hand: built by the ORM, this ~150-column query cost ~1.5 ms of Python a call. (SQLite has
    no row locks; its IMMEDIATE transactions serialise writers anyway.)"""
    if connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    document = model_rows.columns(Document, "d", connection)
    party = model_rows.columns(Party, "p", connection)
    lock = " FOR UPDATE OF d" if connection.features.has_select_for_update_of else ""
    sql = (
        f"SELECT {document.sql}, {party.sql} FROM invoicing_document d"  # noqa: S608 (model columns and placeholders)
        " LEFT JOIN parties_party p ON p.id = d.party_id"
        f" WHERE d.company_id = %s AND {where} ORDER BY d.id{lock}"
    )

    def parse(rows: list[tuple[Any, ...]]) -> dict[int, Document]:
        found = {}
        for row in rows:
            locked = document.instance(row, connection)
            locked.party = party.instance_or_none(row, connection, document.width)
            locked.company = company  # the caller's tenant row: no second read of the company
            found[locked.pk] = locked
        return found

    return model_rows.Read(sql, [company.pk, *params], parse)


def lock_document(company: Company, document_id: int) -> Document:
    return lock_documents(company, [document_id])[document_id]


def lock_recurring(company: Company, template_id: int) -> RecurringInvoice:
    """A recurring invoice's row: one worker at a time invoices its next period."""
    return (
        RecurringInvoice.objects.select_for_update(of=("self",))
        .select_related("company", "party", "created_by")
        .get(company=company, pk=template_id)
    )
