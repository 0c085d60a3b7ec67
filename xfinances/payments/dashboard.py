"""Payments' cards on the dashboard: the clients who owe the most, and what is overdue by the
month it fell due (CSS bars, like invoicing's revenue)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xfinances.core.roles import can
from xfinances.core.tenancy import CompanyRequest
from xfinances.invoicing.dashboard import MONTHS, MonthBar, month_starts
from xfinances.payments.aging import OpenItem, open_items, top_debtors


def overdue_by_month(
    items: Iterable[OpenItem], today: dt.date, currency: str = "EUR", count: int = MONTHS
) -> list[MonthBar]:
    """Open amounts past their due date, by the month they fell due; older months count in
    the first bar."""
    months = month_starts(today, count)
    totals = dict.fromkeys(months, Decimal(0))
    for item in items:
        if item.currency != currency or item.open_amount <= 0:
            continue
        if item.due_date is None or item.due_date >= today:
            continue
        month = max(months[0], item.due_date.replace(day=1))
        totals[month] += item.open_amount
    highest = max(totals.values(), default=Decimal(0))
    return [MonthBar(m, v, int(v * 100 / highest) if highest > 0 else 0) for m, v in totals.items()]


def cards(request: CompanyRequest) -> SafeString | None:
    if not can(request.role, "payments.view"):
        return None
    company = request.company
    today = timezone.localdate()
    debtors = top_debtors(company, today)
    overdue = overdue_by_month(open_items(company, today), today)
    html = render_to_string(
        "payments/_top_debtors.html",
        {"debtors": debtors, "company": company, "overdue": overdue},
        request,
    )
    return mark_safe(html)  # rendered by our own template, escaped there
