"""Drafts: create, update, delete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing import lifecycle, locks
from xfinances.invoicing.actions.common import EURO_DAY, CleanLine
from xfinances.invoicing.actions.header import _clean_header, _today
from xfinances.invoicing.actions.lines import (
    _apply_totals,
    _clean_lines,
    _compute,
    _lines_summary,
    _save_lines,
    _stored_lines,
)
from xfinances.invoicing.actions.snapshots import (
    _freeze_recipient,
    _freeze_supplier,
    _refresh_search_text,
    _words,
)
from xfinances.invoicing.exceptions import StaleDocument
from xfinances.invoicing.inputs import DraftInput, LineInput
from xfinances.invoicing.lifecycle import Transition
from xfinances.invoicing.models import (
    NOTE_KINDS,
    Document,
    DocumentKind,
    DocumentStatus,
    PaymentMethod,
    series_group_of,
)
from xfinances.parties.models import Party

# --- drafts ------------------------------------------------------------------------------------


def _defaults(company: Company, kind: str, party: Party | None, today: dt.date) -> dict[str, Any]:
    language = (party.language if party and party.language else company.document_language) or "bg"
    return {
        "issue_date": today,
        "place_of_issue": company.place_of_issue or company.city,
        "currency": "EUR" if today >= EURO_DAY else "BGN",
        "language": language,
        "payment_method": PaymentMethod.BANK_TRANSFER,
    }


def _due_date(company: Company, party: Party | None, issue_date: dt.date) -> dt.date:
    days = (
        party.payment_terms_days
        if party and party.payment_terms_days is not None
        else company.payment_terms_days
    )
    return issue_date + dt.timedelta(days=days)


def _check_version(document: Document, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != document.version:
        raise StaleDocument(
            _(
                "Someone changed this document in the meantime (version "
                "%(now)d, you had %(had)d): reload it."
            )
            % {"now": document.version, "had": int(expected_version)},
            field="version",
        )


def _write_draft(
    document: Document, header: dict[str, Any], lines: list[CleanLine] | None
) -> Document:
    """Apply cleaned values to a draft, recompute, save lines, groups and search text."""
    for key, value in header.items():
        setattr(document, key, value)
    if document.tax_event_date is None:
        document.tax_event_date = document.issue_date
    if lines is None:
        lines = _stored_lines(document) if document.pk else []
    computed = _compute(document, lines)
    _apply_totals(document, computed)
    _freeze_recipient(document, document.party)
    _freeze_supplier(document, document.company)
    document.amount_in_words = _words(document)
    document.save()
    _save_lines(document, lines, computed)
    _refresh_search_text(document)
    return document


@transaction.atomic
def create_draft(
    actor: Actor,
    company: Company,
    draft: DraftInput,
    *,
    kind: str = DocumentKind.INVOICE,
    today: dt.date | None = None,
) -> Document:
    """A new draft (no number) of `kind`, with the header and lines of `draft`."""
    ensure_can(actor, company, "documents.change")
    return _create_draft(actor, company, draft, kind=kind, today=today)


def _create_draft(
    actor: Actor,
    company: Company,
    draft: DraftInput | Mapping[str, Any],
    *,
    kind: str,
    lines: Sequence[LineInput] | None = None,
    corrected_document: Document | None = None,
    today: dt.date | None = None,
) -> Document:
    """`create_draft` without the permission check, for actions that checked it already (a
    save and issue, a conversion, a note, a recurring run). Conversions and notes pass the
    header they take from the invoice as a mapping (its client object, its discount)."""
    if kind not in DocumentKind.values:
        raise InvalidInput({"kind": [_("Unknown kind of document.")]})
    if kind in NOTE_KINDS and corrected_document is None:
        raise InvalidInput(
            {
                "corrected_document_id": [
                    _("A note corrects an issued invoice: use the note actions.")
                ]
            }
        )
    errors = InvalidInput.collect()
    if isinstance(draft, DraftInput):
        data, lines = draft.header(), draft.lines if lines is None else lines
        draft.report_unread(errors)
    else:
        data = dict(draft)
    header = _clean_header(company, kind, data, errors)
    clean_lines = _clean_lines(company, lines or (), corrected=corrected_document, errors=errors)
    errors.raise_if_any()
    day = _today(today)
    values = {
        **_defaults(company, kind, header.get("party"), day),
        **{k: v for k, v in header.items() if v is not None or k in ("party", "series")},
    }
    if values.get("due_date") is None and kind != DocumentKind.PROTOCOL:
        values["due_date"] = _due_date(company, values.get("party"), values["issue_date"])
    document = Document(
        company=company,
        kind=kind,
        status=DocumentStatus.DRAFT,
        number_group=series_group_of(kind),
        created_by=actor.user,
        corrected_document=corrected_document,
    )
    if corrected_document is not None:
        document.corrected_number = corrected_document.number or ""
        document.corrected_issue_date = corrected_document.issue_date
        if corrected_document.currency == "BGN":
            values["currency"] = "EUR"
            document.original_currency = "BGN"
        else:
            values["currency"] = corrected_document.currency
    _write_draft(document, values, clean_lines)
    audit.record_create(actor, company, "create_draft", document)
    return document


@transaction.atomic
def update_draft(
    actor: Actor,
    document: Document,
    draft: DraftInput,
    *,
    expected_version: int | None = None,
) -> Document:
    """Change the draft's header fields given in `draft`; its `lines`, when given, replace all
    the draft's lines."""
    ensure_can(actor, document.company, "documents.change")
    return _update_draft(actor, document, draft, expected_version=expected_version)


def _update_draft(
    actor: Actor,
    document: Document,
    draft: DraftInput,
    *,
    expected_version: int | None = None,
) -> Document:
    """`update_draft` without the permission check (see `_create_draft`)."""
    company = document.company
    document = locks.lock_document(company, document.pk)
    if document.status != DocumentStatus.DRAFT:
        raise Conflict(
            _("Only a draft can be changed freely; an issued document needs a reason."),
            field="status",
        )
    _check_version(document, expected_version)
    errors = InvalidInput.collect()
    draft.report_unread(errors)
    header = _clean_header(company, document.kind, draft.header(), errors)
    clean_lines = (
        _clean_lines(company, draft.lines, corrected=document.corrected_document, errors=errors)
        if draft.lines is not None
        else None
    )
    errors.raise_if_any()
    before = {**audit.snapshot(document), "lines": _lines_summary(document)}
    document.version += 1
    _write_draft(document, header, clean_lines)
    after = {**audit.snapshot(document), "lines": _lines_summary(document)}
    changes = audit.diff(before, after)
    if changes:
        audit.record_changes(actor, company, "update_draft", document, changes)
    return document


@transaction.atomic
def delete_draft(actor: Actor, document: Document) -> None:
    company = document.company
    ensure_can(actor, company, "documents.change")
    document = locks.lock_document(company, document.pk)
    if not lifecycle.can_transition(document.status, Transition.DELETE):
        raise Conflict(
            lifecycle.transition_refusal(document.status, Transition.DELETE), field="status"
        )
    audit.record_delete(actor, company, "delete_draft", document)
    document.delete()
