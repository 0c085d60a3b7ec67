"""The payment state of a sales document, computed from its kind, status, total and what
settled it (pure, no database): THE one mapping, used by the invoicing actions that keep the
stored fields current and by the payments area for past dates.

Statuses: unpaid (nothing settled) · partly paid · paid · overpaid (settled more than the
total, e.g. after the total was edited down) · written off (paid in full with a write-off) ·
not applicable (drafts, voided documents, proformas, credit notes, protocols).

Debit notes are claims on the client like invoices (they are paid, reminded and aged like
them), so they carry a status too; a credit note is a debt to the client, so its status is
"not applicable" while its amounts say how much of it was used (credited) or refunded (paid)
and how much is left (outstanding).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")

#: Kinds that are claims on the client and so are paid.
PAYABLE_KINDS = frozenset({"invoice", "debit_note"})
#: Kinds whose amounts are tracked (a credit note: used against invoices or refunded).
SETTLED_KINDS = frozenset({"invoice", "debit_note", "credit_note"})


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    OVERPAID = "overpaid", _("Overpaid")
    WRITTEN_OFF = "written_off", _("Written off")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


#: The filter value of "unpaid or partly paid" (lists and the API).
OPEN_PAYMENT_FILTER = "open"
PAYMENT_STATUS_FILTER_VALUES = frozenset(
    {OPEN_PAYMENT_FILTER, *(value for value in PaymentStatus.values if value != "not_applicable")}
)

#: Bootstrap badge classes of each status (list, document page, portal).
BADGE_CLASSES: dict[str, str] = {
    PaymentStatus.UNPAID: "text-bg-warning",
    PaymentStatus.PARTLY_PAID: "text-bg-info",
    PaymentStatus.PAID: "text-bg-success",
    PaymentStatus.OVERPAID: "text-bg-primary",
    PaymentStatus.WRITTEN_OFF: "text-bg-secondary",
    PaymentStatus.NOT_APPLICABLE: "text-bg-light border",
}


@dataclass(frozen=True)
class PaymentState:
    status: str
    paid: Decimal
    credited: Decimal
    written_off: Decimal
    outstanding: Decimal


def payment_state(
    *,
    kind: str,
    status: str,
    total: Decimal,
    paid: Decimal = ZERO,
    credited: Decimal = ZERO,
    written_off: Decimal = ZERO,
) -> PaymentState:
    """The state of a document. `outstanding` = total − paid − credited − written off, negative
    when overpaid; 0 for drafts, voided documents, proformas and protocols."""
    if status != "issued" or kind not in SETTLED_KINDS:
        return PaymentState(PaymentStatus.NOT_APPLICABLE, paid, credited, written_off, ZERO)
    settled = paid + credited + written_off
    outstanding = total - settled
    if kind not in PAYABLE_KINDS:
        return PaymentState(PaymentStatus.NOT_APPLICABLE, paid, credited, written_off, outstanding)
    if outstanding < 0:
        value = PaymentStatus.OVERPAID
    elif outstanding == 0:
        value = PaymentStatus.WRITTEN_OFF if written_off > 0 else PaymentStatus.PAID
    elif settled == 0:
        value = PaymentStatus.UNPAID
    else:
        value = PaymentStatus.PARTLY_PAID
    return PaymentState(value, paid, credited, written_off, outstanding)
