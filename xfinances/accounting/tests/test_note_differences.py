"""A credit note in a floating currency is booked at its own day's rate and its invoice at
another day's: the set-off stores the EUR between them as an exchange difference and the export
books it (`FX-<id>`, an accounting note), so the client's 411 closes. Undone after its export,
it is reversed in the month of the undo, as a write-off is
(docs/decisions/0019-credit-note-exchange-differences.md)."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from xfinances.accounting import actions
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import ExportInput
from xfinances.accounting.records import RecordKind
from xfinances.accounting.tests.factories import party_balance, period_records
from xfinances.core.exceptions import Conflict
from xfinances.core.models import ExchangeRate
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, line
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import Allocation
from xfinances.payments.tests.factories import DAY, invoice

D = Decimal
MARCH, APRIL = Period(2026, 3), Period(2026, 4)
SOFIA = ZoneInfo("Europe/Sofia")
NOTE_DAY = DAY + dt.timedelta(days=5)
ALL = [RecordKind.SALE, RecordKind.PAYMENT, RecordKind.WRITE_OFF]


def _at(day: dt.date) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), SOFIA), tick=False)


class Offset:
    """A 1,100.00 USD invoice booked at 1.10 USD per EUR (1,000.00 EUR), cancelled by a credit
    note (of `credited` USD) on a day of `note_rate`, set off at once as it is issued."""

    def __init__(
        self, company: Any, note_rate: str, *, currency: str = "USD", credited: str = ""
    ) -> None:
        self.company = company
        if currency == "USD":
            ExchangeRate.objects.create(currency="USD", date=DAY, rate=D("1.10"))
            ExchangeRate.objects.create(currency="USD", date=NOTE_DAY, rate=D(note_rate))
        self.client = bg_client(company)
        self.document = invoice(company, self.client, "1100.00", currency=currency)
        lines = [line(credited, vat="exempt")] if credited else None
        self.note = invoicing.create_credit_note(
            SYSTEM, self.document, reason="върната стока", lines=lines, issue=True, today=NOTE_DAY
        ).document
        self.allocation = Allocation.objects.get(credit_note=self.note)

    def numbers(self, period: Period) -> list[str]:
        records = period_records(self.company, period, [RecordKind.WRITE_OFF])
        return sorted(record.number for record in records)

    def export(self, period: Period, day: dt.date) -> str:
        data = ExportInput(target="ajur", period=period, kinds=["write_off"])
        with _at(day):
            result = actions.export_period(SYSTEM, self.company, data)
        assert result.batch is not None
        with zipfile.ZipFile(result.batch.file.path) as archive:
            return archive.read("AJUR.TXT").decode("cp1251")

    def undo(self, day: dt.date) -> None:
        with _at(day):
            payments_actions.undo_allocation(SYSTEM, self.allocation, reason="грешно известие")


@pytest.mark.django_db
def test_a_note_worth_less_than_its_invoice_booked_is_a_loss(company: Any) -> None:
    offset = Offset(company, "1.25")  # 1,100 USD = 880.00 EUR on the note's day
    allocation = offset.allocation
    assert (allocation.received_eur, allocation.booked_eur) == (D("880.00"), D("1000.00"))
    assert allocation.exchange_difference_eur == D("-120.00")
    (record,) = period_records(company, MARCH, [RecordKind.WRITE_OFF])
    assert (record.number, record.date, record.source) == (
        f"FX-{allocation.pk}",
        NOTE_DAY,
        "payments.Allocation",
    )
    assert [(x.account, x.debit, x.credit) for x in record.journal[0].lines] == [
        ("624", D("120.00"), D("0.00")),
        ("411", D("0.00"), D("120.00")),
    ]
    assert record.related_numbers == (offset.note.number, offset.document.number)
    assert party_balance(period_records(company, MARCH, ALL), "411", offset.client.pk) == 0
    text = offset.export(MARCH, dt.date(2026, 3, 31))
    assert f"Курсова разлика#FX-{allocation.pk}#07.03.2026#" in text and "Сч. справка" in text


@pytest.mark.django_db
def test_a_note_worth_more_than_its_invoice_booked_is_a_gain(company: Any) -> None:
    offset = Offset(company, "1.00", credited="550.00")  # half of it: 550.00 EUR, booked 500.00
    assert offset.allocation.exchange_difference_eur == D("50.00")
    (record,) = period_records(company, MARCH, [RecordKind.WRITE_OFF])
    assert [(x.account, x.debit, x.credit) for x in record.journal[0].lines] == [
        ("411", D("50.00"), D("0.00")),
        ("724", D("0.00"), D("50.00")),
    ]
    with translation.override("bg"):
        (record,) = period_records(company, MARCH, [RecordKind.WRITE_OFF])
    assert record.description.startswith(
        f"Курсова разлика: кредитно известие {offset.note.number} към {offset.document.number}"
    )


@pytest.mark.django_db
def test_a_euro_note_has_no_difference_and_no_record(company: Any) -> None:
    offset = Offset(company, "", currency="EUR")
    assert offset.allocation.exchange_difference_eur == 0
    assert offset.allocation.received_eur == offset.allocation.booked_eur == D("1100.00")
    assert offset.numbers(MARCH) == []


@pytest.mark.django_db
def test_undone_after_its_export_it_is_reversed_in_the_month_of_the_undo(company: Any) -> None:
    offset = Offset(company, "1.25")
    offset.export(MARCH, dt.date(2026, 3, 31))
    offset.undo(dt.date(2026, 4, 5))
    item = offset.allocation.pk
    assert offset.numbers(MARCH) == [f"FX-{item}"]  # booked then: March's books keep it
    (reversal,) = period_records(company, APRIL, [RecordKind.WRITE_OFF])
    assert (reversal.number, reversal.date) == (f"FX-{item}-R", dt.date(2026, 4, 5))
    assert [(x.account, x.debit, x.credit) for x in reversal.journal[0].lines] == [
        ("624", D("-120.00"), D("0.00")),
        ("411", D("0.00"), D("-120.00")),
    ]
    assert f"FX-{item}-R#05.04.2026#" in offset.export(APRIL, dt.date(2026, 4, 30))


@pytest.mark.django_db
def test_undone_before_any_export_it_never_goes_out(company: Any) -> None:
    offset = Offset(company, "1.25")
    offset.undo(dt.date(2026, 4, 5))
    assert offset.numbers(MARCH) == [] and offset.numbers(APRIL) == []


@pytest.mark.django_db
def test_the_undo_is_locked_by_a_closed_month(company: Any) -> None:
    offset = Offset(company, "1.25")
    offset.export(MARCH, dt.date(2026, 3, 31))
    with _at(dt.date(2026, 4, 1)):
        actions.close_vat_period(SYSTEM, company, MARCH)
    with _at(dt.date(2026, 5, 2)):
        actions.close_vat_period(SYSTEM, company, APRIL)
    with pytest.raises(Conflict, match="2026-04"):
        offset.undo(dt.date(2026, 4, 20))  # its reversal would land in closed April
    assert Allocation.objects.get(pk=offset.allocation.pk).undone_at is None
    offset.undo(dt.date(2026, 5, 3))  # May is open: the reversal goes there
    assert offset.numbers(Period(2026, 5)) == [f"FX-{offset.allocation.pk}-R"]
    note = Document.objects.get(pk=offset.note.pk)
    assert note.outstanding_amount == note.total  # the note is the client's credit again
