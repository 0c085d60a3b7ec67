"""Money rules: Decimal only, half-up to the cent at named points, BGN↔EUR at 1.95583."""

from decimal import Decimal
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xfinances.core.money import (
    BGN_PER_EUR,
    Money,
    MoneyError,
    RoundingPoint,
    bgn_to_eur,
    convert,
    eur_to_bgn,
    format_amount,
    round_cent,
    to_decimal,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("1.005", "1.01"),
        ("2.675", "2.68"),  # a float would give 2.67
        ("-0.005", "-0.01"),  # half away from zero
        ("-1.004", "-1.00"),
        ("123456789.995", "123456790.00"),
    ],
)
def test_round_cent_is_half_up(value, expected):
    assert round_cent(Decimal(value), RoundingPoint.LINE_TOTAL) == Decimal(expected)


@pytest.mark.parametrize(
    ("bgn", "eur"),
    [
        ("1.95583", "1.00"),
        ("1", "0.51"),
        ("100", "51.13"),
        ("0.01", "0.01"),
        ("0.02", "0.01"),
        ("1000", "511.29"),
        ("1955.83", "1000.00"),
        ("-100", "-51.13"),
    ],
)
def test_bgn_to_eur_divides_by_the_full_rate(bgn, eur):
    assert bgn_to_eur(Decimal(bgn)) == Decimal(eur)


def test_eur_to_bgn():
    assert eur_to_bgn(Decimal("1")) == Decimal("1.96")
    assert eur_to_bgn(Decimal("511.29")) == Decimal("1000.00")
    assert Decimal("1.95583") == BGN_PER_EUR


@given(st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2))
def test_bgn_eur_round_trip_is_within_a_cent(bgn):
    assert abs(eur_to_bgn(bgn_to_eur(bgn)) - bgn) <= Decimal("0.01")


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        to_decimal(0.1)
    with pytest.raises(MoneyError):
        Money(cast(Any, 1.5), "EUR")
    with pytest.raises(MoneyError):
        Money(Decimal("1"), "EUR") * cast(Any, 1.5)


@pytest.mark.parametrize("bad", ["abc", "1.2.3", "NaN", "Infinity", ""])
def test_text_that_is_not_a_number_is_refused(bad):
    with pytest.raises(MoneyError):
        to_decimal(bad)


def test_to_decimal_reads_bulgarian_decimal_comma_and_spaces():
    assert to_decimal("1 234,56") == Decimal("1234.56")
    assert to_decimal(7) == Decimal(7)


def test_money_refuses_mixing_currencies():
    with pytest.raises(MoneyError):
        Money(Decimal("1"), "EUR") + Money(Decimal("1"), "BGN")
    total = Money(Decimal("1.10"), "eur") + Money(Decimal("2.205"), "EUR")
    assert total == Money(Decimal("3.305"), "EUR")
    assert total.rounded(RoundingPoint.DOCUMENT_TOTAL).amount == Decimal("3.31")


def test_convert_through_eur():
    rates = {"USD": Decimal("1.0800")}
    assert convert(Decimal("108"), "USD", "EUR", rates) == Decimal("100.00")
    assert convert(Decimal("100"), "EUR", "USD", rates) == Decimal("108.00")
    assert convert(Decimal("100"), "BGN", "EUR", {}) == Decimal("51.13")
    with pytest.raises(MoneyError):
        convert(Decimal("1"), "GBP", "EUR", rates)


def test_format_amount_bulgarian():
    assert format_amount(Decimal("1234567.891")) == "1\u00a0234\u00a0567,89"
    assert format_amount(Decimal("-0.5")) == "-0,50"
    assert format_amount(Decimal("999")) == "999,00"


def test_to_decimal_refuses_exponents_and_amounts_beyond_the_columns():
    # "1e20" was stored on SQLite and every page that summed it answered 500 (issue 14).
    for bad in ("1e20", "1E5", "1000000000000000", "-1000000000000000"):
        with pytest.raises(MoneyError):
            to_decimal(bad)
    assert to_decimal("999999999999999.99") == Decimal("999999999999999.99")
