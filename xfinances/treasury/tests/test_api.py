"""The REST API of cash and bank."""

from __future__ import annotations

import datetime as dt

from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import bank_account, cash_register

TODAY = dt.date.today().isoformat()


def test_create_accounts_movements_transfer_and_read_balances(company, api_as):
    api = api_as(company, "accountant")
    response = api.post(
        "/treasury/accounts",
        {
            "kind": "bank",
            "name": "ОББ",
            "currency": "EUR",
            "iban": "BG18RZBB91550123456789",
            "opening_balance": "100.00",
        },
    )
    assert response.status_code == 201, response.content
    bank = response.json()
    sub = api.post("/treasury/accounts", {"name": "Проект", "parent_id": bank["id"]}).json()
    assert sub["currency"] == "EUR" and sub["parent_id"] == bank["id"]
    cash = api.post(
        "/treasury/accounts", {"kind": "cash", "name": "Каса", "currency": "EUR"}
    ).json()
    moved = api.post(
        "/treasury/movements",
        {"account_id": sub["id"], "date": TODAY, "direction": "in", "amount": "25.50"},
    )
    assert moved.status_code == 201 and moved.json()["amount"] == "25.50"
    transfer = api.post(
        "/treasury/transfers",
        {
            "from_account_id": bank["id"],
            "to_account_id": cash["id"],
            "date": TODAY,
            "amount": "40.00",
        },
    )
    assert transfer.status_code == 201 and len(transfer.json()["movement_ids"]) == 2
    tree = api.get("/treasury/accounts", date=TODAY).json()
    balances = {a["name"]: a["balance"] for a in tree["accounts"]}
    assert balances == {"ОББ": "85.50", "Проект": "25.50", "Каса": "40.00"}
    assert tree["total_eur"] == "125.50"
    statement = api.get(
        f"/treasury/accounts/{bank['id']}/statement", date_from=TODAY, date_to=TODAY
    ).json()
    assert statement["opening"] == "100.00" and statement["closing"] == "60.00"
    listed = api.get("/treasury/movements", account_id=bank["id"]).json()
    assert listed["count"] == 1 and listed["items"][0]["amount"] == "-40.00"


def test_bad_input_gets_field_errors(company, api_as):
    api = api_as(company, "owner")
    cash = cash_register(company)
    response = api.post(
        "/treasury/movements",
        {"account_id": cash.pk, "date": TODAY, "direction": "in", "amount": "0"},
    )
    assert response.status_code == 422 and "amount" in response.json()["errors"]
    response = api.post("/treasury/accounts", {"kind": "bank", "name": "X", "iban": "BG00"})
    assert response.status_code == 422 and "iban" in response.json()["errors"]
    response = api.post(
        "/treasury/transfers",
        {"from_account_id": cash.pk, "to_account_id": cash.pk, "date": TODAY, "amount": "1"},
    )
    assert response.status_code == 422 and "to_account" in response.json()["errors"]
    assert not Movement.objects.exists()


def test_reverse_and_close_through_the_api(company, api_as):
    api = api_as(company, "owner")
    cash = cash_register(company)
    moved = api.post(
        "/treasury/movements",
        {"account_id": cash.pk, "date": TODAY, "direction": "in", "amount": "5"},
    ).json()
    refused = api.post(f"/treasury/accounts/{cash.pk}/close", {})
    assert refused.status_code == 422
    reversed_ = api.post(
        f"/treasury/movements/{moved['id']}/reverse", {"date": TODAY, "reason": "тест"}
    )
    assert reversed_.status_code == 201 and reversed_.json()[0]["amount"] == "-5.00"
    closed = api.post(f"/treasury/accounts/{cash.pk}/close", {})
    assert closed.status_code == 200 and closed.json()["is_active"] is False


def test_sales_without_grant_gets_404_and_cannot_create_accounts(company, api_as):
    bank = bank_account(company)
    api = api_as(company, "sales")
    assert api.get(f"/treasury/accounts/{bank.pk}").status_code == 404
    assert api.get("/treasury/accounts").json()["accounts"] == []
    assert api.post("/treasury/accounts", {"kind": "cash", "name": "X"}).status_code == 403
    response = api.post(
        "/treasury/movements",
        {"account_id": bank.pk, "date": TODAY, "direction": "in", "amount": "5"},
    )
    assert response.status_code == 404
