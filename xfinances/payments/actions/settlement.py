"""Settling without money: credit notes against invoices, write-offs, and undoing an
allocation (refunds are in `refunds.py`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, edit_guards, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.money import RoundingPoint, round_cent
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.events import DocumentIssued, DocumentVoided
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.payments import locks
from xfinances.payments.actions import parts
from xfinances.payments.actions.common import (
    CLAIM_KINDS,
    ZERO,
    _amount,
    _check_settleable,
    _date,
    _remaining,
    _settlement_apply,
    document_eur_rate,
)
from xfinances.payments.actions.write_offs import _undo_write_off
from xfinances.payments.models import (
    Allocation,
    Direction,
    DocumentSettlement,
    WriteOff,
)
from xfinances.payments.queries import settings_of
from xfinances.payments.rates import FIXED_RATE, difference_of, eur_value
from xfinances.purchases import actions as purchases_actions


def _note_to_target_amount(note: Document, target: Document, amount: Decimal) -> Decimal:
    if note.currency == target.currency:
        return amount
    return round_cent(
        amount / document_eur_rate(note) * document_eur_rate(target), RoundingPoint.CONVERSION
    )


@transaction.atomic
def apply_credit_note(
    actor: Actor, credit_note: Document, document: Document | None = None, amount: object = None
) -> Allocation:
    """Offset a credit note against the invoice it corrects (or `document` of the same client):
    an allocation without money. `amount` (note currency) defaults to what both sides allow."""
    ensure_can(actor, credit_note.company, "payments.change")
    return _offset_credit_note(actor, credit_note, document, amount)


def _credit_note_target(credit_note: Document, document: Document | None) -> Document:
    """The claim a credit note settles: `document`, else the one it corrects, of its client."""
    company = credit_note.company
    _check_settleable(credit_note, company, "credit_note")
    if credit_note.kind != DocumentKind.CREDIT_NOTE:
        raise InvalidInput({"credit_note": [_("This is not a credit note.")]})
    target = document or credit_note.corrected_document
    if target is None:
        raise InvalidInput({"document": [_("Choose the invoice the credit note settles.")]})
    _check_settleable(target, company)
    if target.kind not in CLAIM_KINDS:
        raise InvalidInput({"document": [_("A credit note settles invoices and debit notes.")]})
    if credit_note.party_id != target.party_id:
        raise InvalidInput({"document": [_("The invoice belongs to another client.")]})
    return target


def _offset_credit_note(
    actor: Actor, credit_note: Document, document: Document | None, amount: object
) -> Allocation:
    """`apply_credit_note` without the role check: also run by the company's own rule when a
    credit note is issued (`offset_credit_note_on_issue`), whoever issued it."""
    company = credit_note.company
    errors = InvalidInput.collect()
    value = _amount(amount, errors, "amount")
    errors.raise_if_any()
    target = _credit_note_target(credit_note, document)
    documents = locks.lock_documents(company, [credit_note.pk, target.pk])
    rows = locks.lock_settlements(company, documents)
    note, target = documents[credit_note.pk], documents[target.pk]
    note_left = _remaining(note, rows[note.pk])
    target_left = _remaining(target, rows[target.pk])
    if note_left <= 0:
        raise InvalidInput({"credit_note": [_("This credit note is already used in full.")]})
    if target_left <= 0:
        raise InvalidInput(
            {
                "document": [
                    _("Document %(number)s has nothing left to pay.") % {"number": target.number}
                ]
            }
        )
    if value is None:
        if note.currency == target.currency:
            value = doc_amount = min(note_left, target_left)
        else:
            whole = _note_to_target_amount(note, target, note_left)
            if whole <= target_left:
                value, doc_amount = note_left, whole
            else:
                doc_amount = target_left
                value = min(note_left, _note_to_target_amount(target, note, target_left))
    else:
        doc_amount = _note_to_target_amount(note, target, value)
    if value > note_left:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of the credit note is left.")
                    % {"left": formatting.amount(note_left), "currency": note.currency}
                ]
            }
        )
    if doc_amount > target_left:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of document %(number)s is left to pay.")
                    % {
                        "left": formatting.amount(target_left),
                        "currency": target.currency,
                        "number": target.number,
                    }
                ]
            }
        )
    day = max(note.issue_date, target.issue_date)
    received, booked = _credit_note_values(
        (note, value, note_left - value),
        (target, rows[target.pk], doc_amount, target_left - doc_amount),
        day,
    )
    allocation = Allocation.objects.create(
        company=company,
        credit_note=note,
        document=target,
        date=day,
        amount=value,
        document_amount=doc_amount,
        received_eur=received,
        booked_eur=booked,
        exchange_difference_eur=difference_of(Direction.IN, received, booked),
        created_by=actor.user,
    )
    _settlement_apply(actor, note, rows[note.pk], credited=value)
    _settlement_apply(actor, target, rows[target.pk], credited=doc_amount)
    audit.record_create(actor, company, "apply_credit_note", allocation)
    return allocation


def _credit_note_values(
    note_part: tuple[Document, Decimal, Decimal],
    target_part: tuple[Document, DocumentSettlement, Decimal, Decimal],
    day: dt.date,
) -> tuple[Decimal, Decimal]:
    """What a note's part takes off the client's 411 (at the rate the note booked) and what it
    settles of the claim (at the claim's booked rate), in EUR; each `(amount, left after)`.
    A note in a floating currency is booked at its own day's rate, its invoice at another day's:
    the two differ by an exchange difference (`exchange_difference_eur`, booked by the export).
    The parts: `(note, amount, left after)` and `(claim, its settlement row, amount, left after)`
    (the rows locked by the caller).
    Between the euro and the lev (a 2026 note to a 2025 invoice) the rate is fixed: the part's
    value is the note's on both sides, as the law converts it."""
    note, amount, left = note_part
    note_eur = parts.credit_note_part(
        parts.of_credit_notes(note.company_id, [note.pk]),
        note,
        amount,
        remaining_after=left,
        day=day,
    )
    target, row, amount, left = target_part
    if note.currency in FIXED_RATE and target.currency in FIXED_RATE:
        return note_eur, note_eur
    target_eur = parts.document_part(
        parts.of_documents(note.company_id, [row]), target, amount, remaining_after=left, day=day
    )
    return note_eur, target_eur


def offset_credit_note_on_issue(event: DocumentIssued) -> None:
    """IN_TRANSACTION subscriber of `DocumentIssued`: an issued credit note settles the invoice
    it corrects at once, in the issue's transaction, when the company's setting says so (on by
    default). An invoice already settled in full leaves the note as the client's credit."""
    note = event.document
    if note.kind != DocumentKind.CREDIT_NOTE or not note.corrected_document_id:
        return
    if not settings_of(note.company).apply_credit_notes_on_issue:
        return
    target = Document.objects.filter(company_id=note.company_id, pk=note.corrected_document_id)
    invoice = target.first()
    if (
        invoice is None
        or invoice.status != DocumentStatus.ISSUED
        or invoice.outstanding_amount <= 0
    ):
        return
    _offset_credit_note(event.actor, note, invoice, None)


def release_voided_document(event: DocumentVoided) -> None:
    """IN_TRANSACTION subscriber of `DocumentVoided`: a voided document settles nothing and is
    settled by nothing. Its active allocations (as the target, or as the credit note used) and
    write-offs are undone in the void's transaction, so payments become the client's credit
    again and an invoice offset by a voided credit note is open again."""
    document = event.document
    reason = _("Document %(number)s was voided.") % {"number": document.number}
    allocations = Allocation.objects.filter(
        Q(document_id=document.pk) | Q(credit_note_id=document.pk),
        company_id=document.company_id,
        undone_at__isnull=True,
    ).order_by("pk")
    for allocation in allocations:
        _undo_allocation(event.actor, allocation, reason=reason)
    write_offs = WriteOff.objects.filter(
        company_id=document.company_id, document_id=document.pk, undone_at__isnull=True
    ).order_by("pk")
    for item in write_offs:
        _undo_write_off(event.actor, item, reason=reason)


def apply_open_credit_notes(actor: Actor, company: Company) -> int:
    """Offset every issued credit note that still has something left against the invoice it
    corrects, while that invoice has something left. Each in its own transaction. Returns how
    many allocations were made."""
    notes = (
        Document.objects.filter(
            company=company,
            kind=DocumentKind.CREDIT_NOTE,
            status=DocumentStatus.ISSUED,
            corrected_document__status=DocumentStatus.ISSUED,
        )
        .filter(Q(settlement__isnull=True) | Q(settlement__settled__lt=F("total")))
        .exclude(corrected_document__settlement__settled__gte=F("corrected_document__total"))
        .order_by("pk")
    )
    made = 0
    for note in notes:
        try:
            apply_credit_note(actor, note)
            made += 1
        except InvalidInput:
            continue
    return made


@transaction.atomic
def undo_allocation(actor: Actor, allocation: Allocation, *, reason: str) -> Allocation:
    """Give an allocation's amounts back to both sides. The row stays (undone_at/by, reason)."""
    ensure_can(actor, allocation.company, "payments.change")
    if allocation.payment is not None:  # a payment exported to accounting is locked
        edit_guards.ensure_editable(allocation.payment)
    elif allocation.exchange_difference_eur:  # a credit note's difference has its own entry
        edit_guards.ensure_editable(allocation)
    return _undo_allocation(actor, allocation, reason=reason)


def _undo_allocation(actor: Actor, allocation: Allocation, *, reason: str) -> Allocation:
    company = allocation.company
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Say why the allocation is undone.")]})
    if allocation.payment_id:
        payments = locks.lock_payments(company, [allocation.payment_id])
    document_ids = [i for i in (allocation.document_id, allocation.credit_note_id) if i]
    supplier_ids = [
        i for i in (allocation.supplier_invoice_id, allocation.supplier_credit_note_id) if i
    ]
    invoices = locks.lock_supplier_invoices(company, supplier_ids) if supplier_ids else {}
    documents = locks.lock_documents(company, document_ids)
    rows = locks.lock_settlements(company, document_ids)
    allocation = Allocation.objects.select_for_update().get(company=company, pk=allocation.pk)
    if allocation.undone_at is not None:
        raise Conflict(_("This allocation is already undone."))
    before = audit.snapshot(allocation)
    allocation.undone_at = timezone.now()
    allocation.undone_by = actor.user
    allocation.undo_reason = reason[:300]
    allocation.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    if allocation.payment_id:
        payment = payments[allocation.payment_id]
        payment.allocated -= allocation.amount
        payment.save(update_fields=["allocated"])
        if allocation.supplier_invoice_id:
            invoice = invoices[allocation.supplier_invoice_id]
            purchases_actions.set_paid_amount(
                actor, invoice, max(invoice.amount_paid - allocation.document_amount, ZERO)
            )
        else:
            assert allocation.document_id is not None
            _settlement_apply(
                actor,
                documents[allocation.document_id],
                rows[allocation.document_id],
                paid=-allocation.document_amount,
            )
    elif allocation.supplier_credit_note_id:
        for invoice_id in supplier_ids:  # the note and its invoice give the amount back
            document = invoices[invoice_id]
            purchases_actions.set_credited_amount(
                actor, document, max(document.amount_credited - allocation.amount, ZERO)
            )
    else:
        assert allocation.document_id is not None
        assert allocation.credit_note_id is not None
        _settlement_apply(
            actor,
            documents[allocation.credit_note_id],
            rows[allocation.credit_note_id],
            credited=-allocation.amount,
        )
        _settlement_apply(
            actor,
            documents[allocation.document_id],
            rows[allocation.document_id],
            credited=-allocation.document_amount,
        )
    audit.record_update(actor, company, "undo_allocation", allocation, before, reason=reason)
    return allocation


@transaction.atomic
def write_off(
    actor: Actor, document: Document, *, reason: str, amount: object = None, date: object = None
) -> WriteOff:
    """Write off a small remainder (at most the company's tolerance in EUR) with a reason."""
    company = document.company
    ensure_can(actor, company, "payments.change")
    errors = InvalidInput.collect()
    value = _amount(amount, errors, "amount")
    day = _date(date, errors) if date not in (None, "") else timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", _("Say why the difference is written off."))
    errors.raise_if_any()
    _check_settleable(document, company)
    if document.kind not in CLAIM_KINDS:
        raise InvalidInput({"document": [_("Only invoices and debit notes can be written off.")]})
    document = locks.lock_documents(company, [document.pk])[document.pk]
    row = locks.lock_settlements(company, [document.pk])[document.pk]
    remaining = _remaining(document, row)
    if remaining <= 0:
        raise InvalidInput({"document": [_("Nothing is left to write off.")]})
    value = remaining if value is None else value
    if value > remaining:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s is left.")
                    % {"left": formatting.amount(remaining), "currency": document.currency}
                ]
            }
        )
    tolerance = settings_of(company).write_off_tolerance_eur
    if eur_value(value, document_eur_rate(document)) > tolerance:
        raise InvalidInput(
            {
                "amount": [
                    _("Write-offs are limited to %(tolerance)s EUR (company settings).")
                    % {"tolerance": formatting.amount(tolerance)}
                ]
            }
        )
    assert day is not None
    known = parts.of_documents(company.pk, [row])
    item = WriteOff.objects.create(
        company=company,
        document=document,
        date=day,
        amount=value,
        booked_eur=parts.document_part(
            known, document, value, remaining_after=remaining - value, day=day
        ),
        reason=reason[:300],
        created_by=actor.user,
    )
    _settlement_apply(actor, document, row, written_off=value)
    audit.record_create(actor, company, "write_off", item)
    return item
