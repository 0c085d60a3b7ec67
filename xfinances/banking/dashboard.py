"""E-banking's card on the dashboard: lines waiting for a person, how fresh the bank data is,
and the automatic sources that need a look."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xfinances.banking import queries
from xfinances.core.roles import can
from xfinances.core.tenancy import CompanyRequest


def cards(request: CompanyRequest) -> SafeString | None:
    if not can(request.role, "payments.view"):
        return None
    company = request.company
    summary = queries.dashboard_summary(company, timezone.localdate())
    if summary is None:
        return None
    html = render_to_string(
        "banking/_dashboard_cards.html", {"company": company, "banking": summary}, request
    )
    return mark_safe(html)  # rendered by our own template, escaped there
