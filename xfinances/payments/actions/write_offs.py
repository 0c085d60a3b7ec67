"""Write-offs of a few cents beyond a sales document: an overpayment (a payment's unallocated
rest, the party's credit) and a supplier invoice's unpaid remainder; and the undo of every
write-off, whatever its target. (A sales document's remainder: `settlement.write_off`.)

Each is one transaction under the locks of `locks.py` (payments first, then the documents or
supplier invoices, then the write-off row), within the company's tolerance in EUR, with a
reason and an audit record; bad input raises `InvalidInput` and changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xfinances.core import audit, edit_guards, formatting, inputs, readers
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of
from xfinances.payments import locks
from xfinances.payments.actions import parts
from xfinances.payments.actions.common import _settlement_apply
from xfinances.payments.models import Payment, WriteOff
from xfinances.payments.queries import (
    fits_write_off_tolerance,
    payment_allocated_parts,
    settings_of,
)
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.models import SupplierInvoice


def _reason(value: object) -> str:
    found = readers.text(value, max_length=limit_of(WriteOff, "reason"))
    if not found:
        raise readers.ReadError(_lazy("Say why the difference is written off."))
    return found


def _positive_amount(value: object) -> Decimal:
    return readers.amount(value, positive=True)


@dataclass(frozen=True, kw_only=True)
class WriteOffInput(ActionInput):
    """A write-off as a person asks for it: the reason (required), the amount (empty: all that
    is left) and the day (empty: today)."""

    reason: str = reads(_reason, default="")
    amount: Decimal | None = reads(inputs.optional(_positive_amount), default=None)
    date: dt.date | None = reads(inputs.optional(inputs.date), default=None)


def _over_tolerance(company: Any) -> InvalidInput:
    return InvalidInput(
        {
            "amount": [
                _("Write-offs are limited to %(tolerance)s EUR (company settings).")
                % {"tolerance": formatting.amount(settings_of(company).write_off_tolerance_eur)}
            ]
        }
    )


def _amount_within(left: Decimal, wanted: Decimal | None, currency: str) -> Decimal:
    value = left if wanted is None else wanted
    if value > left:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s is left.")
                    % {"left": formatting.amount(left), "currency": currency}
                ]
            }
        )
    return value


def check_payment_invariant(payment: Payment) -> None:
    """Refuse (the caller's transaction rolls back) when the payment's stored `allocated` is not
    what its allocations, refunds and write-offs add up to, or exceeds its amount."""
    parts = payment_allocated_parts(payment)
    if payment.allocated != parts or not Decimal(0) <= payment.allocated <= payment.amount:
        raise Conflict(
            _(
                "The payment's allocated amount (%(stored)s) does not match its allocations, "
                "refunds and write-offs (%(parts)s); nothing was changed."
            )
            % {"stored": payment.allocated, "parts": parts}
        )


@transaction.atomic
def write_off_payment(actor: Actor, payment: Payment, data: WriteOffInput) -> WriteOff:
    """Write off (part of) a payment's unallocated rest — a client's few cents paid too much,
    or an outgoing payment's few cents beyond the supplier invoice — within the company's
    tolerance in EUR at the payment's rate. The rest counts as allocated: the party's credit
    drops by it; `undo_write_off` gives it back."""
    company = payment.company
    ensure_can(actor, company, "payments.change")
    edit_guards.ensure_editable(payment)
    payment = locks.lock_payments(company, [payment.pk])[payment.pk]
    left = payment.unallocated
    if left <= 0:
        raise InvalidInput({"payment": [_("Nothing of this payment is left to write off.")]})
    value = _amount_within(left, data.amount, payment.currency)
    if not fits_write_off_tolerance(company, value, payment.eur_rate):
        raise _over_tolerance(company)
    day = data.date or timezone.localdate()
    if day < payment.date:
        raise InvalidInput({"date": [_("A write-off cannot be dated before the payment.")]})
    known = parts.of_payments(company.pk, [payment])
    item = WriteOff.objects.create(
        company=company,
        payment=payment,
        date=day,
        amount=value,
        booked_eur=parts.payment_part(known, payment, value, day=day),
        reason=data.reason,
        created_by=actor.user,
    )
    payment.allocated += value
    payment.save(update_fields=["allocated"])
    check_payment_invariant(payment)
    audit.record_create(actor, company, "write_off_payment", item)
    return item


@transaction.atomic
def write_off_supplier_invoice(
    actor: Actor, invoice: SupplierInvoice, data: WriteOffInput
) -> WriteOff:
    """Write off (part of) a supplier invoice's unpaid remainder — paid a few cents short —
    within the company's tolerance in EUR at the invoice's rate. The invoice's
    `amount_written_off` and `remaining` move through `purchases.actions.set_written_off_amount`
    (a write-off of the whole remainder makes it paid)."""
    company = invoice.company
    ensure_can(actor, company, "payments.change")
    found = locks.lock_supplier_invoices(company, [invoice.pk])
    if invoice.pk not in found:
        raise InvalidInput({"supplier_invoice": [_("No such supplier invoice in this company.")]})
    invoice = found[invoice.pk]
    if not invoice.is_payable:
        raise InvalidInput(
            {
                "supplier_invoice": [
                    _("%(number)s is cancelled, rejected or a credit note: it is not paid.")
                    % {"number": invoice.supplier_number}
                ]
            }
        )
    if invoice.remaining <= 0:
        raise InvalidInput({"supplier_invoice": [_("Nothing is left to write off.")]})
    value = _amount_within(invoice.remaining, data.amount, invoice.currency)
    if not fits_write_off_tolerance(company, value, invoice.exchange_rate):
        raise _over_tolerance(company)
    day = data.date or timezone.localdate()
    known = parts.of_supplier_invoices(company.pk, [invoice])
    item = WriteOff.objects.create(
        company=company,
        supplier_invoice=invoice,
        date=day,
        amount=value,
        booked_eur=parts.supplier_invoice_part(
            known, invoice, value, remaining_after=invoice.remaining - value, day=day
        ),
        reason=data.reason,
        created_by=actor.user,
    )
    purchases_actions.set_written_off_amount(actor, invoice, invoice.amount_written_off + value)
    audit.record_create(actor, company, "write_off_supplier_invoice", item)
    return item


@transaction.atomic
def undo_write_off(actor: Actor, item: WriteOff, *, reason: str) -> WriteOff:
    """Give a write-off's amount back to its target (the document's remainder, the payment's
    unallocated rest — the party's credit —, or the supplier invoice's remainder). The row
    stays, with who undid it, when and why."""
    ensure_can(actor, item.company, "payments.change")
    if item.payment_id is not None:  # a payment exported to accounting is locked
        assert item.payment is not None
        edit_guards.ensure_editable(item.payment)
    # Accounting decides whether the undo may happen now: a write-off that went out is reversed
    # in the month of the undo (refused while that month is closed), one that did not is
    # locked by its own closed month.
    edit_guards.ensure_editable(item)
    return _undo_write_off(actor, item, reason=reason)


def _undo_write_off(actor: Actor, item: WriteOff, *, reason: str) -> WriteOff:
    company = item.company
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Say why the write-off is undone.")]})
    payment = None
    if item.payment_id is not None:
        payment = locks.lock_payments(company, [item.payment_id])[item.payment_id]
    invoice = None
    if item.supplier_invoice_id is not None:
        invoice = locks.lock_supplier_invoices(company, [item.supplier_invoice_id])[
            item.supplier_invoice_id
        ]
    document = row = None
    if item.document_id is not None:
        document = locks.lock_documents(company, [item.document_id])[item.document_id]
        row = locks.lock_settlements(company, [item.document_id])[item.document_id]
    item = WriteOff.objects.select_for_update().get(company=company, pk=item.pk)
    if item.undone_at is not None:
        raise Conflict(_("This write-off is already undone."))
    before = audit.snapshot(item)
    item.undone_at = timezone.now()
    item.undone_by = actor.user
    item.undo_reason = reason[: limit_of(WriteOff, "undo_reason")]
    item.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    if payment is not None:
        payment.allocated -= item.amount
        payment.save(update_fields=["allocated"])
        check_payment_invariant(payment)
    elif invoice is not None:
        purchases_actions.set_written_off_amount(
            actor, invoice, invoice.amount_written_off - item.amount
        )
    else:
        assert document is not None and row is not None
        _settlement_apply(actor, document, row, written_off=-item.amount)
    audit.record_update(actor, company, "undo_write_off", item, before, reason=reason)
    return item
