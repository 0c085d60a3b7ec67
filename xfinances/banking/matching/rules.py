"""Rules for lines that are no documents: fees, taxes, salaries, own transfers (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from xfinances.banking.matching.records import DEBIT, Incoming
from xfinances.banking.matching.text import compact_identifier


@dataclass(frozen=True)
class Rule:
    """A rule for a line that is no document. Every given condition must hold; the first
    matching rule (in order) names the category."""

    name: str
    category: str  # "bank_fees", "taxes", "salaries", "own_transfer" or a company's own
    text_pattern: str = ""  # regular expression over text + counterparty name, any case
    direction: str = ""  # "credit" | "debit" | "" (either)
    counterparty_ibans: frozenset[str] = frozenset()
    iban_prefix: str = ""  # e.g. the BNB's budget accounts "BG..BNBG"
    max_amount: Decimal | None = None


def classify(incoming: Incoming, rules: Iterable[Rule]) -> str | None:
    """The category of the first rule that fits the payment, or None."""
    iban = compact_identifier(incoming.counterparty_iban)
    haystack = f"{incoming.text} {incoming.counterparty_name}"
    for rule in rules:
        if rule.direction and rule.direction != incoming.direction:
            continue
        if rule.counterparty_ibans and iban not in rule.counterparty_ibans:
            continue
        if rule.iban_prefix and not re.match(rule.iban_prefix, iban):
            continue
        if rule.max_amount is not None and incoming.amount > rule.max_amount:
            continue
        if rule.text_pattern and not re.search(rule.text_pattern, haystack, re.I):
            continue
        if not (rule.text_pattern or rule.counterparty_ibans or rule.iban_prefix):
            continue  # a rule without a condition would swallow everything
        return rule.category
    return None


def own_transfer_rule(own_ibans: Iterable[str]) -> Rule:
    """Money between the company's own accounts."""
    return Rule(
        name="own accounts",
        category="own_transfer",
        counterparty_ibans=frozenset(compact_identifier(i) for i in own_ibans),
    )


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        name="bank fees",
        category="bank_fees",
        direction=DEBIT,
        text_pattern=r"такс[аи]|комисион|обслужване на сметка|\bfee\b|\bcharges?\b|"
        r"commission|поддръжка на сметка|месечна такса",
        max_amount=Decimal("500"),
    ),
    Rule(
        name="budget accounts (NRA, customs, municipalities)",
        category="taxes",
        direction=DEBIT,
        iban_prefix=r"BG\d\dBNBG96",
    ),
    Rule(
        name="taxes",
        category="taxes",
        direction=DEBIT,
        text_pattern=r"\bНАП\b|\bДДС\b|данък|осигур|\bVAT\b|\btax\b|вноска за ДОО|здравн",
    ),
    Rule(
        name="salaries",
        category="salaries",
        direction=DEBIT,
        text_pattern=r"заплат|трудово възнаграждение|аванс за м|\bsalary\b|\bpayroll\b|"
        r"хонорар|\bwages?\b",
    ),
)
