"""The EN 16931 VAT category rules (BR-S, BR-Z, BR-E, BR-AE, BR-IC for K, BR-G, BR-O): each
category used needs its breakdown rows, the identifiers it requires, line rates of its kind,
taxable and tax amounts that add up, and an exemption reason exactly when it calls for one."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from xfinances.accounting.ubl_rules.common import (
    CATEGORY_RULES,
    NS,
    ZERO,
    _CategoryRules,
    _round,
    _Taxed,
    _text,
)

#: One VAT breakdown row: category, rate, taxable amount, tax amount, its TaxCategory element.
BreakdownRow = tuple[str, Decimal | None, Decimal, Decimal, etree._Element]
_Row = tuple[Decimal | None, Decimal, Decimal, etree._Element]


@dataclass(frozen=True)
class Parties:
    """The identifiers the category rules look at."""

    seller_vat: list[str]
    seller_tax_ids: list[str]
    representative_vat: list[str]
    buyer_vat: list[str]
    buyer_legal: str

    @property
    def seller_identified(self) -> bool:
        return bool(self.seller_vat or self.seller_tax_ids or self.representative_vat)


@dataclass
class _Categories:
    taxed: list[_Taxed]
    parties: Parties
    root: etree._Element
    rows_of: dict[str, list[_Row]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def usage(self, code: str, rules: _CategoryRules) -> None:
        """BR-x-01 (breakdown rows of a used category) and BR-x-02 (identifiers)."""
        p, name, rows = rules.prefix, rules.name, self.rows_of.get(code, [])
        parties = self.parties
        if rules.exactly_one and len(rows) != 1:
            self.problems.append(
                f"[{p}-01] {name} is used but the VAT breakdown has {len(rows)} rows of it "
                "(exactly one needed)."
            )
        elif not rules.exactly_one and not rows:
            self.problems.append(f"[{p}-01] {name} is used but missing from the VAT breakdown.")
        if code == "O":
            if parties.seller_vat or parties.representative_vat or parties.buyer_vat:
                self.problems.append(
                    f"[{p}-02] {name} forbids the seller's and the buyer's VAT identifiers."
                )
        elif rules.seller_vat and not parties.seller_identified:
            self.problems.append(f"[{p}-02] {name} needs the seller's VAT identifier.")
        if rules.buyer_id == "vat" and not parties.buyer_vat:
            self.problems.append(f"[{p}-02] {name} needs the buyer's VAT identifier.")
        if rules.buyer_id == "vat_or_legal" and not (parties.buyer_vat or parties.buyer_legal):
            self.problems.append(
                f"[{p}-02] {name} needs the buyer's VAT identifier or legal registration "
                "identifier."
            )

    def item_rates(self, code: str, rules: _CategoryRules) -> None:
        """BR-x-05: the rate of each line, allowance and charge of the category."""
        p, name = rules.prefix, rules.name
        for item in self.taxed:
            if item.category != code:
                continue
            if code == "O" and item.rate is not None:
                self.problems.append(f"[{p}-05] A {item.kind} {name} must carry no VAT rate.")
            elif rules.zero_rate and item.rate != 0:
                self.problems.append(f"[{p}-05] A {item.kind} {name} must have a VAT rate of 0.")
            elif code == "S" and not (item.rate is not None and item.rate > 0):
                self.problems.append(f"[{p}-05] A {item.kind} {name} must have a VAT rate above 0.")

    def rows(self, code: str, rules: _CategoryRules) -> None:
        """BR-x-08 (taxable amount), BR-x-09 (tax amount), BR-x-10 (exemption reason)."""
        p, name = rules.prefix, rules.name
        for rate, base, vat, node in self.rows_of.get(code, []):
            matching = [
                t for t in self.taxed if t.category == code and (code != "S" or t.rate == rate)
            ]
            expected = _round(
                sum((t.amount for t in matching if t.kind != "allowance"), ZERO)
                - sum((t.amount for t in matching if t.kind == "allowance"), ZERO)
            )
            if base != expected:
                self.problems.append(
                    f"[{p}-08] Taxable amount {base} of {name}"
                    + (f" {rate} %" if code == "S" else "")
                    + f" is not the sum of its lines − allowances + charges = {expected}."
                )
            if code == "S" and rate is not None:
                target = _round(abs(base) * rate / 100)
                if not abs(abs(vat) - target) < 1:
                    self.problems.append(f"[{p}-09] VAT {vat} is not {base} × {rate} % = {target}.")
            elif vat != 0:
                self.problems.append(f"[{p}-09] The tax amount of {name} must be 0, not {vat}.")
            has_reason = bool(
                _text(node, "cbc:TaxExemptionReasonCode") or _text(node, "cbc:TaxExemptionReason")
            )
            if rules.reason and not has_reason:
                self.problems.append(f"[{p}-10] {name} needs an exemption reason or reason code.")
            if not rules.reason and has_reason:
                self.problems.append(f"[{p}-10] {name} must not carry an exemption reason.")

    def intra_community(self) -> None:
        """BR-IC-11/12: a K row needs the delivery date (or period) and the country."""
        root = self.root
        if not (
            _text(root, "cac:Delivery/cbc:ActualDeliveryDate")
            or root.find("cac:InvoicePeriod", NS) is not None
        ):
            self.problems.append(
                "[BR-IC-11] An intra-community supply needs the delivery date or the "
                "invoicing period."
            )
        if not _text(
            root,
            "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode",
        ):
            self.problems.append(
                "[BR-IC-12] An intra-community supply needs the deliver-to country code."
            )

    def not_subject(self) -> None:
        """BR-O-11/12: "not subject to VAT" excludes every other category."""
        if len(self.rows_of) > 1:
            self.problems.append(
                "[BR-O-11] Not subject to VAT excludes every other VAT breakdown row."
            )
        if any(item.category != "O" for item in self.taxed if item.kind == "line"):
            self.problems.append("[BR-O-12] Not subject to VAT excludes lines of another category.")


def category_rules(
    breakdown: list[BreakdownRow],
    taxed: list[_Taxed],
    parties: Parties,
    root: etree._Element,
) -> list[str]:
    """The category rules the breakdown, lines, allowances and charges break."""
    check = _Categories(list(taxed), parties, root)
    for category, rate, base, vat, node in breakdown:
        check.rows_of.setdefault(category, []).append((rate, base, vat, node))
    used = {item.category for item in check.taxed}
    for code, rules in CATEGORY_RULES.items():
        if code in used:
            check.usage(code, rules)
        check.item_rates(code, rules)
        check.rows(code, rules)
        if code == "K" and check.rows_of.get(code):
            check.intra_community()
    if "O" in check.rows_of:
        check.not_subject()
    return check.problems
