"""Amount in words: a table written out by hand from Bulgarian grammar (legal text: exact)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest

from xfinances.invoicing.words import Gender, amount_in_words, bulgarian_number, english_number

BG_EUR = [
    ("0", "Нула евро"),
    ("0.01", "Нула евро и един цент"),
    ("0.02", "Нула евро и два цента"),
    ("0.21", "Нула евро и двадесет и един цента"),
    ("0.99", "Нула евро и деветдесет и девет цента"),
    ("0.10", "Нула евро и десет цента"),
    ("0.11", "Нула евро и единадесет цента"),
    ("1", "Едно евро"),
    ("1.01", "Едно евро и един цент"),
    ("2", "Две евро"),
    ("2.02", "Две евро и два цента"),
    ("3", "Три евро"),
    ("11", "Единадесет евро"),
    ("12", "Дванадесет евро"),
    ("14", "Четиринадесет евро"),
    ("19", "Деветнадесет евро"),
    ("20", "Двадесет евро"),
    ("21", "Двадесет и едно евро"),
    ("22", "Двадесет и две евро"),
    ("60", "Шестдесет евро"),
    ("99.99", "Деветдесет и девет евро и деветдесет и девет цента"),
    ("100", "Сто евро"),
    ("101", "Сто и едно евро"),
    ("102", "Сто и две евро"),
    ("110", "Сто и десет евро"),
    ("111", "Сто и единадесет евро"),
    ("120", "Сто и двадесет евро"),
    ("121", "Сто двадесет и едно евро"),
    ("123.45", "Сто двадесет и три евро и четиридесет и пет цента"),
    ("200", "Двеста евро"),
    ("300", "Триста евро"),
    ("400", "Четиристотин евро"),
    ("600", "Шестстотин евро"),
    ("999", "Деветстотин деветдесет и девет евро"),
    ("1000", "Хиляда евро"),
    ("1001", "Хиляда и едно евро"),
    ("1002", "Хиляда и две евро"),
    ("1100", "Хиляда и сто евро"),
    ("1120", "Хиляда сто и двадесет евро"),
    ("1121", "Хиляда сто двадесет и едно евро"),
    ("1999", "Хиляда деветстотин деветдесет и девет евро"),
    ("2000", "Две хиляди евро"),
    ("2001", "Две хиляди и едно евро"),
    ("2005", "Две хиляди и пет евро"),
    ("2021.21", "Две хиляди двадесет и едно евро и двадесет и един цента"),
    ("10000", "Десет хиляди евро"),
    ("11000", "Единадесет хиляди евро"),
    ("21000", "Двадесет и една хиляди евро"),
    ("22000", "Двадесет и две хиляди евро"),
    ("100000", "Сто хиляди евро"),
    ("101000", "Сто и една хиляди евро"),
    ("120500", "Сто и двадесет хиляди и петстотин евро"),
    ("1000000", "Един милион евро"),
    ("1000001", "Един милион и едно евро"),
    ("1001000", "Един милион и хиляда евро"),
    ("1300000", "Един милион и триста хиляди евро"),
    ("2000000", "Два милиона евро"),
    ("2000021", "Два милиона двадесет и едно евро"),
    ("21000000", "Двадесет и един милиона евро"),
    ("1000000000", "Един милиард евро"),
    ("2000000000", "Два милиарда евро"),
    (
        "999999999999.99",
        "Деветстотин деветдесет и девет милиарда деветстотин деветдесет и девет милиона "
        "деветстотин деветдесет и девет хиляди деветстотин деветдесет и девет евро "
        "и деветдесет и девет цента",
    ),
]

BG_BGN = [
    ("0", "Нула лева"),
    ("0.01", "Нула лева и една стотинка"),
    ("0.02", "Нула лева и две стотинки"),
    ("0.21", "Нула лева и двадесет и една стотинки"),
    ("0.99", "Нула лева и деветдесет и девет стотинки"),
    ("1", "Един лев"),
    ("1.01", "Един лев и една стотинка"),
    ("2", "Два лева"),
    ("2.02", "Два лева и две стотинки"),
    ("11", "Единадесет лева"),
    ("12", "Дванадесет лева"),
    ("20", "Двадесет лева"),
    ("21", "Двадесет и един лева"),
    ("22", "Двадесет и два лева"),
    ("100", "Сто лева"),
    ("101", "Сто и един лева"),
    ("110", "Сто и десет лева"),
    ("111", "Сто и единадесет лева"),
    ("120", "Сто и двадесет лева"),
    ("121", "Сто двадесет и един лева"),
    ("200", "Двеста лева"),
    ("999", "Деветстотин деветдесет и девет лева"),
    ("1000", "Хиляда лева"),
    ("1001", "Хиляда и един лева"),
    ("1002", "Хиляда и два лева"),
    ("1100", "Хиляда и сто лева"),
    ("1120", "Хиляда сто и двадесет лева"),
    ("1999", "Хиляда деветстотин деветдесет и девет лева"),
    ("2000", "Две хиляди лева"),
    ("2001", "Две хиляди и един лева"),
    ("2002.02", "Две хиляди и два лева и две стотинки"),
    ("2005", "Две хиляди и пет лева"),
    ("10000", "Десет хиляди лева"),
    ("21000", "Двадесет и една хиляди лева"),
    ("22000", "Двадесет и две хиляди лева"),
    ("100000", "Сто хиляди лева"),
    ("101000", "Сто и една хиляди лева"),
    ("1000000", "Един милион лева"),
    ("1000001", "Един милион и един лева"),
    ("2000000", "Два милиона лева"),
    ("21000000", "Двадесет и един милиона лева"),
    ("1000000000", "Един милиард лева"),
    ("1955.83", "Хиляда деветстотин петдесет и пет лева и осемдесет и три стотинки"),
]

EN = [
    ("0", "EUR", "Zero euro"),
    ("0.01", "EUR", "Zero euro and one cent"),
    ("0.02", "EUR", "Zero euro and two cents"),
    ("0.21", "EUR", "Zero euro and twenty-one cents"),
    ("1", "EUR", "One euro"),
    ("2", "EUR", "Two euro"),
    ("11", "EUR", "Eleven euro"),
    ("21", "EUR", "Twenty-one euro"),
    ("101", "EUR", "One hundred one euro"),
    ("120", "EUR", "One hundred twenty euro"),
    ("123.45", "EUR", "One hundred twenty-three euro and forty-five cents"),
    ("1001", "EUR", "One thousand one euro"),
    ("1120", "EUR", "One thousand one hundred twenty euro"),
    ("21000", "EUR", "Twenty-one thousand euro"),
    ("1000000", "EUR", "One million euro"),
    ("2000021", "EUR", "Two million twenty-one euro"),
    ("1000000000", "EUR", "One billion euro"),
    ("0.01", "BGN", "Zero leva and one stotinka"),
    ("1", "BGN", "One lev"),
    ("2.99", "BGN", "Two leva and ninety-nine stotinki"),
    ("1000", "BGN", "One thousand leva"),
]


@pytest.mark.parametrize(("amount", "expected"), BG_EUR)
def test_bulgarian_euro(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "EUR") == expected


@pytest.mark.parametrize(("amount", "expected"), BG_BGN)
def test_bulgarian_leva(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "BGN") == expected


@pytest.mark.parametrize(("amount", "currency", "expected"), EN)
def test_english(amount: str, currency: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), currency, "en") == expected


def test_table_is_large_enough() -> None:
    assert len(BG_EUR) + len(BG_BGN) + len(EN) >= 80


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("123.45", "EUR", "Сто двадесет и три евро и 45 цента"),
        ("0.01", "EUR", "Нула евро и 1 цент"),
        ("21.21", "BGN", "Двадесет и един лева и 21 стотинки"),
        ("1.01", "BGN", "Един лев и 1 стотинка"),
    ],
)
def test_cents_in_digits(amount: str, currency: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), currency, cents_in_words=False) == expected


def test_cents_in_digits_english() -> None:
    assert (
        amount_in_words(Decimal("5.07"), "EUR", "en", cents_in_words=False)
        == "Five euro and 7 cents"
    )


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1.01", "Едно евро и един евроцент"),
        ("2.02", "Две евро и два евроцента"),
        ("0.21", "Нула евро и двадесет и един евроцента"),
    ],
)
def test_eurocent_wording(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "EUR", eurocent=True) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        ("101.45", "USD", "bg", "Сто и един USD и 45 цента"),
        ("2", "USD", "bg", "Два USD"),
        ("0.01", "GBP", "bg", "Нула GBP и 1 цент"),
        ("101.45", "USD", "en", "One hundred one USD and 45/100"),
        ("1000.05", "CHF", "en", "One thousand CHF and 05/100"),
    ],
)
def test_other_currencies(amount: str, currency: str, language: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), currency, language) == expected


def test_trailing_zero_decimals_are_whole_cents() -> None:
    assert amount_in_words(Decimal("5.000"), "EUR") == "Пет евро"
    assert amount_in_words(cast(Any, "5,50"), "EUR") == "Пет евро и петдесет цента"


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("-1"),
        Decimal("-0.01"),
        Decimal("0.001"),
        Decimal("1000000000000000"),
        Decimal("999999999999.991"),
    ],
)
def test_refused_amounts(amount: Decimal) -> None:
    with pytest.raises(ValueError):
        amount_in_words(amount, "EUR")


def test_float_refused() -> None:
    with pytest.raises(ValueError):
        amount_in_words(cast(Any, 1.5), "EUR")


def test_unknown_language_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        amount_in_words(Decimal("1"), "EUR", "de")


@pytest.mark.parametrize(
    ("number", "gender", "expected"),
    [
        (1, Gender.FEMININE, "една"),
        (2, Gender.MASCULINE, "два"),
        (2, Gender.NEUTER, "две"),
        (12, Gender.MASCULINE, "дванадесет"),
        (500, Gender.NEUTER, "петстотин"),
        (700, Gender.NEUTER, "седемстотин"),
        (800, Gender.NEUTER, "осемстотин"),
        (900, Gender.NEUTER, "деветстотин"),
        (40, Gender.NEUTER, "четиридесет"),
        (70, Gender.NEUTER, "седемдесет"),
        (80, Gender.NEUTER, "осемдесет"),
        (13, Gender.NEUTER, "тринадесет"),
        (15, Gender.NEUTER, "петнадесет"),
        (16, Gender.NEUTER, "шестнадесет"),
        (17, Gender.NEUTER, "седемнадесет"),
        (18, Gender.NEUTER, "осемнадесет"),
        (1_000_100, Gender.NEUTER, "един милион и сто"),
        (5_002_000, Gender.NEUTER, "пет милиона и две хиляди"),
        (1_000_000_001, Gender.MASCULINE, "един милиард и един"),
        (1_001_000_000, Gender.MASCULINE, "един милиард и един милион"),
        (3_021_000_000, Gender.MASCULINE, "три милиарда двадесет и един милиона"),
    ],
)
def test_bulgarian_number(number: int, gender: Gender, expected: str) -> None:
    assert bulgarian_number(number, gender) == expected


def test_english_number_limits() -> None:
    assert english_number(999_999_999_999).startswith("nine hundred ninety-nine billion")
    assert english_number(10**12) == "one trillion"
    with pytest.raises(ValueError):
        english_number(10**15)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1000000000000", "Един трилион евро"),
        ("2000000000000.50", "Два трилиона евро и петдесет цента"),
        ("1000000000001", "Един трилион и едно евро"),
        (
            "999999999999999.99",
            "Деветстотин деветдесет и девет трилиона деветстотин деветдесет и девет милиарда "
            "деветстотин деветдесет и девет милиона деветстотин деветдесет и девет хиляди "
            "деветстотин деветдесет и девет евро и деветдесет и девет цента",
        ),
    ],
)
def test_totals_beyond_one_amount_still_have_words(amount: str, expected: str) -> None:
    assert amount_in_words(Decimal(amount), "EUR") == expected
