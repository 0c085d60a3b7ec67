"""The EPC payment QR code (EPC069-12, "GiroCode"): a SEPA credit transfer a banking app scans.

`epc_payload(...)` builds the text exactly per EPC069-12 (version 002):

    BCD                      service tag
    002                      version (BIC optional within the EEA)
    1                        character set 1 = UTF-8
    SCT                      SEPA credit transfer
    <BIC>                    8 or 11 characters, or empty
    <name>                   beneficiary, 1–70 characters
    <IBAN>                   beneficiary account
    EUR<amount>              "EUR12.34": two decimals, 0.01 … 999 999 999.99
    <purpose>                always empty here
    <RF reference>           structured remittance (ISO 11649), ≤ 35 characters …
    <text>                   … XOR unstructured remittance, ≤ 140 characters

Lines are separated by LF with no trailing LF; trailing empty elements are left out. The whole
payload is at most 331 bytes (UTF-8). Only EUR is allowed by the standard.

`epc_qr_code` encodes it with zxing-cpp (C++, Zint's QR encoder) at error correction level M
(as EPC069-12 requires; QR version at most 13): the UTF-8 bytes in byte mode, no ECI header.
`epc_qr_svg` / `epc_qr_png` draw the symbol with a 4-module quiet zone. zxing-cpp replaced
segno, which is pure Python and spent ~5.7 ms choosing the mask of every code: more than a third
of the time it takes to print an invoice (docs/pdf.md, "Speed"); zxing-cpp takes ~0.5 ms.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import zxingcpp
from PIL import Image
from typing_extensions import Buffer

from xfinances.core.identifiers import IdentifierError, clean_iban
from xfinances.core.money import CENT, MoneyError, to_decimal
from xfinances.invoicing.creditor_reference import CreditorReferenceError, validate_rf

MAX_PAYLOAD_BYTES = 331
MAX_NAME = 70
MAX_REFERENCE = 35
MAX_TEXT = 140
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
MAX_QR_VERSION = 13
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


class EpcPayloadError(ValueError):
    """An input that EPC069-12 does not allow; the message names the field."""


def _single_line(value: str, field: str) -> str:
    text = (value or "").strip()
    if "\n" in text or "\r" in text:
        raise EpcPayloadError(f"{field}: must be a single line")
    return text


def epc_payload(
    name: str,
    iban: str,
    amount: Decimal,
    bic: str = "",
    reference_rf: str = "",
    text: str = "",
    currency: str = "EUR",
) -> str:
    """The EPC069-12 payload for a transfer of `amount` EUR to `name`/`iban`.

    Give either `reference_rf` (a valid ISO 11649 reference) or `text`, not both.
    Raises EpcPayloadError (a ValueError) naming the field that breaks the standard.
    """
    if (currency or "").strip().upper() != "EUR":
        raise EpcPayloadError(f"currency: the EPC QR code allows only EUR (got {currency!r})")
    beneficiary = _single_line(name, "name")
    if not beneficiary:
        raise EpcPayloadError("name: the beneficiary's name is required")
    if len(beneficiary) > MAX_NAME:
        raise EpcPayloadError(f"name: at most {MAX_NAME} characters (got {len(beneficiary)})")
    try:
        account = clean_iban(iban)
    except IdentifierError as error:
        raise EpcPayloadError(f"iban: {error}") from None
    bic_clean = (bic or "").replace(" ", "").upper()
    if bic_clean and not _BIC.match(bic_clean):
        raise EpcPayloadError(f"bic: {bic!r} is not a BIC (8 or 11 letters and digits)")
    try:
        value = to_decimal(amount)
    except MoneyError as error:
        raise EpcPayloadError(f"amount: {error}") from None
    if value != value.quantize(CENT):
        raise EpcPayloadError(f"amount: at most two decimals (got {value})")
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        raise EpcPayloadError(f"amount: must be between {MIN_AMOUNT} and {MAX_AMOUNT} EUR")
    reference = (reference_rf or "").strip()
    remittance = _single_line(text, "text")
    if reference and remittance:
        raise EpcPayloadError(
            "reference_rf/text: give a structured RF reference or a text, not both"
        )
    if reference:
        try:
            reference = validate_rf(reference)
        except CreditorReferenceError as error:
            raise EpcPayloadError(f"reference_rf: {error}") from None
        if len(reference) > MAX_REFERENCE:
            raise EpcPayloadError(f"reference_rf: at most {MAX_REFERENCE} characters")
    if len(remittance) > MAX_TEXT:
        raise EpcPayloadError(f"text: at most {MAX_TEXT} characters (got {len(remittance)})")

    elements = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic_clean,
        beneficiary,
        account,
        f"EUR{value.quantize(CENT):f}",
        "",  # purpose
        reference,
        remittance,
    ]
    while elements[-1] == "":
        elements.pop()
    payload = "\n".join(elements)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise EpcPayloadError(
            f"payload: {size} bytes, the EPC QR code allows at most {MAX_PAYLOAD_BYTES}"
        )
    return payload


@dataclass(frozen=True)
class QrSymbol:
    """A QR symbol without its quiet zone: `pixels` holds one byte per module, row by row,
    0 for dark and 255 for light."""

    pixels: bytes
    size: int
    error: str = "M"

    @property
    def version(self) -> int:
        return (self.size - 17) // 4

    @property
    def modules(self) -> tuple[tuple[bool, ...], ...]:
        """`modules[y][x]` is True for a dark module."""
        rows = (self.pixels[y * self.size : (y + 1) * self.size] for y in range(self.size))
        return tuple(tuple(value == 0 for value in row) for row in rows)

    def dark_runs(self) -> Iterator[tuple[int, int, int]]:
        """(x, y, length) of every horizontal run of dark modules."""
        for y in range(self.size):
            row = self.pixels[y * self.size : (y + 1) * self.size]
            for run in _DARK_RUN.finditer(row):
                yield run.start(), y, run.end() - run.start()


_DARK_RUN = re.compile(b"\x00+")


def epc_qr_code(payload: str) -> QrSymbol:
    """The QR symbol of a payload: UTF-8 bytes in byte mode, error correction M, version ≤ 13."""
    data = payload.encode("utf-8")
    if len(data) > MAX_PAYLOAD_BYTES:
        raise EpcPayloadError(f"payload: more than {MAX_PAYLOAD_BYTES} bytes")
    # Bytes, not text: given text with Cyrillic letters, Zint would encode them in Kanji mode
    # (Shift JIS), which a banking app reading UTF-8 would garble.
    barcode = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = barcode.to_image(scale=1, add_quiet_zones=False)  # 8-bit grey, 0 = dark
    size = image.shape[0]  # square
    # zxing-cpp's Image has the buffer protocol, which its type stubs do not declare.
    symbol = QrSymbol(bytes(cast(Buffer, image)), size)
    if symbol.version > MAX_QR_VERSION:
        raise EpcPayloadError(f"payload: needs QR version {symbol.version}, at most 13 allowed")
    return symbol


QUIET_ZONE = 4  # modules of white around the symbol (ISO/IEC 18004)


def epc_qr_svg(payload: str, scale: int = 4) -> str:
    """The QR code as an SVG document (string), black on white, 4-module quiet zone: one path
    of a rectangle per run of dark modules in a row."""
    symbol = epc_qr_code(payload)
    side = symbol.size + 2 * QUIET_ZONE
    runs = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{length}v1h-{length}z"
        for x, y, length in symbol.dark_runs()
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side * scale}" '
        f'height="{side * scale}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{runs}"/></svg>'
    )


def epc_qr_png(payload: str, scale: int = 6) -> bytes:
    """The QR code as PNG bytes (1 bit per pixel), 4-module quiet zone."""
    symbol = epc_qr_code(payload)
    side = symbol.size + 2 * QUIET_ZONE
    image = Image.new("L", (side, side), 255)
    drawn = Image.frombytes("L", (symbol.size, symbol.size), symbol.pixels)
    image.paste(drawn, (QUIET_ZONE, QUIET_ZONE))
    image = image.convert("1").resize((side * scale, side * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
