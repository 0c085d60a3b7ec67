"""Export records of money (pure, no database): a payment, a cash/bank movement that is no
payment, and a write-off of a small difference. They carry a journal entry and no VAT rows,
so they are in neither VAT ledger; `records.py` holds the record itself and the documents'
records (sales, supplier invoices)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from xfinances.accounting.records import (
    ZERO,
    AccountMapping,
    DocumentType,
    ExportRecord,
    JournalEntry,
    JournalLine,
    PartyRecord,
    RecordKind,
    ledger_currency,
    period_of,
)

# --- payments and cash/bank movements ----------------------------------------------------------


class PaymentInput(NamedTuple):
    id: int
    direction: str  # in / out
    date: dt.date
    amount: Decimal  # ledger currency, positive
    party: PartyRecord
    via_cash: bool
    reference: str = ""
    exchange_difference: Decimal = ZERO  # ledger currency: + gain, − loss
    documents: tuple[str, ...] = ()
    money_account: str = ""
    # The party's side: receivables 411 (True) or payables 401 (False); None: by direction.
    receivable: bool | None = None


def on_receivables(
    direction: str, *, sales: bool, purchases: bool, refund: bool, client: bool, supplier: bool
) -> bool:
    """Whether money to or from a party is booked on its receivables (411) rather than its
    payables (401). What it settles decides: sales documents (invoices paid, credit notes paid
    out) or a client's credit returned (`refund`) are the client's 411, supplier invoices the
    supplier's 401. Money that settles nothing follows who the party is (only a client: 411,
    only a supplier: 401), else its direction (in: 411, out: 401). Pure."""
    if sales or refund:
        return True
    if purchases:
        return False
    if client != supplier:
        return client
    return direction == "in"


def side_of_row(row: dict[str, Any], prefix: str, settles: set[bool]) -> bool:
    """`on_receivables` of a payment's `values()` row (its fields after `prefix`: direction,
    refund_of_id, party__is_client, party__is_supplier) and what its allocations settle (True:
    a sales document, False: a supplier invoice)."""
    return on_receivables(
        row[prefix + "direction"],
        sales=True in settles,
        purchases=False in settles,
        refund=bool(row[prefix + "refund_of_id"]),
        client=bool(row[prefix + "party__is_client"]),
        supplier=bool(row[prefix + "party__is_supplier"]),
    )


def payment_record(payment: PaymentInput, mapping: AccountMapping) -> ExportRecord:
    period = period_of(payment.date)
    money = mapping.cash if payment.via_cash else mapping.bank
    amount, diff = payment.amount, payment.exchange_difference
    analytics = payment.party.number
    receivable = payment.receivable
    if receivable is None:
        receivable = payment.direction == "in"
    party_account = mapping.receivables if receivable else mapping.payables
    if payment.direction == "in":
        # Received `amount`; the claim closes at its booked value, the rest is a difference.
        lines = [
            JournalLine(money, amount, ZERO),
            JournalLine(party_account, ZERO, amount - diff, analytics),
        ]
        if diff > 0:
            lines.append(JournalLine(mapping.exchange_gain, ZERO, diff))
        elif diff < 0:
            lines.append(JournalLine(mapping.exchange_loss, -diff, ZERO))
        doc_type = DocumentType.CASH_RECEIPT if payment.via_cash else DocumentType.BANK_ENTRY
    else:
        # Paid out: the debt (or a client's credit) closes at its booked value.
        lines = [
            JournalLine(party_account, amount + diff, ZERO, analytics),
            JournalLine(money, ZERO, amount),
        ]
        if diff > 0:
            lines.append(JournalLine(mapping.exchange_gain, ZERO, diff))
        elif diff < 0:
            lines.append(JournalLine(mapping.exchange_loss, -diff, ZERO))
        doc_type = DocumentType.CASH_PAYMENT if payment.via_cash else DocumentType.BANK_ENTRY
    text = f"{payment.reference or payment.id} {payment.party.name}"[:120]
    return ExportRecord(
        kind=RecordKind.PAYMENT,
        source="payments.Payment",
        source_id=payment.id,
        version=1,
        period=period,
        currency=ledger_currency(period),
        document_type=doc_type,
        number=payment.reference or str(payment.id),
        date=payment.date,
        party=payment.party,
        description=text,
        base=amount,
        vat=ZERO,
        total=amount if payment.direction == "in" else -amount,
        journal=(JournalEntry(payment.date, text, _fix_order(lines)),),
        money_account=payment.money_account,
        related_numbers=payment.documents,
    )


def _fix_order(lines: Iterable[JournalLine]) -> tuple[JournalLine, ...]:
    """Debit lines first, then credit lines (how the programs list an operation)."""
    items = list(lines)
    return tuple([x for x in items if x.debit] + [x for x in items if not x.debit])


class MovementInput(NamedTuple):
    id: int
    date: dt.date
    amount: Decimal  # ledger currency, signed: + money in
    is_cash: bool
    number: str  # cash order number or bank reference
    counterparty: str
    description: str
    money_account: str = ""


def movement_record(movement: MovementInput, mapping: AccountMapping) -> ExportRecord:
    period = period_of(movement.date)
    money = mapping.cash if movement.is_cash else mapping.bank
    amount = movement.amount
    if movement.is_cash:
        doc_type = DocumentType.CASH_RECEIPT if amount >= 0 else DocumentType.CASH_PAYMENT
    else:
        doc_type = DocumentType.BANK_ENTRY
    if amount >= 0:
        lines = (JournalLine(money, amount, ZERO), JournalLine(mapping.other_money, ZERO, amount))
    else:
        lines = (JournalLine(mapping.other_money, -amount, ZERO), JournalLine(money, ZERO, -amount))
    party = PartyRecord(number="", name=movement.counterparty, is_person=True)
    text = (movement.description or movement.counterparty)[:120]
    return ExportRecord(
        kind=RecordKind.CASH if movement.is_cash else RecordKind.BANK,
        source="treasury.Movement",
        source_id=movement.id,
        version=1,
        period=period,
        currency=ledger_currency(period),
        document_type=doc_type,
        number=movement.number or str(movement.id),
        date=movement.date,
        party=party,
        description=text,
        base=abs(amount),
        vat=ZERO,
        total=amount,
        journal=(JournalEntry(movement.date, text, lines),),
        money_account=movement.money_account,
    )


# --- write-offs --------------------------------------------------------------------------------


#: The source of a credit note's exchange difference: its allocation against the claim.
NOTE_DIFFERENCE_SOURCE = "payments.Allocation"


class WriteOffTarget(StrEnum):
    """What a write-off closed (payments.WriteOff's one target; a payment by its direction)."""

    DOCUMENT = "document"  # a sales document's unpaid remainder: a receivable lost
    PAYMENT_IN = "payment_in"  # a client's overpayment (its credit on 411) kept
    PAYMENT_OUT = "payment_out"  # our overpayment to a supplier (a debit on 401) lost
    SUPPLIER_INVOICE = "supplier_invoice"  # a supplier invoice's unpaid remainder kept


class WriteOffInput(NamedTuple):
    id: int
    target: WriteOffTarget
    date: dt.date
    amount: Decimal  # ledger currency, positive
    party: PartyRecord
    related_number: str = ""  # the document, supplier invoice or payment reference
    currency: str = ""  # the target's currency
    target_amount: Decimal = ZERO  # `amount` in the target's currency
    # Ledger currency: the party's line at the target's booked rate minus `amount` (the day's
    # rate), signed for the company as a payment's: + gain, − loss. Zero in EUR or BGN.
    exchange_difference: Decimal = ZERO
    # A payment's rest: on the party's receivables (True) or payables (False), as the payment
    # was booked (`on_receivables`); None: a client's rest on 411, ours to a supplier on 401.
    receivable: bool | None = None


def write_off_record(item: WriteOffInput, mapping: AccountMapping) -> ExportRecord:
    """The journal entry of an active write-off, dated on its day (docs/accounting.md):

    - a sales document's remainder: Dr write-off expense / Cr receivables (the client);
    - a client's overpayment: Dr receivables (the client) / Cr write-off income;
    - our overpayment to a supplier: Dr write-off expense / Cr payables (the supplier), which
      closes the debit the outgoing payment left on the supplier's account;
    - a supplier invoice's remainder: Dr payables (the supplier) / Cr write-off income.

    A foreign currency's write-off books the expense or income at the day's rate (`amount`)
    and the party's line at the rate its target was booked at, so the party's balance closes;
    the exchange difference between them goes to exchange gains or losses, as a payment's
    does (a receivable or our advance closed like money received, a payable or the client's
    credit like money paid out). No VAT rows: a write-off is in neither VAT ledger."""
    period = period_of(item.date)
    amount, diff = item.amount, item.exchange_difference
    analytics = item.party.number
    if item.target == WriteOffTarget.DOCUMENT:
        debit = JournalLine(mapping.write_off_expense, amount, ZERO)
        credit = JournalLine(mapping.receivables, ZERO, amount - diff, analytics)
    elif item.target in (WriteOffTarget.PAYMENT_IN, WriteOffTarget.PAYMENT_OUT):
        receivable = item.receivable
        if receivable is None:
            receivable = item.target == WriteOffTarget.PAYMENT_IN
        side = mapping.receivables if receivable else mapping.payables
        if item.target == WriteOffTarget.PAYMENT_IN:
            debit = JournalLine(side, amount + diff, ZERO, analytics)
            credit = JournalLine(mapping.write_off_income, ZERO, amount)
        else:
            debit = JournalLine(mapping.write_off_expense, amount, ZERO)
            credit = JournalLine(side, ZERO, amount - diff, analytics)
    else:
        debit = JournalLine(mapping.payables, amount + diff, ZERO, analytics)
        credit = JournalLine(mapping.write_off_income, ZERO, amount)
    lines = [debit, credit]
    if diff > 0:
        lines.append(JournalLine(mapping.exchange_gain, ZERO, diff))
    elif diff < 0:
        lines.append(JournalLine(mapping.exchange_loss, -diff, ZERO))
    number = f"WO-{item.id}"
    text = f"{_('Write-off')} {item.related_number} {item.party.name}"[:120]
    return ExportRecord(
        kind=RecordKind.WRITE_OFF,
        source="payments.WriteOff",
        source_id=item.id,
        version=1,
        period=period,
        currency=ledger_currency(period),
        document_type=DocumentType.WRITE_OFF,
        number=number,
        date=item.date,
        party=item.party,
        description=text,
        base=amount,
        vat=ZERO,
        total=amount,
        journal=(JournalEntry(item.date, text, _fix_order(lines)),),
        document_currency=item.currency,
        document_total=item.target_amount or amount,
        related_numbers=(item.related_number,) if item.related_number else (),
    )


class NoteDifferenceInput(NamedTuple):
    id: int  # the credit note's allocation
    date: dt.date
    difference: Decimal  # ledger currency: + gain, − loss (payments.Allocation's sign)
    party: PartyRecord
    note_number: str
    document_number: str
    receivable: bool = True  # a sales note (411); a supplier's note: False (401)


def note_difference_record(item: NoteDifferenceInput, mapping: AccountMapping) -> ExportRecord:
    """The exchange difference of a credit note set off against the invoice it corrects, as an
    accounting note dated on the set-off: the note took its amount off the client's account at
    the rate of its own day, the invoice put it there at the rate of its day, so the client's
    411 keeps the difference until this entry closes it — a loss (the note took less EUR than
    the invoice booked): Dr exchange losses / Cr receivables; a gain: Dr receivables /
    Cr exchange gains. A supplier's note likewise on its 401: taking less EUR off what we owe
    than the invoice booked leaves a credit there, a gain (Dr payables / Cr exchange gains).
    No VAT rows: the note's VAT is in the ledger at its own rate."""
    diff, analytics = item.difference, item.party.number
    party_account = mapping.receivables if item.receivable else mapping.payables
    if diff < 0:
        lines = [
            JournalLine(mapping.exchange_loss, -diff, ZERO),
            JournalLine(party_account, ZERO, -diff, analytics),
        ]
    else:
        lines = [
            JournalLine(party_account, diff, ZERO, analytics),
            JournalLine(mapping.exchange_gain, ZERO, diff),
        ]
    period = period_of(item.date)
    text = (
        _("Exchange difference: credit note %(note)s to %(document)s")
        % {"note": item.note_number, "document": item.document_number}
        + f" {item.party.name}"
    )[:120]
    return ExportRecord(
        kind=RecordKind.WRITE_OFF,
        source=NOTE_DIFFERENCE_SOURCE,
        source_id=item.id,
        version=1,
        period=period,
        currency=ledger_currency(period),
        document_type=DocumentType.WRITE_OFF,
        number=f"FX-{item.id}",
        date=item.date,
        party=item.party,
        description=text,
        base=abs(diff),
        vat=ZERO,
        total=abs(diff),
        journal=(JournalEntry(item.date, text, _fix_order(lines)),),
        related_numbers=tuple(n for n in (item.note_number, item.document_number) if n),
    )


def write_off_reversal(record: ExportRecord, day: dt.date) -> ExportRecord:
    """The reversal of a write-off's (or a credit note's exchange difference's) booked
    `record` (its amounts already in the ledger currency of `day`'s month): the same journal
    entry negated, dated on `day` (the undo), numbered `<number>-R`, in the month of `day`.
    Pure."""
    period = period_of(day)
    text = (_("Reversal: %(reason)s") % {"reason": record.description})[:120]
    lines = tuple(
        replace(line, debit=-line.debit, credit=-line.credit)
        for entry in record.journal
        for line in entry.lines
    )
    return replace(
        record,
        version=2,
        period=period,
        currency=ledger_currency(period),
        number=f"{record.number}-R",
        date=day,
        description=text,
        base=-record.base,
        total=-record.total,
        document_total=-record.document_total,
        journal=(JournalEntry(day, text, lines),),
        voided=True,
        void_reversal=True,
    )
