"""Write-offs in the accounting exports: one journal-only record per active write-off (kind
`write_off`), booked against the write-off accounts of the mapping; every target that carries
journal entries writes it, the NAP ledgers and Microinvest (VAT rows only) do not; each export
tracks the write-offs it sent."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from xfinances.accounting import actions, period_records, queries
from xfinances.accounting.actions.rendering import write_period_files
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import AccountMappingInput, DestinationInput, ExportInput
from xfinances.accounting.models import AccountMappingSettings, DocumentExport, ExportState
from xfinances.accounting.money_records import (
    WriteOffInput,
    WriteOffTarget,
    write_off_record,
)
from xfinances.accounting.records import (
    AccountMapping,
    JournalLine,
    PartyRecord,
    RecordKind,
)
from xfinances.accounting.tests.factories import set_write_off_tolerance, written_off_purchase
from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing.tests.factories import SYSTEM, bg_client
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import WriteOff
from xfinances.payments.tests.factories import DAY, invoice, payment
from xfinances.purchases.tests.factories import make_invoice, make_supplier

D = Decimal
MARCH = Period(2026, 3)
ZERO = D("0.00")
PARTY = PartyRecord(number="17", name="Клиент ООД", eik="175074752")


# --- the record (pure) -------------------------------------------------------------------------


def _line(account: str, debit: str, credit: str, analytics: str = "") -> JournalLine:
    return JournalLine(account, D(debit), D(credit), analytics)


@pytest.mark.parametrize(
    ("target", "lines"),
    [
        (WriteOffTarget.DOCUMENT, [("609", "0.37", "0.00", ""), ("411", "0.00", "0.37", "17")]),
        (WriteOffTarget.PAYMENT_IN, [("411", "0.37", "0.00", "17"), ("709", "0.00", "0.37", "")]),
        (WriteOffTarget.PAYMENT_OUT, [("609", "0.37", "0.00", ""), ("401", "0.00", "0.37", "17")]),
        (
            WriteOffTarget.SUPPLIER_INVOICE,
            [("401", "0.37", "0.00", "17"), ("709", "0.00", "0.37", "")],
        ),
    ],
)
def test_journal_lines_of_each_target(target: WriteOffTarget, lines: list[tuple[str, ...]]) -> None:
    item = WriteOffInput(
        id=5, target=target, date=DAY, amount=D("0.37"), party=PARTY, related_number="0000000042"
    )
    record = write_off_record(item, AccountMapping())
    assert record.kind == RecordKind.WRITE_OFF and record.source == "payments.WriteOff"
    assert (record.source_id, record.period, record.currency) == (5, "202603", "EUR")
    assert record.date == DAY and record.related_numbers == ("0000000042",)
    assert record.vat_rows == () and record.vat == ZERO  # in neither VAT ledger
    (entry,) = record.journal
    assert entry.date == DAY and entry.balanced
    assert list(entry.lines) == [_line(*values) for values in lines]


def test_the_mapping_chooses_the_write_off_accounts() -> None:
    mapping = AccountMapping(write_off_expense="6091", write_off_income="7091", receivables="4111")
    item = WriteOffInput(1, WriteOffTarget.DOCUMENT, DAY, D("1.00"), PARTY)
    assert [line.account for line in write_off_record(item, mapping).journal[0].lines] == [
        "6091",
        "4111",
    ]
    item = item._replace(target=WriteOffTarget.SUPPLIER_INVOICE)
    assert [line.account for line in write_off_record(item, mapping).journal[0].lines] == [
        "401",
        "7091",
    ]


def test_a_bgn_period_is_booked_in_bgn() -> None:
    item = WriteOffInput(1, WriteOffTarget.DOCUMENT, dt.date(2025, 12, 30), D("0.98"), PARTY)
    assert write_off_record(item, AccountMapping()).currency == "BGN"


# --- from the database -------------------------------------------------------------------------


class Made:
    def __init__(self, company: Any) -> None:
        set_write_off_tolerance(company, "1.00")
        self.client = bg_client(company)
        self.document = invoice(company, self.client, "0.50")
        self.on_document = payments_actions.write_off(
            SYSTEM, self.document, reason="cents", date=DAY
        )
        self.incoming = payment(company, self.client, "0.40")
        self.on_incoming = payments_actions.write_off_payment(
            SYSTEM, self.incoming, payments_actions.WriteOffInput(reason="cents", date=DAY)
        )
        self.supplier = make_supplier(company)
        self.outgoing = payment(company, self.supplier, "0.30", direction="out")
        self.on_outgoing = payments_actions.write_off_payment(
            SYSTEM, self.outgoing, payments_actions.WriteOffInput(reason="cents", date=DAY)
        )
        self.purchase, self.on_purchase = written_off_purchase(company, self.supplier, DAY)


@pytest.fixture
def made(company: Any) -> Made:
    return Made(company)


def _write_off_records(company: Any) -> dict[int, Any]:
    records = period_records.records_of(
        company, MARCH, queries.mapping_of(company), [RecordKind.WRITE_OFF]
    )
    return {record.source_id: record for record in records}


def _lines(record: Any) -> list[tuple[str, Decimal, Decimal, str]]:
    return [(x.account, x.debit, x.credit, x.analytics) for x in record.journal[0].lines]


@pytest.mark.django_db
def test_records_of_the_three_targets_from_the_database(company: Any, made: Made) -> None:
    found = _write_off_records(company)
    assert set(found) == {
        made.on_document.pk,
        made.on_incoming.pk,
        made.on_outgoing.pk,
        made.on_purchase.pk,
    }
    client, supplier = str(made.client.pk), str(made.supplier.pk)
    document = found[made.on_document.pk]
    assert _lines(document) == [("609", D("0.50"), ZERO, ""), ("411", ZERO, D("0.50"), client)]
    assert document.related_numbers == (made.document.number,) and document.date == DAY
    assert _lines(found[made.on_incoming.pk]) == [
        ("411", D("0.40"), ZERO, client),
        ("709", ZERO, D("0.40"), ""),
    ]
    assert _lines(found[made.on_outgoing.pk]) == [
        ("609", D("0.30"), ZERO, ""),
        ("401", ZERO, D("0.30"), supplier),
    ]
    purchase = found[made.on_purchase.pk]
    assert _lines(purchase) == [("401", D("0.60"), ZERO, supplier), ("709", ZERO, D("0.60"), "")]
    assert purchase.related_numbers == ("7700000001",)
    assert purchase.party.name == made.supplier.name


@pytest.mark.django_db
def test_an_undone_write_off_is_not_exported(company: Any, made: Made) -> None:
    payments_actions.undo_write_off(SYSTEM, made.on_incoming, reason="client wants it back")
    assert WriteOff.objects.get(pk=made.on_incoming.pk).undone_at is not None
    assert made.on_incoming.pk not in _write_off_records(company)
    assert len(_write_off_records(company)) == 3


@pytest.mark.django_db
def test_a_write_off_outside_the_period_is_not_in_it(company: Any, made: Made) -> None:
    records = period_records.records_of(
        company, Period(2026, 4), queries.mapping_of(company), [RecordKind.WRITE_OFF]
    )
    assert list(records) == []


def _files(company: Any, target: str, tmp_path: Path, kinds: list[str] | None) -> dict[str, bytes]:
    out = tmp_path / target
    out.mkdir()
    data = ExportInput.read({"target": target, "period": "2026-03", "kinds": kinds})
    return {path.name: path.read_bytes() for path in write_period_files(company, data, out)}


@pytest.mark.django_db
def test_ajur_books_each_write_off(company: Any, made: Made, tmp_path: Path) -> None:
    text = _files(company, "ajur", tmp_path, ["write_off"])["AJUR.TXT"].decode("cp1251")
    lines = text.split("\r\n")
    client, supplier = made.client.pk, made.supplier.pk
    document = next(x for x in lines if x.startswith(f"Отписване#WO-{made.on_document.pk}#"))
    assert "#02.03.2026#" in document and "#Сч. справка@@" in document
    assert f"@@609#@@411#{client}@@0.50##" in document
    incoming = next(x for x in lines if x.startswith(f"Отписване#WO-{made.on_incoming.pk}#"))
    assert f"@@411#{client}@@709#@@0.40##" in incoming
    outgoing = next(x for x in lines if x.startswith(f"Отписване#WO-{made.on_outgoing.pk}#"))
    assert f"@@609#@@401#{supplier}@@0.30##" in outgoing
    purchase = next(x for x in lines if x.startswith(f"Отписване#WO-{made.on_purchase.pk}#"))
    assert f"@@401#{supplier}@@709#@@0.60##" in purchase
    assert not any(x.startswith("ДДС") for x in lines)  # no VAT-ledger line for a write-off


@pytest.mark.django_db
def test_ajur_by_default_sends_write_offs_beside_the_documents(
    company: Any, made: Made, tmp_path: Path
) -> None:
    text = _files(company, "ajur", tmp_path, None)["AJUR.TXT"].decode("cp1251")
    assert f"Отписване#WO-{made.on_purchase.pk}#" in text
    assert text.count("ДДСПР#") == 1 and text.count("ДДСПК#") == 1


def _csv_rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding)), delimiter=";"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "filename", "point"),
    [("edis_aso", "EDIS_ASO.CSV", "."), ("profit", "PROFIT.CSV", ",")],
)
def test_csv_presets_write_the_write_off_and_its_journal(
    company: Any, made: Made, tmp_path: Path, target: str, filename: str, point: str
) -> None:
    rows = _csv_rows(_files(company, target, tmp_path, ["write_off"])[filename], "cp1251")
    heads = [row for row in rows if row[0] == "H"]
    assert len(heads) == 4 and {row[1] for row in heads} == {"write_off"}
    start = next(
        i for i, row in enumerate(rows) if row[0] == "H" and row[4] == f"WO-{made.on_document.pk}"
    )
    assert rows[start][5] == "02.03.2026"
    assert rows[start + 1] == ["W", made.document.number]
    client = str(made.client.pk)
    assert rows[start + 2] == ["J", "609", "", f"0{point}50", f"0{point}00"]
    assert rows[start + 3] == ["J", "411", client, f"0{point}00", f"0{point}50"]
    supplier = str(made.supplier.pk)
    start = next(
        i for i, row in enumerate(rows) if row[0] == "H" and row[4] == f"WO-{made.on_purchase.pk}"
    )
    assert rows[start + 1] == ["W", "7700000001"]
    assert rows[start + 2] == ["J", "401", supplier, f"0{point}60", f"0{point}00"]
    assert rows[start + 3] == ["J", "709", "", f"0{point}00", f"0{point}60"]
    assert not any(row[0] == "V" for row in rows)


@pytest.mark.django_db
def test_business_navigator_xml_carries_the_journal(
    company: Any, made: Made, tmp_path: Path
) -> None:
    data = _files(company, "business_navigator", tmp_path, ["write_off"])["BN_DOCUMENTS.XML"]
    root = ElementTree.fromstring(data)
    documents = root.findall("Document")
    assert len(documents) == 4 and {d.get("kind") for d in documents} == {"write_off"}
    outgoing = next(d for d in documents if d.findtext("Number") == f"WO-{made.on_outgoing.pk}")
    assert outgoing.findtext("Date") == "2026-03-02"
    lines = outgoing.findall("WriteOff/Journal/Line")
    assert [
        (x.get("account"), x.get("analytics"), x.findtext("Debit"), x.findtext("Credit"))
        for x in lines
    ] == [("609", "", "0.30", "0.00"), ("401", str(made.supplier.pk), "0.00", "0.30")]
    expected = made.outgoing.bank_reference or str(made.outgoing.pk)
    assert outgoing.findtext("WriteOff/Document") == expected


@pytest.mark.django_db
def test_generic_csv_and_xlsx_rows(company: Any, made: Made, tmp_path: Path) -> None:
    text = _files(company, "csv", tmp_path, ["write_off"])["export-202603.csv"].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    found = next(row for row in rows if row[3] == f"WO-{made.on_incoming.pk}")
    assert found[0] == "write_off" and found[4] == "2026-03-02"
    assert found[-1] == "411 0.40/0.00; 709 0.00/0.40"
    data = _files(company, "xlsx", tmp_path, ["write_off"])["export-202603.xlsx"]
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = [row for row in sheet.iter_rows(values_only=True) if row[0] == "write_off"]
    assert len(cells) == 4
    assert "609 0.50/0.00; 411 0.00/0.50" in {row[-1] for row in cells}


@pytest.mark.django_db
def test_nap_ledgers_do_not_include_write_offs(company: Any, tmp_path: Path) -> None:
    document = invoice(company, bg_client(company), "0.50")
    make_invoice(company, rows=[{"vat_rate": "20", "base": "0.50", "vat": "0.10"}])
    before = _files(company, "nap", tmp_path, None)
    set_write_off_tolerance(company, "1.00")
    item = payments_actions.write_off(SYSTEM, document, reason="cents", date=DAY)
    assert (
        period_records.records_of(
            company, MARCH, queries.mapping_of(company), [RecordKind.WRITE_OFF]
        )
        .__next__()
        .source_id
        == item.pk
    )
    (tmp_path / "nap").rename(tmp_path / "nap-before")
    after = _files(company, "nap", tmp_path, None)
    assert after == before
    assert after["PRODAGBI.TXT"].count(b"\r\n") == 1  # the one invoice, no write-off line
    with pytest.raises(InvalidInput, match="cannot carry"):
        ExportInput.read({"target": "nap", "period": "2026-03", "kinds": ["write_off"]})


@pytest.mark.django_db
def test_microinvest_refuses_write_offs_rather_than_dropping_them(
    company: Any, made: Made, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="cannot carry: write_off"):
        ExportInput.read({"target": "microinvest", "period": "2026-03", "kinds": ["write_off"]})
    with pytest.raises(InvalidInput) as refused:
        DestinationInput.read(
            {
                "name": "Делта",
                "target": "microinvest",
                "kinds": ["sale", "write_off"],
                "schedule": "daily",
                "channel": "email",
                "emails": ["a@example.bg"],
            }
        )
    assert "kinds" in refused.value.errors
    text = _files(company, "microinvest", tmp_path, None)["Import.txt"].decode("cp1251")
    assert "WO-" not in text and text.count("\r\n") == 2  # the sale's and the purchase's VAT row


@pytest.mark.django_db
def test_a_destination_takes_write_offs(company: Any) -> None:
    data = DestinationInput.read(
        {
            "name": "Ажур",
            "target": "ajur",
            "kinds": ["payment", "write_off"],
            "schedule": "daily",
            "channel": "email",
            "emails": ["a@example.bg"],
        }
    )
    assert data.kinds == ["payment", "write_off"]


# --- export tracking ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_export_tracks_each_write_off(company: Any, made: Made) -> None:
    result = actions.export_period(
        SYSTEM, company, ExportInput(target="ajur", period=MARCH, kinds=["write_off"])
    )
    assert result.created and result.batch is not None and result.records == 4
    states = DocumentExport.objects.filter(company=company, source="payments.WriteOff")
    assert {s.object_id for s in states} == set(_write_off_records(company))
    assert {s.state for s in states} == {ExportState.EXPORTED}
    with zipfile.ZipFile(result.batch.file.path) as archive:
        assert f"WO-{made.on_document.pk}".encode() in archive.read("AJUR.TXT")
    # Undone after this, it is reversed in the month of the undo: test_write_off_reversal.py.


# --- the mapping -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mapping_takes_and_checks_the_write_off_accounts(company: Any) -> None:
    assert queries.mapping_of(company).write_off_expense == "609"
    assert queries.mapping_of(company).write_off_income == "709"
    row = actions.update_account_mapping(
        SYSTEM,
        company,
        AccountMappingInput.read_changes({"write_off_expense": "6091", "write_off_income": "7091"}),
    )
    assert (row.write_off_expense, row.write_off_income) == ("6091", "7091")
    with pytest.raises(InvalidInput) as refused:
        actions.update_account_mapping(
            SYSTEM,
            company,
            AccountMappingInput.read_changes({"write_off_expense": "", "write_off_income": "x1"}),
        )
    assert set(refused.value.errors) == {"write_off_expense", "write_off_income"}
    assert AccountMappingSettings.objects.get(company=company).write_off_income == "7091"


@pytest.mark.django_db
def test_mapping_page_shows_and_saves_the_write_off_accounts(client_as: Any, company: Any) -> None:
    client = client_as(company, "owner")
    page = client.get(f"/c/{company.eik}/accounting/mapping/")
    assert b'name="write_off_expense"' in page.content and b'value="609"' in page.content
    assert b'name="write_off_income"' in page.content and b'value="709"' in page.content
    row = queries.mapping_settings(company)
    form = {name: getattr(row, name) for name in AccountMappingInput.field_names()}
    form.pop("revenue")
    form.update(write_off_expense="6092", write_off_income="abc")
    refused = client.post(f"/c/{company.eik}/accounting/mapping/", form)
    assert refused.status_code == 200 and b"Give an account number" in refused.content
    assert not AccountMappingSettings.objects.filter(company=company).exists()
    form.update(write_off_income="7092")
    response = client.post(f"/c/{company.eik}/accounting/mapping/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = AccountMappingSettings.objects.get(company=company)
    assert (saved.write_off_expense, saved.write_off_income) == ("6092", "7092")
