"""What the company still owes suppliers, as a source of the treasury forecast.

Registered in `PurchasesConfig.ready()` on `treasury.forecast_sources`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from xfinances.core.models import Company
from xfinances.purchases.models import SupplierInvoice, SupplierInvoiceStatus
from xfinances.treasury.forecast import ExpectedFlow, FlowKind
from xfinances.treasury.forecast_sources import OPEN_INVOICE_LOOKBACK_DAYS


class OpenSupplierInvoicesSource:
    """What the company still owes suppliers, as expected payments on each due date."""

    def __init__(self, company: Company, currency: str, eik: str) -> None:
        self.company, self.currency, self.eik = company, currency, eik

    def flows(self, start: dt.date, end: dt.date) -> Iterator[ExpectedFlow]:
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


def forecast_sources(company: Company, currency: str) -> list[OpenSupplierInvoicesSource]:
    """The provider of `treasury.forecast_sources`."""
    return [OpenSupplierInvoicesSource(company, currency, company.eik)]
