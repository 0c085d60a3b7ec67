"""Document totals: hand-computed examples, rounding traps, validation, properties."""

from __future__ import annotations

from dataclasses import fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xfinances.invoicing.totals import (
    CurrencyError,
    DiscountError,
    DocumentDiscountError,
    DocumentTotals,
    ExchangeRateError,
    LineInput,
    QuantityError,
    UnitPriceError,
    VatKeyError,
    VatRateError,
    compute_totals,
    convert_totals_to_eur,
)

D = Decimal


def line(
    q: str, p: str, rate: str = "20", key: str = "standard", disc: str = "0", credit: bool = False
) -> LineInput:
    return LineInput(
        quantity=D(q),
        unit_price=D(p),
        vat_rate=D(rate),
        vat_key=key,
        discount_percent=D(disc),
        credit_line=credit,
    )


def test_three_times_a_third() -> None:
    totals = compute_totals([line("3", "0.3333")])
    assert totals.lines[0].net == D("1.00")  # 0.9999 → 1.00
    assert (totals.base, totals.vat, totals.total) == (D("1.00"), D("0.20"), D("1.20"))


def test_half_cent_rounds_up_not_to_even() -> None:
    totals = compute_totals([line("0.125", "1")])
    assert totals.lines[0].net == D("0.13")  # 0.125 → 0.13 (banker's rounding would give 0.12)
    assert totals.vat == D("0.03")  # 20 % of 0.13 = 0.026
    nine = compute_totals([line("1", "0.50", rate="9", key="accommodation")])
    assert nine.vat == D("0.05")  # 0.045 → 0.05


def test_discount_twelve_and_a_half_percent() -> None:
    totals = compute_totals([line("1", "9.99", disc="12.5")])
    only = totals.lines[0]
    assert only.gross == D("9.99")
    assert only.net == D("8.74")  # 9.99 × 0.875 = 8.74125
    assert only.discount == D("1.25")
    assert totals.vat == D("1.75")  # 1.748
    assert totals.total == D("10.49")


def test_vat_on_summed_base_not_per_line() -> None:
    totals = compute_totals([line("1", "0.02"), line("1", "0.02"), line("1", "0.02")])
    # per line 0.004 → 0.00 each; on the summed base 0.06 → 0.012 → 0.01
    assert totals.vat == D("0.01")
    assert len(totals.groups) == 1


def test_document_discount_per_rate() -> None:
    totals = compute_totals(
        [line("2", "50"), line("1", "50", rate="9", key="accommodation")],
        document_discount_percent=D("10"),
    )
    standard = totals.group("standard")
    accommodation = totals.group("accommodation")
    assert standard is not None and accommodation is not None
    assert (standard.lines_net, standard.document_discount, standard.base, standard.vat) == (
        D("100.00"),
        D("10.00"),
        D("90.00"),
        D("18.00"),
    )
    assert (accommodation.base, accommodation.vat, accommodation.total) == (
        D("45.00"),
        D("4.05"),
        D("49.05"),
    )
    assert (totals.lines_net, totals.document_discount) == (D("150.00"), D("15.00"))
    assert (totals.base, totals.vat, totals.total) == (D("135.00"), D("22.05"), D("157.05"))
    assert [g.vat_rate for g in totals.groups] == [D("20"), D("9")]  # highest rate first


def test_document_discount_rounds_half_up() -> None:
    totals = compute_totals([line("1", "0.05")], document_discount_percent="10")
    assert totals.document_discount == D("0.01")  # 0.005
    assert totals.base == D("0.04")


def test_zero_rate_treatments_are_separate_groups() -> None:
    totals = compute_totals(
        [line("1", "100", rate="0", key="export"), line("1", "100", rate="0", key="eu_goods")]
    )
    assert [(g.vat_key, g.base, g.vat) for g in totals.groups] == [
        ("eu_goods", D("100.00"), D("0.00")),
        ("export", D("100.00"), D("0.00")),
    ]
    assert totals.total == D("200.00")


def test_credit_line_deducts_an_advance() -> None:
    totals = compute_totals([line("1", "1000"), line("-1", "400", credit=True)])
    assert totals.lines[1].net == D("-400.00")
    assert (totals.base, totals.vat, totals.total) == (D("600.00"), D("120.00"), D("720.00"))


def test_negative_rounds_away_from_zero() -> None:
    totals = compute_totals([line("-0.125", "1", credit=True)])
    assert totals.lines[0].net == D("-0.13")


def test_empty_document() -> None:
    totals = compute_totals([])
    assert (totals.base, totals.vat, totals.total, totals.groups) == (D("0"), D("0"), D("0"), ())


@pytest.mark.parametrize(
    ("bad", "error", "path"),
    [
        (line("1.2345", "1"), QuantityError, "lines.2.quantity"),
        (line("0", "1"), QuantityError, "lines.2.quantity"),
        (line("-1", "1"), QuantityError, "lines.2.quantity"),
        (line("0", "1", credit=True), QuantityError, "lines.2.quantity"),
        (line("1", "0.12345"), UnitPriceError, "lines.2.unit_price"),
        (line("1", "-1"), UnitPriceError, "lines.2.unit_price"),
        (line("1", "1", disc="100.01"), DiscountError, "lines.2.discount_percent"),
        (line("1", "1", disc="-1"), DiscountError, "lines.2.discount_percent"),
        (line("1", "1", rate="101"), VatRateError, "lines.2.vat_rate"),
        (line("1", "1", key=" "), VatKeyError, "lines.2.vat_key"),
        (
            LineInput(quantity=cast(Any, 1.5), unit_price=D(1), vat_rate=D(20), vat_key="standard"),
            QuantityError,
            "lines.2.quantity",
        ),
        (
            LineInput(quantity=D(1), unit_price=cast(Any, 0.1), vat_rate=D(20), vat_key="standard"),
            UnitPriceError,
            "lines.2.unit_price",
        ),
    ],
)
def test_bad_lines_name_field_and_line(bad: LineInput, error: type[Exception], path: str) -> None:
    with pytest.raises(error) as raised:
        compute_totals([line("1", "1"), bad])
    found = cast(Any, raised.value)  # each error class carries path and line
    assert found.path == path
    assert found.line == 2
    assert isinstance(raised.value, ValueError)
    assert "line 2" in str(raised.value)


def test_trailing_zeros_do_not_count_as_decimals() -> None:
    assert compute_totals([line("1.5000", "2.50000000")]).base == D("3.75")


@pytest.mark.parametrize("percent", [D("-0.01"), D("100.5"), "abc"])
def test_bad_document_discount(percent: object) -> None:
    with pytest.raises(DocumentDiscountError) as raised:
        compute_totals([line("1", "1")], document_discount_percent=cast(Any, percent))
    assert raised.value.path == "document_discount_percent"


def test_bad_currency() -> None:
    with pytest.raises(CurrencyError):
        compute_totals([line("1", "1")], currency="EURO")


def test_usd_to_eur() -> None:
    totals = compute_totals([line("1", "100")], currency="usd")
    eur = convert_totals_to_eur(totals, D("1.0825"))
    # 100 / 1.0825 = 92.3787… → 92.38; VAT on the EUR base: 18.476 → 18.48
    assert (eur.base, eur.vat, eur.total) == (D("92.38"), D("18.48"), D("110.86"))
    assert eur.source_currency == "USD" and eur.rate == D("1.0825")


def test_bgn_to_eur_uses_the_fixed_rate() -> None:
    totals = compute_totals(
        [line("1", "100"), line("1", "100", rate="0", key="export")], currency="BGN"
    )
    eur = convert_totals_to_eur(totals)
    standard, export = eur.groups
    assert (standard.base, standard.vat) == (D("51.13"), D("10.23"))  # 51.129…, 10.226
    assert (export.base, export.vat) == (D("51.13"), D("0.00"))
    assert eur.total == D("112.49")
    with pytest.raises(ExchangeRateError):
        convert_totals_to_eur(totals, D("1.96"))


def test_eur_needs_no_conversion() -> None:
    totals = compute_totals([line("3", "0.3333")])
    eur = convert_totals_to_eur(totals)
    assert (eur.base, eur.vat, eur.total) == (totals.base, totals.vat, totals.total)


@pytest.mark.parametrize("rate", [None, D("0"), D("-1"), "x"])
def test_foreign_currency_needs_a_positive_rate(rate: object) -> None:
    totals = compute_totals([line("1", "1")], currency="GBP")
    with pytest.raises(ExchangeRateError):
        convert_totals_to_eur(totals, cast(Any, rate))


# --- properties --------------------------------------------------------------------------------

quantities = st.integers(min_value=1, max_value=10_000_000).map(lambda n: D(n).scaleb(-3))
prices = st.integers(min_value=0, max_value=100_000_000).map(lambda n: D(n).scaleb(-4))
percents = st.integers(min_value=0, max_value=10_000).map(lambda n: D(n).scaleb(-2))
treatments = st.sampled_from([("standard", D("20")), ("accommodation", D("9")), ("export", D("0"))])
lines = st.lists(
    st.builds(
        lambda q, p, d, t, credit: LineInput(
            quantity=-q if credit else q,
            unit_price=p,
            discount_percent=d,
            vat_key=t[0],
            vat_rate=t[1],
            credit_line=credit,
        ),
        quantities,
        prices,
        percents,
        treatments,
        st.booleans(),
    ),
    max_size=12,
)


def _cent(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _amounts(totals: DocumentTotals) -> list[object]:
    values: list[object] = [getattr(totals, f.name) for f in fields(totals)]
    for part in (*totals.lines, *totals.groups):
        values += [getattr(part, f.name) for f in fields(part)]
    return values


@settings(max_examples=300, deadline=None)
@given(lines, percents)
def test_properties(document_lines: list[LineInput], doc_discount: Decimal) -> None:
    totals = compute_totals(document_lines, document_discount_percent=doc_discount)
    assert totals.base + totals.vat == totals.total
    for group in totals.groups:
        assert group.vat == _cent(group.base * group.vat_rate / 100)
        assert group.base + group.vat == group.total
        assert group.lines_net - group.document_discount == group.base
    assert sum((ln.net for ln in totals.lines), D(0)) - totals.document_discount == totals.base
    for ln in totals.lines:
        assert ln.gross - ln.discount == ln.net
    for value in _amounts(totals):
        assert not isinstance(value, float)
    for amount in (totals.base, totals.vat, totals.total, *(ln.net for ln in totals.lines)):
        assert isinstance(amount, Decimal) and amount == _cent(amount)


@settings(max_examples=100, deadline=None)
@given(lines, st.integers(min_value=1, max_value=10**8).map(lambda n: D(n).scaleb(-4)))
def test_eur_properties(document_lines: list[LineInput], rate: Decimal) -> None:
    totals = compute_totals(document_lines, currency="USD")
    eur = convert_totals_to_eur(totals, rate)
    assert eur.base + eur.vat == eur.total
    for group in eur.groups:
        assert group.vat == _cent(group.base * group.vat_rate / 100)
