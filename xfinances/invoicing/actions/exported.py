"""The accounting export's lock on a document."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.invoicing import locks
from xfinances.invoicing.models import (
    Document,
)


def mark_exported(actor: Actor, document: Document, *, when: dt.datetime | None = None) -> Document:
    """Called by the accounting export: the document locks for edits and voiding."""
    with transaction.atomic():
        document = locks.lock_document(document.company, document.pk)
        before = audit.snapshot(document)
        document.exported_at = when or timezone.now()
        document.export_status = "exported"
        document.locked_at = document.locked_at or document.exported_at
        document.lock_reason = document.lock_reason or "exported"
        document.save(update_fields=["exported_at", "export_status", "locked_at", "lock_reason"])
        audit.record_update(actor, document.company, "mark_exported", document, before)
    return document
