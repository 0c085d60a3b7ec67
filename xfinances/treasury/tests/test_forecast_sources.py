"""The forecast from the database: today's balances, planned items, and the sources the apps
above treasury add through `forecast_sources` (their own tests: payments, invoicing and
purchases `tests/test_forecast_*.py`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from xfinances.core.events import Hook
from xfinances.core.exceptions import InvalidInput
from xfinances.treasury import actions, forecast_sources, queries
from xfinances.treasury.forecast import ExpectedFlow, FlowKind, ForecastSource
from xfinances.treasury.models import PlannedItem
from xfinances.treasury.tests.factories import SYSTEM, bank_account, money_in, planned_item

D = dt.date
ALL = queries.AccountAccessMap(None, None)
TODAY = D(2026, 3, 2)  # a Monday


@pytest.fixture
def travel():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False):
        yield


def test_planned_items_on_their_schedules(company, travel):
    bank = bank_account(company, opening_balance="5000.00", opening_date=D(2026, 1, 1))
    money_in(bank, "1000.00", D(2026, 2, 20))
    planned_item(company, name="Заплати", amount="4000.00", day=25, account=bank)
    planned_item(company, name="Наем", amount="500.00", day=1, start_date=D(2026, 1, 1))
    planned_item(
        company, name="Абонамент", direction="in", amount="100.00", schedule="weekly", day=3
    )
    planned_item(company, name="Стар", amount="1.00", day=10, is_active=False)
    view = queries.cash_forecast(company, ALL, "EUR", weeks=6)
    result = view.forecast
    assert result.start == TODAY and result.opening == Decimal("6000.00")
    week = {w.index: w for w in result.weeks}
    # Week 4 (23–29 March) has the salaries; week 5 (30 March – 5 April) the rent on 1 April.
    assert [f.label for f in week[4].flows] == ["Абонамент", "Заплати"]
    assert [f.label for f in week[5].flows] == ["Абонамент", "Наем"]  # both on 1 April
    assert all(f.kind == FlowKind.PLANNED for w in result.weeks for f in w.flows)
    assert week[4].closing == Decimal("6000.00") + 4 * Decimal("100.00") - Decimal("4000.00")
    assert result.lowest.index == 5  # the rent on 1 April: 2400 + 100 − 500
    assert result.lowest.closing == Decimal("2000.00")
    # The salaries are on the bank's group; the rent has no account.
    assert week[4].closing_by_group[bank.pk] == Decimal("2000.00")
    assert week[5].closing_by_group[None] == Decimal("-500.00") + 5 * Decimal("100.00")
    assert not any(f.label == "Стар" for w in result.weeks for f in w.flows)


def test_a_later_day_moves_the_forecast(company):
    bank = bank_account(company, opening_balance="100.00", opening_date=D(2026, 1, 1))
    planned_item(company, amount="30.00", day=15, account=bank)
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, 0), tick=False):
        result = queries.cash_forecast(company, ALL, "EUR", weeks=4).forecast
    # 15 March is past; the next salary is on 15 April (week 5, outside 4 weeks).
    assert all(not w.flows for w in result.weeks)
    with time_machine.travel(dt.datetime(2026, 3, 14, 9, 0), tick=False):
        result = queries.cash_forecast(company, ALL, "EUR", weeks=4).forecast
    assert result.weeks[0].closing == Decimal("70.00")


def test_planned_item_validation(company):
    with pytest.raises(InvalidInput) as refused:
        actions.create_planned_item(
            SYSTEM,
            company,
            actions.PlannedItemInput.read(
                {
                    "name": "",
                    "direction": "out",
                    "amount": "-5",
                    "schedule": "weekly",
                    "day": 9,
                    "start_date": "2026-03-01",
                    "end_date": "2026-01-01",
                }
            ),
        )
    assert {"name", "amount", "day", "end_date"} <= set(refused.value.errors)
    assert not PlannedItem.objects.filter(company=company).exists()
    bank = bank_account(company, currency="BGN")
    with pytest.raises(InvalidInput) as refused:
        planned_item(company, account=bank, currency="EUR")
    assert "currency" in refused.value.errors
    item = planned_item(company, account=bank)
    assert item.currency == "BGN" and item.amount == Decimal("-1000.00")


class _Bills:
    """A source of unassigned flows, as the apps above treasury provide."""

    def __init__(self, company, currency):
        self.company, self.currency = company, currency

    def flows(self, start, end):
        yield ExpectedFlow(
            date=start + dt.timedelta(days=8),
            amount=Decimal("-70.00"),
            currency=self.currency,
            group=None,
            label=f"Bill of {self.company.eik}",
            url="",
            kind=FlowKind.PAYABLE,
        )


@pytest.fixture
def only_bills(monkeypatch):
    """The hook with one provider (instead of the real sources of the apps above treasury);
    records who asked it."""
    hook: Hook[ForecastSource] = Hook("test.forecast_sources")
    asked: list[tuple[str, str]] = []

    def bills(company, currency):
        asked.append((company.eik, currency))
        return _Bills(company, currency)

    hook.provide(bills)
    monkeypatch.setattr(forecast_sources, "forecast_sources", hook)
    return asked


def test_sources_of_the_apps_above_come_through_the_hook(company, travel, only_bills):
    bank_account(company, opening_balance="100.00", opening_date=D(2026, 1, 1))
    result = queries.cash_forecast(company, ALL, "EUR", weeks=4).forecast
    assert only_bills == [(company.eik, "EUR")]
    (found,) = [f for w in result.weeks for f in w.flows]
    assert found.label == f"Bill of {company.eik}" and found in result.weeks[1].flows
    assert result.weeks[1].closing_by_group[None] == Decimal("-70.00")
    assert result.lowest.closing == Decimal("30.00")


def test_the_hook_is_not_asked_for_users_who_see_some_accounts(
    company, travel, only_bills, make_member
):
    bank = bank_account(company, opening_balance="10.00", opening_date=D(2026, 1, 1))
    viewer = make_member(company, "viewer")
    actions.set_account_access(SYSTEM, bank, viewer, can_view=True, can_move=False)
    view = queries.cash_forecast(company, queries.access_for_user(company, viewer), "EUR")
    assert not view.include_unassigned and only_bills == []
    assert all(not w.flows for w in view.forecast.weeks)


def test_forecast_page_and_week_detail(company, travel, client_as):
    bank = bank_account(company, opening_balance="1000.00", opening_date=D(2026, 1, 1))
    planned_item(
        company, name="Заплати", amount="1500.00", day=10, account=bank, end_date=D(2026, 3, 31)
    )
    client = client_as(company, "accountant")
    page = client.get(f"/c/{company.eik}/treasury/forecast/", {"weeks": "8"})
    body = page.content.decode()
    assert len(page.context["result"].weeks) == 8
    assert page.context["result"].lowest.index == 2
    assert 'id="lowest-point"' in body and "-500,00" in body
    week = client.get(f"/c/{company.eik}/treasury/forecast/week/", {"weeks": "8", "week": "2"})
    assert [f.label for f in week.context["week"].flows] == ["Заплати"]
    assert "Заплати" in week.content.decode()
    api = client.get(f"/c/{company.eik}/treasury/forecast/week/", {"week": "x"})
    assert api.context["week"].index == 1


def test_planned_items_through_the_api(company, api_as):
    api = api_as(company, "accountant")
    bank = bank_account(company)
    created = api.post(
        "/treasury/planned-items",
        {
            "name": "Наем",
            "direction": "out",
            "amount": "800.00",
            "account_id": bank.pk,
            "schedule": "monthly",
            "day": 5,
            "start_date": "2026-01-01",
        },
    )
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    assert Decimal(created.json()["amount"]) == Decimal("-800.00")
    changed = api.patch(f"/treasury/planned-items/{item_id}", {"amount": "900.00"})
    assert Decimal(changed.json()["amount"]) == Decimal("-900.00")
    bad = api.patch(f"/treasury/planned-items/{item_id}", {"day": 40})
    assert bad.status_code == 422 and "day" in bad.json()["errors"]
    assert api.get("/treasury/forecast", weeks=5).json()["weeks"][0]["week"] == 1
    assert api.delete(f"/treasury/planned-items/{item_id}").status_code == 204
    assert not PlannedItem.objects.filter(pk=item_id).exists()


def test_now_is_todays_balance_with_todays_movements(company, travel):
    bank = bank_account(company, opening_balance="5000.00", opening_date=D(2026, 1, 1))
    money_in(bank, "1000.00", D(2026, 2, 20))
    money_in(bank, "250.00", TODAY)  # recorded this morning
    result = queries.cash_forecast(company, ALL, "EUR", weeks=2).forecast
    tree = queries.account_tree(company, ALL, TODAY)
    assert result.opening == Decimal("6250.00") == tree.total_eur
