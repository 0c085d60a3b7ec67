"""Payments' card on the dashboard: the clients who owe the most."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xfinances.core.roles import can
from xfinances.payments.queries import top_debtors


def cards(request: HttpRequest) -> SafeString | None:
    if not can(request.role, "payments.view"):  # type: ignore[attr-defined]
        return None
    company = request.company  # type: ignore[attr-defined]
    debtors = top_debtors(company, timezone.localdate())
    html = render_to_string(
        "payments/_top_debtors.html", {"debtors": debtors, "company": company}, request
    )
    return mark_safe(html)  # rendered by our own template, escaped there
