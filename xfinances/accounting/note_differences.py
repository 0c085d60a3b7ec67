"""The exchange differences of credit notes set off against their invoices, as export records
(`money_records.note_difference_record`), and the reversals of the undone ones.

A credit note in a floating currency is booked at the rate of its own day and its invoice at
another day's, so the note's set-off (`payments.Allocation` with a credit note) stores the
difference between the two EUR values (docs/decisions/0019-credit-note-exchange-differences.md).
Like a write-off, it is booked in the month of the set-off; undone after it went out, its
booking stays and the month of the undo gets its reversal (`write_offs` holds the rule)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xfinances.accounting.building import (
    OnError,
    Period,
    chunks,
    guard,
    party_fields,
    party_of,
    to_ledger,
)
from xfinances.accounting.money_records import (
    NOTE_DIFFERENCE_SOURCE,
    NoteDifferenceInput,
    note_difference_record,
)
from xfinances.accounting.records import AccountMapping, ExportRecord
from xfinances.accounting.write_offs import as_exported, booked_then_undone
from xfinances.core.models import Company
from xfinances.payments.models import Allocation

FIELDS = (
    "id",
    "date",
    "undone_at",
    "exchange_difference_eur",
    "credit_note__number",
    "document__number",
    "document__party_id",
    *party_fields("document__recipient_"),
    "supplier_credit_note_id",
    "supplier_credit_note__supplier_number",
    "supplier_invoice__supplier_number",
    "supplier_invoice__supplier_id",
    *party_fields("supplier_invoice__supplier__"),
)


def note_differences(company: Company) -> QuerySet[Allocation]:
    """The company's credit-note set-offs (ours and the suppliers') with an exchange
    difference."""
    return (
        Allocation.objects.filter(company=company)
        .filter(Q(credit_note__isnull=False) | Q(supplier_credit_note__isnull=False))
        .exclude(exchange_difference_eur=0)
    )


def _input(company: Company, row: dict[str, Any], ledger: str, what: str) -> NoteDifferenceInput:
    difference = to_ledger(
        company, row["exchange_difference_eur"], "EUR", row["date"], ledger, what
    )
    if row["supplier_credit_note_id"] is not None:
        return NoteDifferenceInput(
            id=row["id"],
            date=row["date"],
            difference=difference,
            party=party_of(
                row, "supplier_invoice__supplier__", row["supplier_invoice__supplier_id"]
            ),
            note_number=row["supplier_credit_note__supplier_number"] or "",
            document_number=row["supplier_invoice__supplier_number"] or "",
            receivable=False,
        )
    return NoteDifferenceInput(
        id=row["id"],
        date=row["date"],
        difference=difference,
        party=party_of(row, "document__recipient_", row["document__party_id"]),
        note_number=row["credit_note__number"] or "",
        document_number=row["document__number"] or "",
    )


def note_difference_records_of(
    company: Company, period: Period, mapping: AccountMapping, *, on_error: OnError = None
) -> Iterator[ExportRecord]:
    """One record per credit note's exchange difference booked in the period, then one
    reversal per exported one undone in it; each in the period's ledger currency."""
    ledger = period.currency
    selected = booked_then_undone(note_differences(company), NOTE_DIFFERENCE_SOURCE, period)
    for reversing, rows_of in selected:
        for rows in chunks(rows_of, FIELDS):
            for row in rows:
                what = f"{_('exchange difference')} {row['id']}"
                item = guard(on_error, _input, company, row, ledger, what)
                if item is not None:
                    record = note_difference_record(item, mapping)
                    yield as_exported(record, row["undone_at"], reversing=reversing)
