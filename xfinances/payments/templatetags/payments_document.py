"""The Payments tab of the staff document page (an include point of invoicing's template):
the document's payment state, its allocations, credit notes and write-offs (each undoable by
those allowed) and "Mark as paid"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from xfinances.invoicing import queries as invoicing_queries
from xfinances.invoicing.models import Document, DocumentStatus
from xfinances.payments import queries
from xfinances.payments.actions.common import CLAIM_KINDS
from xfinances.payments.events import waiting_bank_lines
from xfinances.treasury import queries as treasury_queries

register = template.Library()


def mark_paid_accounts(document: Document, user: Any) -> list[Any]:
    """Active accounts in the document's currency that `user` may enter movements in."""
    company = document.company
    access = treasury_queries.access_for_user(company, user)
    accounts = treasury_queries.visible_accounts(company, access).filter(
        currency=document.currency, is_active=True
    )
    if access.move is not None:
        accounts = accounts.filter(pk__in=access.move)
    return list(accounts.order_by("kind", "name")[:100])


@register.inclusion_tag("payments/_document_panel.html", takes_context=True)
def payments_panel(context: template.Context, document: Document) -> dict[str, Any]:
    allowed = context.get("allowed") or {}
    request = context.get("request")
    applicable = document.status != DocumentStatus.DRAFT and (
        document.kind in CLAIM_KINDS or document.kind == "credit_note"
    )
    can_change = bool(allowed.get("payments_change"))
    payable = (
        can_change
        and document.status == DocumentStatus.ISSUED
        and document.kind in CLAIM_KINDS
        and document.outstanding_amount > 0
    )
    return {
        "applicable": applicable,
        "document": document,
        "company": document.company,
        "can_view": bool(allowed.get("payments_view")),
        "can_change": can_change,
        "allocations": list(queries.allocations_of_document(document)) if applicable else [],
        "write_offs": list(queries.write_offs_of_document(document)) if applicable else [],
        "can_mark_paid": payable,
        "accounts": mark_paid_accounts(document, request.user) if payable and request else [],
        "waiting_lines": waiting_bank_lines.collect(document=document) if payable else [],
        "today": timezone.localdate(),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.simple_tag
def payment_summary(company: Any) -> list[dict[str, Any]]:
    """The dashboard's unpaid and partly paid documents (invoicing's stored payment state)."""
    return invoicing_queries.payment_summary(company, timezone.localdate())
