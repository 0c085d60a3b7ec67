"""Cash-flow report, pure: periods (month / quarter / year / any range), their comparisons,
chart buckets, and the assembly of grouped SQL rows into lines by category and by account.

The query (queries.cashflow_report) sends one grouped query for every period at once and hands
the rows here; exports (XLSX, PDF) and the page read the same `CashflowReport`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")
PERIOD_KINDS = ("month", "quarter", "year", "custom")


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date
    label: str


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_of(kind: str, anchor: dt.date) -> Period:
    """The month, quarter or year containing `anchor`."""
    if kind == "month":
        return Period(
            anchor.replace(day=1), _month_end(anchor.year, anchor.month), f"{anchor:%m.%Y}"
        )
    if kind == "quarter":
        q = (anchor.month - 1) // 3
        return Period(
            dt.date(anchor.year, 3 * q + 1, 1),
            _month_end(anchor.year, 3 * q + 3),
            f"Q{q + 1} {anchor.year}",
        )
    if kind == "year":
        return Period(dt.date(anchor.year, 1, 1), dt.date(anchor.year, 12, 31), str(anchor.year))
    raise ValueError(f"unknown period kind {kind!r}")


def custom_period(date_from: dt.date, date_to: dt.date) -> Period:
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    return Period(date_from, date_to, f"{date_from:%d.%m.%Y} – {date_to:%d.%m.%Y}")


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def previous_period(kind: str, period: Period) -> Period:
    """The period just before: the previous month / quarter / year, or for a custom range the
    range of the same length ending the day before."""
    if kind == "custom":
        length = period.date_to - period.date_from
        end = period.date_from - dt.timedelta(days=1)
        return custom_period(end - length, end)
    return period_of(kind, period.date_from - dt.timedelta(days=1))


def year_before(kind: str, period: Period) -> Period:
    if kind == "custom":
        return custom_period(_shift_year(period.date_from, -1), _shift_year(period.date_to, -1))
    return period_of(kind, _shift_year(period.date_from, -1))


def buckets(period: Period) -> list[Period]:
    """Chart columns: months for a period longer than 62 days, else weeks of 7 days from the
    first day (the last may be shorter)."""
    result: list[Period] = []
    if (period.date_to - period.date_from).days > 62:
        year, month = period.date_from.year, period.date_from.month
        while True:
            start = max(dt.date(year, month, 1), period.date_from)
            end = min(_month_end(year, month), period.date_to)
            if start > period.date_to:
                break
            result.append(Period(start, end, f"{start:%m.%Y}"))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result
    start = period.date_from
    while start <= period.date_to:
        end = min(start + dt.timedelta(days=6), period.date_to)
        result.append(Period(start, end, f"{start:%d.%m}"))
        start = end + dt.timedelta(days=1)
    return result


@dataclass
class Amounts:
    money_in: Decimal = ZERO
    money_out: Decimal = ZERO  # negative or zero

    @property
    def net(self) -> Decimal:
        return self.money_in + self.money_out

    def add(self, money_in: Decimal, money_out: Decimal) -> None:
        self.money_in += money_in
        self.money_out += money_out


@dataclass
class CashflowLine:
    key: int | None  # category or account id; None = no category
    name: str
    periods: list[Amounts]  # [current, *comparisons]

    @property
    def current(self) -> Amounts:
        return self.periods[0]


@dataclass
class Bucket:
    period: Period
    amounts: Amounts


@dataclass
class CashflowReport:
    currency: str
    kind: str
    periods: list[Period]  # [current, *comparisons]
    by_category: list[CashflowLine]
    by_account: list[CashflowLine]
    totals: list[Amounts]
    buckets: list[Bucket]
    opening: Decimal = ZERO  # balance of the accounts shown, the day before the period
    closing: Decimal = ZERO
    missing: list[str] = field(default_factory=list)

    @property
    def current(self) -> Period:
        return self.periods[0]


@dataclass(frozen=True)
class GroupedRow:
    """One SQL row: a (category, account) pair with money in and out for each period."""

    category_id: int | None
    account_id: int
    money_in: tuple[Decimal, ...]
    money_out: tuple[Decimal, ...]


def assemble(
    rows: Iterable[GroupedRow],
    period_count: int,
    category_names: Mapping[int, str],
    account_names: Mapping[int, str],
    no_category: str,
) -> tuple[list[CashflowLine], list[CashflowLine], list[Amounts]]:
    """Lines by category and by account (sorted by name, empty lines dropped) and the totals."""
    by_category: dict[int | None, list[Amounts]] = {}
    by_account: dict[int | None, list[Amounts]] = {}
    totals = [Amounts() for _ in range(period_count)]
    for row in rows:
        for target in (
            by_category.setdefault(row.category_id, [Amounts() for _ in range(period_count)]),
            by_account.setdefault(row.account_id, [Amounts() for _ in range(period_count)]),
            totals,
        ):
            for i in range(period_count):
                target[i].add(row.money_in[i], row.money_out[i])

    def lines(source: Mapping[int | None, list[Amounts]], names: Mapping[int, str]) -> list:
        found = [
            CashflowLine(key, names.get(key, no_category) if key is not None else no_category, p)
            for key, p in source.items()
            if any(a.money_in or a.money_out for a in p)
        ]
        return sorted(found, key=lambda line: (line.key is None, line.name.casefold()))

    return (
        lines(by_category, category_names),
        lines(by_account, account_names),
        totals,
    )
