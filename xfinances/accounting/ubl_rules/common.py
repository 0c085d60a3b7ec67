"""Shared reading of a UBL 2.1 invoice or credit note for the offline rule checks: the
namespaces, a guarded parser, text and amount readers, and the VAT category table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {"cac": CAC, "cbc": CBC}
CENT = Decimal("0.01")
ZERO = Decimal("0")
PEPPOL_PROFILE = re.compile(r"urn:fdc:peppol\.eu:2017:poacc:billing:\d\d:1\.0")
COUNTRY_PREFIX = re.compile(r"[A-Z]{2}")

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


class _Unreadable(ValueError):
    pass


def _text(node: etree._Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path, NS)
    return " ".join((found.text or "").split()) if found is not None else ""


def _all(node: etree._Element, path: str) -> list[etree._Element]:
    return list(node.findall(path, NS))


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class _Reader:
    """Reads amounts, remembering the ones that are not numbers or carry too many decimals."""

    problems: list[str]

    def amount(
        self, node: etree._Element | None, path: str, what: str, dec_rule: str = ""
    ) -> Decimal | None:
        text = _text(node, path)
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.problems.append(f"[UBL] {what} is not a number: {text[:40]!r}.")
            return None
        if not value.is_finite():
            self.problems.append(f"[UBL] {what} is not a number: {text[:40]!r}.")
            return None
        exponent = value.as_tuple().exponent
        if dec_rule and isinstance(exponent, int) and exponent < -2:
            self.problems.append(f"[{dec_rule}] {what} has more than 2 decimals: {text}.")
        return value


@dataclass(frozen=True)
class _Taxed:
    """A line, a document allowance or a document charge: amount, VAT category and rate."""

    kind: str  # "line", "allowance", "charge"
    amount: Decimal
    category: str
    rate: Decimal | None


# Per VAT category: rule prefix, whether exactly one breakdown row is allowed, what the seller
# must show, whether the buyer's VAT id is needed, whether the line rate must be zero, and whether
# an exemption reason is required (True), forbidden (False).
@dataclass(frozen=True)
class _CategoryRules:
    prefix: str
    name: str
    exactly_one: bool
    seller_vat: bool
    buyer_id: str  # "" no rule, "vat" buyer VAT id, "vat_or_legal" VAT id or legal id
    zero_rate: bool
    reason: bool


CATEGORY_RULES = {
    "S": _CategoryRules("BR-S", "Standard rated", False, True, "", False, False),
    "Z": _CategoryRules("BR-Z", "Zero rated", True, True, "", True, False),
    "E": _CategoryRules("BR-E", "Exempt from VAT", True, True, "", True, True),
    "AE": _CategoryRules("BR-AE", "Reverse charge", True, True, "vat_or_legal", True, True),
    "K": _CategoryRules("BR-IC", "Intra-community supply", True, True, "vat", True, True),
    "G": _CategoryRules("BR-G", "Export outside the EU", True, True, "", True, True),
    "O": _CategoryRules("BR-O", "Not subject to VAT", True, False, "", False, True),
}


def _parse(xml: bytes) -> etree._Element:
    if b"<!ENTITY" in xml[:4096] or b"<!DOCTYPE" in xml[:4096]:
        raise _Unreadable("[UBL] The XML declares a DTD or entities; refused.")
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as error:
        raise _Unreadable(f"[UBL] Not well-formed XML: {error}") from None
    if etree.QName(root).namespace not in (INVOICE_NS, CREDIT_NOTE_NS):
        raise _Unreadable("[UBL] Not a UBL 2.1 Invoice or CreditNote.")
    return root


def _vat_ids(party: etree._Element | None) -> list[str]:
    if party is None:
        return []
    return [
        _text(scheme, "cbc:CompanyID")
        for scheme in _all(party, "cac:PartyTaxScheme")
        if _text(scheme, "cac:TaxScheme/cbc:ID").upper() == "VAT" and _text(scheme, "cbc:CompanyID")
    ]


def _tax_registration_ids(party: etree._Element | None) -> list[str]:
    if party is None:
        return []
    return [
        _text(scheme, "cbc:CompanyID")
        for scheme in _all(party, "cac:PartyTaxScheme")
        if _text(scheme, "cac:TaxScheme/cbc:ID").upper() != "VAT" and _text(scheme, "cbc:CompanyID")
    ]


def _category(
    node: etree._Element | None, reader: _Reader, what: str
) -> tuple[str, Decimal | None]:
    if node is None:
        return "", None
    return _text(node, "cbc:ID"), reader.amount(node, "cbc:Percent", what)
