"""Aging and statements at past dates: what was open on a day, whatever happened later."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments import actions, aging, queries
from xfinances.payments.forecast import OpenInvoicesSource
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment

D = Decimal
DAY_SPAN = dt.timedelta(days=90)


def test_aging_at_past_dates(company):
    client = bg_client(company, name="Длъжник ООД")
    old = invoice(company, client, "100.00", day=DAY, due=DAY + dt.timedelta(days=10))
    new = invoice(
        company, client, "50.00", day=DAY + dt.timedelta(days=40), due=DAY + dt.timedelta(days=60)
    )
    actions.allocate(
        SYSTEM, payment(company, client, "30.00", day=DAY + dt.timedelta(days=50)), [(old, None)]
    )
    before_anything = aging.aging(company, DAY - dt.timedelta(days=1))
    assert before_anything == []
    on_day_30 = aging.aging(company, DAY + dt.timedelta(days=30))  # old is 20 days late
    assert len(on_day_30) == 1 and on_day_30[0].buckets["1_30"] == D("100.00")
    assert on_day_30[0].total == D("100.00")
    on_day_55 = aging.aging(company, DAY + dt.timedelta(days=55))  # paid 30 on day 50
    row = on_day_55[0]
    assert row.buckets["31_60"] == D("70.00") and row.buckets["not_due"] == D("50.00")
    assert row.overdue == D("70.00")
    on_day_200 = aging.aging(company, DAY + dt.timedelta(days=200))
    assert on_day_200[0].buckets["over_90"] == D("120.00")
    assert aging.top_debtors(company, DAY + dt.timedelta(days=200))[0].party_name == "Длъжник ООД"
    del new


def test_unallocated_payment_lowers_the_balance_and_undo_counts_as_never_made(company):
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    paid = payment(company, client, "130.00", day=DAY + dt.timedelta(days=5))
    allocation = actions.allocate(SYSTEM, paid, [(document, None)])[0]
    row = aging.aging(company, DAY + dt.timedelta(days=6))[0]
    assert row.total == D("-30.00")  # the client's credit
    actions.undo_allocation(SYSTEM, allocation, reason="test")
    row = aging.aging(company, DAY + dt.timedelta(days=6))[0]
    assert row.buckets["not_due"] == D("100.00") - D("130.00")


def test_statement_opening_entries_closing(company):
    client = bg_client(company)
    invoice(company, client, "100.00", day=DAY)
    invoice(company, client, "40.00", day=DAY + dt.timedelta(days=10))
    payment(company, client, "60.00", day=DAY + dt.timedelta(days=12))
    result = aging.statement(
        company, client, "EUR", DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=30)
    )
    assert result.opening == D("100.00")
    assert [(e.debit, e.credit, e.balance) for e in result.entries] == [
        (D("40.00"), D("0.00"), D("140.00")),
        (D("0.00"), D("60.00"), D("80.00")),
    ]
    assert result.closing == D("80.00")


def test_forecast_reads_open_amounts(company):
    client = bg_client(company)
    paid = invoice(company, client, "100.00")
    part = invoice(company, client, "80.00")
    actions.allocate(SYSTEM, payment(company, client, "130.00"), [(paid, None), (part, None)])
    rows = queries.open_amounts(company, "EUR", DAY)
    assert [(r["id"], r["total"]) for r in rows] == [(part.pk, D("50.00"))]
    flows = list(OpenInvoicesSource(company, "EUR", company.eik).flows(DAY, DAY + DAY_SPAN))
    assert [(f.label, f.amount) for f in flows] == [(f"Invoice {part.number}", D("50.00"))]
