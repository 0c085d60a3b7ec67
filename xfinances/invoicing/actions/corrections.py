"""Correcting issued documents: edit, void, convert a proforma, credit and debit notes, copies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, events, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing import lifecycle, locks, queries
from xfinances.invoicing.actions.checks import _check_ceilings, _validate_for_issue
from xfinances.invoicing.actions.common import (
    EURO_DAY,
    DocumentResult,
    annulment_protocol_after_days,
)
from xfinances.invoicing.actions.delivery import resend_corrected
from xfinances.invoicing.actions.delivery_rules import ensure_editable_after_delivery
from xfinances.invoicing.actions.drafts import _check_version, _create_draft
from xfinances.invoicing.actions.header import _clean_header, _today
from xfinances.invoicing.actions.issue import _issue_document, _lock_for_issue
from xfinances.invoicing.actions.lines import (
    _apply_totals,
    _clean_lines,
    _compute,
    _lines_summary,
    _save_groups,
    _save_lines,
    _stored_lines,
)
from xfinances.invoicing.actions.pdfs import _schedule_pdf
from xfinances.invoicing.actions.snapshots import (
    _freeze_recipient,
    _refresh_search_text,
    _words,
    printed_bank_accounts,
)
from xfinances.invoicing.events import DocumentUpdated, DocumentVoided
from xfinances.invoicing.exceptions import DocumentLocked
from xfinances.invoicing.inputs import DraftInput, LineInput
from xfinances.invoicing.lifecycle import Transition
from xfinances.invoicing.models import (
    NOTE_KINDS,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
)

# --- issued documents: edit and void -----------------------------------------------------------


def _ensure_unlocked(document: Document, day: dt.date) -> None:
    state = lifecycle.lock_of(document, day)
    if state.locked:
        raise DocumentLocked(state.message, field="status")


@transaction.atomic
def edit_issued_document(
    actor: Actor,
    document: Document,
    changes: DraftInput,
    *,
    reason: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> DocumentResult:
    """Correct an issued, unlocked document with the header fields and lines of `changes`. The
    number stays; every changed field is audited with its before/after value and the reason;
    the old PDF is kept and a new one rendered."""
    ensure_can(actor, document.company, "documents.change")
    return _edit_issued_document(
        actor, document, changes, reason=reason, expected_version=expected_version, today=today
    )


def _check_series_order(company: Company, document: Document) -> None:
    """A new issue date must keep the series' numbers and dates in the same order."""
    others = Document.objects.filter(company=company, series_id=document.series_id).exclude(
        pk=document.pk
    )
    number = document.number or ""
    earlier = others.filter(number__lt=number, issue_date__gt=document.issue_date).exists()
    later = others.filter(number__gt=number, issue_date__lt=document.issue_date).exists()
    if earlier or later:
        raise InvalidInput(
            {
                "issue_date": [
                    _("The new date would break the order of numbers and dates in the series.")
                ]
            }
        )


def _edited_header(company: Company, document: Document, changes: DraftInput) -> dict[str, Any]:
    """The checked header changes of an issued document: its series and currency stay."""
    data = changes.header()
    data.pop("series_id", None)
    header = _clean_header(company, document.kind, data)
    if "currency" in header and header["currency"] != document.currency:
        raise InvalidInput(
            {
                "currency": [
                    _(
                        "The currency of an issued document cannot "
                        "change: void it and issue a new one."
                    )
                ]
            }
        )
    return header


def _apply_header(company: Company, document: Document, header: dict[str, Any]) -> None:
    party_before, date_before = document.party_id, document.issue_date
    for key, value in header.items():
        setattr(document, key, value)
    if document.party_id != party_before:
        _freeze_recipient(document, document.party)
    if "bank_account_ids" in header:
        document.supplier_bank_accounts = [
            {"iban": a.iban, "bic": a.bic, "bank_name": a.bank_name, "currency": a.currency}
            for a in printed_bank_accounts(company, document.bank_account_ids)
        ]
    if document.issue_date != date_before and document.series_id:
        _check_series_order(company, document)


def _edit_issued_document(
    actor: Actor,
    document: Document,
    changes: DraftInput,
    *,
    reason: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> DocumentResult:
    """`edit_issued_document` without the permission check (a save and issue checked it)."""
    company = document.company
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Give the reason for changing an issued document.")]})
    day = _today(today)
    document = locks.lock_document(company, document.pk)
    if not lifecycle.can_transition(document.status, Transition.EDIT):
        raise Conflict(
            lifecycle.transition_refusal(document.status, Transition.EDIT), field="status"
        )
    _ensure_unlocked(document, day)
    corrected_after_delivery = ensure_editable_after_delivery(document)
    _check_version(document, expected_version)
    header = _edited_header(company, document, changes)
    clean_lines = (
        _clean_lines(company, changes.lines, corrected=document.corrected_document)
        if changes.lines is not None
        else _stored_lines(document)
    )
    locked = _lock_for_issue(document, clean_lines)
    if document.corrected_document_id:
        document.corrected_document = locked[document.corrected_document_id]
    before = {**audit.snapshot(document), "lines": _lines_summary(document)}
    _apply_header(company, document, header)
    computed = _compute(document, clean_lines)
    _apply_totals(document, computed)
    warnings = _validate_for_issue(document, clean_lines, computed, day)
    _check_ceilings(document, clean_lines)
    if document.kind == DocumentKind.INVOICE and queries.remaining_to_credit(document) < 0:
        raise InvalidInput(
            {"total": [_("Issued credit notes already take back more than the new total.")]}
        )
    document.amount_in_words = _words(document)
    document.apply_payment_state()
    if corrected_after_delivery:
        document.corrected_after_delivery_at = timezone.now()
    document.version += 1
    document.save()
    if changes.lines is not None:
        _save_lines(document, clean_lines, computed)
    else:
        _save_groups(document, clean_lines, computed)
    _refresh_search_text(document)
    after = {**audit.snapshot(document), "lines": _lines_summary(document)}
    diff = audit.diff(before, after)
    diff.pop("version", None)
    diff.pop("updated_at", None)
    if diff:
        diff["version"] = [before["version"], document.version]
        audit.record_changes(actor, company, "edit_issued_document", document, diff, reason)
    _schedule_pdf(document)
    if corrected_after_delivery and diff:
        warnings.append(resend_corrected(actor, document))
    events.emit(DocumentUpdated(actor, document))
    return DocumentResult(document, warnings)


@transaction.atomic
def void_document(
    actor: Actor, document: Document, *, reason: str, today: dt.date | None = None
) -> DocumentResult:
    """Annul an issued, unlocked document. It keeps its number for ever; the result carries
    what the bilateral annulment protocol needs when the client may have booked it."""
    company = document.company
    ensure_can(actor, company, "documents.void")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Give the reason for voiding the document.")]})
    day = _today(today)
    document = locks.lock_document(company, document.pk)
    if not lifecycle.can_transition(document.status, Transition.VOID):
        raise Conflict(
            lifecycle.transition_refusal(document.status, Transition.VOID), field="status"
        )
    _ensure_unlocked(document, day)
    if queries.notes_against(document).filter(status=DocumentStatus.ISSUED).exists():
        raise Conflict(_("Issued notes correct this invoice: void them first."), field="status")
    if DocumentLine.objects.filter(
        company=company, advance_document=document, document__status=DocumentStatus.ISSUED
    ).exists():
        raise Conflict(
            _("A final invoice deducts this advance: void that invoice first."), field="status"
        )
    before = audit.snapshot(document)
    document.status = lifecycle.next_status(document.status, Transition.VOID)
    document.void_reason = reason
    document.voided_at = timezone.now()
    document.voided_by = actor.user
    document.annulment_protocol_needed = lifecycle.needs_annulment_protocol(
        sent=document.sent_at is not None or document.delivered_at is not None,
        issue_date=document.issue_date,
        today=day,
        after_days=annulment_protocol_after_days(),
    )
    document.apply_payment_state()
    document.version += 1
    document.save()
    audit.record_update(actor, company, "void_document", document, before, reason)
    _schedule_pdf(document)
    events.emit(DocumentVoided(actor, document))
    protocol = None
    if document.annulment_protocol_needed:
        protocol = annulment_protocol_data(document)
    return DocumentResult(document, [], protocol)


def annulment_protocol_data(document: Document) -> dict[str, Any]:
    """What the bilateral annulment protocol prints (ЗДДС art. 116)."""
    return {
        "document_id": document.pk,
        "kind": document.kind,
        "number": document.number,
        "issue_date": document.issue_date,
        "total": document.total,
        "currency": document.currency,
        "reason": document.void_reason,
        "voided_at": document.voided_at,
        "supplier": {
            "name": document.supplier_name,
            "eik": document.supplier_eik,
            "mol": document.supplier_mol,
        },
        "recipient": {
            "name": document.recipient_name,
            "eik": document.recipient_eik,
            "mol": document.recipient_mol,
        },
    }


# --- conversions, notes, copies ----------------------------------------------------------------


def _copy_lines(source: Document, *, link_lines: bool = False) -> list[LineInput]:
    """The lines of `source` as inputs of a new document (linked to them for a note)."""
    return [
        LineInput(
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.original_unit_price
            if line.original_unit_price is not None
            else line.unit_price,
            discount_percent=line.discount_percent,
            vat_treatment=line.vat_code,
            product_id=line.product_id,
            advance_document_id=line.advance_document_id or None,
            corrected_line_id=line.pk if link_lines else None,
        )
        for line in queries.lines_of(source)
    ]


@transaction.atomic
def convert_proforma(
    actor: Actor,
    proforma: Document,
    changes: DraftInput | None = None,
    *,
    issue: bool = True,
    today: dt.date | None = None,
) -> DocumentResult:
    """Make the invoice for an issued proforma: same client and lines, linked; the proforma is
    marked converted; `changes` may give its dates and mark it an advance payment invoice.
    With `issue` the invoice is issued at once (all or nothing)."""
    company = proforma.company
    ensure_can(actor, company, "documents.change")
    proforma = locks.lock_document(company, proforma.pk)
    if proforma.kind != DocumentKind.PROFORMA or proforma.status != DocumentStatus.ISSUED:
        raise Conflict(_("Only an issued proforma invoice can be converted."), field="status")
    if proforma.converted_at is not None:
        invoice = proforma.converted_invoices.first()
        raise Conflict(
            _("This proforma was already converted into invoice %(number)s.")
            % {"number": (invoice.number or _("draft")) if invoice else "?"},
            field="status",
        )
    day = _today(today)
    values = {
        "party": proforma.party,
        "currency": proforma.currency,
        "language": proforma.language,
        "payment_method": proforma.payment_method,
        "place_of_issue": proforma.place_of_issue,
        "notes": proforma.notes,
        "terms": proforma.terms,
        "document_discount_percent": proforma.document_discount_percent,
        "is_advance": False,
    }
    values.update(changes.header() if changes else {})
    invoice = _create_draft(
        actor,
        company,
        values,
        kind=DocumentKind.INVOICE,
        lines=_copy_lines(proforma),
        today=day,
    )
    invoice.proforma = proforma
    invoice.save(update_fields=["proforma"])
    before = audit.snapshot(proforma)
    proforma.converted_at = timezone.now()
    proforma.version += 1
    proforma.save(update_fields=["converted_at", "version", "updated_at"])
    audit.record_update(actor, company, "convert_proforma", proforma, before)
    if issue:
        return _issue_document(actor, invoice, today=day)
    return DocumentResult(invoice)


def _create_note(
    actor: Actor,
    invoice: Document,
    kind: str,
    *,
    reason: str,
    lines: Sequence[LineInput] | None,
    issue: bool,
    today: dt.date | None,
    details: DraftInput | None,
) -> DocumentResult:
    """A credit or debit note to `invoice` (the caller checked the permission)."""
    company = invoice.company
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"note_reason": [_("Give the reason for the note.")]})
    invoice = locks.lock_document(company, invoice.pk)
    if invoice.kind != DocumentKind.INVOICE or invoice.status != DocumentStatus.ISSUED:
        raise InvalidInput({"corrected_document_id": [_("A note corrects an issued invoice.")]})
    full = lines is None
    if full and kind == DocumentKind.DEBIT_NOTE:
        raise InvalidInput(
            {"lines": [_("A debit note needs the lines that increase the invoice.")]}
        )
    rows = _copy_lines(invoice, link_lines=True) if full else list(lines or [])
    if not rows:
        raise InvalidInput({"lines": [_("Add the lines the note corrects.")]})
    day = _today(today)
    values = {
        "party": invoice.party,
        "language": invoice.language,
        "payment_method": invoice.payment_method,
        "place_of_issue": invoice.place_of_issue,
        "document_discount_percent": invoice.document_discount_percent if full else Decimal(0),
        "note_reason": reason,
    }
    values.update(details.header() if details else {})
    note = _create_draft(
        actor, company, values, kind=kind, lines=rows, corrected_document=invoice, today=day
    )
    note.is_full_cancellation = full and kind == DocumentKind.CREDIT_NOTE
    note.save(update_fields=["is_full_cancellation"])
    if kind == DocumentKind.CREDIT_NOTE:
        _check_ceilings(note, [])
    if issue:
        return _issue_document(actor, note, today=day)
    return DocumentResult(note)


@transaction.atomic
def create_credit_note(
    actor: Actor,
    invoice: Document,
    *,
    reason: str,
    lines: Sequence[LineInput] | None = None,
    issue: bool = False,
    today: dt.date | None = None,
    details: DraftInput | None = None,
) -> DocumentResult:
    """A credit note to `invoice`: without `lines` it cancels the invoice in full (its lines,
    linked); with lines it corrects some amounts. Never more than the invoice has left.
    `details`: its dates and other header fields (the client is the invoice's)."""
    ensure_can(actor, invoice.company, "documents.change")
    return _create_note(
        actor,
        invoice,
        DocumentKind.CREDIT_NOTE,
        reason=reason,
        lines=lines,
        issue=issue,
        today=today,
        details=details,
    )


@transaction.atomic
def create_debit_note(
    actor: Actor,
    invoice: Document,
    *,
    reason: str,
    lines: Sequence[LineInput],
    issue: bool = False,
    today: dt.date | None = None,
    details: DraftInput | None = None,
) -> DocumentResult:
    """A debit note increasing `invoice` by `lines`."""
    ensure_can(actor, invoice.company, "documents.change")
    return _create_note(
        actor,
        invoice,
        DocumentKind.DEBIT_NOTE,
        reason=reason,
        lines=list(lines),
        issue=issue,
        today=today,
        details=details,
    )


@transaction.atomic
def copy_document(actor: Actor, document: Document, *, today: dt.date | None = None) -> Document:
    """A new draft with the same kind, client and lines (dates of today). Notes are not copied."""
    company = document.company
    ensure_can(actor, company, "documents.change")
    if document.kind in NOTE_KINDS:
        raise InvalidInput(
            {"kind": [_("A note corrects one invoice; create a new note instead of copying.")]}
        )
    day = _today(today)
    values = {
        "party": document.party,
        "currency": document.currency if document.currency != "BGN" or day < EURO_DAY else "EUR",
        "language": document.language,
        "payment_method": document.payment_method,
        "place_of_issue": document.place_of_issue,
        "notes": document.notes,
        "terms": document.terms,
        "document_discount_percent": document.document_discount_percent,
    }
    lines = [line for line in _copy_lines(document) if line.advance_document_id is None]
    copy = _create_draft(actor, company, values, kind=document.kind, lines=lines, today=day)
    copy.copied_from = document
    copy.save(update_fields=["copied_from"])
    return copy


def advance_deduction_lines(advance: Document) -> list[LineInput]:
    """Lines that deduct what is left of `advance` on a final invoice: one per VAT group, a
    negative quantity with the advance's VAT treatment."""
    left = advance.base - queries.advance_deducted(advance)
    rows = []
    for group in advance.vat_groups.order_by("id"):
        amount = min(group.base, left)
        if amount <= 0:
            continue
        left -= amount
        rows.append(
            LineInput(
                description=_("Deduction of the advance, invoice № %(number)s of %(date)s")
                % {"number": advance.number, "date": formatting.date(advance.issue_date)},
                quantity=Decimal("-1"),
                unit="pcs",
                unit_price=amount,
                vat_treatment=group.vat_code,
                advance_document_id=advance.pk,
            )
        )
    return rows
