"""Transfers between own accounts: one Transfer, two movements; across currencies with the rate
and the exchange difference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.actions import load_reference_rates
from xfinances.core.exceptions import InvalidInput
from xfinances.treasury import actions, queries
from xfinances.treasury.models import Movement, MovementStatus, Transfer
from xfinances.treasury.tests.factories import (
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    transfer_input,
)

D = dt.date(2026, 2, 10)


def test_same_currency_transfer_moves_money_and_keeps_the_total(company):
    bank = bank_account(company, opening_balance="1000.00")
    cash = cash_register(company)
    transfer = actions.create_transfer(
        SYSTEM, company, transfer_input(from_account=bank, to_account=cash, date=D, amount="250.00")
    )
    legs = {m.account_id: m.amount for m in Movement.objects.filter(transfer=transfer)}
    assert legs == {bank.pk: Decimal("-250.00"), cash.pk: Decimal("250.00")}
    balances = queries.own_balances(company, D)
    assert balances[bank.pk] == Decimal("750.00") and balances[cash.pk] == Decimal("250.00")
    assert transfer.rate == 1 and transfer.exchange_difference_eur is None
    # The cash leg is a numbered receipt order of the register.
    assert Movement.objects.get(transfer=transfer, account=cash).cash_order_number == 1
    assert Movement.objects.get(transfer=transfer, account=cash).category.code == "internal"


def test_cross_currency_transfer_records_rate_and_exchange_difference(company, actor_system):
    load_reference_rates(actor_system, [(D, "USD", Decimal("1.10"))], source="test")
    usd = bank_account(company, "USD", currency="USD", opening_balance="2000.00")
    eur = bank_account(company, "EUR")
    # The bank converts 1100 USD at 0.89 EUR per USD = 979.00 EUR; reference says 1000.00 EUR.
    transfer = actions.create_transfer(
        SYSTEM,
        company,
        transfer_input(from_account=usd, to_account=eur, date=D, amount="1100.00", rate="0.89"),
    )
    assert transfer.amount_to == Decimal("979.00")
    assert transfer.currency_from == "USD" and transfer.currency_to == "EUR"
    assert transfer.exchange_difference_eur == Decimal("-21.00")
    balances = queries.own_balances(company, D)
    assert balances[usd.pk] == Decimal("900.00") and balances[eur.pk] == Decimal("979.00")


def test_amount_received_gives_the_rate_rounded(company):
    usd = bank_account(company, "USD", currency="USD", opening_balance="100.00")
    eur = bank_account(company, "EUR")
    transfer = actions.create_transfer(
        SYSTEM,
        company,
        transfer_input(from_account=usd, to_account=eur, date=D, amount="3.00", amount_to="2.77"),
    )
    assert transfer.rate == Decimal("0.92333333")
    assert transfer.amount_to == Decimal("2.77")
    # Rate × amount rounds half-up to the cent.
    second = actions.create_transfer(
        SYSTEM,
        company,
        transfer_input(from_account=usd, to_account=eur, date=D, amount="1.00", rate="0.925"),
    )
    assert second.amount_to == Decimal("0.93")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "10.00"}, "rate"),
        ({"amount": "10.00", "rate": "0.9", "amount_to": "8.00"}, "amount_to"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "10.00", "rate": "abc"}, "rate"),
    ],
)
def test_bad_cross_currency_input_is_refused_and_changes_nothing(company, kwargs, field):
    usd = bank_account(company, "USD", currency="USD", opening_balance="100.00")
    eur = bank_account(company, "EUR")
    with pytest.raises(InvalidInput) as refused:
        actions.create_transfer(
            SYSTEM, company, transfer_input(from_account=usd, to_account=eur, date=D, **kwargs)
        )
    assert field in refused.value.errors
    assert not Transfer.objects.filter(company=company).exists()
    assert not Movement.objects.filter(company=company).exists()


def test_transfer_to_the_same_account_is_refused(company):
    bank = bank_account(company)
    with pytest.raises(InvalidInput) as refused:
        actions.create_transfer(
            SYSTEM,
            company,
            transfer_input(from_account=bank, to_account=bank, date=D, amount="1.00"),
        )
    assert "to_account" in refused.value.errors
    assert not Transfer.objects.exists()


def test_reversing_one_leg_reverses_the_whole_transfer(company):
    bank = bank_account(company, opening_balance="500.00")
    other = bank_account(company, "Друга")
    transfer = actions.create_transfer(
        SYSTEM,
        company,
        transfer_input(from_account=bank, to_account=other, date=D, amount="100.00"),
    )
    leg = Movement.objects.get(transfer=transfer, account=other)
    reversals = actions.reverse_movement(
        SYSTEM, leg, date=D + dt.timedelta(days=1), reason="грешка"
    )
    assert len(reversals) == 2
    assert set(
        Movement.objects.filter(transfer=transfer, reversal_of__isnull=True).values_list(
            "status", flat=True
        )
    ) == {MovementStatus.REVERSED}
    balances = queries.own_balances(company, D + dt.timedelta(days=1))
    assert balances[bank.pk] == Decimal("500.00") and balances.get(other.pk, 0) == 0


def test_money_in_after_a_transfer_is_counted_once(company):
    bank = bank_account(company)
    money_in(bank, "10.00", D)
    assert queries.own_balances(company, D)[bank.pk] == Decimal("10.00")
