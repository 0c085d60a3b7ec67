"""A write-off undone after its export is reversed in the month of the undo: the booking stays
in its own month, the reversal (the journal entry negated, `WO-<id>-R`) goes out with the next
batch, each destination gets each of them at most once, and the party's account nets to zero.
A write-off undone before any export never goes out (docs/decisions/0018)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from xfinances.accounting import actions, exporters, locks
from xfinances.accounting.actions.rendering import write_period_files
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import ExportInput
from xfinances.accounting.models import Destination, DocumentExport
from xfinances.accounting.money_records import WriteOffInput, WriteOffTarget, write_off_record
from xfinances.accounting.money_records import write_off_reversal as reversal_of
from xfinances.accounting.records import AccountMapping, PartyRecord, RecordKind
from xfinances.accounting.tests.factories import (
    create_destination,
    party_balance,
    period_records,
    set_write_off_tolerance,
    written_off_purchase,
)
from xfinances.core.exceptions import Conflict
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.tests.factories import SYSTEM, bg_client
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import WriteOff
from xfinances.payments.tests.factories import DAY, invoice
from xfinances.purchases.tests.factories import make_supplier

D = Decimal
MARCH, APRIL = Period(2026, 3), Period(2026, 4)
SOFIA = ZoneInfo("Europe/Sofia")
WRITE_OFF = [RecordKind.WRITE_OFF]


def _at(day: dt.date, hour: int = 10) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), SOFIA), tick=False)


# --- the record (pure) -------------------------------------------------------------------------


def test_the_reversal_negates_the_entry_on_the_day_of_the_undo() -> None:
    booked = write_off_record(
        WriteOffInput(
            id=7,
            target=WriteOffTarget.DOCUMENT,
            date=DAY,
            amount=D("0.37"),
            party=PartyRecord(number="17", name="Клиент ООД", eik="175074752"),
            related_number="0000000042",
            currency="USD",
            target_amount=D("0.41"),
            exchange_difference=D("0.02"),
        ),
        AccountMapping(),
    )
    day = dt.date(2026, 4, 5)
    reversal = reversal_of(booked, day)
    assert (reversal.number, reversal.date, reversal.period) == ("WO-7-R", day, "202604")
    assert (reversal.source, reversal.source_id) == (booked.source, booked.source_id)
    assert reversal.version > booked.version and reversal.void_reversal
    assert (reversal.base, reversal.total, reversal.document_total) == (
        D("-0.37"),
        D("-0.37"),
        D("-0.41"),
    )
    (entry,) = reversal.journal
    assert entry.date == day and entry.balanced
    assert [(x.account, -x.debit, -x.credit, x.analytics) for x in entry.lines] == [
        (x.account, x.debit, x.credit, x.analytics) for x in booked.journal[0].lines
    ]
    assert reversal.description.startswith("Reversal: Write-off 0000000042")


# --- from the database -------------------------------------------------------------------------


class Booked:
    """A client invoice's and a supplier invoice's remainders written off on 2 March."""

    def __init__(self, company: Any) -> None:
        set_write_off_tolerance(company, "1.00")
        self.company = company
        self.client = bg_client(company)
        self.document = invoice(company, self.client, "0.50")
        self.on_document = payments_actions.write_off(
            SYSTEM, self.document, reason="cents", date=DAY
        )
        self.supplier = make_supplier(company)
        self.purchase, self.on_purchase = written_off_purchase(company, self.supplier, DAY)

    def undo(self, item: WriteOff, day: dt.date, reason: str = "client paid after all") -> None:
        with _at(day):
            payments_actions.undo_write_off(SYSTEM, item, reason=reason)

    def export(self, period: Period, day: dt.date, destination: Destination | None = None) -> Any:
        data = ExportInput(target="ajur", period=period, kinds=["write_off"])
        with _at(day):
            return actions.export_period(
                SYSTEM,
                self.company,
                data,
                destination=destination,
                only_pending=destination is not None,
            )

    def numbers(self, period: Period) -> list[str]:
        return sorted(r.number for r in period_records(self.company, period, WRITE_OFF))


@pytest.fixture
def booked(company: Any) -> Booked:
    return Booked(company)


def _sent(result: Any) -> str:
    assert result.batch is not None
    with zipfile.ZipFile(result.batch.file.path) as archive:
        return archive.read("AJUR.TXT").decode("cp1251")


@pytest.mark.django_db
def test_undone_after_its_export_it_is_reversed_in_the_month_of_the_undo(
    company: Any, booked: Booked
) -> None:
    booked.export(MARCH, dt.date(2026, 3, 31))
    booked.undo(booked.on_document, dt.date(2026, 4, 5))  # not locked: its reversal follows
    item = booked.on_document.pk
    assert booked.numbers(MARCH) == sorted([f"WO-{item}", f"WO-{booked.on_purchase.pk}"])
    (original,) = [r for r in period_records(company, MARCH, WRITE_OFF) if r.source_id == item]
    assert original.superseded  # booked then: March's books keep it
    (reversal,) = period_records(company, APRIL, WRITE_OFF)
    assert (reversal.number, reversal.date, reversal.source_id) == (
        f"WO-{item}-R",
        dt.date(2026, 4, 5),
        item,
    )
    client = booked.client.pk
    assert party_balance([original], "411", client) == D("-0.50")
    assert party_balance([original, reversal], "411", client) == D("0.00")
    assert [(x.account, x.debit, x.credit) for x in reversal.journal[0].lines] == [
        ("609", D("-0.50"), D("0.00")),
        ("411", D("0.00"), D("-0.50")),
    ]
    text = _sent(booked.export(APRIL, dt.date(2026, 4, 30)))
    assert f"Отписване#WO-{item}-R#05.04.2026#" in text and "@@609#@@411#" in text
    assert "-0.50" in text


@pytest.mark.django_db
def test_undone_before_any_export_it_never_goes_out(company: Any, booked: Booked) -> None:
    booked.undo(booked.on_document, dt.date(2026, 4, 5))
    assert booked.numbers(MARCH) == [f"WO-{booked.on_purchase.pk}"]
    assert booked.numbers(APRIL) == []
    booked.undo(booked.on_purchase, dt.date(2026, 3, 20))
    assert booked.numbers(MARCH) == [] and booked.numbers(APRIL) == []


@pytest.mark.django_db
def test_a_failed_batch_is_no_export(company: Any, booked: Booked) -> None:
    result = booked.export(MARCH, dt.date(2026, 3, 31))
    result.batch.status = "failed"
    result.batch.save(update_fields=["status"])
    booked.undo(booked.on_document, dt.date(2026, 4, 5))
    assert booked.numbers(APRIL) == []
    assert f"WO-{booked.on_document.pk}" not in booked.numbers(MARCH)


@pytest.mark.django_db
def test_undone_in_its_own_month_the_month_holds_both(company: Any, booked: Booked) -> None:
    booked.export(MARCH, dt.date(2026, 3, 10))
    booked.undo(booked.on_purchase, dt.date(2026, 3, 20))
    item = booked.on_purchase.pk
    records = period_records(company, MARCH, WRITE_OFF)
    mine = [r for r in records if r.source_id == item]
    assert sorted(r.number for r in mine) == [f"WO-{item}", f"WO-{item}-R"]
    assert party_balance(mine, "401", booked.supplier.pk) == D("0.00")
    assert booked.numbers(APRIL) == []


def _destination(company: Any, name: str, folder: Path) -> Destination:
    folder.mkdir()
    return create_destination(
        SYSTEM,
        company,
        name=name,
        target="ajur",
        kinds=["write_off"],
        schedule="daily",
        channel="folder",
        folder=str(folder),
    )


def _records(result: Any) -> int:
    return 0 if result is None or result.batch is None else int(result.records)


@pytest.mark.django_db
def test_each_destination_gets_the_booking_and_its_reversal_once(
    company: Any, booked: Booked, tmp_path: Path
) -> None:
    early = _destination(company, "Счетоводител", tmp_path / "early")
    assert _records(booked.export(MARCH, dt.date(2026, 3, 31), early)) == 2
    booked.undo(booked.on_document, dt.date(2026, 4, 5))
    # The booking went out already: March has nothing new for it (no "correction" of it).
    assert _records(booked.export(MARCH, dt.date(2026, 4, 6), early)) == 0
    april = booked.export(APRIL, dt.date(2026, 4, 6), early)
    assert _records(april) == 1 and f"WO-{booked.on_document.pk}-R#" in _sent(april)
    assert _records(booked.export(APRIL, dt.date(2026, 4, 7), early)) == 0
    state = DocumentExport.objects.get(
        company=company, destination=early, object_id=booked.on_document.pk
    )
    assert state.version == 2 and state.batch_id == april.batch.pk

    # A destination added after the undo gets the booking in March and its reversal in April.
    late = _destination(company, "Одитор", tmp_path / "late")
    march = booked.export(MARCH, dt.date(2026, 4, 8), late)
    assert _records(march) == 2 and f"WO-{booked.on_document.pk}#" in _sent(march)
    assert _records(booked.export(APRIL, dt.date(2026, 4, 8), late)) == 1


@pytest.mark.django_db
def test_reopened_then_undone_the_booking_is_not_sent_again(
    company: Any, booked: Booked, tmp_path: Path
) -> None:
    destination = _destination(company, "Счетоводител", tmp_path / "books")
    assert _records(booked.export(MARCH, dt.date(2026, 3, 31), destination)) == 2
    with _at(dt.date(2026, 4, 2)):  # the way before reversals: reopen, then undo
        assert locks.reopen_export(SYSTEM, company, booked.on_purchase, "wrong supplier") == 1
    booked.undo(booked.on_purchase, dt.date(2026, 4, 5))
    assert _records(booked.export(MARCH, dt.date(2026, 4, 6), destination)) == 0
    assert _records(booked.export(APRIL, dt.date(2026, 4, 6), destination)) == 1


@pytest.mark.django_db
def test_the_undo_is_locked_only_by_the_month_its_reversal_lands_in(
    company: Any, booked: Booked
) -> None:
    booked.export(MARCH, dt.date(2026, 3, 31))
    with _at(dt.date(2026, 4, 1)):
        actions.close_vat_period(SYSTEM, company, MARCH)
    with _at(dt.date(2026, 5, 2)):
        actions.close_vat_period(SYSTEM, company, APRIL)
    with pytest.raises(Conflict, match="2026-05"), _at(dt.date(2026, 5, 3)):
        actions.close_vat_period(SYSTEM, company, Period(2026, 5))
        payments_actions.undo_write_off(SYSTEM, booked.on_document, reason="wrong")
    assert WriteOff.objects.get(pk=booked.on_document.pk).undone_at is None
    booked.undo(booked.on_document, dt.date(2026, 6, 1))  # June is open; March stays closed
    assert booked.numbers(Period(2026, 6)) == [f"WO-{booked.on_document.pk}-R"]


@pytest.mark.django_db
def test_never_exported_it_is_locked_by_its_own_closed_month(company: Any, booked: Booked) -> None:
    with _at(dt.date(2026, 4, 1)):
        actions.close_vat_period(SYSTEM, company, MARCH)
    with pytest.raises(Conflict, match="2026-03"):
        booked.undo(booked.on_purchase, dt.date(2026, 4, 5))
    assert WriteOff.objects.get(pk=booked.on_purchase.pk).undone_at is None


@pytest.mark.django_db
def test_an_undone_write_off_has_no_export_to_reopen(company: Any, booked: Booked) -> None:
    booked.export(MARCH, dt.date(2026, 3, 31))
    booked.undo(booked.on_document, dt.date(2026, 4, 5))
    item = WriteOff.objects.get(pk=booked.on_document.pk)
    with pytest.raises(Conflict, match="reversal goes out"):
        locks.reopen_export(SYSTEM, company, item, "to send it again")


@pytest.mark.django_db
def test_voiding_the_document_reverses_its_exported_write_off(company: Any, booked: Booked) -> None:
    booked.export(MARCH, dt.date(2026, 3, 10))
    with _at(dt.date(2026, 3, 20)):
        invoicing_actions.void_document(SYSTEM, booked.document, reason="грешен клиент")
    assert WriteOff.objects.get(pk=booked.on_document.pk).undone_at is not None
    item = booked.on_document.pk
    assert f"WO-{item}-R" in booked.numbers(MARCH) and f"WO-{item}" in booked.numbers(MARCH)


@pytest.mark.django_db
def test_a_leva_booking_is_reversed_in_euro(company: Any) -> None:
    set_write_off_tolerance(company, "1.00")
    december, january = Period(2025, 12), Period(2026, 1)
    day = dt.date(2025, 12, 15)
    document = invoice(company, bg_client(company), "0.98", day=day, currency="BGN")
    item = payments_actions.write_off(SYSTEM, document, reason="стотинки", date=day)
    with _at(dt.date(2025, 12, 31)):
        actions.export_period(
            SYSTEM, company, ExportInput(target="ajur", period=december, kinds=["write_off"])
        )
    with _at(dt.date(2026, 1, 10)):
        payments_actions.undo_write_off(SYSTEM, item, reason="платено")
    (booking,) = period_records(company, december, WRITE_OFF)
    (reversal,) = period_records(company, january, WRITE_OFF)
    assert (booking.currency, booking.total) == ("BGN", D("0.98"))
    assert (reversal.currency, reversal.total, reversal.period) == ("EUR", D("-0.50"), "202601")
    assert reversal.balanced


def _write_off_targets() -> list[str]:
    return sorted(x.name for x in exporters.all_exporters() if RecordKind.WRITE_OFF in x.kinds)


@pytest.mark.django_db
@pytest.mark.parametrize("target", _write_off_targets())
def test_every_format_with_write_offs_writes_the_reversal(
    company: Any, booked: Booked, tmp_path: Path, target: str
) -> None:
    booked.export(MARCH, dt.date(2026, 3, 31))
    booked.undo(booked.on_purchase, dt.date(2026, 4, 5))
    data = ExportInput.read({"target": target, "period": "2026-04", "kinds": ["write_off"]})
    files = write_period_files(company, data, tmp_path)
    content = b"".join(path.read_bytes() for path in files)
    number = f"WO-{booked.on_purchase.pk}-R"
    if target == "xlsx":
        from_sheet = _xlsx_text(files[0])
        assert number in from_sheet and "-0.60" in from_sheet
        return
    text = content.decode("utf-8" if target in ("csv", "business_navigator") else "cp1251")
    assert number in text
    assert "-0.60" in text or "-0,60" in text
    if target == "business_navigator":
        (document,) = ElementTree.fromstring(content).findall("Document")
        assert document.get("reversal") == "1" and document.findtext("Number") == number
    if target in ("edis_aso", "profit"):
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert sum(1 for row in rows if row[0] == "H") == 1


def _xlsx_text(path: Path) -> str:
    sheet = load_workbook(path).active
    assert sheet is not None
    return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
