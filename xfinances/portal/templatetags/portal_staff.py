"""The portal panel on the staff document page: publication, the client's answer, access log."""

from __future__ import annotations

from typing import Any

from django import template

from xfinances.invoicing.models import Document
from xfinances.portal import queries

register = template.Library()


@register.inclusion_tag("portal/_staff_panel.html", takes_context=True)
def portal_panel(context: template.Context, document: Document) -> dict[str, Any]:
    allowed = context.get("allowed") or {}
    if document.is_draft or document.party_id is None:
        return {"document": document, "applicable": False}
    return {
        "applicable": True,
        "document": document,
        "company": document.company,
        "published": queries.is_published(document),
        "auto_publish": queries.settings_of(document.company).auto_publish,
        "response": queries.response_to(document),
        "log": queries.access_log_of_document(document),
        "can_manage": bool(allowed.get("portal_manage")),
        "csrf_token": context.get("csrf_token"),
    }
