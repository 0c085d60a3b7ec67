"""A cash register cannot go below zero unless it is set to allow it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.treasury import actions, queries
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import (
    START,
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    money_out,
    transfer_input,
)

D = dt.date


@pytest.fixture
def cash(company):
    register = cash_register(company, opening_balance="100.00")
    money_in(register, "50.00", D(2026, 1, 10))
    return register


def test_payment_beyond_the_cash_is_refused_and_uses_no_number(company, cash):
    money_out(cash, "150.00", D(2026, 1, 11))  # exactly zero is fine
    with pytest.raises(InvalidInput) as refused:
        money_out(cash, "0.01", D(2026, 1, 12))
    assert "amount" in refused.value.errors
    assert "-0,01 EUR" in refused.value.errors["amount"][0]
    cash.refresh_from_db()
    assert cash.last_payment_order == 1  # the refused order took no number
    assert queries.own_balances(cash.company, D(2026, 1, 31))[cash.pk] == Decimal("0.00")


def test_a_backdated_payment_that_makes_a_later_day_negative_is_refused(company, cash):
    money_out(cash, "140.00", D(2026, 1, 20))  # 150 → 10
    with pytest.raises(InvalidInput):
        money_out(cash, "20.00", D(2026, 1, 15))  # 150 − 20 = 130 on the 15th, −10 on the 20th
    assert Movement.objects.filter(account=cash).count() == 2


def test_payment_before_a_receipt_of_the_same_register_is_refused(company):
    register = cash_register(company)
    money_in(register, "500.00", D(2026, 2, 1))
    with pytest.raises(InvalidInput):
        money_out(register, "100.00", D(2026, 1, 20))


def test_allow_negative_lets_it_through(company, cash):
    actions.update_account(
        SYSTEM, cash, actions.AccountInput.read_changes({"allow_negative": True})
    )
    cash.refresh_from_db()
    money_out(cash, "500.00", D(2026, 1, 12))
    assert queries.own_balances(company, D(2026, 1, 31))[cash.pk] == Decimal("-350.00")


def test_transfer_out_of_the_register_and_edits_are_checked(company, cash):
    bank = bank_account(company)
    with pytest.raises(InvalidInput):
        actions.create_transfer(
            SYSTEM,
            company,
            transfer_input(from_account=cash, to_account=bank, date=D(2026, 1, 12), amount="200"),
        )
    receipt = Movement.objects.get(account=cash, amount=Decimal("50.00"))
    money_out(cash, "120.00", D(2026, 1, 20))
    with pytest.raises(InvalidInput):
        actions.update_movement(
            SYSTEM, receipt, actions.MovementEditInput.read_changes({"amount": "10.00"})
        )  # 100 + 10 − 120 < 0
    with pytest.raises(InvalidInput):
        actions.reverse_movement(SYSTEM, receipt, date=D(2026, 1, 25), reason="грешка")
    receipt.refresh_from_db()
    assert receipt.amount == Decimal("50.00") and receipt.status == "posted"


def test_bank_accounts_may_go_below_zero(company):
    bank = bank_account(company)
    money_out(bank, "10.00", START)
    assert queries.own_balances(company, START)[bank.pk] == Decimal("-10.00")


def test_the_form_shows_the_refusal(company, cash, client_as):
    client = client_as(company, "accountant")
    page = client.post(
        f"/c/{company.eik}/treasury/movements/new/",
        {"account": cash.pk, "date": "2026-01-12", "direction": "out", "amount": "999"},
    )
    assert page.status_code == 200
    assert page.context["form"].errors["amount"]
    assert Movement.objects.filter(account=cash).count() == 1
