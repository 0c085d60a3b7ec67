"""The rule that a document which reached its client is not edited silently (see
`actions/delivered.py`)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core.models import Company
from xfinances.invoicing.exceptions import DocumentDelivered
from xfinances.invoicing.models import DeliveredVia, Document, DocumentSettings


def document_settings(company: Company) -> DocumentSettings:
    """The company's document settings (defaults, unsaved, when it never changed them)."""
    found = DocumentSettings.objects.filter(company=company).first()
    return found or DocumentSettings(company=company)


def delivery_refusal(document: Document) -> str:
    """Why an edit is refused once the document reached the client, with the ways out."""
    way = DeliveredVia(document.delivered_via).label if document.delivered_via else ""
    when = (
        timezone.localtime(document.delivered_at).strftime("%d.%m.%Y")
        if document.delivered_at
        else ""
    )
    return _(
        "This document already reached the client (%(how)s, %(when)s): it can no longer be "
        "changed without the client knowing. Void it and issue a new one (a new number), or "
        "issue a credit or debit note."
    ) % {"how": way, "when": when}


def ensure_editable_after_delivery(document: Document) -> bool:
    """Refuse an edit of a delivered document unless the company allows it. Returns whether
    the edit is a correction after delivery (then it is re-sent, marked as corrected)."""
    if document.delivered_at is None:
        return False
    if not document_settings(document.company).allow_edit_after_delivery:
        raise DocumentDelivered(delivery_refusal(document), field="status")
    return True
