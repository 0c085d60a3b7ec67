"""Reading the apps' rows into export records, streamed.

Each reader walks its table by primary key in chunks (`CHUNK` rows, one query for the chunk and
one for its VAT rows / lines), turns each row into a plain input of `records.py` and yields
records: a month of 200,000 documents never sits in memory at once.

Bad input (a draft in the period, a party without identifier, a VAT treatment without ledger
column) raises `records.RecordError` naming the document; `problems()` collects all of them
before anything is written, so an export is refused whole rather than half-done.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xfinances.accounting.money_records import (
    MovementInput,
    PaymentInput,
    movement_record,
    payment_record,
    side_of_row,
)
from xfinances.accounting.records import (
    ZERO,
    AccountMapping,
    ExportRecord,
    GroupInput,
    LineRecord,
    PartyRecord,
    PurchaseInput,
    PurchaseRowInput,
    RecordError,
    SaleInput,
    in_ledger,
    ledger_currency,
    purchase_record,
    sale_records,
)
from xfinances.core import queries as core_queries
from xfinances.core.models import Company
from xfinances.core.money import BGN_PER_EUR, bgn_to_eur, round_cent
from xfinances.invoicing.models import Document, DocumentLine, DocumentStatus
from xfinances.payments.models import Allocation, Payment
from xfinances.purchases.models import SupplierInvoice, SupplierInvoiceStatus, SupplierInvoiceVatRow
from xfinances.treasury.models import AccountKind, Movement, MovementStatus

CHUNK = 2000


@dataclass(frozen=True)
class Period:
    """A calendar month, `YYYYMM`."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """From `YYYY-MM` or `YYYYMM`; ValueError otherwise."""
        digits = text.strip().replace("-", "")
        if len(digits) != 6 or not digits.isdigit() or not 1 <= int(digits[4:]) <= 12:
            raise ValueError(text)
        return cls(int(digits[:4]), int(digits[4:]))

    @property
    def code(self) -> str:
        return f"{self.year:04d}{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return self.next().first - dt.timedelta(days=1)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def currency(self) -> str:
        return ledger_currency(self.code)


def chunks(queryset: QuerySet[Any], fields: Iterable[str]) -> Iterator[list[dict[str, Any]]]:
    """Rows of `queryset` as dicts, by id, CHUNK at a time (keyset paging: no OFFSET)."""
    last = 0
    names = list(fields)
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values(*names)[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]


# --- sales documents ---------------------------------------------------------------------------

#: A sales document with one of its VAT groups per row: the document's columns (0 … 13), its
#: party's (14 … 22), then the group's id and the fields of `GroupInput` (23 …; a document
#: without groups gives one row with NULL there). One query per chunk reads both: no second
#: query for the VAT groups, no list of 2,000 ids sent as parameters.
SALE_COLUMNS = (
    "id",
    "version",
    "kind",
    "status",
    "number",
    "issue_date",
    "tax_event_date",
    "currency",
    "total",
    "voided_at",
    "corrected_number",
    "corrected_issue_date",
    "payment_method",
    "due_date",
    "party_id",
    "recipient_name",
    "recipient_country",
    "recipient_city",
    "recipient_address",
    "recipient_eik",
    "recipient_vat_number",
    "recipient_kind",
    "recipient_mol",
    "vat_groups__id",
    "vat_groups__vat_code",
    "vat_groups__vat_rate",
    "vat_groups__nap_column",
    "vat_groups__base",
    "vat_groups__vat",
    "vat_groups__eur_base",
    "vat_groups__eur_vat",
)
_PARTY, _GROUP = 14, 23
#: Parties kept between documents (a client's invoices give one PartyRecord); cleared when
#: this many, so memory stays flat.
PARTY_CACHE = 5000


def sales_in_period(company: Company, period: Period) -> QuerySet[Document]:
    """Tax documents issued in the period, or voided in it (the reversal of an earlier one)."""
    return (
        Document.objects.filter(company=company)
        .exclude(kind="proforma")
        .exclude(status=DocumentStatus.DRAFT)
        .filter(
            Q(issue_date__gte=period.first, issue_date__lte=period.last)
            | Q(voided_at__date__gte=period.first, voided_at__date__lte=period.last)
        )
    )


def drafts_in_period(company: Company, period: Period) -> QuerySet[Document]:
    return Document.objects.filter(
        company=company,
        status=DocumentStatus.DRAFT,
        issue_date__gte=period.first,
        issue_date__lte=period.last,
    ).exclude(kind="proforma")


def _sale_party(key: tuple[Any, ...]) -> PartyRecord:
    party_id, name, country, city, address, eik, vat_number, kind, mol = key
    return PartyRecord(
        number=str(party_id or ""),
        name=name,
        country=country or "BG",
        city=city,
        address=address,
        eik=eik,
        vat_number=vat_number,
        is_person=kind == "person",
        mol=mol,
    )


def _sale_chunks(
    company: Company, documents: QuerySet[Document]
) -> Iterator[tuple[QuerySet[Any], list[tuple[Any, ...]]]]:
    """(the chunk's ids as a subquery, its rows of `SALE_COLUMNS` in id and group order), CHUNK
    documents at a time (keyset paging: no OFFSET)."""
    last = 0
    while True:
        page = documents.filter(pk__gt=last).order_by("pk").values("pk")[:CHUNK]
        rows = list(
            Document.objects.filter(company=company, pk__in=page)
            .order_by("pk", "vat_groups__id")
            .values_list(*SALE_COLUMNS)
        )
        if not rows:
            return
        yield page, rows
        last = rows[-1][0]


def sale_inputs(
    company: Company, documents: QuerySet[Document], *, with_lines: bool = False
) -> Iterator[SaleInput]:
    parties: dict[tuple[Any, ...], PartyRecord] = {}
    for page, rows in _sale_chunks(company, documents):
        lines: dict[int, list[LineRecord]] = defaultdict(list)
        if with_lines:
            for line in (
                DocumentLine.objects.filter(company=company, document_id__in=page)
                .order_by("document_id", "position", "id")
                .values_list(
                    "document_id",
                    "position",
                    "description",
                    "quantity",
                    "unit",
                    "unit_price",
                    "net",
                    "vat_code",
                    "vat_rate",
                )
            ):
                lines[line[0]].append(LineRecord(*line[1:]))
        if len(parties) > PARTY_CACHE:
            parties.clear()
        count = len(rows)
        index = 0
        while index < count:
            row = rows[index]
            doc_id = row[0]
            index += 1
            if row[_GROUP] is None:
                groups: tuple[GroupInput, ...] = ()
            else:
                groups = (GroupInput._make(row[_GROUP + 1 :]),)
                while index < count and rows[index][0] == doc_id:  # more than one VAT group
                    groups += (GroupInput._make(rows[index][_GROUP + 1 :]),)
                    index += 1
            key = row[_PARTY:_GROUP]
            party = parties.get(key)
            if party is None:
                party = parties[key] = _sale_party(key)
            voided_at = row[9]
            yield SaleInput(
                doc_id,
                row[1],
                row[2],
                row[3],
                row[4] or "",
                row[5],
                row[6],
                row[7],
                row[8],
                party,
                groups,
                tuple(lines[doc_id]) if with_lines else (),
                voided_at.date() if voided_at else None,
                row[10],
                row[11],
                row[12],
                row[13],
            )


OnError = Callable[[RecordError], None] | None


def guard(on_error: OnError, make: Callable[..., Any], *args: Any) -> Any:
    """`make(*args)`, or None after handing its RecordError to `on_error` (when given)."""
    if on_error is None:
        return make(*args)
    try:
        return make(*args)
    except RecordError as error:
        on_error(error)
        return None


def sale_records_of(
    company: Company,
    period: Period,
    mapping: AccountMapping,
    *,
    with_lines: bool = False,
    with_journal: bool = True,
    on_error: OnError = None,
) -> Iterator[ExportRecord]:
    make = partial(sale_records, journal=with_journal)
    code = period.code  # once, not per document
    for sale in sale_inputs(company, sales_in_period(company, period), with_lines=with_lines):
        yield from guard(on_error, make, sale, code, mapping) or ()


# --- supplier invoices -------------------------------------------------------------------------


def purchases_in_period(company: Company, period: Period) -> QuerySet[SupplierInvoice]:
    return SupplierInvoice.objects.filter(
        company=company,
        status=SupplierInvoiceStatus.REGISTERED,
        issue_date__gte=period.first,
        issue_date__lte=period.last,
    )


PURCHASE_FIELDS = (
    "id",
    "version",
    "kind",
    "status",
    "supplier_number",
    "issue_date",
    "tax_event_date",
    "currency",
    "description",
    "due_date",
    "supplier_id",
    "supplier__name",
    "supplier__kind",
    "supplier__country",
    "supplier__city",
    "supplier__address",
    "supplier__eik",
    "supplier__vat_number",
)


def purchase_inputs(
    company: Company, invoices: QuerySet[SupplierInvoice]
) -> Iterator[PurchaseInput]:
    for rows in chunks(invoices, PURCHASE_FIELDS):
        ids = [row["id"] for row in rows]
        vat_rows: dict[int, list[PurchaseRowInput]] = defaultdict(list)
        for r in (
            SupplierInvoiceVatRow.objects.filter(company=company, invoice_id__in=ids)
            .order_by("invoice_id", "id")
            .values_list(
                "invoice_id", "vat_rate", "vat_credit", "base", "vat", "eur_base", "eur_vat"
            )
        ):
            vat_rows[r[0]].append(PurchaseRowInput(*r[1:]))
        for row in rows:
            yield PurchaseInput(
                id=row["id"],
                version=row["version"],
                kind=row["kind"],
                cancelled=row["status"] == SupplierInvoiceStatus.CANCELLED,
                number=row["supplier_number"],
                issue_date=row["issue_date"],
                tax_event_date=row["tax_event_date"],
                currency=row["currency"],
                party=PartyRecord(
                    number=str(row["supplier_id"]),
                    name=row["supplier__name"],
                    country=row["supplier__country"] or "BG",
                    city=row["supplier__city"] or "",
                    address=row["supplier__address"] or "",
                    eik=row["supplier__eik"] or "",
                    vat_number=row["supplier__vat_number"] or "",
                    is_person=row["supplier__kind"] == "person",
                ),
                rows=tuple(vat_rows.get(row["id"], ())),
                description=row["description"],
                due_date=row["due_date"],
            )


def purchase_records_of(
    company: Company, period: Period, mapping: AccountMapping, *, on_error: OnError = None
) -> Iterator[ExportRecord]:
    for purchase in purchase_inputs(company, purchases_in_period(company, period)):
        record = guard(on_error, purchase_record, purchase, period.code, mapping)
        if record is not None:
            yield record


# --- payments and movements --------------------------------------------------------------------


def to_ledger(
    company: Company, amount: Decimal, currency: str, day: dt.date, ledger: str, what: str
) -> Decimal:
    if currency == ledger:
        return amount
    if currency == "BGN" and ledger == "EUR":
        return bgn_to_eur(amount)
    if currency == "EUR" and ledger == "BGN":
        return round_cent(amount * BGN_PER_EUR)
    rate = core_queries.rate_value(company, currency, day)
    if rate is None:
        raise RecordError(
            what, _("No exchange rate of %(c)s on %(d)s.") % {"c": currency, "d": day}
        )
    eur = amount / rate
    return round_cent(eur if ledger == "EUR" else eur * BGN_PER_EUR)


def payment_records_of(
    company: Company, period: Period, mapping: AccountMapping, *, on_error: OnError = None
) -> Iterator[ExportRecord]:
    payments = Payment.objects.filter(
        company=company, date__gte=period.first, date__lte=period.last
    )
    fields = (
        "id",
        "direction",
        "date",
        "amount",
        "currency",
        "eur_amount",
        "refund_of_id",
        "method",
        "bank_reference",
        "party_id",
        *party_fields("party__", *ROLE_FIELDS),
        "movement__account__kind",
        "movement__account__name",
    )
    ledger = period.currency
    for rows in chunks(payments, fields):
        differences: dict[int, Decimal] = defaultdict(lambda: ZERO)
        numbers: dict[int, list[str]] = defaultdict(list)
        settles: dict[int, set[bool]] = defaultdict(set)  # True: a sales document
        for payment_id, diff, document_id, number, supplier_number in Allocation.objects.filter(
            company=company, payment_id__in=[row["id"] for row in rows], undone_at__isnull=True
        ).values_list(
            "payment_id",
            "exchange_difference_eur",
            "document_id",
            "document__number",
            "supplier_invoice__supplier_number",
        ):
            differences[payment_id] += diff or ZERO
            numbers[payment_id].append(number or supplier_number or "")
            settles[payment_id].add(document_id is not None)
        returned = refunded_sides(company, [r["refund_of_id"] for r in rows if r["refund_of_id"]])
        for row in rows:
            what = f"{_('payment')} {row['id']}"
            kind = row["movement__account__kind"]
            row["via_cash"] = kind == AccountKind.CASH if kind else row["method"] == "cash"
            row["difference"] = differences.get(row["id"], ZERO)
            row["receivable"] = returned.get(row["refund_of_id"])
            if row["receivable"] is None:
                row["receivable"] = side_of_row(row, "", settles[row["id"]])
            record = guard(on_error, _payment, company, row, ledger, what, numbers, mapping)
            if record is not None:
                yield record


def _payment(
    company: Company,
    row: dict[str, Any],
    ledger: str,
    what: str,
    numbers: dict[int, list[str]],
    mapping: AccountMapping,
) -> ExportRecord:
    """`row`: the payment's fields and how it is booked (via_cash, difference, receivable)."""
    return payment_record(
        PaymentInput(
            id=row["id"],
            direction=row["direction"],
            date=row["date"],
            # At the rate it was recorded at (the bank's, if typed), as its allocations are.
            amount=in_ledger(row["amount"], row["currency"], row["eur_amount"], ledger),
            party=party_of(row, "party__", row["party_id"]),
            via_cash=row["via_cash"],
            reference=row["bank_reference"],
            exchange_difference=to_ledger(
                company, row["difference"], "EUR", row["date"], ledger, what
            ),
            receivable=row["receivable"],
            documents=tuple(n for n in numbers.get(row["id"], ()) if n),
            money_account=row["movement__account__name"] or "",
        ),
        mapping,
    )


def payment_sides(
    company: Company, rows: list[dict[str, Any]], key: str, prefix: str
) -> dict[int, bool]:
    """Whether each payment of `rows` (its id at `key`, its fields after `prefix`: a write-off's
    payment) is booked on the party's receivables (`money_records.on_receivables`)."""
    settles: dict[int, set[bool]] = defaultdict(set)  # True: a sales document, False: purchase
    for payment_id, document_id in Allocation.objects.filter(
        company=company, payment_id__in=[r[key] for r in rows if r[key]], undone_at__isnull=True
    ).values_list("payment_id", "document_id"):
        settles[payment_id].add(document_id is not None)
    return {r[key]: side_of_row(r, prefix, settles[r[key]]) for r in rows if r[key]}


def refunded_sides(company: Company, payment_ids: list[int]) -> dict[int, bool]:
    """The side (411: True) of each payment that refunds returned: a refund is booked on the
    account the payment it returns was booked on, so the two close each other (a client's
    credit paid back on its 411, a supplier returning our overpayment on its 401)."""
    if not payment_ids:
        return {}
    rows = list(
        Payment.objects.filter(company=company, pk__in=set(payment_ids)).values(
            "id", "direction", "refund_of_id", *party_fields("party__", *ROLE_FIELDS)
        )
    )
    return payment_sides(company, rows, "id", "")


def movement_records_of(
    company: Company, period: Period, mapping: AccountMapping, *, on_error: OnError = None
) -> Iterator[ExportRecord]:
    """Cash and bank movements that are no payment (those come with their documents)."""
    movements = Movement.objects.filter(
        company=company,
        status=MovementStatus.POSTED,
        date__gte=period.first,
        date__lte=period.last,
        reversal_of__isnull=True,
    ).exclude(
        pk__in=Payment.objects.filter(company=company, movement__isnull=False).values("movement_id")
    )
    fields = (
        "id",
        "date",
        "amount",
        "currency",
        "account__kind",
        "account__name",
        "cash_order_number",
        "bank_reference",
        "counterparty_name",
        "description",
    )
    ledger = period.currency
    for rows in chunks(movements, fields):
        for row in rows:
            what = f"{_('movement')} {row['id']}"
            is_cash = row["account__kind"] == AccountKind.CASH
            number = str(row["cash_order_number"] or "") if is_cash else row["bank_reference"]
            try:
                amount = to_ledger(
                    company, row["amount"], row["currency"], row["date"], ledger, what
                )
            except RecordError as error:
                if on_error is None:
                    raise
                on_error(error)
                continue
            yield movement_record(
                MovementInput(
                    id=row["id"],
                    date=row["date"],
                    amount=amount,
                    is_cash=is_cash,
                    number=number,
                    counterparty=row["counterparty_name"],
                    description=row["description"],
                    money_account=row["account__name"],
                ),
                mapping,
            )


# --- the parties of the rows ----------------------------------------------------------------------

#: The fields `party_of` reads after a prefix; a payment's party also says which it is.
PARTY_FIELDS = ("name", "eik", "vat_number", "kind", "country")
ROLE_FIELDS = ("is_client", "is_supplier")


def party_fields(prefix: str, *more: str) -> tuple[str, ...]:
    return tuple(prefix + name for name in (*PARTY_FIELDS, *more))


def party_of(row: dict[str, Any], prefix: str, party_id: int | None) -> PartyRecord:
    """The party of a `values()` row whose name, eik, vat_number, kind and country fields
    start with `prefix` (a payment's party, a document's recipient, an invoice's supplier)."""
    return PartyRecord(
        number=str(party_id or ""),
        name=row[prefix + "name"] or "",
        eik=row[prefix + "eik"] or "",
        vat_number=row[prefix + "vat_number"] or "",
        is_person=row[prefix + "kind"] == "person",
        country=row[prefix + "country"] or "BG",
    )
