"""Cash forecast, pure: opening balances + expected flows + a number of weeks → weekly rows.

No database here. Sources (treasury/forecast_sources.py) turn planned items, open invoices and
later bills into `ExpectedFlow`s; `weekly_forecast` lays them on weeks and finds the lowest
point; `occurrences` expands a planned item's schedule into dates.

Groups: a group is a top-level money account (its id) with its sub-accounts; a flow whose account
is not known (an invoice: we do not know where the client will pay) belongs to the group `None`,
shown as "not assigned to an account". Every amount here is in one currency (the caller picks it).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

ZERO = Decimal("0.00")
DEFAULT_WEEKS = 13
MAX_WEEKS = 104


class FlowKind:
    RECEIVABLE = "receivable"
    PAYABLE = "payable"
    RECURRING_INVOICE = "recurring-invoice"
    PLANNED = "planned"


@dataclass(frozen=True)
class ExpectedFlow:
    """Money expected on a day: > 0 in, < 0 out. `group` is a top-level account id or None."""

    date: dt.date
    amount: Decimal
    currency: str
    group: int | None
    label: str
    url: str
    kind: str


class ForecastSource(Protocol):
    """Anything that yields the expected flows of a company between two days (inclusive).

    A flow dated before `start` is overdue: the forecast expects it in the first week."""

    def flows(self, start: dt.date, end: dt.date) -> Iterable[ExpectedFlow]: ...


@dataclass
class ForecastWeek:
    index: int  # 1-based
    start: dt.date
    end: dt.date
    money_in: Decimal
    money_out: Decimal  # negative or zero
    closing: Decimal  # total of every group at the end of the week
    closing_by_group: dict[int | None, Decimal]
    flows: list[ExpectedFlow] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return self.money_in + self.money_out


@dataclass
class Forecast:
    start: dt.date
    opening: Decimal
    opening_by_group: dict[int | None, Decimal]
    weeks: list[ForecastWeek]
    lowest: ForecastWeek  # the week with the lowest closing balance (the earliest on a tie)
    lowest_by_group: dict[int | None, ForecastWeek]

    @property
    def end(self) -> dt.date:
        return self.weeks[-1].end


def clamp_weeks(weeks: object, default: int = DEFAULT_WEEKS) -> int:
    """A usable number of weeks from user input: 1 … MAX_WEEKS, `default` when unreadable."""
    try:
        value = int(str(weeks))
    except ValueError:
        return default
    return max(1, min(MAX_WEEKS, value))


def weekly_forecast(
    opening: Mapping[int | None, Decimal],
    flows: Iterable[ExpectedFlow],
    start: dt.date,
    weeks: int = DEFAULT_WEEKS,
) -> Forecast:
    """Week k (1-based) covers start + 7(k-1) … start + 7k - 1. Flows before `start` (overdue)
    fall in week 1; flows after the last week are left out. Closing = opening + every flow up
    to the end of the week, per group and in total."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    horizon_end = start + dt.timedelta(days=7 * weeks - 1)
    buckets: list[list[ExpectedFlow]] = [[] for _ in range(weeks)]
    for flow in flows:
        if flow.date > horizon_end:
            continue
        index = 0 if flow.date < start else (flow.date - start).days // 7
        buckets[index].append(flow)
    running: dict[int | None, Decimal] = {g: Decimal(v) for g, v in opening.items()}
    rows: list[ForecastWeek] = []
    for i, bucket in enumerate(buckets):
        bucket.sort(key=lambda f: (f.date, f.kind, f.label))
        money_in = sum((f.amount for f in bucket if f.amount > 0), ZERO)
        money_out = sum((f.amount for f in bucket if f.amount < 0), ZERO)
        for flow in bucket:
            running[flow.group] = running.get(flow.group, ZERO) + flow.amount
        week_start = start + dt.timedelta(days=7 * i)
        rows.append(
            ForecastWeek(
                index=i + 1,
                start=week_start,
                end=week_start + dt.timedelta(days=6),
                money_in=money_in,
                money_out=money_out,
                closing=sum(running.values(), ZERO),
                closing_by_group=dict(running),
                flows=bucket,
            )
        )
    lowest = min(rows, key=lambda w: (w.closing, w.index))
    groups = set(running)
    lowest_by_group = {g: _lowest_week(rows, g) for g in groups}
    return Forecast(
        start=start,
        opening=sum((Decimal(v) for v in opening.values()), ZERO),
        opening_by_group=dict(opening),
        weeks=rows,
        lowest=lowest,
        lowest_by_group=lowest_by_group,
    )


# ---------------------------------------------------------------- schedules of planned items


def _lowest_week(rows: list[ForecastWeek], group: int | None) -> ForecastWeek:
    """The first week where `group` holds the least."""
    return min(rows, key=lambda week: (week.closing_by_group.get(group, ZERO), week.index))


def _month_day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + count
    return total // 12, total % 12 + 1


def occurrences(
    schedule: str,
    day: int,
    start_date: dt.date,
    end_date: dt.date | None,
    window_from: dt.date,
    window_to: dt.date,
) -> Iterator[dt.date]:
    """Dates of a repeating item inside [window_from, window_to] and [start_date, end_date].

    weekly: `day` is the ISO weekday (1 = Monday). monthly: `day` of every month (31 → the last
    day of shorter months). quarterly / yearly: that day in every 3rd / 12th month counted from
    `start_date`'s month."""
    first = max(start_date, window_from)
    last = min(end_date, window_to) if end_date else window_to
    if first > last:
        return
    if schedule == "weekly":
        current = first + dt.timedelta(days=(day - first.isoweekday()) % 7)
        while current <= last:
            yield current
            current += dt.timedelta(days=7)
        return
    step = {"monthly": 1, "quarterly": 3, "yearly": 12}.get(schedule)
    if step is None:
        raise ValueError(f"unknown schedule {schedule!r}")
    year, month = start_date.year, start_date.month
    while True:
        current = _month_day(year, month, day)
        if current > last:
            return
        if current >= first:
            yield current
        year, month = _add_months(year, month, step)
