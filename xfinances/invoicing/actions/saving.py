"""Saving what the document form or the API sent, and issuing it in the same transaction.

The page's "Save" and "Save and issue" buttons and `POST /api/v1/documents` with `"issue": true`
are one user action each: a new draft (or a note against an issued invoice), changes to a draft,
or a reasoned edit of an issued document, then the issue. One transaction: a refusal at issue
leaves nothing saved, and the form shows the person's input with the errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.invoicing.actions.common import DocumentResult
from xfinances.invoicing.actions.corrections import (
    create_credit_note,
    create_debit_note,
    edit_issued_document,
)
from xfinances.invoicing.actions.drafts import create_draft, update_draft
from xfinances.invoicing.actions.issue import issue_document
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus

#: Header fields a note takes from its invoice rather than from the form.
_NOTE_OWN_FIELDS = ("party_id", "note_reason")


def _is_empty(header: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> bool:
    """No client and no line with a description, product or price: nothing worth a draft."""
    party = header.get("party_id") or header.get("party")
    used = [
        line
        for line in lines
        if any(line.get(k) not in (None, "") for k in ("description", "product_id", "unit_price"))
    ]
    return not party and not used


@transaction.atomic
def save_document(
    actor: Actor,
    company: Company,
    *,
    kind: str,
    header: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    document: Document | None = None,
    corrected: Document | None = None,
    reason: str = "",
    expected_version: int | None = None,
    issue: bool = False,
    today: dt.date | None = None,
) -> DocumentResult:
    """Create or change the document, then, with `issue`, issue it if it is a draft.

    `document`: the document being edited (None for a new one); `corrected`: the issued invoice
    a new credit or debit note corrects; `reason`: why an issued document is edited."""
    warnings: list[str] = []
    is_draft = document is None or document.status == DocumentStatus.DRAFT
    if corrected is None and is_draft and _is_empty(header, lines):
        raise InvalidInput(
            {"__all__": [_("Choose a client or add a line before saving the draft.")]}
        )
    if document is None and corrected is not None:
        maker = create_credit_note if kind == DocumentKind.CREDIT_NOTE else create_debit_note
        note_header = {k: v for k, v in header.items() if k not in _NOTE_OWN_FIELDS}
        saved = maker(
            actor,
            corrected,
            reason=str(header.get("note_reason", "") or ""),
            lines=list(lines),
            **note_header,
        ).document
    elif document is None:
        saved = create_draft(actor, company, kind=kind, lines=list(lines), today=today, **header)
    elif document.status == DocumentStatus.DRAFT:
        saved = update_draft(
            actor, document, lines=list(lines), expected_version=expected_version, **header
        )
    else:
        edited = edit_issued_document(
            actor,
            document,
            reason=reason,
            lines=list(lines),
            expected_version=expected_version,
            **header,
        )
        saved, warnings = edited.document, list(edited.warnings)
    if issue and saved.status == DocumentStatus.DRAFT:
        issued = issue_document(actor, saved, today=today)
        saved, warnings = issued.document, list(issued.warnings)
    return DocumentResult(saved, warnings)
