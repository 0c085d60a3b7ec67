"""Taking back a payment recorded by mistake: a wrong *Mark as paid*, money typed in twice, a
payment that never came.

Until it went out to accounting, a payment typed in by hand can be taken back as if it had never
been recorded: what it settled is given back (its allocations and write-offs undone, with the
reason), the payment goes, and so does the money it brought into the cash register or bank
account — deleted while its period is open, else reversed today (treasury decides) — unless the
person says the money did come (`keep_money`). The audit log keeps the payment as it was.

A payment that stands on a line of a bank statement is the bank's money: its match is undone
in e-banking, not here. Refunds linked to the payment are unlinked first."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import audit, edit_guards, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import too_long_message
from xfinances.payments import locks
from xfinances.payments.actions.settlement import _undo_allocation
from xfinances.payments.actions.webhooks import emit_payment_taken_back
from xfinances.payments.actions.write_offs import _undo_write_off
from xfinances.payments.models import Allocation, Payment, WriteOff
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.events import money_locked_reason
from xfinances.treasury.models import Movement, MovementSource

REASON_LIMIT = 300  # as an undone allocation's reason


class MoneyFate:
    """What became of the money a taken-back payment brought."""

    NONE = "none"  # recorded without a money account
    DELETED = "deleted"
    REVERSED = "reversed"
    KEPT = "kept"  # the person said the money came; it stays unallocated on the account


@dataclass(frozen=True)
class TakenBack:
    payment_id: int
    undone_allocations: int
    undone_write_offs: int
    money: str  # MoneyFate
    reversal: Movement | None = None


def _reason(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput({"reason": [_("Say why the payment is taken back.")]})
    if len(text) > REASON_LIMIT:
        raise InvalidInput({"reason": [too_long_message(REASON_LIMIT, len(text))]})
    return text


def refusal(payment: Payment) -> str | None:
    """Why `payment` cannot be taken back here (a translated reason), or None. The action asks
    again under its locks; pages ask to offer the button only where it can work."""
    movement = payment.movement
    if movement is not None and movement.source in (MovementSource.STATEMENT, MovementSource.PSD2):
        return _(
            "This payment stands on a line of a bank statement: undo its match in e-banking "
            "instead."
        )
    if movement is not None:
        # Whoever else holds its money (a bank line that took the typed movement) answers.
        own = movement_held(movement)
        held = [r for r in money_locked_reason.collect(movement=movement) if r != own]
        if held:
            return " ".join(held)
    if payment.refund_of_id:
        return _("This payment is linked as a refund: say first that it is no refund.")
    if Payment.objects.filter(company_id=payment.company_id, refund_of=payment).exists():
        return _("Refunds are linked to this payment: unlink them first.")
    found = edit_guards.deletion_reasons(payment)
    return " ".join(found) if found else None


@transaction.atomic
def take_back_payment(
    actor: Actor, payment: Payment, *, reason: str, keep_money: bool = False
) -> TakenBack:
    """Take back a payment recorded by mistake (see the module). Refused, changing nothing:
    a payment of a bank line, one linked as a refund or with refunds, one that went out to
    accounting (or a write-off of it did), money a bank line holds (a movement paired with a
    statement line)."""
    company = payment.company
    ensure_can(actor, company, "payments.change")
    text = _reason(reason)
    payment = locks.lock_payments(company, [payment.pk])[payment.pk]
    payment.company = company
    refused = refusal(payment)
    if refused:
        raise Conflict(refused)
    write_offs = list(WriteOff.objects.filter(company=company, payment=payment).order_by("pk"))
    for item in write_offs:
        edit_guards.ensure_deletable(item)  # an undo that went out is reversed from its row
    undone_write_offs = 0
    for item in write_offs:
        if item.undone_at is None:
            _undo_write_off(actor, item, reason=text)
            undone_write_offs += 1
    allocations = list(
        Allocation.objects.filter(company=company, payment=payment, undone_at__isnull=True)
        .select_related("document", "supplier_invoice")
        .order_by("pk")
    )
    for allocation in allocations:
        _undo_allocation(actor, allocation, reason=text)
    payment.refresh_from_db()
    emit_payment_taken_back(payment)
    payment_id, movement = payment.pk, payment.movement
    audit.record_delete(actor, company, "take_back_payment", payment, text)
    Allocation.objects.filter(company=company, payment=payment).delete()
    WriteOff.objects.filter(company=company, payment=payment).delete()
    payment.delete()
    done = (payment_id, len(allocations), undone_write_offs)
    if movement is None:
        return TakenBack(*done, MoneyFate.NONE)
    if Payment.objects.filter(company=company, movement=movement).exists():
        return TakenBack(*done, MoneyFate.KEPT)  # another payment stands on the money
    if keep_money:
        held = money_locked_reason.collect(movement=movement)
        if held:  # a bank line's money: its payment goes only with the line's match
            raise Conflict(" ".join(held))
        return TakenBack(*done, MoneyFate.KEPT)
    # take_back_movement refuses money a bank line holds, with the same reason.
    reversal = treasury_actions.take_back_movement(
        actor,
        movement,
        reason=_("Payment of %(date)s taken back: %(reason)s")
        % {"date": formatting.date(payment.date), "reason": text},
        on=max(timezone.localdate(), movement.date),
    )
    fate = MoneyFate.DELETED if reversal is None else MoneyFate.REVERSED
    return TakenBack(*done, fate, reversal)


def _standing_on(movement: Movement) -> dict[str, str] | None:
    """The first payment recorded on `movement`, as a message names it, or None."""
    payment = (
        Payment.objects.filter(company_id=movement.company_id, movement=movement)
        .only("date", "amount", "currency")
        .order_by("pk")
        .first()
    )
    if payment is None:
        return None
    return {
        "date": formatting.date(payment.date),
        "amount": formatting.money(payment.amount, payment.currency),
    }


def movement_held(movement: Movement) -> str | None:
    """Provider of treasury's `money_locked_reason`: a movement a payment typed in by hand
    stands on keeps the payment's amount and date and is neither deleted nor reversed on its
    own — the payment is taken back, and its money with it. (A bank line's movement is
    banking's to answer for.)"""
    if movement.source in (MovementSource.STATEMENT, MovementSource.PSD2):
        return None
    payment = _standing_on(movement)
    if payment is None:
        return None
    return (
        _(
            "The payment of %(date)s for %(amount)s stands on this movement: to correct the "
            "money, take the payment back on its page."
        )
        % payment
    )


def party_money(movement: Movement) -> str | None:
    """Provider of treasury's `party_money_reason`: a movement a payment stands on is a
    client's or supplier's money, not a transfer between the company's own accounts."""
    payment = _standing_on(movement)
    if payment is None:
        return None
    return (
        _(
            "The payment of %(date)s for %(amount)s stands on this movement: it is a client's "
            "or supplier's money, not a transfer between your accounts."
        )
        % payment
    )
