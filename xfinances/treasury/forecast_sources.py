"""Where the forecast's expected flows come from (database reads; the arithmetic is forecast.py).

Each source implements `forecast.ForecastSource`: the planned items the user enters; open
sales invoices and notes by due date, shifted by each client's typical days late (learned from
its payments); open supplier invoices by due date; and the invoices recurring templates will
issue, expected on their period date plus the client's payment terms and typical delay.
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


# How much payment history teaches a client's habits: the last year, at most this many payments.
DAYS_LATE_HISTORY_DAYS = 365
DAYS_LATE_HISTORY_ROWS = 5000


def typical_days_late(company: Company, party_ids: Iterable[int]) -> dict[int, int]:
    """Each client's usual delay in paying, in whole days, learned from its payment history:
    the average of (payment date − due date) over the allocations of the last year, early
    payments counting as on time. A client without history pays on the due date (0)."""
    wanted = set(party_ids)
    late = dict.fromkeys(wanted, 0)
    if not wanted or not apps.is_installed("xfinances.payments"):
        return late
    from xfinances.payments.models import Allocation

    since = dt.date.today() - dt.timedelta(days=DAYS_LATE_HISTORY_DAYS)
    rows = (
        Allocation.objects.filter(
            company=company,
            undone_at__isnull=True,
            payment__isnull=False,
            document__party_id__in=wanted,
            document__due_date__isnull=False,
            payment__date__gte=since,
        )
        .order_by("-id")
        .values_list("document__party_id", "payment__date", "document__due_date")[
            :DAYS_LATE_HISTORY_ROWS
        ]
    )
    delays: dict[int, list[int]] = {}
    for party_id, paid_on, due in rows:
        if party_id is not None and due is not None:
            delays.setdefault(party_id, []).append(max((paid_on - due).days, 0))
    for party_id, days in delays.items():
        late[party_id] = round(sum(days) / len(days))
    return late


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


class OpenSupplierInvoicesSource:
    """What the company still owes suppliers, as expected payments on each due date."""

    def __init__(self, company: Company, currency: str, eik: str) -> None:
        self.company, self.currency, self.eik = company, currency, eik

    def flows(self, start: dt.date, end: dt.date) -> Iterator[ExpectedFlow]:
        from xfinances.purchases.models import SupplierInvoice, SupplierInvoiceStatus

        since = start - dt.timedelta(days=OPEN_INVOICE_LOOKBACK_DAYS)
        rows = (
            SupplierInvoice.objects.filter(
                company=self.company,
                currency=self.currency,
                status=SupplierInvoiceStatus.REGISTERED,
                remaining__gt=0,
            )
            .exclude(due_date__lt=since)
            .values("id", "supplier_number", "due_date", "issue_date", "remaining")
            .order_by("id")
        )
        for row in rows:
            expected = row["due_date"] or row["issue_date"]
            if expected > end:
                continue
            try:
                url = reverse("purchases:detail", args=[self.eik, row["id"]])
            except NoReverseMatch:
                url = ""
            yield ExpectedFlow(
                date=expected,
                amount=-Decimal(row["remaining"]),
                currency=self.currency,
                group=None,
                label=_("Supplier invoice %(number)s") % {"number": row["supplier_number"]},
                url=url,
                kind=FlowKind.PAYABLE,
            )


def recurring_total(company: Company, lines: list[dict[str, Any]], currency: str) -> Decimal:
    """The total (with VAT) an invoice from these template lines would have."""
    from xfinances.catalog.models import VatTreatment
    from xfinances.invoicing.totals import LineInput, compute_totals

    rates = {
        t.code: t.effective_rate
        for t in VatTreatment.objects.filter(
            company=company, code__in=[str(line.get("vat_treatment")) for line in lines]
        )
    }
    inputs = [
        LineInput(
            quantity=Decimal(str(line.get("quantity") or "1")),
            unit_price=Decimal(str(line.get("unit_price") or "0")),
            discount_percent=Decimal(str(line.get("discount_percent") or "0")),
            vat_rate=rates.get(str(line.get("vat_treatment")), Decimal("0")),
            vat_key=str(line.get("vat_treatment")),
        )
        for line in lines
    ]
    return compute_totals(inputs, Decimal("0"), currency).total if inputs else Decimal("0")


class RecurringInvoicesSource:
    """Invoices that active recurring templates will issue in the window, each expected to be
    paid on its period date + the client's payment terms + the client's typical delay."""

    def __init__(self, company: Company, currency: str, eik: str) -> None:
        self.company, self.currency, self.eik = company, currency, eik

    def flows(self, start: dt.date, end: dt.date) -> Iterator[ExpectedFlow]:
        from xfinances.invoicing.models import RecurringInvoice
        from xfinances.invoicing.schedule import periods_between

        templates = list(
            RecurringInvoice.objects.filter(
                company=self.company, active=True, currency=self.currency
            )
            .exclude(next_period_start__isnull=True)
            .select_related("party")
            .order_by("id")
        )
        late = typical_days_late(self.company, {t.party_id for t in templates})
        for template in templates:
            total = recurring_total(self.company, list(template.lines), self.currency)
            if not total:
                continue
            terms = (
                template.party.payment_terms_days
                if template.party.payment_terms_days is not None
                else self.company.payment_terms_days
            )
            shift = dt.timedelta(days=terms + late.get(template.party_id, 0))
            assert template.next_period_start is not None
            for period in periods_between(
                template.next_period_start, template.schedule, template.day_of_month, end
            ):
                if template.end_date and period > template.end_date:
                    break
                expected = period + shift
                if expected < start or expected > end:
                    continue
                try:
                    url = reverse("invoicing:recurring_detail", args=[self.eik, template.pk])
                except NoReverseMatch:
                    url = ""
                yield ExpectedFlow(
                    date=expected,
                    amount=total,
                    currency=self.currency,
                    group=None,
                    label=_("Recurring: %(name)s") % {"name": template.name},
                    url=url,
                    kind=FlowKind.RECURRING_INVOICE,
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
        found.append(RecurringInvoicesSource(company, currency, company.eik))
    if include_unassigned and apps.is_installed("xfinances.purchases"):
        found.append(OpenSupplierInvoicesSource(company, currency, company.eik))
    return found
