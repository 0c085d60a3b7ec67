"""Where the forecast's expected flows come from (database reads; the arithmetic is forecast.py).

Each source implements `forecast.ForecastSource`. Built in: the planned items the user enters.
When the sales-documents app is installed: open sales invoices and notes by due date, shifted
by each client's typical days late. Payables and recurring invoices join here when their apps
exist (a new class with `flows(start, end)` added to `sources_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xfinances.core.models import Company
from xfinances.treasury.forecast import ExpectedFlow, FlowKind, ForecastSource, occurrences
from xfinances.treasury.models import PlannedItem

# Until the payments issue lands, an issued invoice is "open" forever; invoices due longer ago
# than this are taken as settled so that years of history do not pile into week 1.
OPEN_INVOICE_LOOKBACK_DAYS = 90


class PlannedItemSource:
    """The company's active planned items expanded over the window. `groups` maps an account id
    to its top-level account id (the forecast group); items on an account outside `groups`
    (not visible to the user) are left out."""

    def __init__(
        self,
        company: Company,
        currency: str,
        groups: Mapping[int, int],
        eik: str,
        include_unassigned: bool = True,
    ) -> None:
        self.company, self.currency, self.groups, self.eik = company, currency, groups, eik
        self.include_unassigned = include_unassigned

    def flows(self, start: dt.date, end: dt.date) -> Iterator[ExpectedFlow]:
        items = PlannedItem.objects.filter(
            company=self.company, is_active=True, currency=self.currency
        ).order_by("id")
        url = reverse("treasury:planned", args=[self.eik])
        for item in items:
            if item.account_id is None and not self.include_unassigned:
                continue
            if item.account_id is not None and item.account_id not in self.groups:
                continue
            group = self.groups.get(item.account_id) if item.account_id else None
            for day in occurrences(
                item.schedule, item.day, item.start_date, item.end_date, start, end
            ):
                yield ExpectedFlow(
                    date=day,
                    amount=item.amount,
                    currency=item.currency,
                    group=group,
                    label=item.name,
                    url=f"{url}#planned-{item.pk}",
                    kind=FlowKind.PLANNED,
                )


def typical_days_late(company: Company, party_ids: Iterable[int]) -> dict[int, int]:
    """Each client's usual delay in paying, in days, learned from its payment history.

    The hook for the payments issue: with no payment history yet every client pays on the due
    date (0). Replace the body with a per-party average of (paid on − due date)."""
    return dict.fromkeys(party_ids, 0)


def open_sales_documents(company: Company, currency: str, since: dt.date) -> list[dict[str, Any]]:
    """The ONE query deciding what is still to be collected: issued invoices, debit and credit
    notes in `currency` with an open amount (total − what payments, credit notes and write-offs
    settled), due on or after `since`. `total` in each row is that open amount."""
    if apps.is_installed("xfinances.payments"):
        from xfinances.payments.queries import open_amounts

        return open_amounts(company, currency, since)
    from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus

    rows = (
        Document.objects.filter(
            company=company,
            status=DocumentStatus.ISSUED,
            currency=currency,
            kind__in=[DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE, DocumentKind.CREDIT_NOTE],
        )
        .exclude(due_date__lt=since)
        .exclude(due_date__isnull=True, issue_date__lt=since)
        .values("id", "kind", "number", "due_date", "issue_date", "total", "party_id")
        .order_by("id")
    )
    return [dict(row) for row in rows]


def _document_url(eik: str, document_id: int) -> str:
    try:
        return reverse("invoicing:detail", args=[eik, document_id])
    except NoReverseMatch:  # the sales-document pages are not routed (yet)
        return ""


class OpenInvoicesSource:
    """Open sales documents as expected receipts (credit notes as expected refunds) on their due
    date plus the client's typical days late. The account is unknown: group None."""

    def __init__(self, company: Company, currency: str, eik: str) -> None:
        self.company, self.currency, self.eik = company, currency, eik

    def flows(self, start: dt.date, end: dt.date) -> Iterator[ExpectedFlow]:
        since = start - dt.timedelta(days=OPEN_INVOICE_LOOKBACK_DAYS)
        rows = open_sales_documents(self.company, self.currency, since)
        late = typical_days_late(self.company, {r["party_id"] for r in rows if r["party_id"]})
        for row in rows:
            due = row["due_date"] or row["issue_date"]
            expected = due + dt.timedelta(days=late.get(row["party_id"], 0))
            if expected > end:
                continue
            total = abs(Decimal(row["total"]))
            if not total:
                continue
            is_credit = row["kind"] == "credit_note"
            label = (_("Credit note %(number)s") if is_credit else _("Invoice %(number)s")) % {
                "number": row["number"] or row["id"]
            }
            yield ExpectedFlow(
                date=expected,
                amount=-total if is_credit else total,
                currency=self.currency,
                group=None,
                label=label,
                url=_document_url(self.eik, row["id"]),
                kind=FlowKind.RECEIVABLE,
            )


def sources_for(
    company: Company, currency: str, groups: Mapping[int, int], include_unassigned: bool
) -> list[ForecastSource]:
    """Every source that applies to this install. Unassigned flows (documents, not tied to an
    account) only for users who see every account."""
    found: list[ForecastSource] = [
        PlannedItemSource(company, currency, groups, company.eik, include_unassigned)
    ]
    if include_unassigned and apps.is_installed("xfinances.invoicing"):
        found.append(OpenInvoicesSource(company, currency, company.eik))
    return found
