"""The parties' cards on the dashboard: how many clients and suppliers (core/dashboard.py)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from xfinances.core.tenancy import CompanyRequest
from xfinances.parties import queries


def cards(request: CompanyRequest) -> SafeString:
    company = request.company
    html = render_to_string(
        "parties/_dashboard_cards.html",
        {"company": company, "party_counts": queries.counts(company)},
        request,
    )
    return mark_safe(html)  # rendered by our own template, escaped there
