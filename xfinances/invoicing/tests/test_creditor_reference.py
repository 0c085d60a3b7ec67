"""ISO 11649 RF references: building, validating, formatting, finding them in bank texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xfinances.invoicing.creditor_reference import (
    CreditorReferenceError,
    document_number_from_rf,
    find_rf_references,
    format_rf,
    is_valid_rf,
    rf_for_body,
    rf_for_document,
    validate_rf,
)


def test_known_valid_references() -> None:
    # The example of the ISO 11649 standard and python-stdnum.
    assert rf_for_body("539007547034") == "RF18539007547034"
    assert is_valid_rf("RF18 5390 0754 7034")
    assert is_valid_rf("rf18539007547034")
    assert not is_valid_rf("RF17 5390 0754 7034")
    assert not is_valid_rf("RF18")
    assert not is_valid_rf("")


def test_document_reference() -> None:
    assert rf_for_document("0000000042") == "RF340000000042"
    assert format_rf("RF340000000042") == "RF34 0000 0000 42"
    assert rf_for_document("1000000001") == "RF291000000001"
    assert rf_for_document("0000000001") == "RF740000000001"


def test_prefix() -> None:
    reference = rf_for_document("0000000042", prefix="ab7")
    assert reference.startswith("RF") and reference.endswith("AB70000000042")
    assert is_valid_rf(reference)
    assert document_number_from_rf(reference, prefix="AB7") == "0000000042"
    assert document_number_from_rf(reference) is None


@pytest.mark.parametrize("number", ["42", "00000000420", "000000004a", "", "0000 000042"])
def test_document_number_must_be_ten_digits(number: str) -> None:
    with pytest.raises(CreditorReferenceError, match="10 digits"):
        rf_for_document(number)


@pytest.mark.parametrize("prefix", ["Ф1", "A_B", "123456789012"])
def test_bad_prefix(prefix: str) -> None:
    with pytest.raises(CreditorReferenceError):
        rf_for_document("0000000042", prefix=prefix)


@pytest.mark.parametrize("body", ["", "x" * 22, "АБВ", "12.3"])
def test_bad_body(body: str) -> None:
    with pytest.raises(CreditorReferenceError):
        rf_for_body(body)


def test_validate_returns_compact_upper_case() -> None:
    assert validate_rf(" rf34 0000 0000 42 ") == "RF340000000042"
    with pytest.raises(CreditorReferenceError):
        validate_rf("RF35 0000 0000 42")
    with pytest.raises(CreditorReferenceError):
        format_rf("RF35 0000 0000 42")


@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_round_trip(value: int) -> None:
    number = f"{value:010d}"
    reference = rf_for_document(number)
    assert is_valid_rf(reference)
    assert validate_rf(format_rf(reference)) == reference
    assert document_number_from_rf(format_rf(reference)) == number
    assert find_rf_references(f"Плащане по ф-ра {number} {format_rf(reference).lower()}") == [
        reference
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Плащане по ф-ра 0000000042 RF34 0000 0000 42", ["RF340000000042"]),
        ("Плащане по ф-ра 0000000042 RF18 0000 0000 42", []),  # wrong check digits
        ("плащане rf340000000042 благодаря", ["RF340000000042"]),
        ("RF34 0000 0000 42 Алфа Трейд ООД", ["RF340000000042"]),
        ("RF34 0000 0000 42 2026", ["RF340000000042"]),
        ("ф-ра 42/05.01.2026,RF34-0000-0000-42;", ["RF340000000042"]),
        (
            "RF340000000042 и RF74 0000 0000 01, пак RF340000000042",
            ["RF340000000042", "RF740000000001"],
        ),
        ("ПО ФАКТУРА № 0000000042 ОТ 05.01.2026", []),
        ("REF18 5390 0754 7034", []),  # not preceded by a boundary
        ("ЗАДЪЛЖЕНИЕRF18539007547034", ["RF18539007547034"]),
        ("", []),
    ],
)
def test_find_in_remittance_text(text: str, expected: list[str]) -> None:
    assert find_rf_references(text) == expected
