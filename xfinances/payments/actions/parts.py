"""The EUR values of the parts that settle a whole — a sales document, a supplier invoice, a
payment — so that the part closing the whole takes exactly what the others left of its EUR
figure (`payments.rates.part_eur`) and no cent of rounding stays on the party's 411/401.

A document's parts are its active allocations (from payments and credit notes) and write-offs;
a credit note's, its allocations against claims (their values at the note's rate);
a supplier invoice's likewise; a payment's are its active allocations, its write-offs and the
refunds paid out of it (their EUR amounts, at the payment's rate). The callers hold the locks
of the wholes (`locks.py`), so the sums read here stay true until they commit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from xfinances.invoicing.actions import EURO_DAY
from xfinances.invoicing.models import Document
from xfinances.payments.actions.common import CLAIM_KINDS, ZERO, document_eur_rate
from xfinances.payments.models import Allocation, DocumentSettlement, Payment, WriteOff
from xfinances.payments.rates import part_eur
from xfinances.purchases.models import SupplierInvoice


@dataclass
class Parts:
    """What the active parts of some wholes hold in EUR: the sum and the count per whole's id.
    `take` values the next part and adds it, so parts made in one transaction see each other."""

    eur: defaultdict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    count: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, key: int, eur: Decimal | None, count: int) -> None:
        self.eur[key] += eur or ZERO
        self.count[key] += count

    def take(
        self,
        key: int,
        amount: Decimal,
        rate: Decimal,
        *,
        closes: bool,
        whole_eur: Decimal,
        day: dt.date,
    ) -> Decimal:
        """The part's EUR value. Only a part dated in the euro's books (from 2026) closes its
        whole: up to 2025 the ledger is in leva, where a lev part is what it is and the EUR
        figures are no one's balance."""
        value = part_eur(
            amount,
            rate,
            closes=closes and day >= EURO_DAY,
            whole_eur=whole_eur,
            others_eur=self.eur[key],
            others=self.count[key],
        )
        self.add(key, value, 1)
        return value


def _add_active(
    parts: Parts,
    model: type[Allocation] | type[WriteOff],
    company_id: int,
    key: str,
    ids: Collection[int],
    column: str,
) -> None:
    """Add to `parts` the active (not undone) rows of `model` whose `key` is one of `ids`: per
    whole, the sum of their `column` (an EUR value) and their count, in one grouped query."""
    rows = (
        model.objects.filter(company_id=company_id, undone_at__isnull=True)
        .filter(**{f"{key}__in": ids})
        .values(key)
        .annotate(s=Sum(column), n=Count("id"))
        .order_by()
        .values_list(key, "s", "n")
    )
    for whole, eur, count in rows:
        parts.add(whole, eur, count)


def _booked(company_id: int, target: str, ids: Collection[int]) -> Parts:
    """The booked EUR values of the active allocations and write-offs of the targets `ids`
    (`target`: "document_id" or "supplier_invoice_id")."""
    parts = Parts()
    if not ids:
        return parts
    for model in (Allocation, WriteOff):
        _add_active(parts, model, company_id, target, ids, "booked_eur")
    return parts


def of_documents(company_id: int, rows: Iterable[DocumentSettlement]) -> Parts:
    """The parts of the documents of settlement `rows`; only those something settled already
    are read (a document with none costs no query)."""
    return _booked(company_id, "document_id", [row.pk for row in rows if row.settled])


def of_supplier_invoices(company_id: int, invoices: Iterable[SupplierInvoice]) -> Parts:
    """The parts of `invoices`; only those paid or written off in part are read."""
    settled = [i.pk for i in invoices if i.amount_paid or i.amount_written_off or i.amount_credited]
    return _booked(company_id, "supplier_invoice_id", settled)


def of_payments(company_id: int, payments: Iterable[Payment]) -> Parts:
    """The parts of `payments`; only those with something allocated already are read."""
    parts = Parts()
    ids = [payment.pk for payment in payments if payment.allocated]
    if not ids:
        return parts
    for model, column in ((Allocation, "received_eur"), (WriteOff, "booked_eur")):
        _add_active(parts, model, company_id, "payment_id", ids, column)
    refunds = Payment.objects.filter(company_id=company_id, refund_of_id__in=ids)
    for source, eur in refunds.values_list("refund_of_id", "eur_amount"):
        parts.add(source, eur, 1)
    return parts


def of_credit_notes(
    company_id: int, notes: Collection[int], source: str = "credit_note_id"
) -> Parts:
    """The parts of the credit notes `notes` (`source`: "credit_note_id", a sales note, or
    "supplier_credit_note_id"): their active set-offs, at the notes' rates."""
    parts = Parts()
    _add_active(parts, Allocation, company_id, source, notes, "received_eur")
    return parts


def credit_note_part(
    parts: Parts,
    note: Document | SupplierInvoice,
    amount: Decimal,
    *,
    remaining_after: Decimal,
    day: dt.date,
) -> Decimal:
    """The EUR value of `amount` of a credit note (ours or a supplier's) set off against a
    claim: at the rate the note booked; the part that uses it up takes the rest of its EUR
    total."""
    rate = note.exchange_rate if isinstance(note, SupplierInvoice) else document_eur_rate(note)
    return parts.take(
        note.pk,
        amount,
        rate,
        closes=remaining_after == 0,
        whole_eur=note.eur_total,
        day=day,
    )


def document_part(
    parts: Parts, document: Document, amount: Decimal, *, remaining_after: Decimal, day: dt.date
) -> Decimal:
    """The EUR value of `amount` of a sales document settled by a payment or written off: at
    the rate it booked; an invoice's or debit note's closing part takes the rest of its EUR
    total."""
    closes = remaining_after == 0 and document.kind in CLAIM_KINDS
    return parts.take(
        document.pk,
        amount,
        document_eur_rate(document),
        closes=closes,
        whole_eur=document.eur_total,
        day=day,
    )


def supplier_invoice_part(
    parts: Parts,
    invoice: SupplierInvoice,
    amount: Decimal,
    *,
    remaining_after: Decimal,
    day: dt.date,
) -> Decimal:
    return parts.take(
        invoice.pk,
        amount,
        invoice.exchange_rate,
        closes=remaining_after == 0,
        whole_eur=invoice.eur_total,
        day=day,
    )


def payment_part(parts: Parts, payment: Payment, amount: Decimal, *, day: dt.date) -> Decimal:
    """The EUR value of `amount` of a payment allocated or written off (call before the
    payment's `allocated` grows by it): at its rate; the part that leaves nothing
    unallocated takes the rest of its EUR amount."""
    closes = payment.amount - payment.allocated - amount == 0
    key = payment.pk or 0  # a payment not saved yet: give each its own `Parts`
    return parts.take(
        key, amount, payment.eur_rate, closes=closes, whole_eur=payment.eur_amount, day=day
    )
