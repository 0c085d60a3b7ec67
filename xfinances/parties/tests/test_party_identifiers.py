"""The rules of a party's identifiers (pure: no database)."""

from __future__ import annotations

from typing import Any

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.parties.inputs import PartyInput

EGN = "8503151235"
LNCH = "1000000001"


def _errors(**data: Any) -> dict[str, list[str]]:
    try:
        PartyInput.read({"name": "Тест", **data})
    except InvalidInput as error:
        return {name: [str(m) for m in messages] for name, messages in error.errors.items()}
    return {}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"eik": "131468980"}, {"eik": "131468980"}),
        ({"eik": "4000001710002"}, {"eik": "4000001710002"}),
        ({"vat_number": "bg131468980"}, {"vat_number": "BG131468980", "eik": "131468980"}),
        ({"eik": "131468980", "vat_number": "BG131468980"}, {"vat_number": "BG131468980"}),
        ({"kind": "person", "egn": EGN}, {"egn": EGN, "kind": "person"}),
        ({"kind": "person", "lnch": LNCH}, {"lnch": LNCH}),
        ({"kind": "person"}, {"eik": "", "egn": ""}),  # an individual may have no identifier
        ({"country": "de", "vat_number": "DE136695976"}, {"country": "DE", "eik": ""}),
        ({"country": "AT", "vat_number": "ATU13585627"}, {"vat_number": "ATU13585627"}),
        ({"country": "GR", "vat_number": "EL094259216"}, {"vat_number": "EL094259216"}),
        ({"country": "FR"}, {"eik": "", "vat_number": ""}),  # foreign, no VAT number given
    ],
)
def test_valid_identifiers(data: dict[str, Any], expected: dict[str, Any]) -> None:
    result = PartyInput.read({"name": "Тест", **data})
    for key, value in expected.items():
        assert getattr(result, key) == value


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"eik": "131468981"}, "eik", "check digit"),
        ({"eik": "12345"}, "eik", "9 or 13"),
        ({"eik": "4000001710003"}, "eik", "check digit"),
        ({}, "eik", "needs its"),
        ({"vat_number": "BG131468981"}, "vat_number", "check digit"),
        ({"vat_number": "131468980"}, "vat_number", "country code"),
        ({"eik": "131468980", "vat_number": "BG175074752"}, "vat_number", "followed by the"),
        ({"eik": "131468980", "egn": EGN}, "egn", "individuals only"),
        ({"eik": "131468980", "lnch": LNCH}, "lnch", "individuals only"),
        ({"kind": "person", "egn": "8503151234"}, "egn", "valid date and check digit"),
        ({"kind": "person", "lnch": "1000000002"}, "lnch", "10 digits with a valid check digit"),
        ({"kind": "person", "egn": EGN, "lnch": LNCH}, "lnch", "not both"),
        ({"country": "DE", "vat_number": "DE136695977"}, "vat_number", "not valid"),
        ({"country": "DE", "vat_number": "ATU13585627"}, "vat_number", "from AT"),
        ({"country": "DE", "eik": "131468980"}, "eik", "foreign party"),
        ({"country": "Germany"}, "country", "two-letter"),
        ({"eik": "131468980", "kind": "robot"}, "kind", "company"),
    ],
)
def test_invalid_identifiers_name_the_field(
    data: dict[str, Any], field: str, fragment: str
) -> None:
    errors = _errors(**data)
    assert field in errors, errors
    assert any(fragment in message for message in errors[field]), errors[field]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"payment_terms_days": "abc"}, "payment_terms_days"),
        ({"payment_terms_days": 400}, "payment_terms_days"),
        ({"payment_terms_days": -1}, "payment_terms_days"),
        ({"language": "de"}, "language"),
        ({"is_client": False, "is_supplier": False}, "is_client"),
    ],
)
def test_other_fields(data: dict[str, Any], field: str) -> None:
    errors = _errors(eik="131468980", **data)
    assert list(errors) == [field]


def test_text_is_trimmed_and_tags_deduplicated() -> None:
    result = PartyInput.read(
        {
            "name": "  Тест  ООД ",
            "eik": " 131 468 980 ",
            "email": " Office@Firma.BG ",
            "tags": "VIP, vip, ,#Строителство",
        }
    )
    assert result.name == "Тест  ООД"
    assert result.eik == "131468980"
    assert result.email == "office@firma.bg"
    assert result.tags == ["VIP", "Строителство"]
    assert result.payment_terms_days is None
