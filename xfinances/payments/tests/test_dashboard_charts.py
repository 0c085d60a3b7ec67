"""The dashboard's month bars: revenue by month of issue, overdue by month due (pure parts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xfinances.invoicing.dashboard import month_starts
from xfinances.payments.aging import OpenItem
from xfinances.payments.dashboard import overdue_by_month

TODAY = dt.date(2026, 12, 4)


def _item(due: dt.date, open_amount: str, currency: str = "EUR") -> OpenItem:
    return OpenItem(
        1, 1, "invoice", "1", due, due, currency, Decimal(open_amount), Decimal(open_amount), ""
    )


def test_month_starts_cross_the_year():
    assert month_starts(TODAY, 3) == [
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
        TODAY.replace(day=1),
    ]
    assert month_starts(dt.date(2026, 2, 10), 3)[0] == dt.date(2025, 12, 1)


def test_overdue_by_month_due_with_older_ones_in_the_first_bar():
    items = [
        _item(dt.date(2026, 11, 20), "100.00"),
        _item(dt.date(2026, 11, 3), "50.00"),
        _item(dt.date(2025, 1, 5), "25.00"),  # long ago: in the first bar
        _item(dt.date(2026, 12, 10), "999.00"),  # not yet due
        _item(dt.date(2026, 11, 1), "70.00", "USD"),  # another currency
    ]
    bars = overdue_by_month(items, TODAY)
    assert [b.amount for b in bars] == [
        Decimal("25.00"),
        Decimal(0),
        Decimal(0),
        Decimal(0),
        Decimal("150.00"),
        Decimal(0),
    ]
    assert bars[4].percent == 100 and bars[0].percent == 16
