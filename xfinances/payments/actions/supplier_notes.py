"""A supplier's credit note set off against the invoice it corrects: what we owe the supplier
shrinks by the note, so the invoice's `remaining` (what a payment batch pays, what the due-date
alerts count) is the invoice less the note.

Like a sales credit note (`settlement.apply_credit_note`) it is an allocation without money:
source `supplier_credit_note`, target `supplier_invoice`, `amount` in the note's currency and
`document_amount` in the invoice's (the same: both are the supplier's, in one currency). Its
EUR values are the note's part at the note's rate (`received_eur`) and the invoice's part at the
invoice's (`booked_eur`); in a floating currency their difference is an exchange difference,
signed as money paid out (the note taking more EUR off the supplier's 401 than the invoice
booked is a loss), which the export books (accounting/note_differences.py). It is undone with
`undo_allocation`, as every allocation is (both documents give the amount back)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.permissions import ensure_can
from xfinances.payments import locks
from xfinances.payments.actions import parts
from xfinances.payments.actions.common import _amount
from xfinances.payments.models import Allocation, Direction
from xfinances.payments.queries import settings_of
from xfinances.payments.rates import FIXED_RATE, difference_of
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.events import SupplierDocumentRegistered
from xfinances.purchases.models import (
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceStatus,
)

CLAIMS = (SupplierDocumentKind.INVOICE, SupplierDocumentKind.DEBIT_NOTE)


@transaction.atomic
def apply_supplier_credit_note(
    actor: Actor,
    note: SupplierInvoice,
    invoice: SupplierInvoice | None = None,
    amount: object = None,
) -> Allocation:
    """Set a supplier's credit note off against the invoice it corrects (or `invoice`, of the
    same supplier and currency): `amount` (empty: what both sides allow) no longer to pay."""
    ensure_can(actor, note.company, "payments.change")
    return _set_off(actor, note, invoice, amount)


def _left(document: SupplierInvoice) -> Decimal:
    """What a note has not set off yet, or what an invoice has left to pay."""
    if document.kind == SupplierDocumentKind.CREDIT_NOTE:
        return document.total - document.amount_credited
    return document.remaining


def _target(note: SupplierInvoice, invoice: SupplierInvoice | None) -> SupplierInvoice:
    if note.company_id != (invoice or note).company_id:
        raise InvalidInput({"supplier_invoice": [_("No such supplier invoice in this company.")]})
    if note.kind != SupplierDocumentKind.CREDIT_NOTE:
        raise InvalidInput({"credit_note": [_("This is not a credit note.")]})
    target = invoice or note.corrected_invoice
    if target is None:
        raise InvalidInput({"supplier_invoice": [_("Choose the invoice the credit note settles.")]})
    if target.kind not in CLAIMS:
        raise InvalidInput(
            {"supplier_invoice": [_("A credit note settles invoices and debit notes.")]}
        )
    if target.supplier_id != note.supplier_id:
        raise InvalidInput({"supplier_invoice": [_("The invoice is of another supplier.")]})
    if target.currency != note.currency:
        raise InvalidInput(
            {
                "supplier_invoice": [
                    _("The credit note and the invoice are in different currencies.")
                ]
            }
        )
    return target


def _set_off(
    actor: Actor, note: SupplierInvoice, invoice: SupplierInvoice | None, amount: object
) -> Allocation:
    """`apply_supplier_credit_note` without the role check (also run by the company's own rule
    when a note is registered, whoever registered it)."""
    company = note.company
    errors = InvalidInput.collect()
    value = _amount(amount, errors, "amount")
    errors.raise_if_any()
    target = _target(note, invoice)
    locked = locks.lock_supplier_invoices(company, [note.pk, target.pk])
    note, target = locked[note.pk], locked[target.pk]
    for document, field in ((note, "credit_note"), (target, "supplier_invoice")):
        if document.status == SupplierInvoiceStatus.CANCELLED:
            raise InvalidInput({field: [_("The document is cancelled.")]})
    note_left, target_left = _left(note), _left(target)
    if note_left <= 0:
        raise InvalidInput({"credit_note": [_("This credit note is already used in full.")]})
    if target_left <= 0:
        raise InvalidInput(
            {
                "supplier_invoice": [
                    _("%(number)s has nothing left to pay.") % {"number": target.supplier_number}
                ]
            }
        )
    value = min(note_left, target_left) if value is None else value
    for left, document in ((note_left, note), (target_left, target)):
        if value > left:
            raise InvalidInput(
                {
                    "amount": [
                        _("Only %(left)s %(currency)s of %(number)s is left.")
                        % {
                            "left": formatting.amount(left),
                            "currency": document.currency,
                            "number": document.supplier_number,
                        }
                    ]
                }
            )
    day = max(note.issue_date, target.issue_date)
    received, booked = _values(note, target, value, (note_left, target_left), day)
    allocation = Allocation.objects.create(
        company=company,
        supplier_credit_note=note,
        supplier_invoice=target,
        date=day,
        amount=value,
        document_amount=value,
        received_eur=received,
        booked_eur=booked,
        exchange_difference_eur=difference_of(Direction.OUT, received, booked),
        created_by=actor.user,
    )
    purchases_actions.set_credited_amount(actor, note, note.amount_credited + value)
    purchases_actions.set_credited_amount(actor, target, target.amount_credited + value)
    audit.record_create(actor, company, "apply_supplier_credit_note", allocation)
    return allocation


def _values(
    note: SupplierInvoice,
    target: SupplierInvoice,
    value: Decimal,
    left: tuple[Decimal, Decimal],
    day: dt.date,
) -> tuple[Decimal, Decimal]:
    """The set-off's EUR values: the note's part at its rate, the invoice's at its own; the
    same between the euro and the lev (fixed)."""
    note_eur = parts.credit_note_part(
        parts.of_credit_notes(note.company_id, [note.pk], "supplier_credit_note_id"),
        note,
        value,
        remaining_after=left[0] - value,
        day=day,
    )
    if note.currency in FIXED_RATE:
        return note_eur, note_eur
    target_eur = parts.supplier_invoice_part(
        parts.of_supplier_invoices(note.company_id, [target]),
        target,
        value,
        remaining_after=left[1] - value,
        day=day,
    )
    return note_eur, target_eur


def set_off_supplier_note_on_register(event: SupplierDocumentRegistered) -> None:
    """IN_TRANSACTION subscriber of `SupplierDocumentRegistered`: a registered credit note
    settles the invoice it corrects at once, when the company's setting says so (the one that
    offsets our own notes; on by default). An invoice with nothing left to pay, or in another
    currency, leaves the note to be set off by hand."""
    note = event.invoice
    if note.kind != SupplierDocumentKind.CREDIT_NOTE or not note.corrected_invoice_id:
        return
    if not settings_of(note.company).apply_credit_notes_on_issue:
        return
    invoice = SupplierInvoice.objects.filter(
        company_id=note.company_id, pk=note.corrected_invoice_id
    ).first()
    if (
        invoice is None
        or invoice.status == SupplierInvoiceStatus.CANCELLED
        or invoice.currency != note.currency
        or invoice.remaining <= 0
    ):
        return
    _set_off(event.actor, note, invoice, None)
