"""The forecast's recurring invoices (invoicing/forecast.py): each period an active template
will invoice, expected after the client's payment terms. Moved here from treasury, which
stands below invoicing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation

from xfinances.core.events import Hook
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing import forecast, inputs
from xfinances.invoicing.forecast import RecurringInvoicesSource, recurring_total
from xfinances.invoicing.tests.factories import bg_client, line
from xfinances.treasury import queries
from xfinances.treasury.forecast import FlowKind
from xfinances.treasury.forecast_sources import forecast_sources
from xfinances.treasury.tests.factories import SYSTEM, bank_account

D = dt.date
ALL = queries.AccountAccessMap(None, None)


def _monthly_support(company):
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
    return client


def test_recurring_templates_are_expected_after_terms(company):
    _monthly_support(company)
    assert recurring_total(
        company, [{"quantity": "2", "unit_price": "100", "vat_treatment": "standard"}], "EUR"
    ) == Decimal("240.00")
    flows = list(
        RecurringInvoicesSource(company, "EUR", company.eik).flows(D(2026, 3, 2), D(2026, 5, 31))
    )
    assert [(f.date, f.amount) for f in flows] == [
        (D(2026, 4, 11), Decimal("240.00")),
        (D(2026, 5, 11), Decimal("240.00")),
    ]
    assert all(f.kind == FlowKind.RECURRING_INVOICE for f in flows)


def test_recurring_invoices_reach_the_cash_forecast_through_the_hook(company):
    assert forecast.forecast_sources in forecast_sources.providers()
    _monthly_support(company)
    bank_account(company, opening_balance="10.00", opening_date=D(2026, 1, 1))
    with translation.override("en"):
        result = queries.cash_forecast(company, ALL, "EUR", weeks=13, start=D(2026, 3, 2))
    found = [
        f for w in result.forecast.weeks for f in w.flows if f.kind == FlowKind.RECURRING_INVOICE
    ]
    assert [(f.date, f.label) for f in found] == [
        (D(2026, 4, 11), "Recurring: Поддръжка"),
        (D(2026, 5, 11), "Recurring: Поддръжка"),
    ]


def test_payment_delays_come_from_the_hook(company, monkeypatch):
    """Without an answer every client pays on time; a later answer replaces an earlier one."""
    hook: Hook[dict[int, int]] = Hook("test.client_payment_delays")
    monkeypatch.setattr(forecast, "client_payment_delays", hook)
    assert forecast.payment_delays(company, {1, 2}) == {1: 0, 2: 0}
    hook.provide(lambda company, party_ids: {1: 4, 99: 7})
    assert forecast.payment_delays(company, {1, 2}) == {1: 4, 2: 0}
