"""Why the engine proposes a match: codes with values, written out in a language only where
a person reads them (pure; `banking/reason_text.py` writes them in the page's language).

A reason is `(code, values)`: `("amount_exact", {"amount": Decimal("120.00")})`. A value may
itself be a reason (how the party was found). Kept as codes, a proposal's reasons read in
Bulgarian on a Bulgarian page and in English through the API, with amounts written as each
language writes them, and a stored proposal never carries one language's sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

Reason = tuple[str, Mapping[str, Any]]


def N_(text: str) -> str:
    """Marks a text for the catalogue (`core/tests/test_translations.py` reads `N_`)."""
    return text


TEXTS: dict[str, str] = {
    # How the payer was recognised.
    "by_iban": N_("IBAN %(iban)s"),
    "by_learned_iban": N_("learned IBAN %(iban)s"),
    "by_identifier": N_("identifier %(identifier)s in the text"),
    "by_learned_name": N_("learned name %(name)s"),
    "by_name": N_("name %(name)s"),
    "by_similar_name": N_("similar name %(name)s (%(percent)s %%)"),
    # The party.
    "party": N_("party by %(how)s"),
    "party_conflict_strong": N_("but the payer is another party (%(how)s)"),
    "party_conflict_fuzzy": N_("but the name is another party's (%(how)s)"),
    "several_parties": N_("documents of several parties"),
    # The date.
    "date_before_issue": N_("paid before the document was issued"),
    # The amount.
    "amount_exact": N_("amount %(amount)s equals the open amount"),
    "amount_tolerance": N_("short by %(amount)s, within the tolerance: write-off"),
    "amount_partial": N_("partial payment, %(amount)s stays open"),
    "amount_over": N_("overpaid by %(amount)s: the party's credit"),
    "another_of_same_amount": N_("but the payer has another open document of exactly this amount"),
    # What the payment names.
    "reference": N_("reference %(reference)s → %(number)s"),
    "number_in_text": N_("number %(written)s in the text → %(number)s"),
    "named_together": N_("%(count)s documents named in the payment: %(numbers)s"),
    "names_another": N_("but the payment names another of its documents"),
    "closed_reference": N_(
        "but its reference names document %(number)s, which is no longer open (paid twice?)"
    ),
    # A person chose the documents and amounts (the review queue's "Match by hand").
    "by_hand": N_("chosen by a person"),
    # The amount alone.
    "only_amount_in_party": N_("the party's only open document of %(amount)s"),
    "only_amount_in_party_named_others": N_(
        "the party's only open document of %(amount)s, but the payment names other documents"
    ),
    "one_of_same_amount": N_("one of %(count)s open documents of %(amount)s"),
    "combination_in_party": N_("the only combination with this sum: %(numbers)s"),
    "only_amount_anywhere": N_("the only open document of %(amount)s"),
    # Money returned.
    "refund_exact": N_("returns all %(amount)s of the payment of %(date)s"),
    "refund_partial": N_("returns part of the payment of %(date)s, %(amount)s stays"),
    # A reason stored as a sentence before reasons were codes.
    "text": "%(text)s",
}


def reason(code: str, **values: Any) -> Reason:
    assert code in TEXTS, code
    return (code, values)


def write(
    reasons: Iterable[Reason],
    translate: Callable[[str], str] = N_,
    amount: Callable[[Decimal], str] = str,
    day: Callable[[dt.date], str] = str,
) -> str:
    """The reasons as one text, "; " between them, in what `translate` gives; amounts and
    days (kept as ISO text under "date") as `amount` and `day` write them."""
    return "; ".join(_one(item, translate, amount, day) for item in reasons)


def _one(
    item: Reason,
    translate: Callable[[str], str],
    amount: Callable[[Decimal], str],
    day: Callable[[dt.date], str],
) -> str:
    code, values = item
    shown = {}
    for key, value in values.items():
        if key == "how":
            shown[key] = _one(_reason(value), translate, amount, day)
        elif key == "amount":
            shown[key] = amount(Decimal(str(value)))
        elif key == "date":
            shown[key] = day(dt.date.fromisoformat(str(value))) if value else ""
        elif key == "numbers":
            shown[key] = ", ".join(str(n) for n in value)
        else:
            shown[key] = value
    text = TEXTS.get(code)
    if text is None:  # a code a later version wrote; show what is known
        return code
    return translate(text) % shown


def _reason(value: Any) -> Reason:
    code, values = value
    return (str(code), values)


def to_json(reasons: Iterable[Reason]) -> list[list[Any]]:
    """`[[code, {name: value}], …]`, amounts as text, a nested reason as a pair."""
    return [[code, {k: _json_value(v) for k, v in values.items()}] for code, values in reasons]


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Mapping):
        return to_json([value])[0]
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value
