"""The matching engine: which open documents does a bank payment settle? (pure, no database)

`propose(incoming, items, aliases=..., tolerance=...)` returns scored proposals, best first.
Steps (shared/domain/banking.md, "Matching payments to documents"; docs/banking-matching.md):

1. Counterparty: the payer's IBAN known for a party → ЕИК / VAT number found in the text →
   a learned alias (IBAN or bank-side name → party) → the name, normalised (legal forms dropped,
   Cyrillic transliterated, Latin spellings folded) and compared fuzzily; a close second refuses.
2. Candidates: our RF creditor reference or the end-to-end id (decisive), document numbers in
   the text however the payer wrote them ("ф-ра 123", "inv 0000000123", "фактура № 123/05.11",
   "ф-ри 12, 13 и 14"), the party's open items by amount.
3. Score 0–100 from evidence (see `POINTS`); one payment for several documents (the documents
   named in the text, or a bounded subset-sum over the party's open items), partial payment,
   overpayment (the party's credit) and a shortfall within `tolerance` (a proposed write-off).
4. `automatic` is set on the best proposal only when it scores at least `AUTOMATIC` and no
   other proposal comes within `AUTOMATIC_GAP` of it.

Incoming money (`credit`) is matched to `sales` items, outgoing money (`debit`) to `purchase`
items. For a purchase item already in a payment file we generated, pass the end-to-end id of
that file as the item's `reference`: the bank echoes it and it is decisive. A known payer's
money may also return a payment's unallocated rest the other way (`payment_out`: a supplier
sending back our overpayment; `payment_in`: our paying back a client's credit).

`MatchIndex.build(items)` indexes open items by reference, number, party, party identifier,
amount and name so that each `propose` costs O(candidates), not O(items); `propose` also
accepts a plain iterable and indexes it on the fly.

`classify(incoming, rules)` is the rule layer for lines that are no documents: bank fees,
taxes, salaries, transfers between own accounts → a category name.

The engine is a package along its seams: `records` (what goes in and out, the constants),
`text` (names and numbers in bank texts), `index` (the open items indexed, who paid),
`scoring` (evidence and amounts), `proposal` (`propose`) and `rules` (lines that are no
documents). The names below are the public face the rest of the code imports.
"""

from __future__ import annotations

from xfinances.banking.matching.index import (
    MatchIndex,
    PartyGuess,
    identify_party,
    long_run,
)
from xfinances.banking.matching.proposal import propose
from xfinances.banking.matching.records import (
    AUTOMATIC,
    AUTOMATIC_GAP,
    CREDIT,
    DEBIT,
    FUZZY_MARGIN,
    FUZZY_NAME,
    MAX_PARTY_ITEMS,
    MAX_SUBSET_SIZE,
    PAYMENT_IN,
    PAYMENT_OUT,
    POINTS,
    PURCHASE,
    REFUND_KINDS,
    REVIEW,
    SALES,
    SUBSET_TIME_BOX,
    ZERO,
    Incoming,
    OpenItem,
    Proposal,
    incoming_from_entry,
)
from xfinances.banking.matching.rules import (
    DEFAULT_RULES,
    Rule,
    ScreenedRules,
    classify,
    first_rule,
    fits,
    has_condition,
    own_transfer_rule,
    rules_by_direction,
    split_ibans,
)
from xfinances.banking.matching.text import (
    LEGAL_FORMS,
    NumberMention,
    alias_key,
    compact_identifier,
    find_identifiers,
    find_numbers,
    name_skeleton,
    number_key,
    transliterate,
)

__all__ = [
    "AUTOMATIC",
    "AUTOMATIC_GAP",
    "CREDIT",
    "DEBIT",
    "DEFAULT_RULES",
    "FUZZY_MARGIN",
    "FUZZY_NAME",
    "LEGAL_FORMS",
    "MAX_PARTY_ITEMS",
    "MAX_SUBSET_SIZE",
    "PAYMENT_IN",
    "PAYMENT_OUT",
    "POINTS",
    "PURCHASE",
    "REFUND_KINDS",
    "REVIEW",
    "SALES",
    "SUBSET_TIME_BOX",
    "ZERO",
    "Incoming",
    "MatchIndex",
    "NumberMention",
    "OpenItem",
    "PartyGuess",
    "Proposal",
    "Rule",
    "ScreenedRules",
    "alias_key",
    "classify",
    "compact_identifier",
    "find_identifiers",
    "find_numbers",
    "first_rule",
    "fits",
    "has_condition",
    "identify_party",
    "incoming_from_entry",
    "long_run",
    "name_skeleton",
    "number_key",
    "own_transfer_rule",
    "propose",
    "rules_by_direction",
    "split_ibans",
    "transliterate",
]
