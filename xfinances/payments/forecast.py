"""What the treasury forecast learns from payments: open sales documents as expected receipts,
and each client's typical delay in paying.

Registered in `PaymentsConfig.ready()`: `OpenInvoicesSource` answers `treasury.forecast_sources`
and `typical_days_late` answers `invoicing.client_payment_delays` (the recurring invoices of the
forecast are shifted by it too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xfinances.core.models import Company
from xfinances.payments.models import Allocation
from xfinances.payments.queries import open_amounts
from xfinances.treasury.forecast import ExpectedFlow, FlowKind
from xfinances.treasury.forecast_sources import OPEN_INVOICE_LOOKBACK_DAYS

# How much payment history teaches a client's habits: the last year, at most this many payments.
DAYS_LATE_HISTORY_DAYS = 365
DAYS_LATE_HISTORY_ROWS = 5000


def typical_days_late(company: Company, party_ids: Iterable[int]) -> dict[int, int]:
    """Each client's usual delay in paying, in whole days, learned from its payment history:
    the average of (payment date − due date) over the allocations of the last year, early
    payments counting as on time. A client without history pays on the due date (0)."""
    wanted = set(party_ids)
    late = dict.fromkeys(wanted, 0)
    if not wanted:
        return late
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


def _document_url(eik: str, document_id: int) -> str:
    try:
        return reverse("invoicing:detail", args=[eik, document_id])
    except NoReverseMatch:  # the sales-document pages are not routed (yet)
        return ""


class OpenInvoicesSource:
    """Open sales documents as expected receipts (credit notes as expected refunds) on their due
    date plus the client's typical days late. The open amount is what `queries.open_amounts`
    leaves after payments, credit notes and write-offs. The account is unknown: group None."""

    def __init__(self, company: Company, currency: str, eik: str) -> None:
        self.company, self.currency, self.eik = company, currency, eik

    def flows(self, start: dt.date, end: dt.date) -> Iterator[ExpectedFlow]:
        since = start - dt.timedelta(days=OPEN_INVOICE_LOOKBACK_DAYS)
        rows = open_amounts(self.company, self.currency, since)
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


def forecast_sources(company: Company, currency: str) -> list[OpenInvoicesSource]:
    """The provider of `treasury.forecast_sources`."""
    return [OpenInvoicesSource(company, currency, company.eik)]


def client_payment_delays(company: Company, party_ids: set[int]) -> dict[int, int]:
    """The provider of `invoicing.client_payment_delays`."""
    return typical_days_late(company, party_ids)
