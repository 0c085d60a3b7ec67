"""core.identifiers: each cleaner accepts the valid forms (canonicalised) and refuses the rest."""

from __future__ import annotations

import pytest

from xfinances.core.identifiers import (
    IdentifierError,
    bic_for_iban,
    clean_egn,
    clean_eik,
    clean_iban,
    clean_lnch,
    clean_vat_number,
    format_iban,
)


@pytest.fixture(autouse=True)
def english_messages():
    """Messages are matched in their English source form, whatever the Bulgarian catalogue says."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("131468980", "131468980"),
        ("175074752", "175074752"),
        (" 131 468 980 ", "131468980"),
        ("BG131468980", "131468980"),
        ("4000001710002", "4000001710002"),  # 13-digit branch ЕИК
        ("400000171-0002", "4000001710002"),
    ],
)
def test_clean_eik_accepts(raw: str, expected: str) -> None:
    assert clean_eik(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "131468981", "13146898", "1314689800", "13146898A", "4000001710003", "40000017100021"],
)
def test_clean_eik_refuses(raw: str) -> None:
    with pytest.raises(IdentifierError):
        clean_eik(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("8503151235", "8503151235"), ("850315 1235", "8503151235")]
)
def test_clean_egn_accepts(raw: str, expected: str) -> None:
    assert clean_egn(raw) == expected


@pytest.mark.parametrize("raw", ["8503151234", "8513151235", "85031512", "abcdefghij", ""])
def test_clean_egn_refuses(raw: str) -> None:
    with pytest.raises(IdentifierError, match="ЕГН"):
        clean_egn(raw)


@pytest.mark.parametrize("raw", ["1000000001", "1234567893"])
def test_clean_lnch_accepts(raw: str) -> None:
    assert clean_lnch(raw) == raw


@pytest.mark.parametrize("raw", ["1000000002", "123456789", "ABCDEFGHIJ"])
def test_clean_lnch_refuses(raw: str) -> None:
    with pytest.raises(IdentifierError, match="ЛНЧ"):
        clean_lnch(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BG131468980", "BG131468980"),
        ("bg 131 468 980", "BG131468980"),
        ("BG4000001710002", "BG4000001710002"),
        ("BG8503151235", "BG8503151235"),
        ("DE136695976", "DE136695976"),
        ("ATU13585627", "ATU13585627"),
        ("EL094259216", "EL094259216"),
    ],
)
def test_clean_vat_number_accepts(raw: str, expected: str) -> None:
    assert clean_vat_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("131468980", "country code"),
        ("BG131468981", "check digit"),
        ("BG12345", "Bulgarian VAT"),
        ("DE136695977", "not valid"),
        ("XX123456789", "Unknown country"),
    ],
)
def test_clean_vat_number_refuses(raw: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        clean_vat_number(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BG80BNBG96611020345678", "BG80BNBG96611020345678"),
        ("bg80 bnbg 9661 1020 3456 78", "BG80BNBG96611020345678"),
        ("DE89370400440532013000", "DE89370400440532013000"),
    ],
)
def test_clean_iban_accepts(raw: str, expected: str) -> None:
    assert clean_iban(raw) == expected


@pytest.mark.parametrize(
    "raw", ["BG81BNBG96611020345678", "BG80BNBG966110203456", "", "NOT AN IBAN"]
)
def test_clean_iban_refuses(raw: str) -> None:
    with pytest.raises(IdentifierError, match="IBAN"):
        clean_iban(raw)


def test_bic_comes_from_the_bulgarian_bank_code() -> None:
    assert bic_for_iban("BG80BNBG96611020345678") == "BNBGBGSF"
    assert bic_for_iban("BG28UNCR70000010123456") == "UNCRBGSF"
    assert bic_for_iban("garbage") == ""


def test_format_iban_groups_by_four() -> None:
    assert format_iban("BG80BNBG96611020345678") == "BG80 BNBG 9661 1020 3456 78"
