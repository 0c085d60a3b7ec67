"""Aging amounts stay exact cents, also on SQLite where SQL sums of decimals are floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments import actions, aging
from xfinances.payments.tests.factories import SYSTEM, invoice, payment

D = dt.date


def test_partial_payments_leave_exact_cents(company):
    client = bg_client(company)
    document = invoice(company, client, "1000.00", day=D(2026, 3, 2), due=D(2026, 3, 16))
    for amount in ("88.20", "88.20", "89.20"):  # sums that floats cannot hold exactly
        paid = payment(company, client, amount, day=D(2026, 3, 20))
        actions.allocate(SYSTEM, paid, [(document, Decimal(amount))])
    rows = aging.aging(company, D(2026, 4, 1))
    (row,) = [r for r in rows if r.party_id == client.pk]
    assert row.total == Decimal("734.40")
    assert row.total.as_tuple().exponent == -2
    assert all(v.as_tuple().exponent == -2 for v in row.buckets.values())
