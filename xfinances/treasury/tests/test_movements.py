"""Entering movements: every bad input refused with a field error and nothing written; audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.treasury import actions
from xfinances.treasury.models import AccountMonthTotal, CashflowCategory, Movement
from xfinances.treasury.tests.factories import (
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    movement_input,
)

D = dt.date(2026, 2, 10)


def test_movement_is_signed_and_audited(company):
    bank = bank_account(company)
    out = actions.create_movement(
        SYSTEM,
        bank,
        movement_input(
            date=D,
            direction="out",
            amount="120.40",
            counterparty_name="Доставчик ООД",
            counterparty_iban="BG80 BNBG 9661 1020 3456 78",
            bank_reference="REF-1",
            end_to_end_id="E2E-1",
            raw_data={"AcctSvcrRef": "REF-1"},
        ),
    )
    assert out.amount == Decimal("-120.40") and out.currency == "EUR" and out.direction == "out"
    assert out.counterparty_iban == "BG80BNBG96611020345678"
    entry = AuditEntry.objects.get(company=company, action="create_movement", object_id=str(out.pk))
    assert entry.changes["amount"] == [None, "-120.40"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"direction": "sideways"}, "direction"),
        ({"currency": "USD"}, "currency"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": dt.date(2025, 12, 31)}, "date"),  # before the account opened
        ({"counterparty_iban": "BG00"}, "counterparty_iban"),
        ({"category": 999999}, "category"),
    ],
)
def test_bad_movement_input_is_refused_and_nothing_changes(company, kwargs, field):
    bank = bank_account(company)
    data = {"date": D, "direction": "in", "amount": "10.00", **kwargs}
    with pytest.raises(InvalidInput) as refused:
        actions.create_movement(SYSTEM, bank, movement_input(**data))
    assert field in refused.value.errors
    assert not Movement.objects.filter(company=company).exists()
    assert not AccountMonthTotal.objects.filter(company=company).exists()


def test_inactive_account_is_refused(company):
    cash = cash_register(company)
    actions.close_account(SYSTEM, cash)
    with pytest.raises(InvalidInput) as refused:
        money_in(cash, "1.00", D)
    assert "account" in refused.value.errors
    assert not Movement.objects.filter(company=company).exists()


def test_category_of_another_company_is_refused(company, other_company):
    bank = bank_account(company)
    bank_account(other_company)
    foreign = CashflowCategory.objects.filter(company=other_company).first()
    assert foreign is not None
    with pytest.raises(InvalidInput) as refused:
        money_in(bank, "1.00", D, category=foreign)
    assert "category" in refused.value.errors


def test_bank_reference_is_unique_per_account(company):
    bank = bank_account(company)
    other = bank_account(company, "Друга")
    money_in(bank, "1.00", D, bank_reference="X1")
    money_in(other, "1.00", D, bank_reference="X1")
    with pytest.raises(Conflict):
        money_in(bank, "2.00", D, bank_reference="X1")
    assert Movement.objects.filter(account=bank).count() == 1
    # The failed insert left the month total alone.
    assert AccountMonthTotal.objects.get(account=bank).total == Decimal("1.00")


def test_reversal_is_audited_with_reason(company):
    bank = bank_account(company)
    movement = money_in(bank, "50.00", D)
    (reversal,) = actions.reverse_movement(SYSTEM, movement, date=D, reason="двойно въведено")
    created = AuditEntry.objects.get(company=company, action="reverse_movement", kind="create")
    updated = AuditEntry.objects.get(company=company, action="reverse_movement", kind="update")
    assert created.object_id == str(reversal.pk)
    assert updated.object_id == str(movement.pk) and updated.reason == "двойно въведено"
    assert updated.changes["status"] == ["posted", "reversed"]


def test_reversal_needs_a_reason(company):
    bank = bank_account(company)
    movement = money_in(bank, "50.00", D)
    with pytest.raises(InvalidInput) as refused:
        actions.reverse_movement(SYSTEM, movement, date=D, reason=" ")
    assert "reason" in refused.value.errors
    assert Movement.objects.count() == 1


def test_delete_of_open_manual_bank_movement(company):
    bank = bank_account(company)
    movement = money_in(bank, "50.00", D)
    actions.delete_movement(SYSTEM, movement)
    assert not Movement.objects.exists()
    assert AccountMonthTotal.objects.get(account=bank).total == 0
    assert AuditEntry.objects.filter(company=company, action="delete_movement").exists()


def test_withdrawing_a_bank_movement_takes_only_a_bank_lines_own(company):
    """`withdraw_bank_movement` deletes a statement's movement (the month total follows) and
    refuses one typed by hand, which only its own delete or reversal may take back."""
    account = bank_account(company)
    day = dt.date(2026, 11, 2)
    [made] = actions.record_bank_movements(
        SYSTEM,
        account,
        [{"date": day, "amount": Decimal("75.00"), "bank_reference": "R-1"}],
        source="statement",
    )
    by_hand = actions.create_movement(
        SYSTEM, account, movement_input(date=day, direction="in", amount="75.00")
    )
    with pytest.raises(Conflict):
        actions.withdraw_bank_movement(SYSTEM, by_hand, reason="x", on=day)
    total = AccountMonthTotal.objects.get(account=account, month=day.replace(day=1))
    assert total.total == Decimal("150.00")
    assert (
        actions.withdraw_bank_movement(SYSTEM, Movement.objects.get(pk=made), reason="x", on=day)
        is None
    )
    assert not Movement.objects.filter(pk=made).exists()
    total.refresh_from_db()
    assert total.total == Decimal("75.00")
    assert AuditEntry.objects.filter(action="withdraw_bank_movement", reason="x").count() == 1
