"""When a document reached its client, and what that changes: no silent edit afterwards.

A document reached the client when its e-mail was sent (`on_message_sent`), or when the client
opened, downloaded or accepted it in the portal (the portal, above invoicing, calls
`mark_delivered`). From then on `edit_issued_document` refuses unless the company allows
edits after delivery (`DocumentSettings.allow_edit_after_delivery`); then the corrected PDF is
e-mailed again, marked as corrected. Otherwise the way out is `void_and_reissue` (a new
number; the annulment protocol) or a credit/debit note."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.actions.corrections import copy_document, void_document
from xfinances.invoicing.exceptions import DocumentDelivered
from xfinances.invoicing.models import (
    NOTE_KINDS,
    DeliveredVia,
    Document,
    DocumentSettings,
    DocumentStatus,
)


@transaction.atomic
def mark_delivered(actor: Actor, document: Document, via: str) -> bool:
    """Record that `document` reached its client (`DeliveredVia`); the first time counts.
    Returns whether this call recorded it."""
    ensure_can(actor, document.company, "documents.view")
    if via not in DeliveredVia.values:
        raise ValueError(f"unknown delivery {via!r}")
    if document.status != DocumentStatus.ISSUED:
        return False
    now = timezone.now()
    changed = Document.objects.filter(
        company_id=document.company_id, pk=document.pk, delivered_at__isnull=True
    ).update(delivered_at=now, delivered_via=via)
    if changed:
        document.delivered_at, document.delivered_via = now, via
        audit.record_event(actor, document.company, "document_delivered", document, {"via": via})
    return bool(changed)


@transaction.atomic
def update_document_settings(
    actor: Actor, company: Company, *, allow_edit_after_delivery: bool
) -> DocumentSettings:
    ensure_can(actor, company, "documents.settings")
    row, _created = DocumentSettings.objects.select_for_update().get_or_create(company=company)
    before = audit.snapshot(row)
    row.allow_edit_after_delivery = bool(allow_edit_after_delivery)
    row.save()
    audit.record_update(actor, company, "update_document_settings", row, before)
    return row


@transaction.atomic
def void_and_reissue(
    actor: Actor, document: Document, *, reason: str, today: dt.date | None = None
) -> tuple[Document, Document]:
    """Void `document` (with the annulment protocol when the client had it) and start its
    replacement: a new draft with the same client and lines, which gets a new number when it
    is issued. Returns (the voided document, the new draft)."""
    ensure_can(actor, document.company, "documents.change")
    if document.kind in NOTE_KINDS:
        raise DocumentDelivered(
            _("A note is not reissued: void it and create a new note to the invoice."),
            field="kind",
        )
    voided = void_document(actor, document, reason=reason, today=today).document
    draft = copy_document(actor, voided, today=today)
    audit.record_event(
        actor, document.company, "void_and_reissue", voided, {"replacement": draft.pk}
    )
    return voided, draft
