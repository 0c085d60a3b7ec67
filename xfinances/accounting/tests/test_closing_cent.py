"""No cent of rounding stays on the party's 411/401: each part of a foreign-currency whole (a
document paid in parts, a payment spread over documents, a supplier invoice whose EUR total is
the sum of its rounded VAT rows, a rest written off) is rounded on its own, and the part that
closes the whole takes what the others left of its EUR figure (`payments.rates.part_eur`).

Each scenario below left 0.01 on the party's account before; the export's entries of the
document(s), the payments and the write-offs now sum to zero on it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from xfinances.accounting.building import Period
from xfinances.accounting.money_records import on_receivables
from xfinances.accounting.records import ExportRecord, RecordKind
from xfinances.accounting.tests.factories import (
    party_balance,
    period_records,
    set_write_off_tolerance,
)
from xfinances.core.models import ExchangeRate
from xfinances.core.money import round_cent
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, line
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import Allocation
from xfinances.payments.rates import part_eur
from xfinances.payments.tests.factories import DAY, invoice, payment
from xfinances.purchases.tests.factories import make_invoice, make_supplier
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import bank_account

D = Decimal
ZERO = D("0.00")
MARCH = Period(2026, 3)
RATE = D("1.10")  # USD per EUR, every day of these scenarios
SALES_AND_MONEY = [RecordKind.SALE, RecordKind.PAYMENT, RecordKind.WRITE_OFF]
PURCHASES_AND_MONEY = [RecordKind.PURCHASE, RecordKind.PAYMENT, RecordKind.WRITE_OFF]


def eur(usd: str) -> Decimal:
    """A part valued alone: what every part was before."""
    return round_cent(D(usd) / RATE)


# --- the rule (pure) ---------------------------------------------------------------------------


def test_a_part_that_does_not_close_keeps_its_own_value() -> None:
    own = part_eur(
        D("366.66"), RATE, closes=False, whole_eur=D("1000"), others_eur=D("666.68"), others=2
    )
    assert own == D("333.33")


def test_the_closing_part_takes_the_rest_of_the_whole() -> None:
    rest = part_eur(
        D("366.66"), RATE, closes=True, whole_eur=D("1000.00"), others_eur=D("666.68"), others=2
    )
    assert rest == D("333.32")


def test_a_rest_beyond_the_roundings_is_not_taken() -> None:
    """Figures that disagree for another reason (a credit note at another rate): the part keeps
    its own value rather than absorb a real difference."""
    value = part_eur(
        D("366.66"), RATE, closes=True, whole_eur=D("1000.00"), others_eur=D("600.00"), others=2
    )
    assert value == D("333.33")


# --- in the export -----------------------------------------------------------------------------


def _rates(*days: dt.date) -> None:
    for day in {DAY, *days}:
        ExchangeRate.objects.get_or_create(currency="USD", date=day, defaults={"rate": RATE})


def _records(company: Any, kinds: list[RecordKind]) -> list[ExportRecord]:
    return period_records(company, MARCH, kinds)


def _pay_in_thirds(company: Any, client: Any, document: Any) -> list[Allocation]:
    made = []
    for n, usd in enumerate(("366.67", "366.67", "366.66")):
        paid = payment(company, client, usd, day=DAY + dt.timedelta(days=n + 1), currency="USD")
        made += payments_actions.allocate(SYSTEM, paid, [(document, None)])
    return made


@pytest.mark.django_db
def test_an_invoice_paid_in_three_parts_closes_its_411(company: Any) -> None:
    _rates(*(DAY + dt.timedelta(days=n) for n in (1, 2, 3)))
    client = bg_client(company)
    document = invoice(company, client, "1100.00", currency="USD")
    assert document.eur_total == D("1000.00")
    first, second, last = _pay_in_thirds(company, client, document)
    # Alone, the thirds are worth 333.34 + 333.34 + 333.33 = 1,000.01 EUR: the last takes 333.32.
    assert eur("366.67") * 2 + eur("366.66") == D("1000.01")
    assert (first.booked_eur, second.booked_eur, last.booked_eur) == (
        D("333.34"),
        D("333.34"),
        D("333.32"),
    )
    # Its payment is worth 333.33 on the day: the cent is a gain, booked as one.
    assert last.received_eur == D("333.33") and last.exchange_difference_eur == D("0.01")
    records = _records(company, SALES_AND_MONEY)
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO


@pytest.mark.django_db
def test_a_credit_note_counts_as_a_part_of_what_it_offsets(company: Any) -> None:
    """A third of the invoice credited (offset when issued), two thirds paid: the credit note's
    part holds what it takes off the 411 and the last payment closes the rest."""
    _rates(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2))
    client = bg_client(company)
    document = invoice(company, client, "1100.00", currency="USD")
    invoicing.create_credit_note(
        SYSTEM,
        document,
        reason="отстъпка",
        issue=True,
        today=DAY,
        lines=[line("366.67", vat="exempt")],
    )
    offset = Allocation.objects.get(document=document, credit_note__isnull=False)
    assert offset.booked_eur == offset.received_eur == D("333.34")
    made = []
    for n, usd in enumerate(("366.67", "366.66")):
        paid = payment(company, client, usd, day=DAY + dt.timedelta(days=n + 1), currency="USD")
        made += payments_actions.allocate(SYSTEM, paid, [(document, None)])
    assert [a.booked_eur for a in made] == [D("333.34"), D("333.32")]
    records = _records(company, SALES_AND_MONEY)
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO


@pytest.mark.django_db
def test_a_part_undone_and_paid_again_still_closes_the_document(company: Any) -> None:
    _rates(*(DAY + dt.timedelta(days=n) for n in (1, 2, 3, 4)))
    client = bg_client(company)
    document = invoice(company, client, "1100.00", currency="USD")
    _first, second, _last = _pay_in_thirds(company, client, document)
    payments_actions.undo_allocation(SYSTEM, second, reason="wrong client")
    again = payment(company, client, "366.67", day=DAY + dt.timedelta(days=4), currency="USD")
    (replacement,) = payments_actions.allocate(SYSTEM, again, [(document, None)])
    active = Allocation.objects.filter(document=document, undone_at__isnull=True)
    assert sum(a.booked_eur for a in active) == document.eur_total == D("1000.00")
    assert replacement.booked_eur == D("333.34")  # 1,000.00 − 333.34 − 333.32


@pytest.mark.django_db
def test_a_payment_spread_over_two_invoices_at_another_rate(company: Any) -> None:
    """The cent of the payment's side: 200.00 USD paid on a day of 1.20 is 166.67 EUR, its
    halves 83.33 each alone; the second half takes 83.34."""
    paid_on = DAY + dt.timedelta(days=5)
    _rates()
    ExchangeRate.objects.create(currency="USD", date=paid_on, rate=D("1.20"))
    client = bg_client(company)
    one, two = (invoice(company, client, "100.00", currency="USD") for _ in range(2))
    paid = payment(company, client, "200.00", day=paid_on, currency="USD")
    first, second = payments_actions.allocate(SYSTEM, paid, [(one, None), (two, None)])
    assert (first.received_eur, second.received_eur) == (D("83.33"), D("83.34"))
    assert first.received_eur + second.received_eur == paid.eur_amount == D("166.67")
    records = _records(company, SALES_AND_MONEY)
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO


@pytest.mark.django_db
def test_a_supplier_invoice_paid_in_full_closes_the_suppliers_401(company: Any) -> None:
    """Its EUR total is the sum of its rounded rows (9.14 + 1.83), a cent above its total
    converted at once (12.06 / 1.10 = 10.96): the one payment takes 10.97."""
    _rates()
    supplier = make_supplier(company)
    bill = make_invoice(
        company,
        supplier=supplier,
        currency="USD",
        exchange_rate="1.10",
        rows=[{"vat_rate": "20", "base": "10.05", "vat": "2.01"}],
    )
    assert (bill.eur_total, eur("12.06")) == (D("10.97"), D("10.96"))
    paid = payment(company, supplier, "12.06", currency="USD", direction="out")
    (allocation,) = payments_actions.allocate_supplier_invoices(SYSTEM, paid, [(bill, None)])
    assert (allocation.booked_eur, allocation.received_eur) == (D("10.97"), D("10.96"))
    records = _records(company, PURCHASES_AND_MONEY)
    assert len(records) == 2 and all(record.balanced for record in records)
    assert party_balance(records, "401", supplier.pk) == ZERO


@pytest.mark.django_db
def test_an_overpayment_rest_written_off_closes_the_clients_411(company: Any) -> None:
    """100.05 USD is 90.95 EUR; the invoice's 100.00 takes 90.91, so the 0.05 USD rest is
    worth 0.04 of it, not the 0.05 it is worth alone."""
    _rates()
    set_write_off_tolerance(company, "1.00")
    client = bg_client(company)
    document = invoice(company, client, "100.00", currency="USD")
    paid = payment(company, client, "100.05", currency="USD")
    payments_actions.allocate(SYSTEM, paid, [(document, None)])
    item = payments_actions.write_off_payment(
        SYSTEM, paid, payments_actions.WriteOffInput(reason="cents", date=DAY)
    )
    assert (item.booked_eur, eur("0.05")) == (D("0.04"), D("0.05"))
    records = _records(company, SALES_AND_MONEY)
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO


@pytest.mark.django_db
def test_a_remainder_written_off_after_parts_closes_the_411(company: Any) -> None:
    _rates(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2))
    set_write_off_tolerance(company, "1.00")
    client = bg_client(company)
    document = invoice(company, client, "1100.00", currency="USD")
    for n, usd in enumerate(("550.02", "549.93")):
        paid = payment(company, client, usd, day=DAY + dt.timedelta(days=n + 1), currency="USD")
        payments_actions.allocate(SYSTEM, paid, [(document, None)])
    # 500.02 + 499.94 paid; the 0.05 USD left is worth 0.05 alone but 0.04 of the 1,000.00.
    assert eur("550.02") + eur("549.93") + eur("0.05") == D("1000.01")
    item = payments_actions.write_off(SYSTEM, document, reason="cents", date=DAY)
    active = Allocation.objects.filter(document=document, undone_at__isnull=True)
    assert item.booked_eur == D("0.04")
    assert sum(a.booked_eur for a in active) + item.booked_eur == D("1000.00")
    records = _records(company, SALES_AND_MONEY)
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO


def _usd_movement(account: Any, amount: str, day: dt.date) -> Movement:
    made = treasury_actions.create_movement(
        SYSTEM,
        account,
        treasury_actions.MovementInput(
            date=day, direction="in", amount=D(amount), description="bank"
        ),
    )
    return Movement.objects.select_related("account").get(pk=made.pk)


@pytest.mark.django_db
def test_the_bank_matching_batch_closes_a_document_paid_before(company: Any) -> None:
    """The last third arrives from the bank: the batch reads what the earlier parts hold."""
    days = [DAY + dt.timedelta(days=n) for n in (1, 2, 3)]
    _rates(*days)
    client = bg_client(company)
    document = invoice(company, client, "1100.00", currency="USD")
    for day, usd in zip(days[:2], ("366.67", "366.67"), strict=False):
        paid = payment(company, client, usd, day=day, currency="USD")
        payments_actions.allocate(SYSTEM, paid, [(document, None)])
    account = bank_account(company, currency="USD")
    movement = _usd_movement(account, "366.66", days[2])
    (done,) = payments_actions.record_matched_payments(
        SYSTEM,
        company,
        [
            payments_actions.MatchedPaymentInput(
                movement=movement,
                direction="in",
                date=days[2],
                amount=D("366.66"),
                currency="USD",
                party=client,
                allocations=(("sales", document.pk, D("366.66")),),
            )
        ],
    )
    (allocation,) = done.allocations
    stored = Allocation.objects.get(pk=allocation.pk)
    assert (stored.booked_eur, stored.received_eur) == (D("333.32"), D("333.33"))
    assert stored.exchange_difference_eur == D("0.01")
    records = _records(company, SALES_AND_MONEY)
    assert party_balance(records, "411", client.pk) == ZERO


# --- a payment is exported at the rate it was recorded at --------------------------------------


@pytest.mark.django_db
def test_a_payment_at_the_banks_own_rate_closes_the_clients_411(company: Any) -> None:
    """The bank converted at 1.12, not the day's 1.10: the payment's EUR amount, its allocation's
    difference and the export's bank and party lines all use 1.12."""
    _rates()
    client = bg_client(company)
    document = invoice(company, client, "1100.00", currency="USD")
    paid = payment(company, client, "1100.00", currency="USD", eur_rate="1.12")
    assert paid.eur_amount == D("982.14")
    (allocation,) = payments_actions.allocate(SYSTEM, paid, [(document, None)])
    assert allocation.exchange_difference_eur == D("-17.86")
    records = _records(company, SALES_AND_MONEY)
    (money,) = [r for r in records if r.kind == RecordKind.PAYMENT]
    assert money.total == D("982.14")
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO


@pytest.mark.django_db
def test_a_refunded_usd_credit_closes_the_clients_411(company: Any) -> None:
    """1,000.06 USD (909.15 EUR) paid for 1,000.00 USD (909.09 EUR); the 0.06 USD credit is
    refunded ten days later, on a day of another rate. It goes back at the rate it came in,
    and as what the invoice left of the payment's EUR amount: 0.06 EUR, not 0.05 valued alone."""
    refund_day = DAY + dt.timedelta(days=10)
    _rates()
    ExchangeRate.objects.create(currency="USD", date=refund_day, rate=D("1.30"))
    client = bg_client(company)
    document = invoice(company, client, "1000.00", currency="USD")
    paid = payment(company, client, "1000.06", currency="USD")
    payments_actions.allocate(SYSTEM, paid, [(document, None)])
    refund = payments_actions.refund_credit(
        SYSTEM, paid, payments_actions.RefundInput.read({"amount": "0.06", "date": refund_day})
    )
    assert (paid.eur_amount, document.eur_total, eur("0.06")) == (
        D("909.15"),
        D("909.09"),
        D("0.05"),
    )
    assert (refund.eur_rate, refund.eur_amount) == (RATE, D("0.06"))
    records = _records(company, SALES_AND_MONEY)
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO


def _credit_note_after_payment(company: Any, client: Any) -> Any:
    """An invoice of 100.00 paid in full, then a credit note of 30.00 that nothing is left to
    offset: the client's credit, to be paid back."""
    document = invoice(company, client, "100.00")
    payments_actions.allocate(SYSTEM, payment(company, client, "100.00"), [(document, None)])
    return invoicing.create_credit_note(
        SYSTEM,
        document,
        reason="отстъпка",
        issue=True,
        today=DAY,
        lines=[line("30.00", vat="exempt")],
    ).document


@pytest.mark.django_db
def test_money_paid_back_to_a_client_closes_the_411_not_a_401(company: Any) -> None:
    """An invoice paid in full, then a credit note of 30.00 that nothing is left to offset: the
    30.00 paid back to the client settles the note on the client's 411."""
    client = bg_client(company)
    note = _credit_note_after_payment(company, client)
    back = payment(company, client, "30.00", direction="out")
    payments_actions.allocate(SYSTEM, back, [(note, None)])
    records = _records(company, SALES_AND_MONEY)
    (refund,) = [r for r in records if r.kind == RecordKind.PAYMENT and r.source_id == back.pk]
    assert [(x.account, x.debit, x.credit) for x in refund.journal[0].lines] == [
        ("411", D("30.00"), ZERO),
        ("503", ZERO, D("30.00")),
    ]
    assert party_balance(records, "411", client.pk) == ZERO
    assert party_balance(records, "401", client.pk) == ZERO


@pytest.mark.parametrize(
    ("direction", "settles", "party", "expected"),
    [
        ("in", "sales", "client", True),  # an invoice paid
        ("out", "sales", "client", True),  # a credit note paid out
        ("out", "refund", "client", True),  # a client's credit returned
        ("out", "purchases", "supplier", False),  # a supplier invoice paid
        ("out", "purchases", "both", False),
        ("in", "nothing", "supplier", False),  # a supplier returns money: its 401
        ("out", "nothing", "client", True),  # money to a client, settling nothing yet
        ("in", "nothing", "both", True),  # by direction
        ("out", "nothing", "both", False),
        ("in", "nothing", "none", True),  # no party at all
    ],
)
def test_the_party_side_follows_what_the_money_settles(
    direction: str, settles: str, party: str, expected: bool
) -> None:
    assert (
        on_receivables(
            direction,
            sales=settles == "sales",
            purchases=settles == "purchases",
            refund=settles == "refund",
            client=party in ("client", "both"),
            supplier=party in ("supplier", "both"),
        )
        is expected
    )


@pytest.mark.django_db
def test_money_back_from_a_supplier_closes_its_401(company: Any) -> None:
    """We paid a supplier 120.00 for an invoice of 100.00; it returns the 20.00 — money in
    from a party that is only a supplier is booked on its 401, where our advance stood."""
    supplier = make_supplier(company)
    bill = make_invoice(
        company, supplier=supplier, rows=[{"vat_rate": "0", "base": "100.00", "vat": "0"}]
    )
    out = payment(company, supplier, "120.00", direction="out")
    payments_actions.allocate_supplier_invoices(SYSTEM, out, [(bill, None)])
    back = payment(company, supplier, "20.00")
    records = _records(company, PURCHASES_AND_MONEY)
    (returned,) = [r for r in records if r.kind == RecordKind.PAYMENT and r.source_id == back.pk]
    assert [(x.account, x.debit, x.credit) for x in returned.journal[0].lines] == [
        ("503", D("20.00"), ZERO),
        ("401", ZERO, D("20.00")),
    ]
    assert party_balance(records, "401", supplier.pk) == ZERO
    assert party_balance(records, "411", supplier.pk) == ZERO


@pytest.mark.django_db
def test_the_rest_of_money_paid_back_to_a_client_is_written_off_on_its_411(
    company: Any,
) -> None:
    """A credit note of 30.00 paid out as 30.04: the 0.04 beyond it is written off against the
    client's 411, where the payment was booked, not a supplier's 401."""
    set_write_off_tolerance(company, "1.00")
    client = bg_client(company)
    note = _credit_note_after_payment(company, client)
    back = payment(company, client, "30.04", direction="out")
    payments_actions.allocate(SYSTEM, back, [(note, None)])
    payments_actions.write_off_payment(
        SYSTEM, back, payments_actions.WriteOffInput(reason="cents", date=DAY)
    )
    records = _records(company, SALES_AND_MONEY)
    (written,) = [r for r in records if r.kind == RecordKind.WRITE_OFF]
    assert [(x.account, x.debit, x.credit) for x in written.journal[0].lines] == [
        ("609", D("0.04"), ZERO),
        ("411", ZERO, D("0.04")),
    ]
    assert party_balance(records, "411", client.pk) == ZERO
    assert party_balance(records, "401", client.pk) == ZERO


@pytest.mark.django_db
def test_lev_parts_in_a_lev_ledger_have_no_difference(company: Any) -> None:
    """Up to 2025 the books are in leva: a 150.00 лв. invoice paid as three 50.00 лв. parts
    is settled to the stotinka, though 3 × 25.56 EUR falls a cent short of its 76.69 EUR. No
    part takes the cent, so no exchange difference appears where none is."""
    day = dt.date(2025, 10, 1)
    client = bg_client(company)
    document = invoice(company, client, "150.00", day=day, currency="BGN")
    assert document.eur_total == D("76.69")
    made = []
    for n in range(3):
        paid = payment(company, client, "50.00", day=day + dt.timedelta(days=n + 1), currency="BGN")
        made += payments_actions.allocate(SYSTEM, paid, [(document, None)])
    assert [a.exchange_difference_eur for a in made] == [ZERO] * 3
    records = period_records(company, Period(2025, 10), SALES_AND_MONEY)
    assert all(record.balanced for record in records)
    assert party_balance(records, "411", client.pk) == ZERO
    assert not any(
        line.account in ("624", "724") for r in records for e in r.journal for line in e.lines
    )


def test_the_rest_is_in_cents_whatever_places_its_figures_carry() -> None:
    rest = part_eur(
        D("50.00"),
        D("1.95583"),
        closes=True,
        whole_eur=D("76.6900000000000"),
        others_eur=D("51.12000"),
        others=2,
    )
    assert str(rest) == "25.57"
