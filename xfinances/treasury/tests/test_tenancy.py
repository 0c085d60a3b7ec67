"""A member of another company gets 404 for every treasury page and API route."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from xfinances.treasury import actions
from xfinances.treasury.models import CashflowCategory
from xfinances.treasury.tests.factories import (
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    transfer_input,
)


@pytest.fixture
def foreign(company):
    bank = bank_account(company, opening_balance="100.00")
    cash = cash_register(company)
    movement = money_in(cash, "10.00", dt.date.today())
    actions.create_transfer(
        SYSTEM,
        company,
        transfer_input(from_account=bank, to_account=cash, date=dt.date.today(), amount="1.00"),
    )
    return {"account": bank, "movement": movement}


def _page_urls(eik, account_id, movement_id):
    no_args = [
        "accounts",
        "account_new",
        "movement_new",
        "transfer_new",
        "periods",
        "categories",
        "cashflow",
    ]
    account_pages = [
        "account",
        "account_edit",
        "account_close",
        "account_access",
        "account_reconcile",
    ]
    movement_pages = [
        "movement",
        "movement_edit",
        "movement_reverse",
        "movement_delete",
        "movement_attach",
        "cash_order",
    ]
    urls = [reverse(f"treasury:{n}", args=[eik]) for n in no_args]
    urls += [reverse(f"treasury:{n}", args=[eik, account_id]) for n in account_pages]
    urls += [reverse(f"treasury:{n}", args=[eik, movement_id]) for n in movement_pages]
    return urls


def test_every_page_of_another_company_is_404(company, other_company, foreign, client_as):
    client = client_as(other_company, "owner")
    for url in _page_urls(company.eik, foreign["account"].pk, foreign["movement"].pk):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url


def test_own_company_urls_with_foreign_ids_are_404(company, other_company, foreign, client_as):
    client = client_as(other_company, "owner")
    for url in _page_urls(other_company.eik, foreign["account"].pk, foreign["movement"].pk)[7:]:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {}).status_code == 404, url


def test_every_api_route_with_foreign_ids_is_404(company, other_company, foreign, api_as):
    api = api_as(other_company, "owner")
    a, m = foreign["account"].pk, foreign["movement"].pk
    today = dt.date.today().isoformat()
    calls = [
        api.get(f"/treasury/accounts/{a}"),
        api.patch(f"/treasury/accounts/{a}", {"name": "x"}),
        api.post(f"/treasury/accounts/{a}/close", {}),
        api.get(f"/treasury/accounts/{a}/statement"),
        api.post(
            f"/treasury/accounts/{a}/balance-checks", {"date": today, "reported_balance": "1"}
        ),
        api.get(f"/treasury/movements/{m}"),
        api.post(f"/treasury/movements/{m}/reverse", {"date": today, "reason": "x"}),
        api.post(
            "/treasury/movements",
            {"account_id": a, "date": today, "direction": "in", "amount": "1"},
        ),
        api.post(
            "/treasury/transfers",
            {"from_account_id": a, "to_account_id": a, "date": today, "amount": "1"},
        ),
        api.post("/treasury/accounts", {"name": "sub", "parent_id": a}),
        api.post("/treasury/periods", {"closed_until": today, "account_id": a}),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    # Lists show only the caller's own company.
    assert api.get("/treasury/accounts").json()["accounts"] == []
    assert api.get("/treasury/movements").json()["count"] == 0
    # Every company starts with its own default categories; none of the other company's show.
    own = set(CashflowCategory.objects.filter(company=other_company).values_list("pk", flat=True))
    assert {c["id"] for c in api.get("/treasury/categories").json()} == own


def test_choosing_another_company_in_the_api_is_404(company, other_company, foreign, api_as):
    api = api_as(other_company, "owner")
    api.company_eik = company.eik
    for path in (
        "/treasury/accounts",
        "/treasury/movements",
        "/treasury/balances",
        "/treasury/categories",
    ):
        assert api.get(path).status_code == 404, path
