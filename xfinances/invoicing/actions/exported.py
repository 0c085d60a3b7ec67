"""The accounting export's lock on a document (lifecycle rule 1: exported documents lock).

Called by the accounting app (`accounting/actions/exporting.py`) when a batch holding the
documents is made; the actor needs `accounting.export`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.bulk_update import update_rows
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing import locks
from xfinances.invoicing.models import Document, DocumentStatus, ExportStatus

CHUNK = 1000


def mark_exported(actor: Actor, document: Document, *, when: dt.datetime | None = None) -> Document:
    """One document: locks it for edits and voiding (audited)."""
    with transaction.atomic():
        ensure_can(actor, document.company, "accounting.export")
        document = locks.lock_document(document.company, document.pk)
        before = audit.snapshot(document)
        _stamp(document, when or timezone.now())
        document.save(update_fields=["exported_at", "export_status", "locked_at", "lock_reason"])
        audit.record_update(actor, document.company, "mark_exported", document, before)
    return document


def mark_many_exported(
    actor: Actor, company: Company, document_ids: Iterable[int], *, when: dt.datetime | None = None
) -> int:
    """Many documents of one batch (in the caller's transaction): each is stamped once, the
    first export's time kept; one audit event per document newly locked. Returns how many."""
    ensure_can(actor, company, "accounting.export")
    when = when or timezone.now()
    ids = sorted(set(document_ids))
    changed = 0
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            locked = locks.lock_documents(company, ids[start : start + CHUNK])
            fresh = [
                d
                for d in locked.values()
                if d.exported_at is None and d.status != DocumentStatus.DRAFT
            ]
            for document in fresh:
                _stamp(document, when)
            update_rows(
                Document, fresh, ["exported_at", "export_status", "locked_at", "lock_reason"]
            )
            for document in fresh:
                audit.record_event(actor, company, "mark_exported", document, {"exported_at": when})
            changed += len(fresh)
    return changed


def _stamp(document: Document, when: dt.datetime) -> None:
    document.exported_at = document.exported_at or when
    document.export_status = ExportStatus.EXPORTED
    document.locked_at = document.locked_at or document.exported_at
    document.lock_reason = document.lock_reason or "exported"
