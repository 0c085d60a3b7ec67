"""Treasury's cards on the dashboard: cash now, the forecast's lowest point, the accounts."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from xfinances.core.roles import can
from xfinances.core.tenancy import CompanyRequest
from xfinances.treasury.queries import dashboard_summary


def cards(request: CompanyRequest) -> SafeString | None:
    if not can(request.role, "treasury.view"):
        return None
    company = request.company
    summary = dashboard_summary(company, request.user)
    html = render_to_string(
        "treasury/_dashboard_cards.html", {"company": company, "treasury": summary}, request
    )
    return mark_safe(html)  # rendered by our own template, escaped there
