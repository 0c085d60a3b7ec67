"""Balances at any date, rolled up through sub-accounts, against a hand-computed ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.actions import load_reference_rates
from xfinances.core.queries import rate_value
from xfinances.treasury import actions, queries
from xfinances.treasury.queries import AccountAccessMap
from xfinances.treasury.tests.factories import (
    START,
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    money_out,
    sub_account,
)

ALL = AccountAccessMap(None, None)
D = dt.date


@pytest.fixture
def ledger(company):
    bank = bank_account(company, "ОББ", opening_balance="1000.00")
    project = sub_account(bank, "Проект А")
    deep = sub_account(project, "Проект А / етап 1")
    cash = cash_register(company, "Каса", opening_balance="200.00")
    usd = bank_account(company, "USD сметка", currency="USD")
    money_in(bank, "500.00", D(2026, 1, 10))  # bank own: 1500
    money_out(bank, "120.50", D(2026, 2, 3))  # 1379.50
    money_in(project, "300.00", D(2026, 1, 20))
    money_out(deep, "45.25", D(2026, 2, 15))
    money_in(deep, "100.00", D(2026, 3, 1))
    money_out(cash, "50.00", D(2026, 1, 31))
    money_in(usd, "1080.00", D(2026, 2, 1))
    return {"bank": bank, "project": project, "deep": deep, "cash": cash, "usd": usd}


def _rows(company, on):
    tree = queries.account_tree(company, ALL, on)
    return tree, {r.account.name: r for r in tree.rows}


def test_balances_and_roll_up_match_the_hand_ledger(company, ledger):
    tree, rows = _rows(company, D(2026, 2, 20))
    assert rows["Проект А / етап 1"].balance == Decimal("-45.25")
    assert rows["Проект А"].own == Decimal("300.00")
    assert rows["Проект А"].balance == Decimal("254.75")
    assert rows["ОББ"].own == Decimal("1379.50")
    assert rows["ОББ"].balance == Decimal("1634.25")
    assert rows["Каса"].balance == Decimal("150.00")
    assert rows["USD сметка"].balance == Decimal("1080.00")
    # Tree order: parents before their sub-accounts, with depth.
    names = [(r.account.name, r.depth) for r in tree.rows]
    assert (
        names.index(("ОББ", 0))
        < names.index(("Проект А", 1))
        < names.index(("Проект А / етап 1", 2))
    )


def test_balance_before_first_movements_is_the_opening_balance(company, ledger):
    _, rows = _rows(company, D(2026, 1, 5))
    assert rows["ОББ"].balance == Decimal("1000.00")
    assert rows["Каса"].balance == Decimal("200.00")
    _, rows = _rows(company, D(2025, 12, 31))
    assert rows["ОББ"].balance == Decimal("0")


def test_month_totals_agree_with_a_plain_sum_on_every_day(company, ledger):
    day = D(2025, 12, 30)
    while day < D(2026, 3, 5):
        assert queries.own_balances(company, day) == dict(
            queries.own_balances_by_sum(company, day).items()
        ), day
        day += dt.timedelta(days=1)


def test_eur_total_converts_at_the_rate_of_the_day(company, ledger, actor_system):
    load_reference_rates(actor_system, [(D(2026, 2, 19), "USD", Decimal("1.08"))], source="test")
    tree, rows = _rows(company, D(2026, 2, 20))
    assert rate_value(company, "USD", D(2026, 2, 20)) == Decimal("1.08")
    assert rows["USD сметка"].balance_eur == Decimal("1000.00")
    assert tree.total_eur == Decimal("1634.25") + Decimal("150.00") + Decimal("1000.00")
    assert tree.missing_rates == []


def test_missing_rate_is_reported_not_guessed(company, ledger):
    tree, rows = _rows(company, D(2026, 2, 20))
    assert rows["USD сметка"].balance_eur is None
    assert tree.missing_rates == ["USD"]
    assert tree.total_eur == Decimal("1784.25")


def test_edit_keeps_month_totals_in_step(company, ledger):
    movement = money_in(ledger["bank"], "10.00", D(2026, 1, 15))
    actions.update_movement(
        SYSTEM,
        movement,
        actions.MovementEditInput.read_changes({"date": D(2026, 3, 2), "amount": "12.00"}),
    )
    for day in (D(2026, 1, 31), D(2026, 3, 2), D(2026, 4, 1)):
        assert queries.own_balances(company, day) == queries.own_balances_by_sum(company, day)
    assert actions.rebuild_month_totals(company) > 0
    assert queries.own_balances(company, D(2026, 4, 1)) == queries.own_balances_by_sum(
        company, D(2026, 4, 1)
    )


def test_statement_running_balance_carries_across_pages(company, ledger):
    bank = ledger["bank"]
    for i in range(1, 6):
        money_in(bank, f"{i}.00", D(2026, 3, i))
    full = queries.statement(company, bank, D(2026, 2, 1), D(2026, 3, 31), page=1, per_page=100)
    assert full.opening == Decimal("1500.00")
    assert [line.balance for line in full.lines] == [
        Decimal("1379.50"),
        Decimal("1380.50"),
        Decimal("1382.50"),
        Decimal("1385.50"),
        Decimal("1389.50"),
        Decimal("1394.50"),
    ]
    assert full.closing == Decimal("1394.50")
    page2 = queries.statement(company, bank, D(2026, 2, 1), D(2026, 3, 31), page=2, per_page=4)
    assert page2.pages == 2
    assert page2.page_opening == Decimal("1385.50")
    assert [line.balance for line in page2.lines] == [Decimal("1389.50"), Decimal("1394.50")]


def test_reconciliation_stores_the_difference(company, ledger):
    check = actions.record_balance_check(
        SYSTEM, ledger["bank"], date=D(2026, 2, 20), reported_balance="1640.00"
    )
    assert check.computed_balance == Decimal("1634.25")
    assert check.difference == Decimal("-5.75")
    assert check.date >= START
