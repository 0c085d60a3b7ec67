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
that file as the item's `reference`: the bank echoes it and it is decisive.

`MatchIndex.build(items)` indexes open items by reference, number, party, party identifier,
amount and name so that each `propose` costs O(candidates), not O(items); `propose` also
accepts a plain iterable and indexes it on the fly.

`classify(incoming, rules)` is the rule layer for lines that are no documents: bank fees,
taxes, salaries, transfers between own accounts → a category name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from difflib import SequenceMatcher

from xfinances.banking.records import BankEntry
from xfinances.invoicing.creditor_reference import find_rf_references

SALES = "sales"
PURCHASE = "purchase"
CREDIT = "credit"
DEBIT = "debit"
ZERO = Decimal("0")

AUTOMATIC = 85  # a unique proposal scoring this much is applied without a person
AUTOMATIC_GAP = 15  # ... when no other proposal comes this close
REVIEW = 40  # proposals below this are not returned (the payment stays unmatched)
MAX_PARTY_ITEMS = 40  # open items of one party considered for amount and subset-sum matching
MAX_SUBSET_SIZE = 5
SUBSET_TIME_BOX = 0.01  # seconds per payment for the subset-sum search
FUZZY_NAME = 0.86  # similarity a fuzzy name needs
FUZZY_MARGIN = 0.05  # ... and how far ahead of the next party

# Evidence → points. Reasons in proposals name them.
POINTS = {
    "reference": 70,  # our RF reference or end-to-end id
    "number_full": 65,  # the document number written in full ("0000000123")
    "number_keyword": 60,  # a number after "ф-ра", "фактура №", "inv", "№" …
    "number_bare": 35,  # a bare number equal to the document number without leading zeros
    "amount_exact": 20,
    "amount_tolerance": 15,  # short by at most the tolerance
    "amount_partial": 5,  # less than the open amount (another payment may follow)
    "amount_over": 5,  # more than the open amount (the rest is the party's credit)
    "party_strong": 20,  # party known by IBAN, ЕИК/VAT number or alias
    "party_fuzzy": 10,  # party known by a similar name
    "party_conflict_strong": -50,  # the item belongs to another party than the IBAN/ЕИК says
    "party_conflict_fuzzy": -20,
    "only_amount_in_party": 45,  # the only open item of the party with exactly this amount
    "combination_in_party": 35,  # the only combination of the party's items with this sum
    "only_amount_anywhere": 40,  # no party known; the only open item anywhere with this amount
    "date_plausible": 5,  # paid between issue and 120 days after the due date
    "date_before_issue": -15,
}


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open document: a sales document to be paid to us or a purchase invoice we owe."""

    kind: str  # "sales" | "purchase"
    id: int
    number: str
    party_id: int | None
    party_name: str
    party_identifiers: tuple[str, ...]  # ЕИК, VAT number, IBANs of the party
    reference: str  # RF creditor reference (or the end-to-end id of our payment file)
    open_amount: Decimal
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None


@dataclass(frozen=True, slots=True)
class Incoming:
    """A bank payment to match (from records.BankEntry)."""

    amount: Decimal  # positive
    currency: str
    direction: str  # "credit" | "debit"
    booking_date: dt.date
    reference: str = ""
    end_to_end_id: str = ""
    text: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    allocations: tuple[tuple[str, int, Decimal], ...]  # (kind, item id, amount)
    party_id: int | None
    score: int  # 0–100
    reason: str
    automatic: bool
    overpayment: Decimal  # paid beyond the open amounts: the party's credit
    shortfall: Decimal  # left open within the tolerance: a proposed write-off


def incoming_from_entry(entry: BankEntry) -> Incoming:
    """The payment to match from a normalised bank entry (banking/records.py)."""
    return Incoming(
        amount=entry.amount,
        currency=entry.currency,
        direction=str(entry.direction),
        booking_date=entry.booking_date,
        reference=entry.reference,
        end_to_end_id=entry.end_to_end_id,
        text=entry.text,
        counterparty_name=entry.counterparty.name,
        counterparty_iban=entry.counterparty.iban,
    )


# --------------------------------------------------------------------------- names

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya", "ѝ": "i", "ё": "yo",
    "э": "e", "ы": "i",
}  # fmt: skip
_TRANSLIT_TABLE = str.maketrans(_TRANSLIT)
# Latin spellings of the same Bulgarian sounds fold to one skeleton ("Zhivko", "Jivko").
_FOLDS = (
    ("sht", "st"), ("zh", "j"), ("ts", "c"), ("tz", "c"), ("ch", "c"), ("sh", "s"),
    ("kh", "h"), ("yu", "u"), ("iu", "u"), ("ya", "a"), ("ia", "a"), ("y", "i"),
    ("w", "v"), ("x", "ks"), ("ph", "f"), ("q", "k"),
)  # fmt: skip
LEGAL_FORMS = frozenset((
    "ood", "eood", "ad", "ead", "et", "sd", "kd", "kda", "zad", "eaad", "adsits", "ltd", "llc",
    "gmbh", "plc", "inc", "sa", "srl", "spa", "bv", "ag", "co", "corp", "limited", "company",
))  # fmt: skip
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ABBREVIATION_MARKS = re.compile(r"[.'`’]")  # "B.S. Trade" = "BS Trade"


def transliterate(text: str) -> str:
    """Bulgarian Cyrillic → Latin (the official streamlined system), lower case."""
    return (text or "").lower().translate(_TRANSLIT_TABLE)


@functools.lru_cache(maxsize=65_536)
def name_skeleton(name: str) -> str:
    """The comparable form of a company or person name: transliterated, lower case, legal
    forms and punctuation dropped, Latin spelling variants folded ("ЕТ Живко Щерев" and
    "Jivko Shterev ET" → "jivko sterev")."""
    words = _NON_ALNUM.sub(" ", _ABBREVIATION_MARKS.sub("", transliterate(name))).split()
    kept = [w for w in words if w not in LEGAL_FORMS] or words
    text = " ".join(kept)
    for source, target in _FOLDS:
        text = text.replace(source, target)
    return text


def compact_identifier(value: str) -> str:
    """An IBAN, ЕИК or VAT number without spaces or separators, upper case."""
    if not value:
        return ""
    if value.isalnum():
        return value.upper()
    return _IDENTIFIER_SEPARATORS.sub("", value).upper()


def alias_key(value: str) -> str:
    """The key a learned alias is stored under: a compact IBAN, or a name skeleton."""
    compact = compact_identifier(value)
    if _IBAN.fullmatch(compact):
        return compact
    return name_skeleton(value)


def _name_tokens(skeleton: str) -> list[str]:
    return [w[:4] for w in skeleton.split() if len(w) >= 3]


# --------------------------------------------------------------------------- numbers in text

_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_IDENTIFIER_SEPARATORS = re.compile(r"[\s\-./]")
_NON_DIGITS = re.compile(r"\D")
_DIGIT_RUNS = re.compile(r"\d+")
_ANY_DIGIT = re.compile(r"\d")
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b", re.I)
# Dates and amounts: "05.11", "05.11.2025", "2025-11-05", "1 234,56", "1234.50".
_DATES_AMOUNTS = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d+(?:[ .]\d{3})*[.,]\d{2}\b"
    r"|\b\d{1,2}\.\d{1,2}\b"
)
_TOKENS = re.compile(
    r"(?P<kw>(?:"
    r"ф(?:актур[^\W\d]*|ак|-?р[аи]|\.|/р)|фра|фн|фф|inv[^\W\d]*|fakt[^\W\d]*|"
    r"ф-?ри|№|no\.?|nr\.?|num[^\W\d]*|номер[^\W\d]*|док(?:умент)?[^\W\d]*|"
    r"проф(?:орм)?[^\W\d]*|сметк[^\W\d]*|bill[^\W\d]*|doc[^\W\d]*)(?![^\W\d]))"
    r"|(?P<num>\d+)"
    r"|(?P<sep>[\s,;:#./\\\-–&+()]+|\bи\b|\band\b|\bот\b|\bfrom\b)"
    r"|(?P<word>[^\W\d]+)"
    r"|(?P<other>.)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class NumberMention:
    written: str  # the digits as the payer wrote them
    key: str  # without leading zeros
    keyword: bool  # after "ф-ра", "№", "inv" … (or in a list that follows one)


def number_key(number: str) -> str:
    """The matching key of a document number: its digits without leading zeros."""
    digits = number if number.isdigit() else _NON_DIGITS.sub("", number or "")
    return digits.lstrip("0") or ("0" if digits else "")


def _blank_references(text: str, references: list[str]) -> str:
    """`text` with each reference (written with spaces or hyphens inside) blanked out."""
    if not references:
        return text
    positions = [k for k, c in enumerate(text) if c not in " -\u00a0"]
    compact = "".join(text[k] for k in positions).upper()
    chars = list(text)
    for reference in references:
        start = compact.find(reference)
        while start >= 0:
            for k in positions[start : start + len(reference)]:
                chars[k] = " "
            start = compact.find(reference, start + len(reference))
    return "".join(chars)


def find_numbers(
    text: str, *, all_keyword: bool = False, references: list[str] | None = None
) -> list[NumberMention]:
    """Every number in a remittance text that may be a document number, in order.

    RF references, IBANs, dates and amounts are removed first. A number after a keyword
    ("ф-ра", "фактура №", "inv", "№", "док.") is marked `keyword`, and so is every number in
    a list that follows one ("ф-ри 12, 13 и 14"); a plain word ends the list."""
    if not text or not _ANY_DIGIT.search(text):
        return []
    if references is None and ("rf" in text or "RF" in text or "Rf" in text or "rF" in text):
        references = find_rf_references(text)
    if references:
        text = _blank_references(text, references)
    text = _IBAN_IN_TEXT.sub(" ", text)
    text = _DATES_AMOUNTS.sub(" ", text)
    found: list[NumberMention] = []
    in_list = all_keyword
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "kw":
            in_list = True
        elif kind == "num":
            written = match.group()
            found.append(NumberMention(written, written.lstrip("0") or "0", in_list))
        elif kind in ("word", "other"):
            in_list = all_keyword
    return found


_IDENTIFIER_IN_TEXT = re.compile(r"(?<![0-9A-Z])(?:[A-Z]{2}\s?)?\d{9,13}(?!\d)", re.I)


def find_identifiers(text: str) -> list[str]:
    """ЕИК / VAT / ЕГН-like numbers in free text, compact ("BG123456789", "123456789")."""
    found = []
    for match in _IDENTIFIER_IN_TEXT.finditer(text or ""):
        value = compact_identifier(match.group())
        found.append(value)
        if not value[:2].isdigit():
            found.append(value[2:])
    return found


# --------------------------------------------------------------------------- the index


def _item_number_keys(number: str) -> set[str]:
    keys = set()
    full = number_key(number)
    if full:
        keys.add(full)
    if number.isdigit():
        return keys
    runs = _DIGIT_RUNS.findall(number or "")
    if len(runs) > 1:
        last = runs[-1].lstrip("0")
        if len(last) >= 3:
            keys.add(last)
    return keys


def _normal_reference(value: str) -> str:
    if not value:
        return ""
    return "".join(value.split()).upper()


@dataclass
class MatchIndex:
    """Open items indexed for `propose`: by reference, number key, party, party identifier,
    amount and party name. Build once per run with `MatchIndex.build(items)`; `add` and
    `remove` keep it current when allocations change an item."""

    by_reference: dict[str, list[OpenItem]] = field(default_factory=lambda: defaultdict(list))
    by_number: dict[str, list[OpenItem]] = field(default_factory=lambda: defaultdict(list))
    by_party: dict[int, list[OpenItem]] = field(default_factory=lambda: defaultdict(list))
    by_amount: dict[tuple[str, str, Decimal], list[OpenItem]] = field(
        default_factory=lambda: defaultdict(list)
    )
    parties_by_identifier: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    parties_by_skeleton: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    parties_by_token: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    skeleton_of_party: dict[int, str] = field(default_factory=dict)
    items: dict[tuple[str, int], OpenItem] = field(default_factory=dict)

    @classmethod
    def build(cls, items: Iterable[OpenItem]) -> MatchIndex:
        index = cls()
        # Bulk building makes millions of small containers and no reference cycles; the cyclic
        # collector would rescan them all again and again (a third of the time at 1M items).
        collecting = gc.isenabled()
        gc.disable()
        try:
            add = index.add
            for item in items:
                add(item)
        finally:
            if collecting:
                gc.enable()
        return index

    def _keys(self, item: OpenItem) -> tuple[str, set[str], tuple[str, str, Decimal]]:
        return (
            _normal_reference(item.reference),
            _item_number_keys(item.number),
            (item.kind, item.currency, item.open_amount),
        )

    def add(self, item: OpenItem) -> None:
        """Index an item (replacing an earlier version of it: same kind and id)."""
        ident = (item.kind, item.id)
        if ident in self.items:
            self.remove(item.kind, item.id)
        self.items[ident] = item
        # The common shapes (an upper-case reference without spaces, a number of digits)
        # skip the general normalisation: this runs a million times per matching run.
        reference = item.reference
        if reference:
            if " " in reference or not reference.isupper():
                reference = _normal_reference(reference)
            self.by_reference[reference].append(item)
        number = item.number
        if number.isdigit():
            self.by_number[number.lstrip("0") or "0"].append(item)
        else:
            for key in _item_number_keys(number):
                self.by_number[key].append(item)
        self.by_amount[(item.kind, item.currency, item.open_amount)].append(item)
        party = item.party_id
        if party is None:
            return
        self.by_party[party].append(item)
        if party not in self.skeleton_of_party:
            self._add_party(party, item)

    def _add_party(self, party: int, item: OpenItem) -> None:
        for identifier in item.party_identifiers:
            compact = compact_identifier(identifier)
            if not compact:
                continue
            self.parties_by_identifier[compact].add(party)
            if len(compact) > 2 and compact[:2].isalpha() and compact[2:].isdigit():
                self.parties_by_identifier[compact[2:]].add(party)  # BG123456789 → ЕИК
        skeleton = name_skeleton(item.party_name)
        self.skeleton_of_party[party] = skeleton
        if skeleton:
            self.parties_by_skeleton[skeleton].add(party)
            for token in _name_tokens(skeleton):
                self.parties_by_token[token].add(party)

    def remove(self, kind: str, item_id: int) -> OpenItem | None:
        """Take an item out (fully paid, or to be re-added with a new open amount)."""
        item = self.items.pop((kind, item_id), None)
        if item is None:
            return None
        reference, numbers, amount = self._keys(item)

        def drop(table: dict, key: object) -> None:
            bucket = [i for i in table.get(key, ()) if not (i.kind == kind and i.id == item_id)]
            if bucket:
                table[key] = bucket
            else:
                table.pop(key, None)

        if reference:
            drop(self.by_reference, reference)
        for key in numbers:
            drop(self.by_number, key)
        drop(self.by_amount, amount)
        if item.party_id is not None:
            drop(self.by_party, item.party_id)
        return item


@contextlib.contextmanager
def long_run() -> Iterator[None]:
    """Around a matching run over a large index: the index's millions of objects are moved out
    of the cyclic garbage collector's sight (`gc.freeze`), which otherwise rescans all of them
    again and again while proposals are made (two thirds of the time at 1,000,000 items). They
    hold no reference cycles, so nothing leaks; reference counting still frees them."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# --------------------------------------------------------------------------- counterparty


@dataclass(frozen=True, slots=True)
class PartyGuess:
    party_id: int
    strong: bool  # by IBAN, identifier or alias (not only a similar name)
    how: str


def identify_party(
    incoming: Incoming, index: MatchIndex, aliases: Mapping[str, int]
) -> PartyGuess | None:
    """Who paid (or whom we paid): IBAN → ЕИК/VAT in the text → alias → name → fuzzy name."""
    iban = compact_identifier(incoming.counterparty_iban)
    if iban:
        parties = index.parties_by_identifier.get(iban, set())
        if len(parties) == 1:
            return PartyGuess(next(iter(parties)), True, f"IBAN {iban}")
        if iban in aliases:
            return PartyGuess(aliases[iban], True, f"learned IBAN {iban}")
    for identifier in find_identifiers(incoming.text):
        parties = index.parties_by_identifier.get(identifier, set())
        if len(parties) == 1:
            return PartyGuess(next(iter(parties)), True, f"identifier {identifier} in the text")
    skeleton = name_skeleton(incoming.counterparty_name)
    if not skeleton:
        return None
    if skeleton in aliases:
        return PartyGuess(aliases[skeleton], True, f"learned name {incoming.counterparty_name!r}")
    exact = index.parties_by_skeleton.get(skeleton, set())
    if len(exact) == 1:
        return PartyGuess(next(iter(exact)), False, f"name {incoming.counterparty_name!r}")
    if len(exact) > 1:
        return None
    return _fuzzy_party(skeleton, incoming.counterparty_name, index)


def _fuzzy_party(skeleton: str, name: str, index: MatchIndex) -> PartyGuess | None:
    tokens = sorted(
        set(_name_tokens(skeleton)), key=lambda t: len(index.parties_by_token.get(t, ()))
    )
    candidates: set[int] = set()
    for token in tokens[:2]:
        bucket = index.parties_by_token.get(token, set())
        if len(bucket) > 500:
            continue
        candidates |= bucket
    if not candidates:
        return None
    scored = []
    for party in candidates:
        other = index.skeleton_of_party[party]
        matcher = SequenceMatcher(None, skeleton, other, autojunk=False)
        if matcher.real_quick_ratio() < FUZZY_NAME or matcher.quick_ratio() < FUZZY_NAME:
            scored.append((0.0, party))
            continue
        scored.append((matcher.ratio(), party))
    scored.sort(reverse=True)
    best_ratio, best = scored[0]
    if best_ratio < FUZZY_NAME:
        return None
    if len(scored) > 1 and scored[1][0] > best_ratio - FUZZY_MARGIN:
        return None  # two parties look alike: refuse to guess
    return PartyGuess(best, False, f"similar name {name!r} ({best_ratio:.0%})")


# --------------------------------------------------------------------------- proposals


@dataclass
class _Evidence:
    points: int = 0
    reasons: list[str] = field(default_factory=list)
    amount_fits: bool = False  # the payment equals the open amount (or within the tolerance)

    def add(self, key: str, detail: str) -> None:
        self.points += POINTS[key]
        self.reasons.append(detail)


def _wanted_kind(incoming: Incoming) -> str:
    return SALES if incoming.direction == CREDIT else PURCHASE


def _fits(item: OpenItem, incoming: Incoming, kind: str) -> bool:
    return item.kind == kind and item.currency == incoming.currency and item.open_amount > ZERO


def _party_points(item_party: int | None, party: PartyGuess | None, evidence: _Evidence) -> None:
    if party is None or item_party is None:
        return
    if item_party == party.party_id:
        evidence.add("party_strong" if party.strong else "party_fuzzy", f"party by {party.how}")
    elif party.strong:
        evidence.add("party_conflict_strong", f"but the payer is another party ({party.how})")
    else:
        evidence.add("party_conflict_fuzzy", f"but the name is another party's ({party.how})")


def _date_points(items: Sequence[OpenItem], booked: dt.date, evidence: _Evidence) -> None:
    issue = min((i.issue_date for i in items if i.issue_date), default=None)
    due = max((i.due_date for i in items if i.due_date), default=None)
    if issue and booked < issue:
        evidence.add("date_before_issue", "paid before the document was issued")
    elif due is None or booked <= due + dt.timedelta(days=120):
        evidence.points += POINTS["date_plausible"]


def _settle(
    items: Sequence[OpenItem], amount: Decimal, tolerance: Decimal, evidence: _Evidence
) -> tuple[tuple[tuple[str, int, Decimal], ...], Decimal, Decimal]:
    """Allocate `amount` over `items` oldest first; add the amount evidence.
    Returns (allocations, overpayment, shortfall)."""
    total = sum((i.open_amount for i in items), ZERO)
    ordered = sorted(items, key=lambda i: (i.due_date or dt.date.max, i.id))
    allocations = []
    left = amount
    for item in ordered:
        part = min(left, item.open_amount)
        if part > ZERO:
            allocations.append((item.kind, item.id, part))
        left -= part
    overpayment = max(amount - total, ZERO)
    missing = max(total - amount, ZERO)
    shortfall = ZERO
    evidence.amount_fits = amount == total or ZERO < total - amount <= tolerance
    if amount == total:
        evidence.add("amount_exact", f"amount {amount} equals the open amount")
    elif missing and missing <= tolerance:
        shortfall = missing
        evidence.add("amount_tolerance", f"short by {missing}, within the tolerance: write-off")
    elif missing:
        evidence.add("amount_partial", f"partial payment, {missing} stays open")
    else:
        evidence.add("amount_over", f"overpaid by {overpayment}: the party's credit")
    return tuple(allocations), overpayment, shortfall


def _proposal(
    items: Sequence[OpenItem],
    incoming: Incoming,
    party: PartyGuess | None,
    tolerance: Decimal,
    evidence: _Evidence,
) -> Proposal:
    parties = {i.party_id for i in items}
    item_party = next(iter(parties)) if len(parties) == 1 else None
    if len(parties) > 1:
        evidence.reasons.append("documents of several parties")
    _party_points(item_party, party, evidence)
    allocations, overpayment, shortfall = _settle(items, incoming.amount, tolerance, evidence)
    _date_points(items, incoming.booking_date, evidence)
    return Proposal(
        allocations=allocations,
        party_id=item_party if item_party is not None else (party.party_id if party else None),
        score=max(0, min(100, evidence.points)),
        reason="; ".join(evidence.reasons),
        automatic=False,
        overpayment=overpayment,
        shortfall=shortfall,
    )


def _subsets_with_sum(
    items: Sequence[OpenItem], target: Decimal, tolerance: Decimal, deadline: float
) -> list[tuple[OpenItem, ...]]:
    """Combinations of 2..MAX_SUBSET_SIZE items whose open amounts sum to `target` exactly
    (or fall short of it by at most `tolerance`); stops after two or at `deadline`.

    Depth-first over the amounts in cents, largest first, pruned when even the largest
    amounts still allowed cannot reach the target or the smallest overshoot it."""
    ordered = sorted(items, key=lambda i: i.open_amount, reverse=True)
    cents = [int(i.open_amount * 100) for i in ordered]
    high = int(target * 100)
    low = high - int(tolerance * 100)
    count = len(cents)
    prefix = [0] * (count + 1)
    for k, value in enumerate(cents):
        prefix[k + 1] = prefix[k] + value
    found: list[tuple[OpenItem, ...]] = []
    steps = 0

    def walk(start: int, chosen: list[int], total: int) -> bool:
        nonlocal steps
        steps += 1
        if steps % 256 == 0 and time.perf_counter() > deadline:
            return True
        if len(chosen) >= 2 and low <= total <= high:
            found.append(tuple(ordered[k] for k in chosen))
            if len(found) >= 2:
                return True
        slots = MAX_SUBSET_SIZE - len(chosen)
        if slots == 0:
            return False
        for k in range(start, count):
            # The `slots` largest amounts from k on are the most this branch can add.
            if total + prefix[min(k + slots, count)] - prefix[k] < low:
                return False
            if total + cents[k] > high:
                continue
            chosen.append(k)
            stop = walk(k + 1, chosen, total + cents[k])
            chosen.pop()
            if stop:
                return True
        return False

    walk(0, [], 0)
    return found


def propose(
    incoming: Incoming,
    items: Iterable[OpenItem] | MatchIndex,
    *,
    aliases: Mapping[str, int],
    tolerance: Decimal,
) -> list[Proposal]:
    """Scored proposals for one payment, best first (only those scoring at least `REVIEW`).

    The first carries `automatic=True` when it is a unique high-confidence match."""
    index = items if isinstance(items, MatchIndex) else MatchIndex.build(items)
    kind = _wanted_kind(incoming)
    party = identify_party(incoming, index, aliases)
    proposals: dict[frozenset[int], Proposal] = {}
    own: list[OpenItem] = []
    if party is not None:
        own = [i for i in index.by_party.get(party.party_id, ()) if _fits(i, incoming, kind)]
        own.sort(key=lambda i: (i.due_date or dt.date.max, i.id))
        own = own[:MAX_PARTY_ITEMS]
    same = [i for i in own if i.open_amount == incoming.amount]
    same_ids = {i.id for i in same}

    fitting: set[frozenset[int]] = set()  # proposals whose documents the amount pays exactly

    def offer(proposal: Proposal, amount_fits: bool) -> None:
        key = frozenset(a[1] for a in proposal.allocations)
        if not key:
            return
        if not amount_fits and same_ids - key:
            # A partial or overpayment of one document while the payer has another open
            # document of exactly this amount: a mistyped number is the likelier story.
            proposal = replace(
                proposal,
                score=max(0, proposal.score - 20),
                reason=proposal.reason
                + "; but the payer has another open document of exactly this amount",
            )
        current = proposals.get(key)
        if current is None or proposal.score > current.score:
            proposals[key] = proposal
            if amount_fits:
                fitting.add(key)

    # 1. References: ours in the structured field, the end-to-end id, or an RF in the text.
    referenced: dict[int, tuple[OpenItem, str]] = {}
    in_text = find_rf_references(incoming.text) if incoming.text else []
    refs = [incoming.reference, incoming.end_to_end_id, *in_text]
    for ref in refs:
        key = _normal_reference(ref)
        for item in index.by_reference.get(key, ()) if key else ():
            if _fits(item, incoming, kind):
                referenced.setdefault(item.id, (item, f"reference {key}"))

    # 2. Document numbers in the text (and in the end-to-end id).
    mentioned: dict[int, tuple[OpenItem, str, str]] = {}
    mentions = find_numbers(incoming.text, references=in_text) + find_numbers(
        incoming.end_to_end_id, all_keyword=True
    )
    for mention in mentions:
        for item in index.by_number.get(mention.key, ()):
            if not _fits(item, incoming, kind) or item.id in referenced:
                continue
            digits = item.number if item.number.isdigit() else _NON_DIGITS.sub("", item.number)
            if mention.written == digits and len(digits) >= 6:
                grade = "number_full"
            elif mention.keyword:
                grade = "number_keyword"
            elif len(mention.key) >= 3:
                grade = "number_bare"
            else:
                continue
            previous = mentioned.get(item.id)
            if previous is None or POINTS[grade] > POINTS[previous[1]]:
                mentioned[item.id] = (item, grade, f"number {mention.written} in the text")

    named: list[tuple[OpenItem, str, str]] = [
        (item, "reference", why) for item, why in referenced.values()
    ] + list(mentioned.values())
    for item, grade, why in named:
        evidence = _Evidence()
        evidence.add(grade, f"{why} → {item.number}")
        offer(_proposal([item], incoming, party, tolerance, evidence), evidence.amount_fits)

    # Several documents named in one payment: those whose sum the payment covers.
    if 1 < len(named) <= 12:
        combos = _subsets_with_sum(
            [n[0] for n in named],
            incoming.amount,
            tolerance,
            time.perf_counter() + SUBSET_TIME_BOX,
        )
        everything = [n[0] for n in named]
        if sum((i.open_amount for i in everything), ZERO) <= incoming.amount:
            combos.append(tuple(everything))  # all of them, perhaps with an overpayment
        grades = {n[0].id: n[1] for n in named}
        for combo in combos:
            weakest = min((grades[i.id] for i in combo), key=lambda g: POINTS[g])
            evidence = _Evidence()
            numbers = ", ".join(i.number for i in combo)
            evidence.add(weakest, f"{len(combo)} documents named in the payment: {numbers}")
            offer(_proposal(combo, incoming, party, tolerance, evidence), evidence.amount_fits)

    # 3. The party's open items by amount, and a bounded subset-sum over them.
    if party is not None:
        # The payment names a reference, or documents that account for it: an amount
        # alone then proves nothing on its own.
        explained = bool(referenced) or any(
            proposals[key].score >= AUTOMATIC - AUTOMATIC_GAP for key in fitting
        )
        if len(same) == 1:
            evidence = _Evidence()
            if explained:
                evidence.reasons.append(
                    f"the party's only open document of {incoming.amount}, but the payment"
                    " names other documents"
                )
            else:
                evidence.add(
                    "only_amount_in_party", f"the party's only open document of {incoming.amount}"
                )
                if any(n[0].party_id == party.party_id for n in named):
                    # The payer named another of its documents: a partial payment of that
                    # one is as likely as a mistyped number. A person decides.
                    evidence.points -= 20
                    evidence.reasons.append("but the payment names another of its documents")
            offer(_proposal(same, incoming, party, tolerance, evidence), evidence.amount_fits)
        elif len(same) > 1:
            for item in same:
                evidence = _Evidence()
                evidence.reasons.append(f"one of {len(same)} open documents of {incoming.amount}")
                offer(_proposal([item], incoming, party, tolerance, evidence), evidence.amount_fits)
        elif not named and own:
            combos = _subsets_with_sum(
                own, incoming.amount, ZERO, time.perf_counter() + SUBSET_TIME_BOX
            )
            if len(combos) == 1:
                evidence = _Evidence()
                numbers = ", ".join(i.number for i in combos[0])
                evidence.add(
                    "combination_in_party", f"the only combination with this sum: {numbers}"
                )
                proposal = _proposal(combos[0], incoming, party, tolerance, evidence)
                offer(proposal, evidence.amount_fits)
    elif not named:
        # 4. Nothing but the amount: only if it is unique in the whole book.
        same = [
            i
            for i in index.by_amount.get((kind, incoming.currency, incoming.amount), ())
            if i.open_amount > ZERO
        ]
        if len(same) == 1:
            evidence = _Evidence()
            evidence.add("only_amount_anywhere", f"the only open document of {incoming.amount}")
            offer(_proposal(same, incoming, None, tolerance, evidence), evidence.amount_fits)

    # A combination that accounts for the whole payment explains away its own parts taken
    # alone with an "overpayment" (which would be the other documents, not a credit).
    whole = [ids for ids, p in proposals.items() if len(ids) > 1 and not p.overpayment]
    for part in [ids for ids, p in proposals.items() if p.overpayment]:
        if any(part < other for other in whole):
            del proposals[part]

    ranked = sorted(proposals.values(), key=lambda p: (-p.score, -len(p.allocations)))
    ranked = [p for p in ranked if p.score >= REVIEW]
    if ranked and ranked[0].score >= AUTOMATIC:
        runner_up = ranked[1].score if len(ranked) > 1 else 0
        if ranked[0].score - runner_up >= AUTOMATIC_GAP:
            best = ranked[0]
            ranked[0] = Proposal(
                best.allocations,
                best.party_id,
                best.score,
                best.reason,
                True,
                best.overpayment,
                best.shortfall,
            )
    return ranked


# --------------------------------------------------------------------------- rules


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
