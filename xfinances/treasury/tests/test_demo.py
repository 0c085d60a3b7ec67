"""The demo data loads through the actions and gives consistent balances."""

from __future__ import annotations

import datetime as dt

from xfinances.treasury import demo, queries
from xfinances.treasury.models import MoneyAccount, Movement, Transfer


def test_demo_loads_accounts_movements_and_transfers(company, make_member, actor_system):
    make_member(company, "sales")
    demo.load(actor_system, company, lambda message: None)
    assert MoneyAccount.objects.filter(company=company).count() == 7
    assert Movement.objects.filter(company=company).count() > 30
    assert Transfer.objects.filter(company=company, currency_from="USD", currency_to="EUR").exists()
    today = dt.date.today()
    assert queries.own_balances(company, today) == queries.own_balances_by_sum(company, today)
    tree = queries.account_tree(company, queries.AccountAccessMap(None, None), today)
    assert tree.missing_rates == [] and tree.total_eur > 0
    # Loading twice adds nothing.
    demo.load(actor_system, company, lambda message: None)
    assert MoneyAccount.objects.filter(company=company).count() == 7
