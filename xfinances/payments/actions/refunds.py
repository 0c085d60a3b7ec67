"""Refunds: money that returns a payment's unallocated rest to the other side.

Both ways: a client's credit (an incoming payment's rest) is paid back by an outgoing payment,
and our overpayment to a supplier (an outgoing payment's rest) comes back as an incoming one.
The refund is linked by `refund_of` and allocated in full to the rest it returns; its EUR
amount is what it takes of the refunded payment's EUR amount (at that payment's rate; the
part that closes it takes the rest), so no cent stays on the party's 411/401.

`refund_credit` records the refund; `link_refund` links a payment already recorded (a bank
statement's entry) and `unlink_refund` takes the link back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
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
from xfinances.payments.actions.common import ZERO
from xfinances.payments.actions.recording import PaymentInput, record_payment
from xfinances.payments.models import Direction, Payment
from xfinances.payments.rates import eur_value


@dataclass(frozen=True, kw_only=True)
class RefundInput(ActionInput):
    """A refund of a payment's rest: the amount and day, through `account` (a treasury money
    account) when given."""

    amount: Decimal = reads(
        inputs.required(lambda v: readers.amount(v, positive=True), _lazy("Enter the amount.")),
        default=None,
    )
    date: dt.date = reads(inputs.required(inputs.date), default=None)
    account: Any = reads(inputs.as_is, default=None)
    note: str = reads(inputs.text(max_length=limit_of(Payment, "note")), default="")


def _opposite(direction: str) -> str:
    return Direction.OUT if direction == Direction.IN else Direction.IN


def _check_refundable(payment: Payment, value: Decimal) -> None:
    """`value` of `payment` (locked) can be returned: it is no refund itself and has that
    much unallocated."""
    if payment.refund_of_id:
        raise InvalidInput({"payment": [_("A refund cannot be refunded.")]})
    if value > payment.unallocated:
        raise InvalidInput(
            {
                "amount": [
                    _("Only %(left)s %(currency)s of this payment is left.")
                    % {
                        "left": formatting.amount(payment.unallocated),
                        "currency": payment.currency,
                    }
                ]
            }
        )


def _link(refund: Payment, payment: Payment, day: dt.date) -> None:
    """Link `refund` (all of it) to the rest of `payment` it returns; both are locked."""
    value = refund.amount
    refund.eur_amount = parts.payment_part(
        parts.of_payments(payment.company_id, [payment]), payment, value, day=day
    )
    refund.refund_of = payment
    refund.allocated = value
    refund.save(update_fields=["refund_of", "allocated", "eur_amount"])
    payment.allocated += value
    payment.save(update_fields=["allocated"])


@transaction.atomic
def refund_credit(actor: Actor, payment: Payment, data: RefundInput) -> Payment:
    """Return (part of) a payment's unallocated rest: an incoming payment's (the client's
    credit) by an outgoing payment, an outgoing payment's (our overpayment to a supplier) by an
    incoming one; linked by `refund_of`, through the input's account when given."""
    company = payment.company
    ensure_can(actor, company, "payments.change")
    payment = locks.lock_payments(company, [payment.pk])[payment.pk]
    _check_refundable(payment, data.amount)
    note = data.note or (
        _("Refund of a payment")
        if payment.direction == Direction.IN
        else _("Overpayment returned by the supplier")
    )
    refund = record_payment(
        actor,
        company,
        PaymentInput(
            direction=_opposite(payment.direction),
            date=data.date,
            amount=data.amount,
            currency=payment.currency,
            party=payment.party,
            method=payment.method,
            account=data.account,
            note=note,
            eur_rate=payment.eur_rate,
            match_reference=False,
        ),
    )
    _link(refund, payment, data.date)
    audit.record_event(
        actor, company, "refund_credit", payment, {"refund": refund.pk, "amount": data.amount}
    )
    return refund


@transaction.atomic
def link_refund(actor: Actor, refund: Payment, payment: Payment) -> Payment:
    """`refund`, a payment already recorded (a bank entry's) of nothing allocated, returns
    all of its amount out of `payment`'s unallocated rest. It must go the other way, in the
    same currency, from or to the same party (a refund of no party takes the payment's)."""
    company = payment.company
    ensure_can(actor, company, "payments.change")
    locked = locks.lock_payments(company, [payment.pk, refund.pk])
    if refund.pk not in locked or payment.pk not in locked or refund.pk == payment.pk:
        raise InvalidInput({"payment": [_("Choose another payment of this company.")]})
    refund, payment = locked[refund.pk], locked[payment.pk]
    edit_guards.ensure_editable(refund)  # its EUR amount changes
    if refund.direction == payment.direction:
        raise InvalidInput({"payment": [_("A refund goes the other way than the payment.")]})
    if refund.currency != payment.currency:
        raise InvalidInput(
            {"payment": [_("A refund is in the currency of the payment it returns.")]}
        )
    if refund.party_id and refund.party_id != payment.party_id:
        raise InvalidInput({"payment": [_("A refund is from or to the payment's own party.")]})
    if refund.refund_of_id or refund.allocated != ZERO:
        raise Conflict(_("This payment is already allocated."))
    _check_refundable(payment, refund.amount)
    if not refund.party_id and payment.party_id:
        refund.party_id = payment.party_id
        refund.save(update_fields=["party"])
    _link(refund, payment, refund.date)
    audit.record_event(
        actor, company, "link_refund", payment, {"refund": refund.pk, "amount": refund.amount}
    )
    return refund


@transaction.atomic
def unlink_refund(actor: Actor, refund: Payment, *, reason: str) -> Payment:
    """Take back `link_refund`: the refund is unallocated again (at its own rate) and the
    payment it returned has its rest back."""
    company = refund.company
    ensure_can(actor, company, "payments.change")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Say why the payment is no refund.")]})
    source_id = refund.refund_of_id
    if not source_id:
        raise Conflict(_("This payment refunds nothing."))
    locked = locks.lock_payments(company, [refund.pk, source_id])
    refund, payment = locked[refund.pk], locked[source_id]
    edit_guards.ensure_editable(refund)
    payment.allocated -= refund.amount
    payment.save(update_fields=["allocated"])
    refund.refund_of = None
    refund.allocated = ZERO
    refund.eur_amount = eur_value(refund.amount, refund.eur_rate)
    refund.save(update_fields=["refund_of", "allocated", "eur_amount"])
    audit.record_event(
        actor,
        company,
        "unlink_refund",
        payment,
        {"refund": refund.pk, "amount": refund.amount},
        reason,
    )
    return refund
