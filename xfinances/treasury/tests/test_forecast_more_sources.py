"""Forecast sources beyond planned items: supplier invoices to pay, invoices recurring templates
will issue, and each client's typical delay learned from its payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.tests.factories import bg_client, line
from xfinances.payments import actions as payment_actions
from xfinances.payments.tests.factories import SYSTEM as PAYMENTS_SYSTEM
from xfinances.payments.tests.factories import invoice, payment
from xfinances.purchases.tests.factories import make_invoice
from xfinances.treasury import queries
from xfinances.treasury.forecast import FlowKind
from xfinances.treasury.forecast_sources import (
    OpenSupplierInvoicesSource,
    RecurringInvoicesSource,
    recurring_total,
    typical_days_late,
)
from xfinances.treasury.tests.factories import SYSTEM, bank_account

D = dt.date
ALL = queries.AccountAccessMap(None, None)


def test_open_supplier_invoices_are_expected_payments_on_their_due_date(company):
    make_invoice(company, number="7001", due_date=D(2026, 3, 16))  # 100 + 20 % VAT
    make_invoice(company, number="7002", due_date=D(2026, 6, 30))  # outside the window
    flows = list(
        OpenSupplierInvoicesSource(company, "EUR", company.eik).flows(D(2026, 3, 2), D(2026, 5, 31))
    )
    assert [(f.date, f.amount, f.kind) for f in flows] == [
        (D(2026, 3, 16), Decimal("-120.00"), FlowKind.PAYABLE)
    ]
    assert "7001" in flows[0].label and flows[0].url.endswith("/")


def test_recurring_templates_are_expected_after_terms(company):
    client = bg_client(company)
    client.payment_terms_days = 10
    client.save(update_fields=["payment_terms_days"])
    invoicing_actions.create_recurring(
        SYSTEM,
        company,
        name="Поддръжка",
        party=client,
        lines=[line("100.00", quantity="2")],  # 200 + 20 % VAT = 240
        schedule="monthly",
        day_of_month=1,
        start_date=D(2026, 4, 1),
    )
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


def test_forecast_includes_every_source(company):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False):
        bank_account(company, opening_balance="1000.00", opening_date=D(2026, 1, 1))
        make_invoice(company, number="7101", due_date=D(2026, 3, 10))
        result = queries.cash_forecast(company, ALL, "EUR", weeks=4).forecast
    kinds = {f.kind for w in result.weeks for f in w.flows}
    assert FlowKind.PAYABLE in kinds
    assert result.lowest.closing == Decimal("880.00")
