"""Amounts and dates beyond what the database holds are refused (issue 14, defects 3 and 6):
"1e20" was stored on SQLite and then every treasury page of the company answered 500."""

from __future__ import annotations

import pytest

from xfinances.treasury.models import MoneyAccount, Movement
from xfinances.treasury.tests.factories import bank_account

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("amount", ["1e20", "100000000000000000000", "NaN"])
def test_an_out_of_range_movement_amount_is_422_and_nothing_is_saved(company, api_as, amount):
    account = bank_account(company)
    response = api_as(company, "accountant").post(
        "/treasury/movements",
        {"account_id": account.pk, "date": "2026-03-05", "direction": "in", "amount": amount},
    )
    assert response.status_code == 422, response.content
    assert "amount" in response.json()["errors"]
    assert not Movement.objects.filter(company=company).exists()


def test_an_out_of_range_opening_balance_is_422_and_nothing_is_saved(company, api_as):
    response = api_as(company, "accountant").post(
        "/treasury/accounts",
        {"kind": "bank", "name": "ОББ", "currency": "EUR", "opening_balance": "1e20"},
    )
    assert response.status_code == 422, response.content
    assert "opening_balance" in response.json()["errors"]
    assert not MoneyAccount.objects.filter(company=company).exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_nonsense_movement_date_is_422(company, api_as, day):
    account = bank_account(company)
    response = api_as(company, "accountant").post(
        "/treasury/movements",
        {"account_id": account.pk, "date": day, "direction": "in", "amount": "10.00"},
    )
    assert response.status_code == 422, response.content
    assert "date" in response.json()["errors"]
    assert not Movement.objects.filter(company=company).exists()
