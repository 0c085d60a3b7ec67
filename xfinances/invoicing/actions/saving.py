"""Saving what the document form or the API sent, and issuing it in the same transaction.

The page's "Save" (`save_document`) and "Save and issue" (`save_and_issue`) buttons, and
`POST /api/v1/documents` or `PATCH /api/v1/documents/{id}` with `"issue": true`, are one user
action each: a new draft (or a note against an issued invoice), changes to a draft, or a
reasoned edit of an issued document, then the issue. One permission check and one
transaction: a refusal at issue leaves nothing saved, and the form shows the person's input
with the errors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.actions.common import DocumentResult
from xfinances.invoicing.actions.corrections import _create_note, _edit_issued_document
from xfinances.invoicing.actions.drafts import _create_draft, _update_draft
from xfinances.invoicing.actions.issue import _issue_document
from xfinances.invoicing.inputs import UNSET, DraftInput
from xfinances.invoicing.models import Document, DocumentStatus


def _is_empty(draft: DraftInput, *, existing: bool) -> bool:
    """No client and no line with a description, product or price: nothing worth a draft.
    A change to an `existing` draft that leaves its client or its lines alone keeps them."""
    if existing and (draft.party_id is UNSET or draft.lines is None):
        return False
    used = [
        line
        for line in draft.lines or ()
        if line.description or line.product_id is not None or line.unit_price is not None
    ]
    return not draft.party_given and not used


def _save(
    actor: Actor,
    company: Company,
    draft: DraftInput,
    *,
    kind: str,
    document: Document | None,
    corrected: Document | None,
    reason: str,
    expected_version: int | None,
    today: dt.date | None,
) -> DocumentResult:
    """Create or change the document (the caller checked the permission)."""
    is_draft = document is None or document.status == DocumentStatus.DRAFT
    if corrected is None and is_draft and _is_empty(draft, existing=document is not None):
        raise InvalidInput(
            {"__all__": [_("Choose a client or add a line before saving the draft.")]}
        )
    if draft.unread and (corrected is not None or not is_draft):
        # A note or an edit of an issued document checks its input in several steps: report
        # what could not be read before any of them.
        raise InvalidInput(dict(draft.unread))
    if document is None and corrected is not None:
        # A note's client is its invoice's; the reason travels as the note's reason.
        note_reason = draft.note_reason if isinstance(draft.note_reason, str) else ""
        details = replace(draft, party_id=UNSET, note_reason=UNSET, lines=None)
        return _create_note(
            actor,
            corrected,
            kind,
            reason=note_reason,
            lines=draft.lines or (),
            issue=False,
            today=today,
            details=details,
        )
    if document is None:
        return DocumentResult(_create_draft(actor, company, draft, kind=kind, today=today))
    if document.status == DocumentStatus.DRAFT:
        return DocumentResult(
            _update_draft(actor, document, draft, expected_version=expected_version)
        )
    return _edit_issued_document(
        actor, document, draft, reason=reason, expected_version=expected_version, today=today
    )


@transaction.atomic
def save_document(
    actor: Actor,
    company: Company,
    draft: DraftInput,
    *,
    kind: str,
    document: Document | None = None,
    corrected: Document | None = None,
    reason: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> DocumentResult:
    """Create or change a document from what the form or the API sent.

    `document`: the document being edited (None for a new one): a draft changes freely, an
    issued document with `reason` (audited); `corrected`: the issued invoice a new credit or
    debit note corrects."""
    ensure_can(actor, company, "documents.change")
    return _save(
        actor,
        company,
        draft,
        kind=kind,
        document=document,
        corrected=corrected,
        reason=reason,
        expected_version=expected_version,
        today=today,
    )


@transaction.atomic
def save_and_issue(
    actor: Actor,
    company: Company,
    draft: DraftInput,
    *,
    kind: str,
    document: Document | None = None,
    corrected: Document | None = None,
    reason: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> DocumentResult:
    """`save_document`, then issue the document if it is a draft: one user action, one
    permission check, one transaction — a refusal at issue leaves nothing saved (no new
    draft, no changes to the existing one)."""
    ensure_can(actor, company, "documents.change")
    saved = _save(
        actor,
        company,
        draft,
        kind=kind,
        document=document,
        corrected=corrected,
        reason=reason,
        expected_version=expected_version,
        today=today,
    )
    if saved.document.status != DocumentStatus.DRAFT:
        return saved  # an issued document was corrected: it keeps its number
    return _issue_document(actor, saved.document, today=today)
