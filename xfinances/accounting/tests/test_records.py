"""Export records (pure): signs, voids, currencies, and every journal entry balanced."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xfinances.accounting.money_records import (
    MovementInput,
    PaymentInput,
    movement_record,
    payment_record,
)
from xfinances.accounting.records import (
    AccountMapping,
    GroupInput,
    PartyRecord,
    PurchaseInput,
    PurchaseRowInput,
    RecordError,
    SaleInput,
    ledger_currency,
    purchase_record,
    sale_records,
)

MAPPING = AccountMapping()
CLIENT = PartyRecord(number="7", name="Клиент ООД", eik="175074752", vat_number="BG175074752")
D = Decimal


def sale(**kw: object) -> SaleInput:
    values: dict[str, Any] = {
        "id": 1,
        "version": 1,
        "kind": "invoice",
        "status": "issued",
        "number": "0000000001",
        "issue_date": dt.date(2026, 3, 5),
        "tax_event_date": dt.date(2026, 3, 5),
        "currency": "EUR",
        "total": D("120.00"),
        "party": CLIENT,
        "groups": (GroupInput("standard", D("20"), "02-11", D("100"), D("20"), D("100"), D("20")),),
    }
    values.update(kw)
    return SaleInput(**values)


def test_invoice_record_columns_and_entry() -> None:
    [record] = sale_records(sale(), "202603", MAPPING)
    assert record.currency == "EUR"
    assert record.column("02-11") == D("100") and record.column("02-21") == D("20")
    [entry] = record.journal
    assert [(x.account, x.debit, x.credit) for x in entry.lines] == [
        ("411", D("120"), D("0")),
        ("703", D("0"), D("100")),
        ("4532", D("0"), D("20")),
    ]


def test_credit_note_is_negative() -> None:
    [record] = sale_records(sale(kind="credit_note"), "202603", MAPPING)
    assert record.base == D("-100") and record.vat == D("-20") and record.nap_code == "03"
    assert record.balanced


def test_bgn_period_converts_eur_documents_at_the_fixed_rate() -> None:
    document = sale(issue_date=dt.date(2025, 12, 1), currency="USD")
    [record] = sale_records(document, "202512", MAPPING)
    assert ledger_currency("202512") == "BGN" and record.currency == "BGN"
    assert record.base == D("195.58") and record.vat == D("39.12")
    assert record.total == record.base + record.vat


def test_void_in_own_month_zero_and_later_month_reversed() -> None:
    voided_same = sale(status="voided", voided_on=dt.date(2026, 3, 20))
    [zero] = sale_records(voided_same, "202603", MAPPING)
    assert zero.voided and zero.base == 0 and zero.column("02-11") == 0
    voided_later = sale(status="voided", voided_on=dt.date(2026, 4, 2))
    [original] = sale_records(voided_later, "202603", MAPPING)
    assert original.base == D("100")
    [reversal] = sale_records(voided_later, "202604", MAPPING)
    assert reversal.void_reversal and reversal.base == D("-100") and reversal.balanced
    assert sale_records(voided_later, "202605", MAPPING) == []


def test_bad_input_names_the_document() -> None:
    with pytest.raises(RecordError, match="0000000009"):
        sale_records(
            sale(number="0000000009", party=PartyRecord(number="1", name="Без ЕИК")),
            "202603",
            MAPPING,
        )
    with pytest.raises(RecordError, match="draft"):
        sale_records(sale(status="draft", number=""), "202603", MAPPING)
    bad_column = (GroupInput("domestic_reverse_charge", None, "", D(1), D(0), D(1), D(0)),)
    with pytest.raises(RecordError, match="domestic_reverse_charge"):
        sale_records(sale(groups=bad_column), "202603", MAPPING)


def test_person_and_foreign_client_get_nines() -> None:
    person = PartyRecord(number="2", name="Иван", is_person=True)
    [record] = sale_records(sale(party=person), "202603", MAPPING)
    assert record.party.ledger_identifier == "999999999999999"


def test_mapping_problems_are_named() -> None:
    assert AccountMapping().problems() == {}
    assert "receivables" in AccountMapping(receivables="").problems()


amounts = st.decimals(min_value=D("-5000"), max_value=D("50000"), places=2)
positive = st.decimals(min_value=D("0.01"), max_value=D("50000"), places=2)
columns = st.sampled_from(
    [
        ("standard", D(20), "02-11"),
        ("accommodation", D(9), "02-13"),
        ("export", D(0), "02-14"),
        ("eu_goods", D(0), "02-15"),
        ("exempt", None, "02-19"),
        ("eu_services", None, "02-17"),
    ]
)


@st.composite
def groups(draw: st.DrawFn) -> GroupInput:
    code, rate, column = draw(columns)
    base = draw(amounts)
    vat = draw(amounts) if rate else D(0)
    return GroupInput(code, rate, column, base, vat, draw(amounts), draw(amounts) if rate else D(0))


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["invoice", "credit_note", "debit_note", "protocol"]),
    currency=st.sampled_from(["EUR", "BGN", "USD"]),
    period=st.sampled_from(["202511", "202603"]),
    rows=st.lists(groups(), min_size=1, max_size=5),
    voided=st.sampled_from([None, "same", "later"]),
)
def test_every_sales_entry_balances(
    kind: str, currency: str, period: str, rows: list[GroupInput], voided: str | None
) -> None:
    issue = dt.date(int(period[:4]), int(period[4:]), 10)
    voided_on = {None: None, "same": issue, "later": issue + dt.timedelta(days=40)}[voided]
    document = sale(
        kind=kind,
        currency=currency,
        issue_date=issue,
        groups=tuple(rows),
        voided_on=voided_on,
        status="voided" if voided else "issued",
    )
    for month in (period, f"{voided_on:%Y%m}" if voided_on else period):
        for record in sale_records(document, month, MAPPING):
            assert all(entry.balanced for entry in record.journal), record


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["invoice", "credit_note", "debit_note"]),
    currency=st.sampled_from(["EUR", "BGN", "USD"]),
    rows=st.lists(
        st.tuples(
            st.sampled_from(["full", "partial", "none"]), positive, positive, positive, positive
        ),
        min_size=1,
        max_size=4,
    ),
    payment=positive,
    diff=amounts,
    direction=st.sampled_from(["in", "out"]),
    cash=st.booleans(),
    movement=amounts,
)
def test_every_purchase_payment_and_movement_entry_balances(
    kind: str,
    currency: str,
    rows: list[tuple[str, Decimal, Decimal, Decimal, Decimal]],
    payment: Decimal,
    diff: Decimal,
    direction: str,
    cash: bool,
    movement: Decimal,
) -> None:
    purchase = PurchaseInput(
        id=1,
        version=1,
        kind=kind,
        cancelled=False,
        number="123",
        issue_date=dt.date(2025, 6, 1),
        tax_event_date=dt.date(2025, 6, 1),
        currency=currency,
        party=CLIENT,
        rows=tuple(PurchaseRowInput(D(20), c, b, v, eb, ev) for c, b, v, eb, ev in rows),
    )
    record = purchase_record(purchase, "202506", MAPPING)
    assert record is not None and record.balanced
    paid = payment_record(
        PaymentInput(
            1, direction, dt.date(2026, 1, 2), payment, CLIENT, cash, exchange_difference=diff
        ),
        MAPPING,
    )
    assert paid.balanced
    moved = movement_record(
        MovementInput(1, dt.date(2026, 1, 2), movement, cash, "1", "x", "y"), MAPPING
    )
    assert moved.balanced


def test_records_without_journal_differ_only_in_the_journal() -> None:
    """The NAP ledgers build sales records without journal entries; every other field is the
    same (an invoice, a credit note and a document voided in a later month)."""
    voided_later = sale(voided_on=dt.date(2026, 4, 2))
    for item, period in (
        (sale(), "202603"),
        (sale(kind="credit_note"), "202603"),
        (voided_later, "202604"),
    ):
        full = sale_records(item, period, MAPPING)
        bare = sale_records(item, period, MAPPING, journal=False)
        assert full and all(record.journal for record in full)
        assert [r.journal for r in bare] == [()] * len(full)
        assert [replace(r, journal=()) for r in full] == bare
