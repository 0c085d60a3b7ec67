"""Per-account permissions: staff see every account; others only what is granted to them."""

from __future__ import annotations

import datetime as dt

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import NotAllowed
from xfinances.treasury import actions
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import (
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    movement_input,
    sub_account,
)

TODAY = dt.date.today().isoformat()


@pytest.fixture
def accounts(company):
    cash = cash_register(company, "Централна каса")
    office = sub_account(cash, "Каса офис")
    bank = bank_account(company, "Тайна банкова")
    return {"cash": cash, "office": office, "bank": bank}


def test_sales_user_without_grant_sees_nothing(company, accounts, client_as):
    client = client_as(company, "sales")
    page = client.get(f"/c/{company.eik}/treasury/")
    assert page.status_code == 200
    assert "Тайна банкова" not in page.content.decode()
    assert (
        client.get(f"/c/{company.eik}/treasury/accounts/{accounts['bank'].pk}/").status_code == 404
    )


def test_grant_shows_the_account_and_its_sub_accounts_only(
    company, accounts, client_as, make_member
):
    user = make_member(company, "sales")
    actions.set_account_access(SYSTEM, accounts["cash"], user, can_view=True, can_move=False)
    client = client_as(company, "sales")
    page = client.get(f"/c/{company.eik}/treasury/").content.decode()
    assert "Централна каса" in page and "Каса офис" in page and "Тайна банкова" not in page
    assert (
        client.get(f"/c/{company.eik}/treasury/accounts/{accounts['office'].pk}/").status_code
        == 200
    )
    assert (
        client.get(f"/c/{company.eik}/treasury/accounts/{accounts['bank'].pk}/").status_code == 404
    )


def test_view_grant_without_move_cannot_post(company, accounts, client_as, make_member):
    user = make_member(company, "sales")
    actions.set_account_access(SYSTEM, accounts["cash"], user, can_view=True, can_move=False)
    with pytest.raises(NotAllowed):
        actions.create_movement(
            Actor(user), accounts["cash"], movement_input(date=TODAY, direction="in", amount="5.00")
        )
    client = client_as(company, "sales")
    # The form is not offered, and a forged post changes nothing.
    assert client.get(f"/c/{company.eik}/treasury/movements/new/").status_code == 403
    response = client.post(
        f"/c/{company.eik}/treasury/movements/new/",
        {"account": accounts["cash"].pk, "date": TODAY, "direction": "in", "amount": "5.00"},
    )
    assert response.status_code == 403
    assert not Movement.objects.filter(company=company).exists()
    page = client.get(f"/c/{company.eik}/treasury/accounts/{accounts['cash'].pk}/").content.decode()
    assert "movements/new/" not in page


def test_move_grant_lets_the_user_post_in_that_account_only(
    company, accounts, make_member, client_as
):
    user = make_member(company, "sales")
    actions.set_account_access(SYSTEM, accounts["office"], user, can_view=True, can_move=True)
    client = client_as(company, "sales")
    response = client.post(
        f"/c/{company.eik}/treasury/movements/new/",
        {"account": accounts["office"].pk, "date": TODAY, "direction": "in", "amount": "15.00"},
    )
    assert response.status_code == 302
    movement = Movement.objects.get(company=company)
    assert movement.account_id == accounts["office"].pk and movement.created_by == user
    with pytest.raises(NotAllowed):
        actions.create_movement(
            Actor(user), accounts["cash"], movement_input(date=TODAY, direction="in", amount="5.00")
        )


def test_viewer_without_grant_sees_no_accounts_and_cannot_change(company, accounts, client_as):
    client = client_as(company, "viewer")
    page = client.get(f"/c/{company.eik}/treasury/").content.decode()
    assert "Централна каса" not in page
    assert client.get(f"/c/{company.eik}/treasury/accounts/new/").status_code == 403


def test_accountant_sees_everything_and_the_eur_total(company, accounts, client_as):
    money_in(accounts["office"], "12.00", dt.date.today())
    client = client_as(company, "accountant")
    page = client.get(f"/c/{company.eik}/treasury/").content.decode()
    assert "Тайна банкова" in page and "Каса офис" in page
    assert 'id="total-eur">12,00<' in page
