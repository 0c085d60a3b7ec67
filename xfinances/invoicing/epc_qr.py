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

`epc_qr_svg` / `epc_qr_png` draw it with segno at error correction level M (as EPC069-12
requires; QR version at most 13).
"""

from __future__ import annotations

import functools
import io
import re
from decimal import Decimal

import segno

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


def epc_qr_code(payload: str) -> segno.QRCode:
    """The QR symbol of a payload: byte mode, UTF-8, error correction M, version ≤ 13."""
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise EpcPayloadError(f"payload: more than {MAX_PAYLOAD_BYTES} bytes")
    return segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8", mode="byte")


@functools.lru_cache(maxsize=512)
def epc_qr_svg(payload: str, scale: int = 4) -> str:
    """The QR code as an inline SVG document (string), black on white, 4-module quiet zone.
    Kept per payload: choosing the mask costs segno ~5 ms, and a document printed again (a
    copy, a re-send, a changed note) has the same payment data."""
    return epc_qr_code(payload).svg_inline(scale=scale, border=4)


def epc_qr_png(payload: str, scale: int = 6) -> bytes:
    """The QR code as PNG bytes."""
    buffer = io.BytesIO()
    epc_qr_code(payload).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
