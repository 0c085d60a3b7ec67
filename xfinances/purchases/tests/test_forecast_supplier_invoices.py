"""The forecast's supplier invoices to pay (purchases/forecast.py). Moved here from treasury,
which stands below purchases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from xfinances.purchases.forecast import OpenSupplierInvoicesSource
from xfinances.purchases.tests.factories import make_invoice
from xfinances.treasury import queries
from xfinances.treasury.forecast import FlowKind
from xfinances.treasury.tests.factories import bank_account

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


def test_forecast_includes_supplier_invoices(company):
    """The cash forecast asks `treasury.forecast_sources`; purchases answers it."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False):
        bank_account(company, opening_balance="1000.00", opening_date=D(2026, 1, 1))
        make_invoice(company, number="7101", due_date=D(2026, 3, 10))
        result = queries.cash_forecast(company, ALL, "EUR", weeks=4).forecast
    kinds = {f.kind for w in result.weeks for f in w.flows}
    assert FlowKind.PAYABLE in kinds
    assert result.lowest.closing == Decimal("880.00")
