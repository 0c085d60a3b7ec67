"""Closing a period: movements on or before the date are not edited or deleted, only reversed
by a movement dated in an open period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry
from xfinances.treasury import actions, queries
from xfinances.treasury.models import Movement, MovementStatus
from xfinances.treasury.tests.factories import SYSTEM, bank_account, money_in

D = dt.date


@pytest.fixture
def closed(company):
    bank = bank_account(company)
    movement = money_in(bank, "100.00", D(2026, 1, 15))
    actions.close_period(SYSTEM, company, closed_until=D(2026, 1, 31))
    return bank, movement


def test_edit_in_closed_period_is_refused(company, closed):
    _, movement = closed
    with pytest.raises(InvalidInput) as refused:
        actions.update_movement(
            SYSTEM, movement, actions.MovementEditInput.read_changes({"amount": "90.00"})
        )
    assert "date" in refused.value.errors
    movement.refresh_from_db()
    assert movement.amount == Decimal("100.00")


def test_moving_an_open_movement_into_the_closed_period_is_refused(company, closed):
    bank, _ = closed
    movement = money_in(bank, "5.00", D(2026, 2, 5))
    with pytest.raises(InvalidInput):
        actions.update_movement(
            SYSTEM, movement, actions.MovementEditInput.read_changes({"date": D(2026, 1, 20)})
        )
    movement.refresh_from_db()
    assert movement.date == D(2026, 2, 5)


def test_new_movement_in_closed_period_is_refused(company, closed):
    bank, _ = closed
    with pytest.raises(InvalidInput) as refused:
        money_in(bank, "1.00", D(2026, 1, 31))
    assert "date" in refused.value.errors
    assert Movement.objects.filter(account=bank).count() == 1


def test_delete_in_closed_period_is_refused(company, closed):
    _, movement = closed
    with pytest.raises(InvalidInput):
        actions.delete_movement(SYSTEM, movement)
    assert Movement.objects.filter(pk=movement.pk).exists()


def test_reversal_in_open_period_is_allowed(company, closed):
    bank, movement = closed
    with pytest.raises(InvalidInput):
        actions.reverse_movement(SYSTEM, movement, date=D(2026, 1, 31), reason="x")
    (reversal,) = actions.reverse_movement(SYSTEM, movement, date=D(2026, 2, 1), reason="двойно")
    assert reversal.amount == Decimal("-100.00") and reversal.reversal_of_id == movement.pk
    movement.refresh_from_db()
    assert movement.status == MovementStatus.REVERSED
    # History is kept: the balance at the end of January still shows the money.
    assert queries.own_balances(company, D(2026, 1, 31))[bank.pk] == Decimal("100.00")
    assert queries.own_balances(company, D(2026, 2, 1))[bank.pk] == Decimal("0")
    with pytest.raises(Exception):
        actions.reverse_movement(SYSTEM, movement, date=D(2026, 2, 2), reason="again")


def test_account_level_close_leaves_other_accounts_open(company):
    bank = bank_account(company)
    other = bank_account(company, "Друга")
    actions.close_period(SYSTEM, company, closed_until=D(2026, 1, 31), account=bank)
    assert queries.lock_date(company, bank) == D(2026, 1, 31)
    assert queries.lock_date(company, other) is None
    with pytest.raises(InvalidInput):
        money_in(bank, "1.00", D(2026, 1, 10))
    money_in(other, "1.00", D(2026, 1, 10))


def test_close_only_moves_forward(company, closed):
    with pytest.raises(InvalidInput) as refused:
        actions.close_period(SYSTEM, company, closed_until=D(2026, 1, 10))
    assert "closed_until" in refused.value.errors


def test_sales_user_cannot_close_a_period(company, make_member):
    user = make_member(company, "sales")
    with pytest.raises(NotAllowed):
        actions.close_period(Actor(user), company, closed_until=D(2026, 1, 31))


def test_open_period_edit_is_audited(company):
    bank = bank_account(company)
    movement = money_in(bank, "100.00", D(2026, 2, 15))
    actions.update_movement(
        SYSTEM,
        movement,
        actions.MovementEditInput.read_changes({"amount": "110.00", "description": "поправка"}),
    )
    entry = AuditEntry.objects.filter(company=company, action="update_movement").get()
    assert entry.changes["amount"] == ["100.00", "110.00"]
    assert entry.changes["description"] == ["", "поправка"]
