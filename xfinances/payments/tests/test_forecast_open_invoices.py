"""The forecast's open sales invoices (payments/forecast.py): expected on their due date plus
the client's typical delay learned from its payments, only for users who see every account.
Moved here from treasury, which stands below payments and invoicing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing import inputs
from xfinances.invoicing.forecast import RecurringInvoicesSource
from xfinances.invoicing.tests.factories import bg_client, issued, line
from xfinances.payments import actions as payment_actions
from xfinances.payments import forecast
from xfinances.payments.forecast import typical_days_late
from xfinances.payments.tests.factories import SYSTEM as PAYMENTS_SYSTEM
from xfinances.payments.tests.factories import invoice, payment
from xfinances.treasury import actions, queries
from xfinances.treasury.forecast import FlowKind
from xfinances.treasury.tests.factories import SYSTEM, bank_account

D = dt.date
ALL = queries.AccountAccessMap(None, None)
TODAY = D(2026, 3, 2)  # a Monday


@pytest.fixture
def travel():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False):
        yield


def test_open_invoices_are_expected_on_their_due_date(company, travel):
    bank_account(company, opening_balance="100.00", opening_date=D(2026, 1, 1))
    overdue = issued(
        company,
        today=TODAY,
        issue_date=D(2026, 2, 1),
        tax_event_date=D(2026, 2, 1),
        due_date=D(2026, 2, 15),
    )
    ancient = issued(company, today=TODAY, issue_date=D(2026, 2, 2), tax_event_date=D(2026, 2, 2))
    type(ancient).objects.filter(pk=ancient.pk).update(due_date=D(2025, 6, 1))  # long past: settled
    due = issued(company, today=TODAY, due_date=D(2026, 3, 20))
    voided = issued(company, today=TODAY, due_date=D(2026, 3, 20))
    invoicing_actions.void_document(SYSTEM, voided, reason="грешка", today=TODAY)
    with translation.override("en"):
        result = queries.cash_forecast(company, ALL, "EUR", weeks=4).forecast
    flows = [f for w in result.weeks for f in w.flows]
    assert {f.label for f in flows} == {f"Invoice {due.number}", f"Invoice {overdue.number}"}
    by_label = {f.label: f for f in flows}
    assert by_label[f"Invoice {due.number}"].amount == due.total
    assert by_label[f"Invoice {due.number}"].date == D(2026, 3, 20)
    assert by_label[f"Invoice {due.number}"].kind == FlowKind.RECEIVABLE
    assert by_label[f"Invoice {due.number}"].group is None
    assert f"/{due.pk}/" in by_label[f"Invoice {due.number}"].url
    assert by_label[f"Invoice {overdue.number}"] in result.weeks[0].flows  # overdue: week 1
    assert result.weeks[-1].closing == Decimal("100.00") + due.total + overdue.total


def test_clients_typical_delay_shifts_the_date(company, travel, monkeypatch):
    due = issued(company, today=TODAY, due_date=D(2026, 3, 3))
    monkeypatch.setattr(forecast, "typical_days_late", lambda company, ids: dict.fromkeys(ids, 14))
    result = queries.cash_forecast(company, ALL, "EUR", weeks=4).forecast
    (found,) = [f for w in result.weeks for f in w.flows]
    assert found.date == D(2026, 3, 17) and found in result.weeks[2].flows
    assert due.total == found.amount


def test_invoices_are_left_out_for_users_who_see_some_accounts(company, travel, make_member):
    issued(company, today=TODAY, due_date=D(2026, 3, 10))
    bank = bank_account(company, opening_balance="10.00", opening_date=D(2026, 1, 1))
    viewer = make_member(company, "viewer")
    actions.set_account_access(SYSTEM, bank, viewer, can_view=True, can_move=False)
    access = queries.access_for_user(company, viewer)
    view = queries.cash_forecast(company, access, "EUR", weeks=4)
    assert not view.include_unassigned
    assert all(not w.flows for w in view.forecast.weeks)


def test_typical_days_late_is_learned_from_payments(company):
    client = bg_client(company)
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, 0), tick=False):
        first = invoice(company, client, "100.00", day=D(2026, 1, 5), due=D(2026, 1, 19))
        second = invoice(company, client, "100.00", day=D(2026, 2, 2), due=D(2026, 2, 16))
        paid_late = payment(company, client, "100.00", day=D(2026, 1, 29))  # 10 days late
        payment_actions.allocate(PAYMENTS_SYSTEM, paid_late, [(first, Decimal("100.00"))])
        paid_early = payment(company, client, "100.00", day=D(2026, 2, 10))  # early: counts as 0
        payment_actions.allocate(PAYMENTS_SYSTEM, paid_early, [(second, Decimal("100.00"))])
        other = bg_client(company, name="Нов клиент", eik="175074752", vat_number="BG175074752")
        assert typical_days_late(company, {client.pk, other.pk}) == {client.pk: 5, other.pk: 0}


def test_recurring_invoices_are_shifted_by_the_delay_payments_learned(company, monkeypatch):
    """Invoicing asks its `client_payment_delays` hook; payments answers it."""
    client = bg_client(company)
    client.payment_terms_days = 10
    client.save(update_fields=["payment_terms_days"])
    invoicing_actions.create_recurring(
        SYSTEM,
        company,
        inputs.recurring(
            name="Поддръжка",
            party=client,
            lines=[line("100.00", quantity="2")],
            schedule="monthly",
            day_of_month=1,
            start_date=D(2026, 4, 1),
        ),
    )
    monkeypatch.setattr(forecast, "typical_days_late", lambda company, ids: dict.fromkeys(ids, 3))
    flows = list(
        RecurringInvoicesSource(company, "EUR", company.eik).flows(D(2026, 3, 2), D(2026, 5, 31))
    )
    assert [(f.date, f.amount) for f in flows] == [
        (D(2026, 4, 14), Decimal("240.00")),
        (D(2026, 5, 14), Decimal("240.00")),
    ]
