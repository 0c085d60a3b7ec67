"""Export records: what every accounting format is rendered from (pure, no database).

A record is one business event of a company seen by its books: a sales document, a supplier
invoice, a payment, a cash/bank movement, or a write-off of a small difference. It is immutable
and carries everything a format needs: header, parties with identifiers, lines, the VAT
breakdown by NAP ledger column, payment data and balanced journal entries made from the
company's `AccountMapping`.

Amounts are in the *ledger currency* of the record's period (BGN up to 2025-12, EUR from
2026-01; bg-invoicing.md) and signed as the ledgers show them: credit notes negative, a document
voided in a later month reversed (negative) in the month of voiding, a document voided in its
own month present with zero amounts.

The builders here and in `money_records.py` (payments, movements, write-offs) take plain
values (`SaleInput`, `PurchaseInput`, …) so tests and benchmarks
make records without a database; `accounting/building.py` reads the apps' rows into them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from django.utils.translation import gettext as _

from xfinances.core.money import eur_to_bgn

ZERO = Decimal("0.00")
NO_IDENTIFIER = "999999999999999"
EURO_FROM = "202601"


class RecordKind(StrEnum):
    SALE = "sale"
    PURCHASE = "purchase"
    PAYMENT = "payment"
    CASH = "cash"
    BANK = "bank"
    WRITE_OFF = "write_off"


class DocumentType(StrEnum):
    INVOICE = "invoice"
    DEBIT_NOTE = "debit_note"
    CREDIT_NOTE = "credit_note"
    PROTOCOL = "protocol"
    CASH_RECEIPT = "cash_receipt"  # ПКО
    CASH_PAYMENT = "cash_payment"  # РКО
    BANK_ENTRY = "bank_entry"  # БИ
    WRITE_OFF = "write_off"  # an accounting note (счетоводна справка) of a write-off


#: NAP document type codes (accounting-exports.md).
NAP_CODES = {
    DocumentType.INVOICE: "01",
    DocumentType.DEBIT_NOTE: "02",
    DocumentType.CREDIT_NOTE: "03",
    DocumentType.PROTOCOL: "09",
}

#: The sales-ledger VAT column beside each base column that carries VAT.
SALES_VAT_COLUMN = {"02-11": "02-21", "02-13": "02-24", "02-12": "02-22", "02-26": "02-22"}
SALES_BASE_COLUMNS = (
    "02-11",
    "02-12",
    "02-26",
    "02-13",
    "02-14",
    "02-15",
    "02-16",
    "02-17",
    "02-18",
    "02-19",
    "02-25",
)
PURCHASE_COLUMNS = ("03-30", "03-31", "03-41", "03-32", "03-42", "03-43", "03-44")


class RecordError(ValueError):
    """A record cannot be made: names the document (`subject`) and the cause."""

    def __init__(self, subject: str, message: str):
        self.subject = subject
        self.message = message
        super().__init__(f"{subject}: {message}")


def ledger_currency(period: str) -> str:
    """BGN for periods up to 2025-12, EUR from 2026-01. `period` is YYYYMM."""
    return "EUR" if period >= EURO_FROM else "BGN"


_PERIODS: dict[dt.date, str] = {}


def period_of(day: dt.date) -> str:
    """`YYYYMM` of a day (made once per day: every record asks, a month has 31 days)."""
    found = _PERIODS.get(day)
    if found is None:
        if len(_PERIODS) > 5000:
            _PERIODS.clear()
        found = _PERIODS[day] = f"{day.year:04d}{day.month:02d}"
    return found


def in_ledger(amount: Decimal, currency: str, eur_amount: Decimal, ledger: str) -> Decimal:
    """An amount in the ledger currency: as it is when the document is in that currency, the
    EUR figure for a EUR ledger, the EUR figure at the fixed rate for a BGN ledger."""
    if currency == ledger:
        return amount
    if ledger == "EUR":
        return eur_amount
    return eur_to_bgn(eur_amount)


# --- the account mapping -----------------------------------------------------------------------

#: Revenue account per VAT treatment code (the common Bulgarian chart: 702 goods, 703 services,
#: 704 other revenue). Codes missing here use `AccountMapping.revenue_default`.
DEFAULT_REVENUE = {
    "standard": "703",
    "accommodation": "703",
    "export": "702",
    "eu_goods": "702",
    "eu_services": "703",
    "domestic_reverse_charge": "702",
    "recipient_liable": "703",
    "exempt": "704",
    "not_registered": "703",
}


@dataclass(frozen=True)
class AccountMapping:
    """Which account each side of an entry goes to. Defaults: the common Bulgarian chart."""

    revenue: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_REVENUE))
    revenue_default: str = "703"
    receivables: str = "411"
    payables: str = "401"
    vat_sales: str = "4532"
    vat_purchases: str = "4531"
    purchases: str = "602"
    cash: str = "501"
    bank: str = "503"
    other_money: str = "498"
    exchange_gain: str = "724"
    exchange_loss: str = "624"
    write_off_expense: str = "609"
    write_off_income: str = "709"

    SIMPLE_FIELDS = (
        "revenue_default",
        "receivables",
        "payables",
        "vat_sales",
        "vat_purchases",
        "purchases",
        "cash",
        "bank",
        "other_money",
        "exchange_gain",
        "exchange_loss",
        "write_off_expense",
        "write_off_income",
    )

    def revenue_account(self, vat_code: str) -> str:
        return self.revenue.get(vat_code) or self.revenue_default

    def problems(self) -> dict[str, str]:
        """Field → message for every account left empty or not a number (an entry with an empty
        account cannot be booked: the mapping would leave it unbalanced)."""
        found = {}
        for name in self.SIMPLE_FIELDS:
            value = str(getattr(self, name) or "").strip()
            if not value or not value.isdigit():
                found[name] = _("Give an account number (digits).")
        for code, value in self.revenue.items():
            if value and not str(value).isdigit():
                found[f"revenue.{code}"] = _("Give an account number (digits).")
        return found


# --- records -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartyRecord:
    number: str  # our id of the party ("" when none), the analytics of 411/401
    name: str
    country: str = "BG"
    city: str = ""
    address: str = ""
    eik: str = ""
    vat_number: str = ""
    is_person: bool = False
    mol: str = ""
    bank: str = ""

    @property
    def ledger_identifier(self) -> str:
        """The VAT ledgers' counterparty identifier: VAT number, else ЕИК, else 15 nines."""
        return self.vat_number or self.eik or NO_IDENTIFIER

    def missing_identifier(self) -> bool:
        """A Bulgarian legal entity without ЕИК or VAT number cannot go to the ledgers."""
        return (
            not self.is_person and self.country in ("", "BG") and not (self.eik or self.vat_number)
        )


@dataclass(frozen=True, slots=True)
class LineRecord:
    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    net: Decimal  # document currency, signed
    vat_code: str
    vat_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class VatRow:
    """One row of the VAT breakdown in the ledger currency, signed. `column` is the NAP base
    column (02-xx for sales, 03-xx for purchases); `vat_column` the column of its VAT."""

    column: str
    vat_column: str
    vat_code: str
    rate: Decimal | None
    base: Decimal
    vat: Decimal


@dataclass(frozen=True, slots=True)
class JournalLine:
    account: str
    debit: Decimal
    credit: Decimal
    analytics: str = ""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    date: dt.date
    description: str
    lines: tuple[JournalLine, ...]

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def balanced(self) -> bool:
        debit = credit = ZERO  # one pass (every record is checked before it is written)
        for line in self.lines:
            debit += line.debit
            credit += line.credit
        return debit == credit


@dataclass(frozen=True, slots=True)
class ExportRecord:
    kind: RecordKind
    source: str  # "invoicing.Document", "purchases.SupplierInvoice", ...
    source_id: int
    version: int
    period: str  # YYYYMM
    currency: str  # the ledger currency of the period
    document_type: DocumentType
    number: str
    date: dt.date
    party: PartyRecord
    description: str
    base: Decimal
    vat: Decimal
    total: Decimal
    vat_rows: tuple[VatRow, ...] = ()
    lines: tuple[LineRecord, ...] = ()
    journal: tuple[JournalEntry, ...] = ()
    tax_event_date: dt.date | None = None
    document_currency: str = ""
    document_total: Decimal = ZERO
    voided: bool = False
    void_reversal: bool = False
    corrected_number: str = ""
    corrected_date: dt.date | None = None
    payment_method: str = ""
    due_date: dt.date | None = None
    money_account: str = ""  # cash/bank: the account's name
    related_numbers: tuple[str, ...] = ()  # payments: the documents paid
    # Booked, then reversed by a later record of the same source (an undone write-off): never
    # sent again as a correction, only to a destination that never had it.
    superseded: bool = False

    @property
    def nap_code(self) -> str:
        return NAP_CODES.get(self.document_type, "09")

    def column(self, name: str) -> Decimal:
        """The sum of a NAP ledger column over the VAT rows (base or VAT columns)."""
        total = ZERO
        for row in self.vat_rows:
            if row.column == name:
                total += row.base
            if row.vat_column == name:
                total += row.vat
        return total

    @property
    def balanced(self) -> bool:
        return all(entry.balanced for entry in self.journal)


def check_balanced(record: ExportRecord) -> None:
    for entry in record.journal:
        if not entry.balanced:
            raise RecordError(
                _describe(record),
                _("The journal entry is not balanced (debit %(d)s, credit %(c)s).")
                % {"d": entry.debit, "c": entry.credit},
            )


def _describe(record: ExportRecord) -> str:
    return f"{record.document_type} {record.number}"


# --- sales documents ---------------------------------------------------------------------------


class GroupInput(NamedTuple):
    """A sales document's VAT breakdown row (invoicing.DocumentVatGroup)."""

    vat_code: str
    vat_rate: Decimal | None
    nap_column: str
    base: Decimal
    vat: Decimal
    eur_base: Decimal
    eur_vat: Decimal


class SaleInput(NamedTuple):
    id: int
    version: int
    kind: str  # invoicing.DocumentKind value
    status: str  # draft / issued / voided
    number: str
    issue_date: dt.date
    tax_event_date: dt.date
    currency: str
    total: Decimal
    party: PartyRecord
    groups: tuple[GroupInput, ...]
    lines: tuple[LineRecord, ...] = ()
    voided_on: dt.date | None = None
    corrected_number: str = ""
    corrected_date: dt.date | None = None
    payment_method: str = ""
    due_date: dt.date | None = None
    description: str = ""


_DOCUMENT_TYPES = {
    "invoice": DocumentType.INVOICE,
    "debit_note": DocumentType.DEBIT_NOTE,
    "credit_note": DocumentType.CREDIT_NOTE,
    "protocol": DocumentType.PROTOCOL,
}


def _document_type(kind: str) -> DocumentType:
    return _DOCUMENT_TYPES[kind]


def sale_records(
    sale: SaleInput, period: str, mapping: AccountMapping, *, journal: bool = True
) -> list[ExportRecord]:
    """The sales-ledger records of `sale` in `period`: none, one, or (issued and voided in the
    same later month … never) the document and its reversal. Raises RecordError on bad input.
    `journal=False` leaves the journal entry out (the NAP ledgers print none; building it was
    a fifth of their time)."""
    if sale.kind == "proforma":
        return []
    subject = f"{sale.number or _('draft')}"
    if sale.status == "draft":
        raise RecordError(subject, _("The document is a draft: issue or delete it."))
    issued_here = period_of(sale.issue_date) == period
    voided_here = sale.voided_on is not None and period_of(sale.voided_on) == period
    if not issued_here and not voided_here:
        return []
    if sale.party.missing_identifier():
        raise RecordError(
            subject,
            _("The client %(name)s has no ЕИК or VAT number.") % {"name": sale.party.name},
        )
    record = _sale_record(sale, period, mapping, subject, journal)
    if issued_here and voided_here:
        return [_zeroed(record)]
    if voided_here:  # voided in a later month: reversed in the month of voiding
        return [_reversed(record)]
    return [record]


def _sale_record(
    sale: SaleInput, period: str, mapping: AccountMapping, subject: str, journal: bool = True
) -> ExportRecord:
    ledger = ledger_currency(period)
    credit = sale.kind == "credit_note"  # credit notes are negative in the ledgers
    same = sale.currency == ledger  # the amounts as they are (no in_ledger call per group)
    rows = []
    base_sum = vat_sum = ZERO  # summed in the loop, as sum(..., ZERO) would
    for group in sale.groups:
        if not group.nap_column:
            raise RecordError(
                subject,
                _("The VAT treatment %(code)s has no VAT ledger column: set it in the catalog.")
                % {"code": group.vat_code},
            )
        if same:
            base, vat = group.base, group.vat
        else:
            base = in_ledger(group.base, sale.currency, group.eur_base, ledger)
            vat = in_ledger(group.vat, sale.currency, group.eur_vat, ledger)
        if credit:
            base, vat = -base, -vat
        vat_column = SALES_VAT_COLUMN.get(group.nap_column, "")
        if vat and not vat_column:
            raise RecordError(
                subject,
                _("VAT is charged under %(code)s, whose ledger column %(column)s takes no VAT.")
                % {"code": group.vat_code, "column": group.nap_column},
            )
        rows.append(VatRow(group.nap_column, vat_column, group.vat_code, group.vat_rate, base, vat))
        base_sum += base
        vat_sum += vat
    base, vat = base_sum, vat_sum
    doc_type = _DOCUMENT_TYPES[sale.kind]
    entries: tuple[JournalEntry, ...] = ()
    if journal:
        entries = (
            _sale_entry(
                doc_type, sale.issue_date, sale.number, sale.party, rows, base + vat, vat, mapping
            ),
        )
    return ExportRecord(
        kind=RecordKind.SALE,
        source="invoicing.Document",
        source_id=sale.id,
        version=sale.version,
        period=period,
        currency=ledger,
        document_type=doc_type,
        number=sale.number,
        date=sale.issue_date,
        tax_event_date=sale.tax_event_date,
        party=sale.party,
        description=sale.description or (sale.lines[0].description if sale.lines else ""),
        base=base,
        vat=vat,
        total=base + vat,
        vat_rows=tuple(rows),
        lines=sale.lines,
        document_currency=sale.currency,
        document_total=-sale.total if credit else sale.total,
        corrected_number=sale.corrected_number,
        corrected_date=sale.corrected_date,
        payment_method=sale.payment_method,
        due_date=sale.due_date,
        voided=sale.voided_on is not None,
        journal=entries,
    )


def _sale_entry(
    doc_type: DocumentType,
    day: dt.date,
    number: str,
    party: PartyRecord,
    rows: Iterable[VatRow],
    total: Decimal,
    vat: Decimal,
    mapping: AccountMapping,
) -> JournalEntry:
    text = f"{number} {party.name}"[:120]
    if doc_type == DocumentType.PROTOCOL:
        # Self-assessed VAT (art. 117): charged and credited; the base is booked as a purchase.
        return JournalEntry(
            day,
            text,
            (
                JournalLine(mapping.vat_purchases, vat, ZERO),
                JournalLine(mapping.vat_sales, ZERO, vat),
            ),
        )
    lines = [JournalLine(mapping.receivables, total, ZERO, party.number)]
    revenue: dict[str, Decimal] = {}
    for row in rows:
        account = mapping.revenue_account(row.vat_code)
        revenue[account] = revenue.get(account, ZERO) + row.base
    lines += [JournalLine(account, ZERO, amount) for account, amount in revenue.items()]
    if vat:
        lines.append(JournalLine(mapping.vat_sales, ZERO, vat))
    return JournalEntry(day, text, tuple(lines))


def _zeroed(record: ExportRecord) -> ExportRecord:
    rows = tuple(replace(row, base=ZERO, vat=ZERO) for row in record.vat_rows)
    return replace(record, vat_rows=rows, base=ZERO, vat=ZERO, total=ZERO, journal=(), voided=True)


def _negate_entry(entry: JournalEntry, day: dt.date) -> JournalEntry:
    return JournalEntry(
        day,
        entry.description,
        tuple(replace(line, debit=-line.debit, credit=-line.credit) for line in entry.lines),
    )


def _reversed(record: ExportRecord) -> ExportRecord:
    rows = tuple(replace(row, base=-row.base, vat=-row.vat) for row in record.vat_rows)
    return replace(
        record,
        vat_rows=rows,
        base=-record.base,
        vat=-record.vat,
        total=-record.total,
        document_total=-record.document_total,
        journal=tuple(_negate_entry(e, record.date) for e in record.journal),
        voided=True,
        void_reversal=True,
    )


# --- supplier invoices -------------------------------------------------------------------------


class PurchaseRowInput(NamedTuple):
    vat_rate: Decimal
    vat_credit: str  # full / partial / none
    base: Decimal
    vat: Decimal
    eur_base: Decimal
    eur_vat: Decimal


class PurchaseInput(NamedTuple):
    id: int
    version: int
    kind: str  # invoice / credit_note / debit_note
    cancelled: bool
    number: str
    issue_date: dt.date
    tax_event_date: dt.date
    currency: str
    party: PartyRecord
    rows: tuple[PurchaseRowInput, ...]
    description: str = ""
    due_date: dt.date | None = None
    ledger_period: str = ""  # the period it is entered in (default: the issue date's)


def purchase_record(
    purchase: PurchaseInput, period: str, mapping: AccountMapping
) -> ExportRecord | None:
    if purchase.cancelled:
        return None
    if (purchase.ledger_period or period_of(purchase.issue_date)) != period:
        return None
    subject = purchase.number
    if purchase.party.missing_identifier():
        raise RecordError(
            subject,
            _("The supplier %(name)s has no ЕИК or VAT number.") % {"name": purchase.party.name},
        )
    ledger = ledger_currency(period)
    sign = Decimal(-1) if purchase.kind == "credit_note" else Decimal(1)
    rows = []
    for row in purchase.rows:
        base = sign * in_ledger(row.base, purchase.currency, row.eur_base, ledger)
        vat = sign * in_ledger(row.vat, purchase.currency, row.eur_vat, ledger)
        if row.vat_credit == "full":
            rows.append(VatRow("03-31", "03-41", "full", row.vat_rate, base, vat))
        elif row.vat_credit == "partial":
            rows.append(VatRow("03-32", "03-42", "partial", row.vat_rate, base, vat))
        else:  # 03-30 holds base and VAT of purchases without a credit right
            rows.append(VatRow("03-30", "", "none", row.vat_rate, base + vat, ZERO))
    base = sum((row.base for row in rows if row.column != "03-30"), ZERO)
    vat = sum((row.vat for row in rows), ZERO)
    no_credit = sum((row.base for row in rows if row.column == "03-30"), ZERO)
    total = base + no_credit + vat
    text = f"{purchase.number} {purchase.party.name}"[:120]
    lines = [JournalLine(mapping.purchases, base + no_credit, ZERO)]
    if vat:
        lines.append(JournalLine(mapping.vat_purchases, vat, ZERO))
    lines.append(JournalLine(mapping.payables, ZERO, total, purchase.party.number))
    return ExportRecord(
        kind=RecordKind.PURCHASE,
        source="purchases.SupplierInvoice",
        source_id=purchase.id,
        version=purchase.version,
        period=period,
        currency=ledger,
        document_type=_document_type(purchase.kind),
        number=purchase.number,
        date=purchase.issue_date,
        tax_event_date=purchase.tax_event_date,
        party=purchase.party,
        description=purchase.description,
        base=base + no_credit,
        vat=vat,
        total=total,
        vat_rows=tuple(rows),
        document_currency=purchase.currency,
        due_date=purchase.due_date,
        journal=(JournalEntry(purchase.issue_date, text, tuple(lines)),),
    )
