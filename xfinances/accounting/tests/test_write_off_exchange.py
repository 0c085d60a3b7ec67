"""A foreign-currency write-off in the accounting exports: the party's 411/401 line at the rate
its target was booked at (the document's, the supplier invoice's, the payment's), the 609/709
line at the write-off day's rate, the difference on exchange gains 724 or losses 624 — so the
party's balance closes in the ledger currency. EUR and BGN write-offs keep their two lines."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from xfinances.accounting import queries
from xfinances.accounting.actions.rendering import write_period_files
from xfinances.accounting.building import Period
from xfinances.accounting.exporters.ajur import operation_lines
from xfinances.accounting.inputs import ExportInput
from xfinances.accounting.money_records import WriteOffInput, WriteOffTarget, write_off_record
from xfinances.accounting.period_records import problems
from xfinances.accounting.records import (
    AccountMapping,
    ExportRecord,
    JournalLine,
    PartyRecord,
    RecordError,
    RecordKind,
)
from xfinances.accounting.tests.factories import (
    party_balance,
    period_records,
    set_write_off_tolerance,
)
from xfinances.core.models import ExchangeRate
from xfinances.core.money import round_cent
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import SYSTEM, bg_client
from xfinances.payments import actions as payments_actions
from xfinances.payments.tests.factories import DAY, invoice, payment
from xfinances.purchases.tests.factories import make_invoice, make_supplier

D = Decimal
ZERO = D("0.00")
MARCH = Period(2026, 3)
PAID_ON = dt.date(2026, 3, 10)
WRITTEN_OFF_ON = dt.date(2026, 3, 20)
#: Units of USD per 1 EUR: the invoice's day, the payment's, the write-off's.
BOOK_RATE, PAYMENT_RATE, DAY_RATE = D("1.10"), D("1.20"), D("1.25")
PARTY = PartyRecord(number="17", name="Client Ltd", eik="175074752")


def cents(value: Decimal) -> Decimal:
    return round_cent(value)


def _line(account: str, debit: Decimal, credit: Decimal, analytics: str = "") -> JournalLine:
    return JournalLine(account, debit, credit, analytics)


# --- the record (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "difference", "lines"),
    [
        # A receivable booked at 10.00, worth 8.80 today: expense 8.80, loss 1.20.
        (
            WriteOffTarget.DOCUMENT,
            "-1.20",
            [("609", "8.80", "0"), ("624", "1.20", "0"), ("411", "0", "10.00", "17")],
        ),
        # The client's credit booked at 10.00, worth 8.80 today: income 8.80, gain 1.20.
        (
            WriteOffTarget.PAYMENT_IN,
            "1.20",
            [("411", "10.00", "0", "17"), ("709", "0", "8.80"), ("724", "0", "1.20")],
        ),
        # Our advance booked at 7.60, worth 8.80 today: expense 8.80, gain 1.20.
        (
            WriteOffTarget.PAYMENT_OUT,
            "1.20",
            [("609", "8.80", "0"), ("401", "0", "7.60", "17"), ("724", "0", "1.20")],
        ),
        # A payable booked at 7.60, worth 8.80 today: income 8.80, loss 1.20.
        (
            WriteOffTarget.SUPPLIER_INVOICE,
            "-1.20",
            [("401", "7.60", "0", "17"), ("624", "1.20", "0"), ("709", "0", "8.80")],
        ),
    ],
)
def test_the_difference_goes_to_724_or_624_and_the_entry_balances(
    target: WriteOffTarget, difference: str, lines: list[tuple[str, ...]]
) -> None:
    item = WriteOffInput(
        id=5,
        target=target,
        date=WRITTEN_OFF_ON,
        amount=D("8.80"),
        party=PARTY,
        currency="USD",
        target_amount=D("11.00"),
        exchange_difference=D(difference),
    )
    record = write_off_record(item, AccountMapping())
    (entry,) = record.journal
    expected = [
        _line(values[0], D(values[1]).quantize(ZERO), D(values[2]).quantize(ZERO), *values[3:])
        for values in lines
    ]
    assert list(entry.lines) == expected and entry.balanced
    assert record.total == D("8.80") and record.document_total == D("11.00")


def test_no_difference_keeps_the_two_lines() -> None:
    item = WriteOffInput(5, WriteOffTarget.DOCUMENT, DAY, D("0.37"), PARTY, currency="EUR")
    assert len(write_off_record(item, AccountMapping()).journal[0].lines) == 2


def test_ajur_gives_the_foreign_amount_to_the_party_operations_only() -> None:
    # A receivable booked at 10.00 EUR, worth 11.00 today: 609 11.00 against 411 10.00 and
    # the gain 1.00; the 11.00 USD go with 411, the gain's operation has no currency amount.
    item = WriteOffInput(
        9,
        WriteOffTarget.DOCUMENT,
        WRITTEN_OFF_ON,
        D("11.00"),
        PARTY,
        "0000000042",
        "USD",
        D("11.00"),
        D("1.00"),
    )
    lines = list(operation_lines(write_off_record(item, AccountMapping()), 1))
    assert lines[0].endswith("@@609#@@411#17@@10.00##11.00#Щатски долар")
    assert lines[1].endswith("@@609#@@724#@@1.00###")


# --- from the database -------------------------------------------------------------------------


def _rates(*days_and_rates: tuple[dt.date, Decimal]) -> None:
    for day, rate in days_and_rates:
        ExchangeRate.objects.create(currency="USD", date=day, rate=rate)


def _records(company: Any, kinds: list[RecordKind]) -> list[ExportRecord]:
    return period_records(company, MARCH, kinds)


def _write_off(company: Any) -> ExportRecord:
    (record,) = _records(company, [RecordKind.WRITE_OFF])
    return record


def _lines(record: ExportRecord) -> list[tuple[str, Decimal, Decimal, str]]:
    return [(x.account, x.debit, x.credit, x.analytics) for x in record.journal[0].lines]


class UsdInvoice:
    """1,100.00 USD invoiced at 1.10 (1,000.00 EUR), 1,089.00 USD paid at 1.20, the remaining
    11.00 USD written off on a day of 1.25."""

    def __init__(self, company: Any) -> None:
        _rates((DAY, BOOK_RATE), (PAID_ON, PAYMENT_RATE), (WRITTEN_OFF_ON, DAY_RATE))
        set_write_off_tolerance(company, "10.00")
        self.client = bg_client(company)
        self.document = invoice(company, self.client, "1100.00", currency="USD")
        self.paid = payment(company, self.client, "1089.00", day=PAID_ON, currency="USD")
        payments_actions.allocate(SYSTEM, self.paid, [(self.document, None)])
        self.item = payments_actions.write_off(
            SYSTEM, self.document, reason="bank charges", date=WRITTEN_OFF_ON
        )


@pytest.fixture
def usd(company: Any) -> UsdInvoice:
    return UsdInvoice(company)


@pytest.mark.django_db
def test_usd_invoice_remainder_booked_at_the_invoice_rate(company: Any, usd: UsdInvoice) -> None:
    assert usd.document.eur_total == D("1000.00") and usd.item.amount == D("11.00")
    on_the_day = cents(D("11.00") / DAY_RATE)  # 8.80
    booked = cents(D("11.00") / BOOK_RATE)  # 10.00
    record = _write_off(company)
    assert _lines(record) == [
        ("609", on_the_day, ZERO, ""),
        ("624", booked - on_the_day, ZERO, ""),  # a loss: the claim is worth less today
        ("411", ZERO, booked, str(usd.client.pk)),
    ]
    assert (on_the_day, booked) == (D("8.80"), D("10.00"))
    assert record.balanced and record.total == on_the_day
    assert (record.document_currency, record.document_total) == ("USD", D("11.00"))


@pytest.mark.django_db
def test_the_clients_411_closes_across_invoice_payment_and_write_off(
    company: Any, usd: UsdInvoice
) -> None:
    records = _records(company, [RecordKind.SALE, RecordKind.PAYMENT, RecordKind.WRITE_OFF])
    assert {r.kind for r in records} == {RecordKind.SALE, RecordKind.PAYMENT, RecordKind.WRITE_OFF}
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", usd.client.pk) == ZERO
    # Without the write-off's difference the day's value would leave 1.20 open.
    sale_and_payment = [r for r in records if r.kind != RecordKind.WRITE_OFF]
    assert party_balance(sale_and_payment, "411", usd.client.pk) == cents(D("11.00") / BOOK_RATE)


@pytest.mark.django_db
def test_a_usd_overpayment_rest_is_booked_at_the_payment_rate(company: Any) -> None:
    _rates((DAY, BOOK_RATE), (WRITTEN_OFF_ON, DAY_RATE))
    set_write_off_tolerance(company, "10.00")
    client = bg_client(company)
    document = invoice(company, client, "1100.00", currency="USD")
    paid = payment(company, client, "1111.00", currency="USD")  # at 1.10, 11.00 USD too much
    payments_actions.allocate(SYSTEM, paid, [(document, None)])
    payments_actions.write_off_payment(
        SYSTEM, paid, payments_actions.WriteOffInput(reason="cents", date=WRITTEN_OFF_ON)
    )
    on_the_day, booked = cents(D("11.00") / DAY_RATE), cents(D("11.00") / paid.eur_rate)
    assert paid.eur_rate == BOOK_RATE
    assert _lines(_write_off(company)) == [
        ("411", booked, ZERO, str(client.pk)),
        ("709", ZERO, on_the_day, ""),
        ("724", ZERO, booked - on_the_day, ""),  # a gain: the credit we owed is worth less
    ]
    records = _records(company, [RecordKind.SALE, RecordKind.PAYMENT, RecordKind.WRITE_OFF])
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO


@pytest.mark.django_db
def test_a_usd_supplier_invoice_remainder_closes_the_suppliers_401(company: Any) -> None:
    _rates((DAY, BOOK_RATE), (PAID_ON, PAYMENT_RATE), (WRITTEN_OFF_ON, DAY_RATE))
    set_write_off_tolerance(company, "10.00")
    supplier = make_supplier(company)
    purchase = make_invoice(
        company,
        supplier=supplier,
        currency="USD",
        exchange_rate="1.10",
        rows=[{"vat_rate": "20", "base": "1000.00", "vat": "200.00"}],
    )
    paid = payment(company, supplier, "1189.00", day=PAID_ON, currency="USD", direction="out")
    payments_actions.allocate_supplier_invoices(SYSTEM, paid, [(purchase, None)])
    payments_actions.write_off_supplier_invoice(
        SYSTEM, purchase, payments_actions.WriteOffInput(reason="cents", date=WRITTEN_OFF_ON)
    )
    on_the_day, booked = cents(D("11.00") / DAY_RATE), cents(D("11.00") / BOOK_RATE)
    assert _lines(_write_off(company)) == [
        ("401", booked, ZERO, str(supplier.pk)),
        ("709", ZERO, on_the_day, ""),
        ("724", ZERO, booked - on_the_day, ""),  # a gain: the debt is worth less today
    ]
    records = _records(company, [RecordKind.PURCHASE, RecordKind.PAYMENT, RecordKind.WRITE_OFF])
    assert len(records) == 3 and all(record.balanced for record in records)
    assert party_balance(records, "401", supplier.pk) == ZERO


@pytest.mark.django_db
def test_a_missing_rate_of_the_write_off_day_is_refused(company: Any) -> None:
    _rates((DAY, BOOK_RATE))  # none within ten days of the write-off
    set_write_off_tolerance(company, "10.00")
    document = invoice(company, bg_client(company), "11.00", currency="USD")
    item = payments_actions.write_off(SYSTEM, document, reason="cents", date=WRITTEN_OFF_ON)
    message = "No exchange rate of USD on 2026-03-20."
    with pytest.raises(RecordError, match=re.escape(message)):
        _records(company, [RecordKind.WRITE_OFF])
    found = problems(company, MARCH, queries.mapping_of(company), [RecordKind.WRITE_OFF])
    assert found == [f"write-off {item.pk}: {message}"]


@pytest.mark.django_db
def test_a_document_without_a_booked_rate_is_refused(company: Any) -> None:
    _rates((DAY, BOOK_RATE), (WRITTEN_OFF_ON, DAY_RATE))
    set_write_off_tolerance(company, "10.00")
    document = invoice(company, bg_client(company), "11.00", currency="USD")
    payments_actions.write_off(SYSTEM, document, reason="cents", date=WRITTEN_OFF_ON)
    Document.objects.filter(pk=document.pk).update(eur_total=ZERO, exchange_rate=None)
    with pytest.raises(RecordError, match=re.escape("No exchange rate of USD on 2026-03-02.")):
        _records(company, [RecordKind.WRITE_OFF])


@pytest.mark.django_db
def test_a_eur_write_off_keeps_its_two_lines(company: Any) -> None:
    _rates((WRITTEN_OFF_ON, DAY_RATE))
    set_write_off_tolerance(company, "10.00")
    client = bg_client(company)
    document = invoice(company, client, "9.00")
    payments_actions.write_off(SYSTEM, document, reason="cents", date=WRITTEN_OFF_ON)
    record = _write_off(company)
    assert _lines(record) == [
        ("609", D("9.00"), ZERO, ""),
        ("411", ZERO, D("9.00"), str(client.pk)),
    ]
    assert record.balanced


@pytest.mark.django_db
def test_a_bgn_write_off_has_no_difference(company: Any) -> None:
    set_write_off_tolerance(company, "10.00")
    client = bg_client(company)
    paid = payment(company, client, "1.00", currency="BGN")
    payments_actions.write_off_payment(
        SYSTEM, paid, payments_actions.WriteOffInput(reason="cents", date=WRITTEN_OFF_ON)
    )
    eur = cents(D("1.00") / D("1.95583"))  # the fixed rate
    assert _lines(_write_off(company)) == [
        ("411", eur, ZERO, str(client.pk)),
        ("709", ZERO, eur, ""),
    ]


# --- every format that carries write-offs shows the third line ---------------------------------


def _files(company: Any, target: str, tmp_path: Path) -> dict[str, bytes]:
    out = tmp_path / target
    out.mkdir()
    data = ExportInput.read({"target": target, "period": "2026-03", "kinds": ["write_off"]})
    return {path.name: path.read_bytes() for path in write_period_files(company, data, out)}


@pytest.mark.django_db
def test_ajur_writes_the_loss_beside_the_write_off(
    company: Any, usd: UsdInvoice, tmp_path: Path
) -> None:
    text = _files(company, "ajur", tmp_path)["AJUR.TXT"].decode("cp1251")
    lines = [x for x in text.split("\r\n") if x.startswith(f"Отписване#WO-{usd.item.pk}#")]
    client = usd.client.pk
    # The 11.00 USD shared by the two operations on 411 (8.80 / 10.00 and 1.20 / 10.00).
    assert [x.split("@@", 1)[1] for x in lines] == [
        f"609#@@411#{client}@@8.80##9.68#Щатски долар",
        f"624#@@411#{client}@@1.20##1.32#Щатски долар",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "filename", "point"),
    [("edis_aso", "EDIS_ASO.CSV", "."), ("profit", "PROFIT.CSV", ",")],
)
def test_csv_presets_write_three_journal_rows(
    company: Any, usd: UsdInvoice, tmp_path: Path, target: str, filename: str, point: str
) -> None:
    data = _files(company, target, tmp_path)[filename].decode("cp1251")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert [row for row in rows if row[0] == "J"] == [
        ["J", "609", "", f"8{point}80", f"0{point}00"],
        ["J", "624", "", f"1{point}20", f"0{point}00"],
        ["J", "411", str(usd.client.pk), f"0{point}00", f"10{point}00"],
    ]


@pytest.mark.django_db
def test_business_navigator_writes_three_journal_lines(
    company: Any, usd: UsdInvoice, tmp_path: Path
) -> None:
    root = ElementTree.fromstring(
        _files(company, "business_navigator", tmp_path)["BN_DOCUMENTS.XML"]
    )
    (document,) = root.findall("Document")
    assert [
        (x.get("account"), x.get("analytics"), x.findtext("Debit"), x.findtext("Credit"))
        for x in document.findall("WriteOff/Journal/Line")
    ] == [
        ("609", "", "8.80", "0.00"),
        ("624", "", "1.20", "0.00"),
        ("411", str(usd.client.pk), "0.00", "10.00"),
    ]


@pytest.mark.django_db
def test_generic_csv_and_xlsx_show_the_difference(
    company: Any, usd: UsdInvoice, tmp_path: Path
) -> None:
    journal = "609 8.80/0.00; 624 1.20/0.00; 411 0.00/10.00"
    text = _files(company, "csv", tmp_path)["export-202603.csv"].decode("utf-8")
    (row,) = [r for r in csv.reader(io.StringIO(text)) if r[0] == "write_off"]
    assert row[-1] == journal
    data = _files(company, "xlsx", tmp_path)["export-202603.xlsx"]
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    (cells,) = [r for r in sheet.iter_rows(values_only=True) if r[0] == "write_off"]
    assert cells[-1] == journal
