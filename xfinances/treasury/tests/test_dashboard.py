"""Dashboard cards: total cash now, change against a month ago, per account, lowest point."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from xfinances.treasury.tests.factories import bank_account, money_in, planned_item

D = dt.date


def test_accountant_sees_total_cash_and_the_lowest_point(company, client_as):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False):
        bank = bank_account(
            company, "Основна", opening_balance="1000.00", opening_date=D(2026, 1, 1)
        )
        money_in(bank, "234.56", D(2026, 2, 20))
        planned_item(company, amount="2000.00", day=10, account=bank, end_date=D(2026, 3, 31))
        client = client_as(company, "accountant")
        page = client.get(f"/c/{company.eik}/")
    summary = page.context["treasury"]
    assert summary["total_eur"] == Decimal("1234.56")
    assert summary["change_eur"] == Decimal("234.56")  # 30 days ago: 1000.00
    assert summary["lowest"]["closing"] == Decimal("-765.44")
    assert summary["lowest"]["start"] == D(2026, 3, 9) and summary["lowest"]["below_zero"]
    body = page.content.decode()
    assert 'id="cash-total"' in body and "1 234,56" in body.replace("\xa0", " ")
    assert 'id="cash-lowest"' in body and "-765,44" in body
    assert "Основна" in body


def test_no_treasury_cards_without_treasury_view(company, client_as):
    bank_account(company, opening_balance="1000.00")
    client = client_as(company, "sales")
    page = client.get(f"/c/{company.eik}/")
    assert page.status_code == 200
    assert "treasury" not in page.context
    body = page.content.decode()
    assert 'id="cash-total"' not in body and 'id="cash-lowest"' not in body
