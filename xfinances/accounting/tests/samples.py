"""A fixed month of records (March 2026, EUR) for the golden files and layout tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from xfinances.accounting.exporters.base import ExportContext
from xfinances.accounting.money_records import (
    MovementInput,
    PaymentInput,
    movement_record,
    payment_record,
)
from xfinances.accounting.records import (
    AccountMapping,
    ExportRecord,
    GroupInput,
    LineRecord,
    PartyRecord,
    PurchaseInput,
    PurchaseRowInput,
    RecordKind,
    SaleInput,
    purchase_record,
    sale_records,
)

D = Decimal
PERIOD = "202603"
MAPPING = AccountMapping()
CONTEXT = ExportContext(
    company_name="Примерна Фирма ЕООД",
    company_eik="175074752",
    vat_number="BG175074752",
    period=PERIOD,
    submitter="8001010000 Иван Петров",
)
ACME = PartyRecord(
    number="11",
    name="Акме ООД",
    city="София",
    address="ул. Витоша 1",
    eik="131468980",
    vat_number="BG131468980",
    mol="Петър Петров",
)
PERSON = PartyRecord(
    number="12", name="Мария Иванова — много дълго име на физическо лице", is_person=True
)
GERMAN = PartyRecord(number="13", name="Müller GmbH", country="DE", vat_number="DE811907980")


def _sale(number: str, day: int, groups: list[GroupInput], **kw: object) -> SaleInput:
    values: dict[str, Any] = {
        "id": int(number),
        "version": 1,
        "kind": "invoice",
        "status": "issued",
        "number": number,
        "issue_date": dt.date(2026, 3, day),
        "tax_event_date": dt.date(2026, 3, day),
        "currency": "EUR",
        "total": sum((g.base + g.vat for g in groups), D(0)),
        "party": ACME,
        "groups": tuple(groups),
        "lines": (
            LineRecord(
                1, "=Услуга по договор", D("1"), "pcs", D("100"), D("100"), "standard", D(20)
            ),
        ),
        "payment_method": "bank_transfer",
        "due_date": dt.date(2026, 3, 31),
    }
    values.update(kw)
    return SaleInput(**values)


def g(code: str, rate: str | None, column: str, base: str, vat: str) -> GroupInput:
    return GroupInput(code, D(rate) if rate else None, column, D(base), D(vat), D(base), D(vat))


SALES = [
    _sale("0000000101", 2, [g("standard", "20", "02-11", "100.00", "20.00")]),
    _sale(
        "0000000102",
        5,
        [
            g("standard", "20", "02-11", "250.50", "50.10"),
            g("accommodation", "9", "02-13", "80.00", "7.20"),
        ],
        party=PERSON,
    ),
    _sale("0000000103", 9, [g("eu_goods", "0", "02-15", "1200.00", "0.00")], party=GERMAN),
    _sale(
        "0000000104",
        12,
        [g("standard", "20", "02-11", "40.00", "8.00")],
        kind="credit_note",
        corrected_number="0000000101",
        corrected_date=dt.date(2026, 3, 2),
    ),
    _sale(
        "0000000105",
        15,
        [g("standard", "20", "02-11", "10.00", "2.00")],
        status="voided",
        voided_on=dt.date(2026, 3, 16),
    ),
    _sale(
        "0000000090",
        20,
        [g("standard", "20", "02-11", "30.00", "6.00")],
        issue_date=dt.date(2026, 2, 20),
        status="voided",
        voided_on=dt.date(2026, 3, 20),
    ),
    _sale("0000000106", 25, [g("eu_services", None, "02-17", "500.00", "0.00")], party=GERMAN),
]

PURCHASES = [
    PurchaseInput(
        id=1,
        version=1,
        kind="invoice",
        cancelled=False,
        number="4400012345",
        issue_date=dt.date(2026, 3, 3),
        tax_event_date=dt.date(2026, 3, 3),
        currency="EUR",
        party=ACME,
        rows=(PurchaseRowInput(D(20), "full", D("300.00"), D("60.00"), D("300.00"), D("60.00")),),
        description="Материали",
    ),
    PurchaseInput(
        id=2,
        version=1,
        kind="credit_note",
        cancelled=False,
        number="4400012399",
        issue_date=dt.date(2026, 3, 18),
        tax_event_date=dt.date(2026, 3, 18),
        currency="EUR",
        party=ACME,
        rows=(
            PurchaseRowInput(D(20), "partial", D("50.00"), D("10.00"), D("50.00"), D("10.00")),
            PurchaseRowInput(D(20), "none", D("20.00"), D("4.00"), D("20.00"), D("4.00")),
        ),
        description="Връщане",
    ),
]

PAYMENTS = [
    PaymentInput(
        1, "in", dt.date(2026, 3, 10), D("120.00"), ACME, False, "BR-1", documents=("0000000101",)
    ),
]
MOVEMENTS = [
    MovementInput(1, dt.date(2026, 3, 11), D("-35.40"), True, "7", "Куриер", "Доставка"),
    MovementInput(2, dt.date(2026, 3, 12), D("-4.50"), False, "FEE-3", "Банка", "Такса"),
]


def all_records() -> list[ExportRecord]:
    found: list[ExportRecord] = []
    for sale in SALES:
        found += sale_records(sale, PERIOD, MAPPING)
    for purchase in PURCHASES:
        record = purchase_record(purchase, PERIOD, MAPPING)
        assert record is not None
        found.append(record)
    found += [payment_record(p, MAPPING) for p in PAYMENTS]
    found += [movement_record(m, MAPPING) for m in MOVEMENTS]
    return found


def source(
    kinds: Iterable[RecordKind], with_lines: bool = False, with_journal: bool = True
) -> Iterator[ExportRecord]:
    """The samples as `actions.render_period` gives them: without lines unless asked, without
    the sales journal entries when the exporter needs none."""
    wanted = set(kinds)
    for record in all_records():
        if record.kind in wanted:
            yield _trimmed(record, with_lines, with_journal)


def _trimmed(record: ExportRecord, with_lines: bool, with_journal: bool) -> ExportRecord:
    from dataclasses import replace

    if not with_lines:
        record = replace(record, lines=())
    if not with_journal and record.kind == RecordKind.SALE:
        record = replace(record, journal=())
    return record
