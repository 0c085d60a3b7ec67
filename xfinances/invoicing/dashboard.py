"""Invoicing on the dashboard (core/dashboard.py): "Нова фактура", the first-invoice step, and
revenue by month as CSS bars (no JavaScript)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xfinances.core.tenancy import CompanyRequest
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus

MONTHS = 6


@dataclass(frozen=True)
class MonthBar:
    month: dt.date
    amount: Decimal
    percent: int  # of the highest month, for the bar's height


def month_starts(today: dt.date, count: int) -> list[dt.date]:
    months: list[dt.date] = []
    year, month = today.year, today.month
    for _ in range(count):
        months.insert(0, dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def revenue_by_month(company_id: int, today: dt.date, count: int = MONTHS) -> list[MonthBar]:
    """Issued invoices and debit notes less credit notes, in EUR, per month of issue."""
    months = month_starts(today, count)
    issued = Document.objects.filter(
        company_id=company_id, status=DocumentStatus.ISSUED, issue_date__gte=months[0]
    )
    totals = dict.fromkeys(months, Decimal(0))
    rows = (
        issued.annotate(month=TruncMonth("issue_date"))
        .values("month", "kind")
        .annotate(amount=Sum("eur_total"))
    )
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        if month not in totals:
            continue
        amount = abs(row["amount"] or Decimal(0))
        if row["kind"] in (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE):
            totals[month] += amount
        elif row["kind"] == DocumentKind.CREDIT_NOTE:
            totals[month] -= amount
    highest = max((v for v in totals.values() if v > 0), default=Decimal(0))
    return [
        MonthBar(m, v, int(v * 100 / highest) if highest and v > 0 else 0)
        for m, v in totals.items()
    ]


def cards(request: CompanyRequest) -> SafeString | None:
    company = request.company
    html = render_to_string(
        "invoicing/_dashboard_cards.html",
        {
            "company": company,
            "revenue": revenue_by_month(company.pk, timezone.localdate()),
        },
        request,
    )
    return mark_safe(html)  # rendered by our own template, escaped there
