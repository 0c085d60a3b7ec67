"""The forecast arithmetic and the schedules of planned items, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.treasury.forecast import (
    ExpectedFlow,
    FlowKind,
    clamp_weeks,
    occurrences,
    weekly_forecast,
)

D = dt.date
START = D(2026, 3, 2)  # a Monday


def flow(day: dt.date, amount: str, group: int | None = 1, label: str = "x") -> ExpectedFlow:
    return ExpectedFlow(day, Decimal(amount), "EUR", group, label, "/x", FlowKind.PLANNED)


def test_weekly_closing_balances_and_the_lowest_point():
    flows = [
        flow(D(2026, 3, 3), "500.00"),  # week 1
        flow(D(2026, 3, 10), "-1200.00"),  # week 2
        flow(D(2026, 3, 13), "-300.00"),  # week 2
        flow(D(2026, 3, 20), "2000.00"),  # week 3
        flow(D(2026, 3, 30), "-100.00"),  # week 5
    ]
    result = weekly_forecast({1: Decimal("1000.00")}, flows, START, weeks=5)
    assert [w.closing for w in result.weeks] == [
        Decimal("1500.00"),
        Decimal("0.00"),
        Decimal("2000.00"),
        Decimal("2000.00"),
        Decimal("1900.00"),
    ]
    assert result.weeks[1].money_in == 0 and result.weeks[1].money_out == Decimal("-1500.00")
    assert result.lowest.index == 2 and result.lowest.closing == 0
    assert (result.lowest.start, result.lowest.end) == (D(2026, 3, 9), D(2026, 3, 15))
    assert [f.amount for f in result.weeks[1].flows] == [Decimal("-1200.00"), Decimal("-300.00")]
    assert result.opening == Decimal("1000.00")


def test_overdue_flows_fall_in_week_one_and_later_ones_are_left_out():
    flows = [flow(D(2026, 2, 1), "-50.00"), flow(D(2026, 3, 16), "-999.00")]
    result = weekly_forecast({1: Decimal("100.00")}, flows, START, weeks=2)
    assert [w.closing for w in result.weeks] == [Decimal("50.00"), Decimal("50.00")]
    assert result.end == D(2026, 3, 15)


def test_groups_keep_their_own_balances_and_lowest_points():
    flows = [
        flow(D(2026, 3, 2), "-80.00", group=1),
        flow(D(2026, 3, 9), "-50.00", group=2),
        flow(D(2026, 3, 9), "300.00", group=None),
    ]
    result = weekly_forecast({1: Decimal("100.00"), 2: Decimal("60.00")}, flows, START, 3)
    week2 = result.weeks[1]
    assert week2.closing_by_group == {
        1: Decimal("20.00"),
        2: Decimal("10.00"),
        None: Decimal("300.00"),
    }
    assert week2.closing == Decimal("330.00")
    assert result.lowest.index == 1  # 80 + 60 = 80 after week 1 … 330 after week 2
    assert result.lowest_by_group[2].index == 2
    assert result.lowest_by_group[1].index == 1


def test_number_of_weeks_is_configurable():
    result = weekly_forecast({None: Decimal(0)}, [], START, weeks=26)
    assert len(result.weeks) == 26 and result.end == START + dt.timedelta(days=26 * 7 - 1)
    assert clamp_weeks("8") == 8 and clamp_weeks("x") == 13 and clamp_weeks(500) == 104
    assert clamp_weeks(0) == 1
    with pytest.raises(ValueError):
        weekly_forecast({}, [], START, weeks=0)


def test_lowest_point_is_the_earliest_of_equal_weeks():
    result = weekly_forecast({1: Decimal("10.00")}, [], START, weeks=4)
    assert result.lowest.index == 1


def test_monthly_on_the_31st_uses_the_last_day_of_short_months():
    dates = list(occurrences("monthly", 31, D(2026, 1, 1), None, D(2026, 1, 1), D(2026, 4, 30)))
    assert dates == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)]


def test_weekly_on_a_weekday():
    dates = list(occurrences("weekly", 5, D(2026, 1, 1), None, D(2026, 3, 2), D(2026, 3, 20)))
    assert dates == [D(2026, 3, 6), D(2026, 3, 13), D(2026, 3, 20)]  # Fridays


def test_quarterly_and_yearly_count_from_the_start_month():
    quarterly = list(
        occurrences("quarterly", 14, D(2025, 1, 14), None, D(2026, 2, 1), D(2026, 12, 31))
    )
    assert quarterly == [D(2026, 4, 14), D(2026, 7, 14), D(2026, 10, 14)]
    yearly = list(occurrences("yearly", 30, D(2024, 6, 1), None, D(2026, 1, 1), D(2027, 12, 31)))
    assert yearly == [D(2026, 6, 30), D(2027, 6, 30)]


def test_start_and_end_dates_bound_the_occurrences():
    dates = list(
        occurrences("monthly", 10, D(2026, 3, 15), D(2026, 6, 9), D(2026, 1, 1), D(2026, 12, 31))
    )
    assert dates == [D(2026, 4, 10), D(2026, 5, 10)]
    assert (
        list(occurrences("monthly", 1, D(2027, 1, 1), None, D(2026, 1, 1), D(2026, 12, 31))) == []
    )
    with pytest.raises(ValueError):
        list(occurrences("daily", 1, D(2026, 1, 1), None, D(2026, 1, 1), D(2026, 2, 1)))
