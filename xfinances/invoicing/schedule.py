"""Pure dates of recurring invoices: which day each period starts on. No database.

A schedule is a step in months (monthly 1, quarterly 3, yearly 12) and a day of the month.
A day the month does not have (29–31) falls on its last day: the 31st is 28 February (29 in a
leap year), 30 April, and back to 31 March, because each period is computed from the day of the
month, never from the previous period's date.
"""

from __future__ import annotations

import calendar
import datetime as dt

STEP_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "yearly": 12}


def day_in_month(year: int, month: int, day_of_month: int) -> dt.date:
    """`day_of_month` in that month, or its last day when the month is shorter."""
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day_of_month, last))


def add_months(day: dt.date, months: int, day_of_month: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return day_in_month(index // 12, index % 12 + 1, day_of_month)


def first_period(start: dt.date, schedule: str, day_of_month: int) -> dt.date:
    """The first period date on or after `start`."""
    first = day_in_month(start.year, start.month, day_of_month)
    if first < start:
        first = add_months(first, STEP_MONTHS[schedule], day_of_month)
    return first


def next_period(period: dt.date, schedule: str, day_of_month: int) -> dt.date:
    return add_months(period, STEP_MONTHS[schedule], day_of_month)


def period_end(period: dt.date, schedule: str, day_of_month: int) -> dt.date:
    """The last day a period covers: the day before the next one starts."""
    return next_period(period, schedule, day_of_month) - dt.timedelta(days=1)


def periods_between(
    start: dt.date, schedule: str, day_of_month: int, until: dt.date, limit: int = 1000
) -> list[dt.date]:
    """Period dates from `start` (a period date) up to and including `until`."""
    found: list[dt.date] = []
    current = start
    while current <= until and len(found) < limit:
        found.append(current)
        current = next_period(current, schedule, day_of_month)
    return found
