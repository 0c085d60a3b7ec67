"""The Peppol BIS Billing 3.0 rules our UBL export must meet beyond EN 16931 (a subset, named
by their ids: R001 … R121, P0100/P0101, F001, CL008), checked offline in plain Python."""

from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from xfinances.accounting.ubl_rules.common import (
    CENT,
    CREDIT_NOTE_NS,
    NS,
    PEPPOL_PROFILE,
    ZERO,
    _all,
    _parse,
    _Reader,
    _round,
    _text,
    _Unreadable,
)


def check_peppol(xml: bytes) -> list[str]:
    """The Peppol BIS Billing 3.0 rules our export must also meet (a subset, see the ids)."""
    try:
        root = _parse(xml)
    except _Unreadable as error:
        return [str(error)]
    problems: list[str] = []
    profile = _text(root, "cbc:ProfileID")
    if not profile:
        problems.append("[PEPPOL-EN16931-R001] The business process (ProfileID) is missing.")
    elif not PEPPOL_PROFILE.fullmatch(profile):
        problems.append(f"[PEPPOL-EN16931-R007] The business process {profile!r} is not Peppol's.")
    if len(_all(root, "cbc:Note")) > 1:
        problems.append("[PEPPOL-EN16931-R002] More than one note on document level.")
    if not (_text(root, "cbc:BuyerReference") or _text(root, "cac:OrderReference/cbc:ID")):
        problems.append("[PEPPOL-EN16931-R003] A buyer reference or an order reference is needed.")
    for rule, party, who in (
        ("R010", "cac:AccountingCustomerParty", "buyer"),
        ("R020", "cac:AccountingSupplierParty", "seller"),
    ):
        endpoint = root.find(f"{party}/cac:Party/cbc:EndpointID", NS)
        if endpoint is None or not (endpoint.text or "").strip():
            problems.append(f"[PEPPOL-EN16931-{rule}] The {who}'s electronic address is missing.")
        elif not endpoint.get("schemeID"):
            problems.append(
                f"[PEPPOL-EN16931-{rule}] The {who}'s electronic address has no scheme."
            )
    with_subtotals = [
        n for n in _all(root, "cac:TaxTotal") if n.find("cac:TaxSubtotal", NS) is not None
    ]
    if len(with_subtotals) != 1:
        problems.append("[PEPPOL-EN16931-R053] Exactly one tax total with subtotals is needed.")
    currency = _text(root, "cbc:DocumentCurrencyCode")
    tax_currency = _text(root, "cbc:TaxCurrencyCode")
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        found = node.get("currencyID")
        if found is None or found == currency:
            continue
        parent = node.getparent()
        is_accounting_vat = (
            etree.QName(node).localname == "TaxAmount"
            and parent is not None
            and etree.QName(parent).localname == "TaxTotal"
            and found == tax_currency
        )
        if not is_accounting_vat:
            problems.append(
                f"[PEPPOL-EN16931-R051] {etree.QName(node).localname} is in {found}, "
                f"not in {currency}."
            )
            break
    for node in root.iter():
        if isinstance(node.tag, str) and len(node) == 0 and not (node.text or "").strip():
            problems.append(
                f"[PEPPOL-EN16931-R008] The element {etree.QName(node).localname} is empty."
            )
            break
    problems.extend(_line_net_rule(root))
    problems.extend(_peppol_codes_and_formats(root, currency, tax_currency))
    problems.extend(_allowance_rules(root))
    return problems


#: Peppol BIS Billing 3.0 profile: the invoice and credit note type codes it allows (P0100/P0101).
INVOICE_TYPE_CODES = frozenset(
    [
        "71",
        "80",
        "82",
        "84",
        "102",
        "218",
        "219",
        "331",
        "380",
        "382",
        "383",
        "386",
        "388",
        "393",
        "395",
        "553",
        "575",
        "623",
        "780",
        "817",
        "870",
        "875",
        "876",
        "877",
    ]
)
CREDIT_NOTE_TYPE_CODES = frozenset(
    ["81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"]
)
#: Electronic Address Scheme codes accepted by Peppol (CL008).
EAS_CODES = frozenset(
    [
        "0002",
        "0007",
        "0009",
        "0037",
        "0060",
        "0088",
        "0096",
        "0097",
        "0106",
        "0130",
        "0135",
        "0142",
        "0147",
        "0151",
        "0154",
        "0158",
        "0170",
        "0177",
        "0183",
        "0184",
        "0188",
        "0190",
        "0191",
        "0192",
        "0193",
        "0194",
        "0195",
        "0196",
        "0198",
        "0199",
        "0200",
        "0201",
        "0202",
        "0203",
        "0204",
        "0205",
        "0208",
        "0209",
        "0210",
        "0211",
        "0212",
        "0213",
        "0215",
        "0216",
        "0217",
        "0218",
        "0221",
        "0225",
        "0230",
        "0235",
        "0240",
        "9910",
        "9913",
        "9914",
        "9915",
        "9918",
        "9919",
        "9920",
        "9922",
        "9923",
        "9924",
        "9925",
        "9926",
        "9927",
        "9928",
        "9929",
        "9930",
        "9931",
        "9932",
        "9933",
        "9934",
        "9935",
        "9936",
        "9937",
        "9938",
        "9939",
        "9940",
        "9941",
        "9942",
        "9943",
        "9944",
        "9945",
        "9946",
        "9947",
        "9948",
        "9949",
        "9950",
        "9951",
        "9952",
        "9953",
        "9957",
        "9959",
    ]
)
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
DATE_ELEMENTS = ("IssueDate", "DueDate", "TaxPointDate", "ActualDeliveryDate", "PaymentDueDate")


def _peppol_codes_and_formats(root: etree._Element, currency: str, tax_currency: str) -> list[str]:
    problems: list[str] = []
    if _text(root, "cbc:CustomizationID") != CUSTOMIZATION:
        problems.append("[PEPPOL-EN16931-R004] The specification identifier is not Peppol BIS 3.0.")
    if tax_currency and tax_currency == currency:
        problems.append("[PEPPOL-EN16931-R005] The VAT accounting currency equals the currency.")
    if tax_currency:
        without = [n for n in _all(root, "cac:TaxTotal") if n.find("cac:TaxSubtotal", NS) is None]
        if len(without) != 1:
            problems.append(
                "[PEPPOL-EN16931-R054] With a VAT accounting currency exactly one tax total "
                "without subtotals is needed."
            )
    credit = etree.QName(root).namespace == CREDIT_NOTE_NS
    type_code = _text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode")
    allowed = CREDIT_NOTE_TYPE_CODES if credit else INVOICE_TYPE_CODES
    if type_code and type_code not in allowed:
        rule = "P0101" if credit else "P0100"
        problems.append(f"[PEPPOL-EN16931-{rule}] The type code {type_code!r} is not allowed.")
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        if name in DATE_ELEMENTS and not ISO_DATE.fullmatch((node.text or "").strip()):
            problems.append(f"[PEPPOL-EN16931-F001] {name} {node.text!r} is not YYYY-MM-DD.")
        if name == "EndpointID" and node.get("schemeID") and node.get("schemeID") not in EAS_CODES:
            problems.append(
                f"[PEPPOL-EN16931-CL008] The electronic address scheme {node.get('schemeID')!r} "
                "is not in the EAS code list."
            )
    return problems


def _allowance_rules(root: etree._Element) -> list[str]:
    """R040 … R043 on document and line allowances/charges, R121 on price base quantities."""
    problems: list[str] = []
    reader = _Reader([])
    nodes = [
        *_all(root, "cac:AllowanceCharge"),
        *_all(root, "cac:InvoiceLine/cac:AllowanceCharge"),
        *_all(root, "cac:CreditNoteLine/cac:AllowanceCharge"),
    ]
    for node in nodes:
        indicator = _text(node, "cbc:ChargeIndicator")
        if indicator not in ("true", "false"):
            problems.append(
                f"[PEPPOL-EN16931-R043] ChargeIndicator {indicator!r} is not true/false."
            )
        base = reader.amount(node, "cbc:BaseAmount", "base amount")
        factor = reader.amount(node, "cbc:MultiplierFactorNumeric", "percentage")
        if factor is not None and base is None:
            problems.append("[PEPPOL-EN16931-R041] A percentage needs its base amount.")
        if base is not None and factor is None:
            problems.append("[PEPPOL-EN16931-R042] A base amount needs its percentage.")
        amount = reader.amount(node, "cbc:Amount", "amount") or ZERO
        if base is not None and factor is not None and abs(amount - base * factor / 100) > CENT * 2:
            problems.append(
                f"[PEPPOL-EN16931-R040] Allowance/charge {amount} is not {base} × {factor} % "
                f"= {_round(base * factor / 100)}."
            )
    for line in [*_all(root, "cac:InvoiceLine"), *_all(root, "cac:CreditNoteLine")]:
        base_quantity = reader.amount(line, "cac:Price/cbc:BaseQuantity", "base quantity")
        if base_quantity is not None and base_quantity <= 0:
            problems.append(
                f"[PEPPOL-EN16931-R121] Line {_text(line, 'cbc:ID')}: base quantity "
                "must be above zero."
            )
    return problems


def _line_net_rule(root: etree._Element) -> list[str]:
    """PEPPOL-EN16931-R120: line net = quantity × price / base quantity + charges − allowances
    (within 0.02)."""
    problems: list[str] = []
    reader = _Reader([])
    for line in [*_all(root, "cac:InvoiceLine"), *_all(root, "cac:CreditNoteLine")]:
        quantity = reader.amount(line, "cbc:InvoicedQuantity", "quantity")
        if quantity is None:
            quantity = reader.amount(line, "cbc:CreditedQuantity", "quantity")
        price = reader.amount(line, "cac:Price/cbc:PriceAmount", "price")
        base_quantity = reader.amount(
            line, "cac:Price/cbc:BaseQuantity", "base quantity"
        ) or Decimal(1)
        net = reader.amount(line, "cbc:LineExtensionAmount", "net")
        if quantity is None or price is None or net is None or base_quantity == 0:
            continue
        adjustments = ZERO
        for node in _all(line, "cac:AllowanceCharge"):
            amount = reader.amount(node, "cbc:Amount", "amount") or ZERO
            charge = _text(node, "cbc:ChargeIndicator").lower() == "true"
            adjustments += amount if charge else -amount
        expected = quantity * price / base_quantity + adjustments
        if abs(net - expected) > Decimal("0.02"):
            problems.append(
                f"[PEPPOL-EN16931-R120] Line {_text(line, 'cbc:ID')}: net {net} is not "
                f"quantity × price ± allowances/charges = {_round(expected)}."
            )
    return problems
