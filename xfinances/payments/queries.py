"""Named reads of payments and receivables, always scoped to one company.

Statuses are derived (never stored): from the document's total and its `DocumentSettlement`
row (today) or from the allocations and write-offs dated up to a day (aging at past dates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.payments.models import DocumentSettlement

ZERO = Decimal("0.00")

# Kinds that carry a claim on the client (+) or a debt to the client (credit note, −).
CLAIM_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)
SETTLEABLE_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE, DocumentKind.CREDIT_NOTE)


class PaymentStatus:
    UNPAID = "unpaid"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERPAID = "overpaid"
    WRITTEN_OFF = "written_off"
    VOIDED = "voided"
    NOT_PAYABLE = "not_payable"

    LABELS = {
        UNPAID: _("Unpaid"),
        PARTLY_PAID: _("Partly paid"),
        PAID: _("Paid"),
        OVERPAID: _("Overpaid"),
        WRITTEN_OFF: _("Written off"),
        VOIDED: _("Voided"),
        NOT_PAYABLE: _("Not payable"),
    }


def status_from(
    total: Decimal, settled: Decimal, written_off: Decimal = ZERO
) -> tuple[str, Decimal]:
    """(status, remaining) of a settleable document from its total and what settled it.
    THE one place of this mapping (pure)."""
    remaining = total - settled
    if remaining < 0:
        return PaymentStatus.OVERPAID, remaining
    if remaining == 0:
        if written_off > 0:
            return PaymentStatus.WRITTEN_OFF, remaining
        return PaymentStatus.PAID, remaining
    if settled == 0:
        return PaymentStatus.UNPAID, remaining
    return PaymentStatus.PARTLY_PAID, remaining


@dataclass(frozen=True)
class DocumentPayment:
    status: str
    total: Decimal
    paid: Decimal
    credited: Decimal
    written_off: Decimal
    remaining: Decimal

    @property
    def settled(self) -> Decimal:
        return self.paid + self.credited + self.written_off

    @property
    def label(self) -> str:
        return str(PaymentStatus.LABELS[self.status])


def document_payment(document: Document) -> DocumentPayment:
    """The document's payment state now (from its settlement row)."""
    total = document.total
    if document.status == DocumentStatus.VOIDED:
        return DocumentPayment(PaymentStatus.VOIDED, total, ZERO, ZERO, ZERO, ZERO)
    if document.status != DocumentStatus.ISSUED or document.kind not in SETTLEABLE_KINDS:
        return DocumentPayment(PaymentStatus.NOT_PAYABLE, total, ZERO, ZERO, ZERO, ZERO)
    row = DocumentSettlement.objects.filter(pk=document.pk, company_id=document.company_id).first()
    paid, credited, written_off = (
        (row.paid, row.credited, row.written_off) if row else (ZERO, ZERO, ZERO)
    )
    status, remaining = status_from(total, paid + credited + written_off, written_off)
    return DocumentPayment(status, total, paid, credited, written_off, remaining)


def document_payment_status(document: Document, today: dt.date) -> tuple[str, Decimal, Decimal]:
    """(status, paid, remaining) of a sales document, for the portal and the document pages.

    status: unpaid / partly_paid / paid / overpaid / written_off / voided / not_payable
    (`PaymentStatus`). `paid` counts payments and credit notes (everything that settled it
    except write-offs), in the document currency; `remaining` = total − paid − written off.
    Overdue is the caller's business: remaining > 0 and due_date < today."""
    state = document_payment(document)
    return state.status, state.paid + state.credited, state.remaining
