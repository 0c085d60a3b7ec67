"""The pages work end to end for staff: create, enter, edit, reverse, transfer, close, reconcile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from xfinances.core.models import AuditEntry
from xfinances.treasury import demo
from xfinances.treasury.models import (
    BankBalanceCheck,
    CashflowCategory,
    MoneyAccount,
    Movement,
    Transfer,
    TreasuryPeriodClose,
)
from xfinances.treasury.queries import dashboard_summary
from xfinances.treasury.tests.factories import bank_account, cash_register, money_in

TODAY = dt.date.today()


def test_create_account_with_bad_iban_shows_field_error(company, client_as):
    client = client_as(company, "owner")
    url = f"/c/{company.eik}/treasury/accounts/new/"
    response = client.post(
        url,
        {
            "kind": "bank",
            "name": "ОББ",
            "currency": "EUR",
            "iban": "BG00 1234",
            "opening_balance": "0",
            "opening_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["iban"]
    assert not MoneyAccount.objects.filter(company=company).exists()
    response = client.post(
        url,
        {
            "kind": "bank",
            "name": "ОББ",
            "currency": "EUR",
            "iban": "BG18RZBB91550123456789",
            "opening_balance": "100.50",
            "opening_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    account = MoneyAccount.objects.get(company=company)
    assert account.opening_balance == Decimal("100.50") and account.bic == "RZBBBGSF"


def test_enter_edit_and_reverse_through_pages(company, client_as):
    cash = cash_register(company)
    client = client_as(company, "accountant")
    base = f"/c/{company.eik}/treasury"
    response = client.post(
        f"{base}/movements/new/",
        {
            "account": cash.pk,
            "date": TODAY.isoformat(),
            "direction": "in",
            "amount": "0",
            "counterparty_name": "Клиент",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["amount"]
    client.post(
        f"{base}/movements/new/",
        {
            "account": cash.pk,
            "date": TODAY.isoformat(),
            "direction": "in",
            "amount": "40.00",
            "counterparty_name": "Клиент",
        },
    )
    movement = Movement.objects.get(company=company)
    page = client.get(f"{base}/movements/{movement.pk}/").content.decode()
    assert "ПКО 000001" in page
    order = client.get(f"{base}/movements/{movement.pk}/cash-order/").content.decode()
    assert "ПРИХОДЕН КАСОВ ОРДЕР № 000001" in order and "40,00" in order
    client.post(
        f"{base}/movements/{movement.pk}/edit/",
        {
            "date": TODAY.isoformat(),
            "direction": "in",
            "amount": "45.00",
            "counterparty_name": "Клиент",
        },
    )
    movement.refresh_from_db()
    assert movement.amount == Decimal("45.00")
    response = client.post(
        f"{base}/movements/{movement.pk}/reverse/", {"date": TODAY.isoformat(), "reason": "грешка"}
    )
    assert response.status_code == 302
    assert Movement.objects.filter(
        company=company, reversal_of=movement, amount=Decimal("-45.00")
    ).exists()
    statement = client.get(f"{base}/accounts/{cash.pk}/").content.decode()
    assert 'id="closing">0,00<' in statement


def test_transfer_period_close_and_reconcile_pages(company, client_as):
    bank = bank_account(company, opening_balance="1000.00")
    cash = cash_register(company)
    client = client_as(company, "owner")
    base = f"/c/{company.eik}/treasury"
    response = client.post(
        f"{base}/transfers/new/",
        {"from_account": bank.pk, "to_account": bank.pk, "date": TODAY.isoformat(), "amount": "10"},
    )
    assert response.context["form"].errors["to_account"]
    client.post(
        f"{base}/transfers/new/",
        {
            "from_account": bank.pk,
            "to_account": cash.pk,
            "date": TODAY.isoformat(),
            "amount": "100.00",
        },
    )
    assert Transfer.objects.filter(company=company).count() == 1
    client.post(
        f"{base}/accounts/{bank.pk}/reconcile/",
        {"date": TODAY.isoformat(), "reported_balance": "900.00"},
    )
    assert BankBalanceCheck.objects.get(company=company).difference == 0
    yesterday = TODAY - dt.timedelta(days=1)
    client.post(f"{base}/periods/", {"closed_until": yesterday.isoformat(), "account": ""})
    assert TreasuryPeriodClose.objects.get(company=company).closed_until == yesterday
    response = client.post(
        f"{base}/movements/new/",
        {"account": bank.pk, "date": yesterday.isoformat(), "direction": "in", "amount": "1"},
    )
    assert response.context["form"].errors["date"]
    assert AuditEntry.objects.filter(company=company, action="close_period").exists()


def test_cashflow_report_groups_by_category(company, client_as):
    bank = bank_account(company)
    sales = CashflowCategory.objects.get(company=company, code="sales")
    money_in(bank, "100.00", TODAY, category=sales)
    money_in(bank, "50.00", TODAY, category=sales)
    client = client_as(company, "owner")
    page = client.get(
        f"/c/{company.eik}/treasury/cash-flow/",
        {
            "period": "custom",
            "date_from": TODAY.replace(day=1).isoformat(),
            "date_to": TODAY.isoformat(),
        },
    )
    rows = page.context["report"].by_category
    assert [(r.name, r.current.money_in) for r in rows] == [("Продажби", Decimal("150.00"))]


def test_dashboard_summary(company, make_member):
    bank = bank_account(
        company, opening_balance="10.00", opening_date=TODAY - dt.timedelta(days=60)
    )
    money_in(bank, "5.00", TODAY)
    owner = make_member(company, "owner")
    summary = dashboard_summary(company, owner)
    assert summary["total_eur"] == Decimal("15.00")
    assert summary["change_eur"] == Decimal("5.00")
    sales = make_member(company, "sales")
    assert dashboard_summary(company, sales)["accounts"] == []


def test_every_page_renders_with_the_demo_data(company, client_as, actor_system):
    client = client_as(company, "owner")
    demo.load(actor_system, company, lambda message: None)
    eik = company.eik
    account = MoneyAccount.objects.get(company=company, name="Централна каса")
    cash_movement = (
        Movement.objects.filter(account__parent=account).exclude(cash_order_number=None).first()
    )
    transfer_leg = Movement.objects.filter(company=company, transfer__currency_from="USD").first()
    pages = {
        reverse("treasury:accounts", args=[eik]): "Каса клон Пловдив",
        reverse("treasury:account", args=[eik, account.pk]): "Каса офис София",
        reverse("treasury:account_edit", args=[eik, account.pk]): "Централна каса",
        reverse("treasury:account_new", args=[eik]): "IBAN",
        reverse("treasury:movement_new", args=[eik]): "Продажби",
        reverse("treasury:movement", args=[eik, cash_movement.pk]): cash_movement.cash_order_label,
        reverse("treasury:movement", args=[eik, transfer_leg.pk]): "0,915",
        reverse("treasury:movement_edit", args=[eik, cash_movement.pk]): "Продажби",
        reverse(
            "treasury:movement_reverse", args=[eik, cash_movement.pk]
        ): cash_movement.account.name,
        reverse("treasury:cash_order", args=[eik, cash_movement.pk]): "КАСОВ ОРДЕР",
        reverse("treasury:transfer_new", args=[eik]): "ОББ – валутна USD",
        reverse("treasury:periods", args=[eik]): 'name="closed_until"',
        reverse("treasury:categories", args=[eik]): "Вътрешни трансфери",
        reverse("treasury:cashflow", args=[eik]): "Вътрешни трансфери",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode(), url
