"""Rules for lines that are no documents: fees, taxes, interest, card settlements, salaries,
own transfers → a cash-flow category (pure).

A `Rule` sets conditions; every condition it sets must hold and the first fitting rule (in
order) wins. `DEFAULT_RULES` are the shipped Bulgarian cases, each with a `code` (the
company's copy of it is seeded once and is then the company's to edit or switch off) and the
treasury category code it files under. Text patterns are regular expressions, any case.

The Bulgarian cases: budget payments (taxes, VAT, social and health insurance) go to accounts
of the BNB whose IBAN reads `BG.. BNBG 96..` (since 2020 the NRA collects them on one account
per territorial directorate, `BG.. BNBG 9661 …`), and the budget payment order carries a
six-digit "вид плащане" code; bank charges, interest, card settlements of the acquirer and
salaries are recognised by their words (and, where the file gives one, the bank's transaction
code)."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xfinances.banking.matching.records import CREDIT, DEBIT, Incoming
from xfinances.banking.matching.text import compact_identifier


@dataclass(frozen=True)
class Rule:
    """A rule for a line that is no document. Every given condition must hold; the first
    matching rule (in order) names the category."""

    name: str
    category: str  # a treasury category code ("bank_fees", "taxes" …) or a category id
    text_pattern: str = ""  # regular expression over the payment details, any case
    direction: str = ""  # "credit" | "debit" | "" (either)
    counterparty_ibans: frozenset[str] = frozenset()
    iban_prefix: str = ""  # a regular expression at the IBAN's start ("BG..BNBG96")
    max_amount: Decimal | None = None
    min_amount: Decimal | None = None
    name_pattern: str = ""  # regular expression over the counterparty's name, any case
    iban_patterns: tuple[str, ...] = ()  # IBANs with ? and * ("BG??BNBG96*")
    bank_code: str = ""  # the bank's transaction code starts with this ("NCHG", "PMNT-…")
    code: str = ""  # the shipped default this is (empty for a company's own)
    key: int | None = None  # the stored rule's id


_LITERAL = re._parser.LITERAL
_BRANCH = re._parser.BRANCH


@functools.lru_cache(maxsize=1024)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _glob(text: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(compact_identifier(text)))


def split_ibans(value: str) -> tuple[str, ...]:
    """The IBANs (or IBAN patterns) of a rule's field: separated by commas, semicolons or
    new lines; spaces inside one IBAN are ignored."""
    return tuple(
        compact_identifier(part) for part in re.split(r"[,;\n]+", value or "") if part.strip()
    )


def has_condition(rule: Rule) -> bool:
    """A rule with no condition but direction or amount would swallow every line."""
    return bool(
        rule.text_pattern
        or rule.counterparty_ibans
        or rule.iban_prefix
        or rule.name_pattern
        or rule.iban_patterns
        or rule.bank_code
    )


def fits(rule: Rule, incoming: Incoming) -> bool:
    """Every condition the rule sets holds for the payment."""
    if rule.direction and rule.direction != incoming.direction:
        return False
    if rule.max_amount is not None and incoming.amount > rule.max_amount:
        return False
    if rule.min_amount is not None and incoming.amount < rule.min_amount:
        return False
    if rule.counterparty_ibans or rule.iban_prefix or rule.iban_patterns:
        iban = compact_identifier(incoming.counterparty_iban)
        if rule.counterparty_ibans and iban not in rule.counterparty_ibans:
            return False
        if rule.iban_prefix and not re.match(rule.iban_prefix, iban):
            return False
        if rule.iban_patterns and not any(_glob(p).match(iban) for p in rule.iban_patterns):
            return False
    if rule.bank_code and not incoming.bank_code.upper().startswith(rule.bank_code.upper()):
        return False
    if rule.name_pattern and not _pattern(rule.name_pattern).search(incoming.counterparty_name):
        return False
    if rule.text_pattern:
        # The name joins the text: banks put the fee's or the tax's wording in either.
        haystack = f"{incoming.text} {incoming.counterparty_name}"
        if not _pattern(rule.text_pattern).search(haystack):
            return False
    return has_condition(rule)


def first_rule(incoming: Incoming, rules: Iterable[Rule]) -> Rule | None:
    """The first rule that fits the payment, or None."""
    if isinstance(rules, ScreenedRules) and rules.no_pattern_finds(
        f"{incoming.text} {incoming.counterparty_name}"
    ):
        # Only the rules without a text pattern can fit.
        return next((r for r in rules if not r.text_pattern and fits(r, incoming)), None)
    return next((rule for rule in rules if fits(rule, incoming)), None)


# What makes patterns unsafe to join into one: backreferences (their numbers would shift) and
# inline flags (allowed only at the start of a whole expression).
_UNJOINABLE = re.compile(r"\\\d|\(\?P=|\(\?[aiLmsux-]")


class ScreenedRules(list[Rule]):
    """Rules in their order, with one expression joining all their text patterns. Most lines of
    a statement are client payments that no fee, tax or salary wording fits: one search then
    rules out every rule with a text pattern, instead of one search per rule. `first_rule`
    answers as over the plain list (when the patterns cannot be joined, it is the plain list)."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        super().__init__(rules)
        patterns = tuple(r.text_pattern for r in self if r.text_pattern)
        self.screen = _joined(patterns)
        self.literals = _literal_screen(patterns) if self.screen is not None else None

    def no_pattern_finds(self, haystack: str) -> bool:
        """Whether surely no rule's text pattern finds anything in the text (False when the
        patterns could not be joined: then each rule tries its own)."""
        if self.screen is None:
            return False
        if self.literals is not None and not self.literals.search(fold(haystack)):
            return True
        return not self.screen.search(haystack)


@functools.lru_cache(maxsize=64)
def _joined(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns or any(_UNJOINABLE.search(p) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    except re.error:  # a duplicate group name, or a wrong pattern `fits` will report itself
        return None


def rules_by_direction(rules: Iterable[Rule]) -> dict[str, ScreenedRules]:
    """The rules that can fit a credit and those that can fit a debit, each in their order:
    `first_rule` over one of them answers as over all (a rule for the other direction never
    fits), without trying every rule on every payment of a large import."""
    rules = list(rules)
    return {
        direction: ScreenedRules(r for r in rules if not r.direction or r.direction == direction)
        for direction in (CREDIT, DEBIT)
    }


def classify(incoming: Incoming, rules: Iterable[Rule]) -> str | None:
    """The category of the first rule that fits the payment, or None."""
    rule = first_rule(incoming, rules)
    return rule.category if rule is not None else None


def own_transfer_rule(own_ibans: Iterable[str]) -> Rule:
    """Money between the company's own accounts."""
    return Rule(
        name="own accounts",
        category="own_transfer",
        counterparty_ibans=frozenset(compact_identifier(i) for i in own_ibans),
    )


FEE_WORDS = (
    r"такс[аи]|комисион|обслужване на сметка|\bfee\b|\bcharges?\b|commission|"
    r"поддръжка на сметка|месечна такса"
)
TAX_WORDS = r"\bНАП\b|\bНОИ\b|\bДДС\b|данък|осигур|\bVAT\b|\btax\b|вноска за ДОО|здравн"

# In order: the budget accounts first (a fee word in a tax payment's text does not make it a
# fee), then the "вид плащане" code, the tax words, and the rest.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        name="Бюджетни сметки в БНБ (НАП, НОИ, митници, общини)",
        category="taxes",
        direction=DEBIT,
        iban_patterns=("BG??BNBG96*",),
        code="bg-budget-accounts",
    ),
    Rule(
        name="Плащане към бюджета с вид плащане",
        category="taxes",
        direction=DEBIT,
        text_pattern=r"вид\s+(?:на\s+)?плащане\s*:?\s*\d{6}",
        code="bg-payment-kind",
    ),
    Rule(
        name="Данъци и осигуровки",
        category="taxes",
        direction=DEBIT,
        text_pattern=TAX_WORDS,
        code="bg-taxes",
    ),
    Rule(
        name="Банкови такси",
        category="bank_fees",
        direction=DEBIT,
        text_pattern=FEE_WORDS,
        max_amount=Decimal("500"),
        code="bg-bank-fees",
    ),
    Rule(
        name="Лихви",
        category="interest",
        text_pattern=r"лихв|\binterest\b",
        code="bg-interest",
    ),
    Rule(
        name="Картови плащания (POS)",
        category="cards",
        direction=CREDIT,
        text_pattern=r"\bPOS\b|\bПОС\b|картов|терминал|card settlement|merchant|борика",
        code="bg-card-settlements",
    ),
    Rule(
        name="Заплати",
        category="salaries",
        direction=DEBIT,
        text_pattern=r"заплат|трудово възнаграждение|аванс за м|\bsalary\b|\bpayroll\b|"
        r"хонорар|\bwages?\b",
        code="bg-salaries",
    ),
)


def fold(text: str) -> str:
    """The text in a form where any case-blind match of a literal is a plain substring match:
    full case folding ("ſ" → "s", "ẞ" → "ss"), less the combining dot that folding adds to
    "İ", and the dotless "ı" as "i" (a case-blind expression matches both with a plain "i")."""
    return text.casefold().replace("\u0307", "").replace("\u0131", "i")


@functools.lru_cache(maxsize=64)
def _literal_screen(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    r"""A cheaper screen before the joined expression: every alternative of every pattern
    holds a run of plain characters that any match of it must contain; one case-sensitive
    search for those runs over the folded text (a few microseconds, against tens for a
    case-blind search of the patterns themselves) rules most lines out. None when some
    alternative has no such run (`\d{6}` alone): then the joined expression screens alone."""
    runs: set[str] = set()
    for pattern in patterns:
        try:
            parsed = re._parser.parse(pattern, re.IGNORECASE)
        except (re.error, AttributeError):
            return None
        for alternative in _alternatives(parsed):
            run = _longest_run(alternative)
            if not run:
                return None
            runs.add(fold(run))
    if not runs:
        return None
    return re.compile("|".join(re.escape(r) for r in sorted(runs, key=len, reverse=True)))


def _alternatives(parsed: Any) -> list[Any]:
    """The top level's alternatives of a parsed expression (itself when there is one)."""
    items = list(parsed)
    if len(items) == 1 and items[0][0] == _BRANCH:
        return list(items[0][1][1])
    return [parsed]


def _longest_run(alternative: Any) -> str:
    """The longest run of consecutive literal characters at the top of an alternative's
    sequence: each is required for any match of it, in that order and side by side."""
    best, run = "", []
    for op, value in alternative:
        if op == _LITERAL:
            run.append(chr(value))
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    return max(best, "".join(run), key=len)
