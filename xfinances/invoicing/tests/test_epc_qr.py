"""EPC069-12 payment QR payloads and symbols."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any, cast

import pytest
import zxingcpp
from PIL import Image

from xfinances.invoicing.epc_qr import (
    EpcPayloadError,
    epc_payload,
    epc_qr_code,
    epc_qr_png,
    epc_qr_svg,
)

IBAN = "BG80BNBG96611020345678"


def test_payload_line_by_line_with_reference() -> None:
    payload = epc_payload(
        "Алфа Трейд ООД",
        "BG80 BNBG 9661 1020 3456 78",
        Decimal("1234.5"),
        bic="bnbgbgsd",
        reference_rf="RF34 0000 0000 42",
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "BNBGBGSD",
        "Алфа Трейд ООД",
        IBAN,
        "EUR1234.50",
        "",
        "RF340000000042",
    ]
    assert not payload.endswith("\n")


def test_payload_with_text_and_no_bic() -> None:
    payload = epc_payload("Алфа Трейд ООД", IBAN, Decimal("0.01"), text="Фактура 0000000042")
    assert (
        payload == "BCD\n002\n1\nSCT\n\nАлфа Трейд ООД\nBG80BNBG96611020345678\nEUR0.01\n\n\n"
        "Фактура 0000000042"
    )


def test_payload_without_remittance_ends_at_amount() -> None:
    payload = epc_payload("X", IBAN, Decimal("999999999.99"))
    assert payload.split("\n")[-1] == "EUR999999999.99"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"currency": "BGN"}, "currency"),
        ({"currency": "USD"}, "currency"),
        ({"name": ""}, "name"),
        ({"name": "А" * 71}, "name"),
        ({"name": "Ред\nдва"}, "name"),
        ({"iban": "BG80BNBG96611020345679"}, "iban"),
        ({"bic": "BNBG"}, "bic"),
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": Decimal("1000000000.00")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"reference_rf": "RF35 0000 0000 42"}, "reference_rf"),
        ({"reference_rf": "RF340000000042", "text": "also text"}, "reference_rf/text"),
        ({"text": "т" * 141}, "text"),
    ],
)
def test_violations_name_the_field(kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"name": "Алфа", "iban": IBAN, "amount": Decimal("10")}
    arguments.update(kwargs)
    with pytest.raises(EpcPayloadError) as raised:
        epc_payload(**cast(Any, arguments))
    assert str(raised.value).startswith(f"{field}:")
    assert isinstance(raised.value, ValueError)


def test_limits_are_inclusive() -> None:
    payload = epc_payload("Z" * 70, IBAN, Decimal("10"), bic="BNBGBGSDXXX", text="x" * 140)
    lines = payload.split("\n")
    assert len(lines[5]) == 70 and len(lines[10]) == 140


def test_payload_of_more_than_331_bytes_is_refused() -> None:
    # 70 Cyrillic letters = 140 bytes, 140 Cyrillic letters = 280 bytes: far above 331.
    with pytest.raises(EpcPayloadError, match="331"):
        epc_payload("Я" * 70, IBAN, Decimal("10"), text="ъ" * 140)


def _decoded(image: object) -> zxingcpp.Barcode:
    found = zxingcpp.read_barcode(image)
    assert found is not None and found.valid, "no QR code could be read back"
    return found


def test_qr_symbol_is_level_m_byte_mode_utf8_without_eci() -> None:
    payload = epc_payload("Алфа Трейд ООД", IBAN, Decimal("120.00"), reference_rf="RF340000000042")
    code = epc_qr_code(payload)
    assert code.error == "M"
    assert 1 <= code.version <= 13 and code.size == 17 + 4 * code.version
    # Read the drawn symbol back: the exact UTF-8 bytes, level M, and "]Q1" (model 2, no ECI).
    found = _decoded(Image.open(io.BytesIO(epc_qr_png(payload))))
    assert found.bytes == payload.encode("utf-8")
    assert found.symbology_identifier == "]Q1"
    assert found.extra["ECLevel"] == "M"
    assert int(found.extra["Version"]) == code.version


def test_largest_payload_fits_version_13() -> None:
    payload = epc_payload("A" * 70, IBAN, Decimal("999999999.99"), bic="BNBGBGSDXXX", text="ъ" * 95)
    assert 320 <= len(payload.encode()) <= 331
    assert epc_qr_code(payload).version <= 13


def test_svg_and_png() -> None:
    payload = epc_payload("Алфа Трейд ООД", IBAN, Decimal("1.00"))
    svg = epc_qr_svg(payload)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    png = epc_qr_png(payload, scale=3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    side = epc_qr_code(payload).size + 8  # 4-module quiet zone on each side
    assert image.size == (side * 3, side * 3)
    assert _decoded(image).bytes == payload.encode("utf-8")


def test_svg_draws_the_same_modules_as_the_symbol() -> None:
    payload = epc_payload("Алфа Трейд ООД", IBAN, Decimal("99.99"), reference_rf="RF340000000042")
    code = epc_qr_code(payload)
    side = code.size + 8
    drawn = [[False] * side for _ in range(side)]
    svg = epc_qr_svg(payload)
    assert f'viewBox="0 0 {side} {side}"' in svg
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for column in range(int(x), int(x) + int(width)):
            drawn[int(y)][column] = True
    expected = [[False] * side for _ in range(side)]
    for y, row in enumerate(code.modules):
        for x, dark in enumerate(row):
            expected[y + 4][x + 4] = dark
    assert drawn == expected
