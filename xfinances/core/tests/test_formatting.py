"""The formatters print every figure the same way in each language (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from xfinances.core import formatting as f
from xfinances.core.models import AuditEntry, Role, Source

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "bg", "en"),
    [
        (Decimal("1234.56"), f"1{NB}234,56", "1,234.56"),
        (Decimal("9800"), f"9{NB}800,00", "9,800.00"),
        (Decimal("734.400000000000"), "734,40", "734.40"),
        (Decimal("0.005"), "0,01", "0.01"),
        (Decimal("-0.004"), "0,00", "0.00"),
        (Decimal("-1234567.891"), f"-1{NB}234{NB}567,89", "-1,234,567.89"),
        (Decimal("2E+1"), "20,00", "20.00"),
        (Decimal("999999999999.99"), f"999{NB}999{NB}999{NB}999,99", "999,999,999,999.99"),
        (Decimal("1E+12"), f"1{NB}000{NB}000{NB}000{NB}000,00", "1,000,000,000,000.00"),
        (7, "7,00", "7.00"),
        ("12.5", "12,50", "12.50"),
    ],
)
def test_amount_has_two_places_and_the_language_separators(value, bg, en):
    assert f.amount(value, "bg") == bg
    assert f.amount(value, "en") == en


@pytest.mark.parametrize(
    ("value", "bg", "en"),
    [
        (Decimal("85"), "85,00", "85.00"),
        (Decimal("120.5000"), "120,50", "120.50"),
        (Decimal("1499.9900"), f"1{NB}499,99", "1,499.99"),
        (Decimal("0.1234"), "0,1234", "0.1234"),
        (Decimal("0.12345"), "0,1235", "0.1235"),
        (Decimal("1.2E+3"), f"1{NB}200,00", "1,200.00"),
    ],
)
def test_unit_price_keeps_two_to_four_places(value, bg, en):
    assert f.unit_price(value, "bg") == bg
    assert f.unit_price(value, "en") == en


@pytest.mark.parametrize(
    ("value", "bg", "en"),
    [
        (Decimal("10.000"), "10", "10"),
        (Decimal("2.500"), "2,5", "2.5"),
        (Decimal("0.125"), "0,125", "0.125"),
        (Decimal("1500"), f"1{NB}500", "1,500"),
        (Decimal("-3"), "-3", "-3"),
    ],
)
def test_quantity_drops_trailing_zeros_up_to_three_places(value, bg, en):
    assert f.quantity(value, "bg") == bg
    assert f.quantity(value, "en") == en


@pytest.mark.parametrize(
    ("value", "bg", "en"),
    [
        (Decimal("20.00"), "20", "20"),
        (Decimal("2E+1"), "20", "20"),
        (Decimal("12.50"), "12,5", "12.5"),
        (Decimal("9"), "9", "9"),
        (Decimal("0.125"), "0,13", "0.13"),
    ],
)
def test_percent_has_up_to_two_places_and_no_exponent(value, bg, en):
    assert f.percent(value, "bg") == bg
    assert f.percent(value, "en") == en


def test_exchange_rate_has_four_to_six_places_and_no_grouping():
    assert f.exchange_rate(Decimal("1.95583"), "bg") == "1,95583"
    assert f.exchange_rate(Decimal("1.1"), "en") == "1.1000"
    assert f.exchange_rate(Decimal("1234.5"), "bg") == "1234,5000"


def test_money_puts_the_currency_after_a_no_break_space():
    assert f.money(Decimal("734.4"), "EUR", "bg") == f"734,40{NB}EUR"
    assert f.money(None, "EUR", "bg") == ""


def test_dates_follow_the_language():
    day = dt.date(2026, 3, 7)
    assert f.date(day, "bg") == "07.03.2026"
    assert f.date(day, "en") == "2026-03-07"
    assert f.date(None) == ""
    assert f.date("2026-03-07", "bg") == "07.03.2026"


def test_a_period_is_written_as_its_month():
    class Period:
        first = dt.date(2026, 3, 1)

    for value in ("202603", "2026-03", dt.date(2026, 3, 17), Period()):
        assert f.period(value, "bg") == "03.2026"
        assert f.period(value, "en") == "2026-03"
    assert f.period("202613", "bg") == "202613"
    assert f.period("", "bg") == f.period(None, "bg") == ""
    with translation.override("bg"):
        assert Template("{{ p|period }}").render(Context({"p": "202603"})) == "03.2026"


def test_the_active_language_is_used_when_none_is_given():
    with translation.override("en"):
        assert f.amount(Decimal("1234.5")) == "1,234.50"
    with translation.override("bg"):
        assert f.amount(Decimal("1234.5")) == f"1{NB}234,50"


def test_empty_and_non_numbers_pass_through():
    assert f.amount(None) == ""
    assert f.amount("") == ""
    assert f.quantity("abc") == "abc"


def test_template_filters_are_builtins():
    template = Template(
        "{{ a|amount }}|{{ p|unit_price }}|{{ q|qty }}|{{ r|pct }}|{{ d|day }}|{{ a|money:'EUR' }}"
    )
    context = Context(
        {
            "a": Decimal("1234.5"),
            "p": Decimal("120.5000"),
            "q": Decimal("2.000"),
            "r": Decimal("20.00"),
            "d": dt.date(2026, 12, 4),
        }
    )
    with translation.override("bg"):
        assert template.render(context) == (
            f"1{NB}234,50|120,50|2|20|04.12.2026|1{NB}234,50{NB}EUR"
        )
    with translation.override("en"):
        assert template.render(context) == "1,234.50|120.50|2|20|2026-12-04|1,234.50\u00a0EUR"


@pytest.mark.parametrize("language", ["bg", "en"])
def test_choice_label_is_what_get_display_gives(language):
    """Models name themselves with `choice_label` (fast in bulk runs): the same text as
    Django's `get_FOO_display`, a value that is no choice included."""
    with translation.override(language):
        for value in [*Source.values, "no-such"]:
            row = AuditEntry(source=value)
            assert f.choice_label(Source, value) == row.get_source_display()
        assert f.choice_label(Role, Role.OWNER) == str(Role.OWNER.label)


def test_choice_label_follows_the_language_it_is_asked_in():
    """The labels are remembered per language: a label asked in Bulgarian, then in English,
    then in Bulgarian again is each time the active language's."""
    with translation.override("bg"):
        bulgarian = f.choice_label(Role, Role.OWNER)
    with translation.override("en"):
        english = f.choice_label(Role, Role.OWNER)
    with translation.override("bg"):
        again = f.choice_label(Role, Role.OWNER)
    assert bulgarian != english
    assert again == bulgarian
    with translation.override("en"):
        assert f.choice_label(Role, "no-such") == "no-such"
