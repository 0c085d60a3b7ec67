"""Aging and statements: receivables and payables as they stood on a day, the clients'
credit, and a client's account statement (read-only, always scoped to one company).

Figures at a past date are derived from the allocations and write-offs dated up to that day;
today's come from the same arithmetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Company
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.parties.models import Party
from xfinances.payments.models import Allocation, Direction, Payment, WriteOff
from xfinances.payments.queries import SETTLEABLE_KINDS, ZERO, sum_cents
from xfinances.purchases.models import (
    ApprovalStatus,
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceStatus,
)

AGING_BUCKETS = [
    ("not_due", _("Not due")),
    ("1_30", _("1–30 days")),
    ("31_60", _("31–60 days")),
    ("61_90", _("61–90 days")),
    ("over_90", _("Over 90 days")),
]


def aging_bucket(due_date: dt.date | None, on: dt.date) -> str:
    days = (on - due_date).days if due_date else 0
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "1_30"
    if days <= 60:
        return "31_60"
    if days <= 90:
        return "61_90"
    return "over_90"


@dataclass
class OpenItem:
    document_id: int
    party_id: int | None
    kind: str
    number: str
    issue_date: dt.date
    due_date: dt.date | None
    currency: str
    total: Decimal  # signed: a credit note is negative
    open_amount: Decimal  # signed
    bucket: str


def _settled_by_date(company: Company, on: dt.date) -> dict[int, Decimal]:
    """Per document: what settled it (allocations to it, allocations from it as a credit note,
    write-offs), dated on or before `on`. Undone allocations count as never made."""
    settled: dict[int, Decimal] = {}
    live = Allocation.objects.filter(company=company, undone_at__isnull=True, date__lte=on)
    for document_id, amount in (
        live.filter(document__isnull=False)
        .order_by()
        .values("document_id")
        .annotate(s=Sum("document_amount"))
        .values_list("document_id", "s")
    ):
        settled[document_id] = settled.get(document_id, ZERO) + sum_cents(amount)
    for document_id, amount in (
        live.filter(credit_note__isnull=False)
        .order_by()
        .values("credit_note_id")
        .annotate(s=Sum("amount"))
        .values_list("credit_note_id", "s")
    ):
        settled[document_id] = settled.get(document_id, ZERO) + sum_cents(amount)
    for document_id, amount in (
        WriteOff.objects.filter(
            company=company, undone_at__isnull=True, date__lte=on, document__isnull=False
        )
        .order_by()
        .values("document_id")
        .annotate(s=Sum("amount"))
        .values_list("document_id", "s")
    ):
        settled[document_id] = settled.get(document_id, ZERO) + sum_cents(amount)
    return settled


def open_items(company: Company, on: dt.date, party_id: int | None = None) -> list[OpenItem]:
    """Receivables open on day `on` (documents issued by then, not voided, minus what settled
    them by then). Today's figures come from the same arithmetic as past days."""
    found = Document.objects.filter(
        company=company, status=DocumentStatus.ISSUED, kind__in=SETTLEABLE_KINDS, issue_date__lte=on
    )
    if party_id is not None:
        found = found.filter(party_id=party_id)
    settled = _settled_by_date(company, on)
    items = []
    for row in found.order_by("issue_date", "id").values(
        "id", "party_id", "kind", "number", "issue_date", "due_date", "currency", "total"
    ):
        sign = -1 if row["kind"] == DocumentKind.CREDIT_NOTE else 1
        left = row["total"] - settled.get(row["id"], ZERO)
        if left == 0:
            continue
        items.append(
            OpenItem(
                row["id"],
                row["party_id"],
                row["kind"],
                row["number"] or "",
                row["issue_date"],
                row["due_date"],
                row["currency"],
                row["total"] * sign,
                left * sign,
                aging_bucket(row["due_date"] if sign > 0 else None, on),
            )
        )
    return items


@dataclass
class AgingRow:
    party_id: int | None
    party_name: str
    currency: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets.get("not_due", ZERO)


class AgingDirection:
    RECEIVABLE = "receivable"
    PAYABLE = "payable"
    VALUES = (RECEIVABLE, PAYABLE)


def payable_items(company: Company, on: dt.date) -> list[tuple[int, str, dt.date | None, Decimal]]:
    """(supplier, currency, due date, open amount) of supplier invoices and debit notes open on
    day `on`: registered, not rejected, received by then; the open amount is today's `remaining`
    plus what active allocations and write-offs dated after `on` settled (undone ones count as
    never made)."""

    later: dict[int, Decimal] = dict(
        Allocation.objects.filter(
            company=company,
            supplier_invoice__isnull=False,
            undone_at__isnull=True,
            date__gt=on,
        )
        .order_by()
        .values("supplier_invoice_id")
        .annotate(s=Sum("document_amount"))
        .values_list("supplier_invoice_id", "s")
    )
    for invoice_id, amount in (
        WriteOff.objects.filter(
            company=company, supplier_invoice__isnull=False, undone_at__isnull=True, date__gt=on
        )
        .order_by()
        .values("supplier_invoice_id")
        .annotate(s=Sum("amount"))
        .values_list("supplier_invoice_id", "s")
    ):
        later[invoice_id] = later.get(invoice_id, ZERO) + amount
    found = (
        SupplierInvoice.objects.filter(
            company=company, status=SupplierInvoiceStatus.REGISTERED, issue_date__lte=on
        )
        .exclude(kind=SupplierDocumentKind.CREDIT_NOTE)
        .exclude(approval_status=ApprovalStatus.REJECTED)
        .filter(Q(remaining__gt=0) | Q(pk__in=list(later)))
        .order_by("issue_date", "id")
        .values_list("id", "supplier_id", "currency", "due_date", "total", "remaining")
    )
    items = []
    for pk, supplier_id, currency, due_date, total, remaining in found:
        left = min(total, remaining + later.get(pk, ZERO))
        if left > 0:
            items.append((supplier_id, currency, due_date, left))
    return items


def aging(
    company: Company, on: dt.date, direction: str = AgingDirection.RECEIVABLE
) -> list[AgingRow]:
    """Receivables per client (or, with direction="payable", payables per supplier from the
    supplier invoices) and currency, aged by days past due on `on`, biggest first.
    Unallocated incoming payments (the client's credit) lower the receivables' "not due"."""
    rows: dict[tuple[int | None, str], AgingRow] = {}
    names = dict(Party.objects.filter(company=company).values_list("id", "name"))

    def row_of(party_id: int | None, currency: str) -> AgingRow:
        key = (party_id, currency)
        if key not in rows:
            rows[key] = AgingRow(
                party_id,
                names.get(party_id or 0, ""),
                currency,
                {k: ZERO for k, _l in AGING_BUCKETS},
            )
        return rows[key]

    if direction == AgingDirection.PAYABLE:
        for supplier_id, currency, due_date, amount in payable_items(company, on):
            row_of(supplier_id, currency).buckets[aging_bucket(due_date, on)] += amount
    else:
        for item in open_items(company, on):
            row = row_of(item.party_id, item.currency)
            row.buckets[item.bucket] += item.open_amount
        for party_id, currency, amount in party_credit_rows(company, on):
            row_of(party_id, currency).buckets["not_due"] -= amount
    return sorted(
        (r for r in rows.values() if r.total != 0), key=lambda r: (-r.total, r.party_name)
    )


def aging_totals(rows: Iterable[AgingRow]) -> dict[str, dict[str, Decimal]]:
    """Per currency: bucket → sum."""
    totals: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        entry = totals.setdefault(row.currency, {k: ZERO for k, _l in AGING_BUCKETS})
        for key, value in row.buckets.items():
            entry[key] += value
    return totals


def party_credit_rows(company: Company, on: dt.date) -> list[tuple[int | None, str, Decimal]]:
    """(party, currency, unallocated) of incoming payments on day `on`: less what allocations,
    refunds and write-offs of an overpayment dated by then took. A refund (a supplier
    returning our overpayment) is all used by the payment it returns."""
    allocated: dict[int, Decimal] = {
        pk: sum_cents(total)
        for pk, total in Allocation.objects.filter(
            company=company, undone_at__isnull=True, date__lte=on, payment__isnull=False
        )
        .order_by()
        .values("payment_id")
        .annotate(s=Sum("amount"))
        .values_list("payment_id", "s")
    }
    refunds: dict[int, Decimal] = {
        pk: sum_cents(total)
        for pk, total in Payment.objects.filter(
            company=company, refund_of__isnull=False, date__lte=on
        )
        .order_by()
        .values("refund_of_id")
        .annotate(s=Sum("amount"))
        .values_list("refund_of_id", "s")
    }
    written_off = _payment_write_offs(company, on)
    found: list[tuple[int | None, str, Decimal]] = []
    for pk, party_id, currency, amount in Payment.objects.filter(
        company=company, direction=Direction.IN, refund_of__isnull=True, date__lte=on
    ).values_list("id", "party_id", "currency", "amount"):
        left = amount - allocated.get(pk, ZERO) - refunds.get(pk, ZERO) - written_off.get(pk, ZERO)
        if left > 0:
            found.append((party_id, currency, left))
    return found


def _payment_write_offs(company: Company, on: dt.date) -> dict[int, Decimal]:
    """Per payment: its active write-offs (an overpayment written off) dated on or before `on`."""
    return {
        pk: sum_cents(total)
        for pk, total in WriteOff.objects.filter(
            company=company, payment__isnull=False, undone_at__isnull=True, date__lte=on
        )
        .order_by()
        .values("payment_id")
        .annotate(s=Sum("amount"))
        .values_list("payment_id", "s")
    }


def party_credit(company: Company, party: Party) -> dict[str, Decimal]:
    """The client's credit now (unallocated incoming payments), per currency."""
    found: dict[str, Decimal] = {}
    for currency, amount, allocated in Payment.objects.filter(
        company=company, party=party, direction=Direction.IN
    ).values_list("currency", "amount", "allocated"):
        if amount > allocated:
            found[currency] = found.get(currency, ZERO) + amount - allocated
    return found


def top_debtors(company: Company, today: dt.date, limit: int = 5) -> list[AgingRow]:
    return [row for row in aging(company, today) if row.total > 0][:limit]


@dataclass
class StatementEntry:
    date: dt.date
    text: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO


@dataclass
class Statement:
    party: Party
    currency: str
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    entries: list[StatementEntry]

    @property
    def closing(self) -> Decimal:
        return self.entries[-1].balance if self.entries else self.opening


def statement(
    company: Company, party: Party, currency: str, date_from: dt.date, date_to: dt.date
) -> Statement:
    """Account statement of a client in one currency: opening balance on the day before
    `date_from`, documents (debit; credit notes credit) and payments (credit; refunds debit) in
    the period, running balance, closing balance."""
    events: list[tuple[dt.date, int, StatementEntry]] = []
    documents = Document.objects.filter(
        company=company,
        party=party,
        currency=currency,
        status=DocumentStatus.ISSUED,
        kind__in=SETTLEABLE_KINDS,
        issue_date__lte=date_to,
    ).order_by("issue_date", "id")
    opening = ZERO
    kinds = dict(DocumentKind.choices)
    for document in documents:
        signed = -document.total if document.kind == DocumentKind.CREDIT_NOTE else document.total
        if document.issue_date < date_from:
            opening += signed
            continue
        entry = StatementEntry(
            document.issue_date,
            str(kinds.get(document.kind, document.kind)),
            document.number or "",
            signed if signed > 0 else ZERO,
            -signed if signed < 0 else ZERO,
        )
        events.append((document.issue_date, document.pk, entry))
    payments = Payment.objects.filter(
        company=company, party=party, currency=currency, date__lte=date_to
    ).order_by("date", "id")
    for payment in payments:
        signed = -payment.amount if payment.direction == Direction.IN else payment.amount
        if payment.date < date_from:
            opening += signed
            continue
        if payment.refund_of_id:
            text = str(
                _("Credit refunded")
                if payment.direction == Direction.OUT
                else _("Overpayment returned")
            )
        else:
            text = str(
                _("Payment received") if payment.direction == Direction.IN else _("Payment made")
            )
        entry = StatementEntry(
            payment.date,
            text,
            payment.bank_reference or f"#{payment.pk}",
            signed if signed > 0 else ZERO,
            -signed if signed < 0 else ZERO,
        )
        events.append((payment.date, 10**12 + payment.pk, entry))
    for item in WriteOff.objects.filter(
        company=company,
        document__party=party,
        document__currency=currency,
        undone_at__isnull=True,
        date__lte=date_to,
    ):
        if item.date < date_from:
            opening -= item.amount
            continue
        entry = StatementEntry(
            item.date, str(_("Written off")), item.reason[:60], ZERO, item.amount
        )
        events.append((item.date, 2 * 10**12 + item.pk, entry))
    for item in WriteOff.objects.filter(
        company=company,
        payment__party=party,
        payment__currency=currency,
        undone_at__isnull=True,
        date__lte=date_to,
    ).select_related("payment"):
        # An overpayment written off takes back the credit the payment gave (a debit); an
        # outgoing payment's rest written off, the debit it made.
        assert item.payment is not None
        signed = item.amount if item.payment.direction == Direction.IN else -item.amount
        if item.date < date_from:
            opening += signed
            continue
        entry = StatementEntry(
            item.date,
            str(_("Overpayment written off")),
            item.reason[:60],
            signed if signed > 0 else ZERO,
            -signed if signed < 0 else ZERO,
        )
        events.append((item.date, 3 * 10**12 + item.pk, entry))
    events.sort(key=lambda e: (e[0], e[1]))
    balance = opening
    entries = []
    for _day, _order, entry in events:
        balance += entry.debit - entry.credit
        entry.balance = balance
        entries.append(entry)
    return Statement(party, currency, date_from, date_to, opening, entries)
