"""Payments' card on the dashboard: the clients who owe the most."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xfinances.core.roles import can
from xfinances.core.tenancy import CompanyRequest
from xfinances.payments.queries import top_debtors


def cards(request: CompanyRequest) -> SafeString | None:
    if not can(request.role, "payments.view"):
        return None
    company = request.company
    debtors = top_debtors(company, timezone.localdate())
    html = render_to_string(
        "payments/_top_debtors.html", {"debtors": debtors, "company": company}, request
    )
    return mark_safe(html)  # rendered by our own template, escaped there
