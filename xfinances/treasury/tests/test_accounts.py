"""Accounts and sub-accounts: validation, tree rules, closing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.treasury import actions
from xfinances.treasury.models import CashflowCategory, MoneyAccount
from xfinances.treasury.tests.factories import (
    START,
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    money_out,
    sub_account,
)


def test_bank_account_takes_bic_and_bank_from_the_iban(company):
    account = bank_account(company, iban="BG18 RZBB 9155 0123 4567 89")
    assert account.iban == "BG18RZBB91550123456789"
    assert account.bic == "RZBBBGSF"
    assert AuditEntry.objects.filter(
        company=company, action="create_account", object_id=str(account.pk)
    ).exists()
    # The first account seeds the default cash-flow categories.
    assert set(CashflowCategory.objects.filter(company=company).values_list("code", flat=True)) >= {
        "sales",
        "suppliers",
        "salaries",
        "taxes",
        "loans",
        "rent",
        "internal",
        "other",
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "bank", "name": "X", "iban": "BG00XXXX00000000000000"}, "iban"),
        ({"kind": "bank", "name": "X", "iban": ""}, "iban"),
        ({"kind": "cash", "name": ""}, "name"),
        ({"kind": "safe", "name": "X"}, "kind"),
        ({"kind": "cash", "name": "X", "currency": "XYZ"}, "currency"),
        ({"kind": "cash", "name": "X", "opening_balance": "abc"}, "opening_balance"),
        ({"kind": "cash", "name": "X", "opening_date": "31.02.2026"}, "opening_date"),
        ({"kind": "bank", "name": "X", "iban": "BG18RZBB91550123456789", "bic": "12"}, "bic"),
    ],
)
def test_bad_account_input_is_refused_with_a_field_error(company, data, field):
    with pytest.raises(InvalidInput) as refused:
        actions.create_account(SYSTEM, company, actions.AccountInput.read({**data}))
    assert field in refused.value.errors
    assert not MoneyAccount.objects.filter(company=company).exists()


def test_duplicate_iban_is_refused(company):
    bank_account(company, iban="BG18RZBB91550123456789")
    with pytest.raises(InvalidInput) as refused:
        bank_account(company, "Втора", iban="BG18RZBB91550123456789")
    assert "iban" in refused.value.errors


def test_sub_account_holds_the_parents_currency(company):
    bank = bank_account(company)
    sub = sub_account(bank, "Проект")
    assert sub.currency == "EUR" and sub.kind == "bank" and sub.iban == ""
    with pytest.raises(InvalidInput) as refused:
        sub_account(bank, "USD проект", currency="USD")
    assert "currency" in refused.value.errors


def test_sub_account_cycles_are_refused(company):
    top = cash_register(company)
    middle = sub_account(top, "Средна")
    bottom = sub_account(middle, "Долна")
    for new_parent in (bottom, top):
        with pytest.raises(InvalidInput) as refused:
            actions.update_account(
                SYSTEM, top, actions.AccountInput.read_changes({"parent": new_parent})
            )
        assert "parent" in refused.value.errors
    top.refresh_from_db()
    assert top.parent_id is None
    # Moving a branch elsewhere is fine.
    other = cash_register(company, "Друга")
    actions.update_account(SYSTEM, middle, actions.AccountInput.read_changes({"parent": other}))
    middle.refresh_from_db()
    assert middle.parent_id == other.pk


def test_parent_from_another_company_is_refused(company, other_company):
    foreign = cash_register(other_company)
    with pytest.raises(InvalidInput) as refused:
        actions.create_account(
            SYSTEM,
            company,
            actions.AccountInput.read({"kind": "cash", "name": "X", "parent": foreign.pk}),
        )
    assert "parent" in refused.value.errors


def test_closing_needs_zero_balance_including_sub_accounts(company):
    cash = cash_register(company)
    sub = sub_account(cash, "Офис")
    money_in(sub, "10.00", START)
    with pytest.raises(InvalidInput) as refused:
        actions.close_account(SYSTEM, cash)
    assert "Офис" in refused.value.errors["__all__"][0]
    cash.refresh_from_db()
    assert cash.is_active
    money_out(sub, "10.00", START + dt.timedelta(days=1))
    actions.close_account(SYSTEM, cash)
    assert not MoneyAccount.objects.filter(company=company, is_active=True).exists()


def test_future_dated_movements_count_when_closing(company):
    cash = cash_register(company)
    money_in(cash, "5.00", dt.date.today() + dt.timedelta(days=30))
    with pytest.raises(InvalidInput):
        actions.close_account(SYSTEM, cash)


def test_changing_currency_with_movements_is_refused(company):
    cash = cash_register(company)
    money_in(cash, "5.00", START)
    with pytest.raises(InvalidInput) as refused:
        actions.update_account(SYSTEM, cash, actions.AccountInput.read_changes({"currency": "USD"}))
    assert "currency" in refused.value.errors


def test_account_update_is_audited(company):
    cash = cash_register(company)
    actions.update_account(
        SYSTEM,
        cash,
        actions.AccountInput.read_changes({"name": "Централна каса", "opening_balance": "12.50"}),
    )
    entry = AuditEntry.objects.get(company=company, action="update_account")
    assert entry.changes["name"] == ["Каса", "Централна каса"]
    assert entry.changes["opening_balance"] == ["0.00", "12.50"]
    cash.refresh_from_db()
    assert cash.opening_balance == Decimal("12.50")
