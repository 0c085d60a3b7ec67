"""Named reads of sales documents, always scoped to one company."""

from __future__ import annotations

import datetime as dt
import mimetypes
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from xfinances.core.models import Company
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    NumberSeries,
    PrintSettings,
    RecurringInvoice,
    RecurringRun,
)
from xfinances.invoicing.payment_state import OPEN_PAYMENT_FILTER, PaymentStatus

ZERO = Decimal("0.00")


def search_terms(query: str) -> list[str]:
    return [term for term in (query or "").casefold().split() if term]


def documents(
    company: Company,
    *,
    kind: str = "",
    status: str = "",
    party_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    overdue_on: dt.date | None = None,
    q: str = "",
    payment_status: str = "",
) -> QuerySet[Document]:
    """Documents newest first (issue date, then id: the keyset order of the API and UI).

    `overdue_on`: issued invoices and debit notes whose due date is before that day with
    something still outstanding (the stored payment state). `payment_status`: one of
    `PaymentStatus` or "open" (unpaid or partly paid). `q`: every word in the
    number, recipient name, ЕИК/VAT number or line texts."""
    found = Document.objects.filter(company=company)
    if kind:
        found = found.filter(kind=kind)
    if status:
        found = found.filter(status=status)
    if party_id:
        found = found.filter(party_id=party_id)
    if date_from:
        found = found.filter(issue_date__gte=date_from)
    if date_to:
        found = found.filter(issue_date__lte=date_to)
    if amount_min is not None:
        found = found.filter(total__gte=amount_min)
    if amount_max is not None:
        found = found.filter(total__lte=amount_max)
    if overdue_on is not None:
        found = found.filter(
            status=DocumentStatus.ISSUED,
            kind__in=[DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE],
            due_date__lt=overdue_on,
            outstanding_amount__gt=0,
        )
    if payment_status == OPEN_PAYMENT_FILTER:
        found = found.filter(payment_status__in=[PaymentStatus.UNPAID, PaymentStatus.PARTLY_PAID])
    elif payment_status:
        found = found.filter(payment_status=payment_status)
    for term in search_terms(q):
        found = found.filter(search_text__contains=term)
    return found.order_by("-issue_date", "-id")


def after_cursor(found: QuerySet[Document], issue_date: dt.date, pk: int) -> QuerySet[Document]:
    """The rows after (issue_date, pk) in the newest-first order: a keyset page, no OFFSET.
    `issue_date <= day` is said on its own so PostgreSQL starts the index scan at the cursor
    (with only the OR it walks the index from the newest row: 140 ms a million rows deep)."""
    return found.filter(
        Q(issue_date__lte=issue_date),
        Q(issue_date__lt=issue_date) | Q(issue_date=issue_date, pk__lt=pk),
    )


def document(company: Company, document_id: int) -> Document | None:
    return (
        Document.objects.filter(company=company, pk=document_id)
        .select_related("company", "party", "series", "corrected_document", "proforma")
        .first()
    )


def lines_of(document: Document) -> QuerySet[DocumentLine]:
    return (
        DocumentLine.objects.filter(company_id=document.company_id, document=document)
        .select_related("vat_treatment", "advance_document")
        .order_by("position", "id")
    )


def notes_against(invoice: Document) -> QuerySet[Document]:
    return Document.objects.filter(
        company_id=invoice.company_id, corrected_document=invoice
    ).order_by("issue_date", "id")


def remaining_to_credit(invoice: Document, exclude_id: int | None = None) -> Decimal:
    """What credit notes may still take back from `invoice`, in the invoice's currency:
    its total, plus issued debit notes, minus issued credit notes (voided ones do not count)."""
    issued = notes_against(invoice).filter(status=DocumentStatus.ISSUED)
    if exclude_id is not None:
        issued = issued.exclude(pk=exclude_id)
    sums = {
        row["kind"]: row["amount"] or ZERO
        for row in issued.order_by().values("kind").annotate(amount=Sum("correction_total"))
    }
    return (
        invoice.total
        + sums.get(DocumentKind.DEBIT_NOTE, ZERO)
        - sums.get(DocumentKind.CREDIT_NOTE, ZERO)
    )


def advance_deducted(advance: Document, exclude_document_id: int | None = None) -> Decimal:
    """The base of `advance` already deducted by issued final invoices (a positive amount)."""
    lines = DocumentLine.objects.filter(
        company_id=advance.company_id,
        advance_document=advance,
        document__status=DocumentStatus.ISSUED,
    )
    if exclude_document_id is not None:
        lines = lines.exclude(document_id=exclude_document_id)
    return -(lines.aggregate(total=Sum("net"))["total"] or ZERO)


def series_list(company: Company, group: str = "") -> QuerySet[NumberSeries]:
    found = NumberSeries.objects.filter(company=company)
    if group:
        found = found.filter(group=group)
    return found.order_by("group", "range_start", "id")


def before_cursor(found: QuerySet[Document], issue_date: dt.date, pk: int) -> QuerySet[Document]:
    """The rows before (issue_date, pk) in the newest-first order, nearest first (oldest-first
    order): the previous keyset page of the UI, read backwards; no OFFSET."""
    return found.filter(
        Q(issue_date__gte=issue_date),
        Q(issue_date__gt=issue_date) | Q(issue_date=issue_date, pk__gt=pk),
    ).order_by("issue_date", "id")


def print_settings(company: Company) -> PrintSettings:
    """The company's print settings; an unsaved row of defaults when it never set them."""
    found = PrintSettings.objects.filter(company=company).first()
    return found if found is not None else PrintSettings(company=company)


def company_logo(company: Company) -> tuple[bytes, str]:
    """The company logo's bytes and MIME type, or (b"", "") when it has none, the file is gone
    or it is not an image a PDF can hold (a document still prints, without it)."""
    if not company.logo:
        return b"", ""
    try:
        with company.logo.open("rb") as file:
            data = file.read()
    except OSError:
        return b"", ""
    mime = mimetypes.guess_type(company.logo.name)[0] or ""
    if mime not in PRINTABLE_LOGO_TYPES:
        return b"", ""
    return data, mime


PRINTABLE_LOGO_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp")


def recurring_invoices(company: Company) -> QuerySet[RecurringInvoice]:
    return (
        RecurringInvoice.objects.filter(company=company)
        .select_related("party")
        .order_by("name", "id")
    )


def recurring_invoice(company: Company, template_id: int) -> RecurringInvoice | None:
    return (
        RecurringInvoice.objects.filter(company=company, pk=template_id)
        .select_related("company", "party", "created_by")
        .first()
    )


def recurring_runs(template: RecurringInvoice) -> QuerySet[RecurringRun]:
    return (
        RecurringRun.objects.filter(company_id=template.company_id, template=template)
        .select_related("document")
        .order_by("-period_start", "-id")
    )


def payment_summary(company: Company, today: dt.date) -> list[dict[str, Any]]:
    """Per currency and payment status of issued invoices and debit notes not yet paid in full:
    how many and how much is outstanding, and how much of it is overdue (dashboard). One
    query on the stored payment state."""
    rows = (
        Document.objects.filter(
            company=company,
            status=DocumentStatus.ISSUED,
            kind__in=[DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE],
            payment_status__in=[PaymentStatus.UNPAID, PaymentStatus.PARTLY_PAID],
        )
        .values("currency", "payment_status")
        .annotate(
            count=Count("id"),
            outstanding=Sum("outstanding_amount"),
            overdue=Sum("outstanding_amount", filter=Q(due_date__lt=today)),
        )
        .order_by("currency", "payment_status")
    )
    return [
        {
            **row,
            "label": PaymentStatus(row["payment_status"]).label,
            "overdue": row["overdue"] or ZERO,
        }
        for row in rows
    ]
