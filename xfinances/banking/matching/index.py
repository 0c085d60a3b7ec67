"""Open items indexed for matching, and who paid (pure)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher

from xfinances.banking.matching.reasons import Reason, reason
from xfinances.banking.matching.records import FUZZY_MARGIN, FUZZY_NAME, Incoming, OpenItem
from xfinances.banking.matching.text import (
    _DIGIT_RUNS,
    _name_tokens,
    compact_identifier,
    find_identifiers,
    name_skeleton,
    number_key,
)


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
    # Per amount, the items by (kind, id): a round amount is shared by thousands of documents,
    # and taking a paid one out must not walk them all.
    by_amount: dict[tuple[str, str, Decimal], dict[tuple[str, int], OpenItem]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    parties_by_identifier: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    parties_by_skeleton: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    parties_by_token: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    skeleton_of_party: dict[int, str] = field(default_factory=dict)
    items: dict[tuple[str, int], OpenItem] = field(default_factory=dict)
    # Reference → number of a document that is no longer open (paid in this run, or before it
    # as the caller tells `closed`): a payment naming it is a duplicate or a late correction,
    # never an automatic match for another document.
    closed_references: dict[str, str] = field(default_factory=dict)

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
        self.by_amount[(item.kind, item.currency, item.open_amount)][ident] = item
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

    def closed(self, reference: str, number: str) -> None:
        """Remember that the document with this reference is no longer open."""
        key = _normal_reference(reference)
        if key:
            self.closed_references[key] = number

    def settle(self, kind: str, item_id: int) -> None:
        """Take out an item that a payment settled, remembering its reference as closed."""
        item = self.remove(kind, item_id)
        if item is not None and item.reference:
            self.closed(item.reference, item.number)

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
        same_amount = self.by_amount.get(amount)
        if same_amount is not None:
            same_amount.pop((kind, item_id), None)
            if not same_amount:
                del self.by_amount[amount]
        if item.party_id is not None:
            drop(self.by_party, item.party_id)
        return item


_frozen_depth = 0
_frozen_lock = threading.Lock()


@contextlib.contextmanager
def long_run() -> Iterator[None]:
    """Around work that makes or holds millions of objects (a matching run over a large index,
    a large statement import): the objects alive are moved out of the cyclic garbage
    collector's sight (`gc.freeze`), which otherwise rescans all of them again and again (two
    thirds of a matching run at 1,000,000 items; a tenth of a 100,000-line import). They hold
    no reference cycles, so nothing leaks; reference counting still frees them. Nested or
    overlapping runs (an import that matches, two threads) release the collector when the
    last one ends."""
    global _frozen_depth
    with _frozen_lock:
        _frozen_depth += 1
        # No collection first (a tenth of a second in a full process): garbage alive now
        # is frozen with the rest and collected after the run.
        gc.freeze()
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen_depth -= 1
            if _frozen_depth == 0:
                gc.unfreeze()


@dataclass(frozen=True, slots=True)
class PartyGuess:
    party_id: int
    strong: bool  # by IBAN, identifier or alias (not only a similar name)
    how: Reason  # how the party was recognised


def identify_party(
    incoming: Incoming, index: MatchIndex, aliases: Mapping[str, int]
) -> PartyGuess | None:
    """Who paid (or whom we paid): IBAN → ЕИК/VAT in the text → alias → name → fuzzy name."""
    iban = compact_identifier(incoming.counterparty_iban)
    if iban:
        parties = index.parties_by_identifier.get(iban, set())
        if len(parties) == 1:
            return PartyGuess(next(iter(parties)), True, reason("by_iban", iban=iban))
        if iban in aliases:
            return PartyGuess(aliases[iban], True, reason("by_learned_iban", iban=iban))
    for identifier in find_identifiers(incoming.text):
        parties = index.parties_by_identifier.get(identifier, set())
        if len(parties) == 1:
            how = reason("by_identifier", identifier=identifier)
            return PartyGuess(next(iter(parties)), True, how)
    skeleton = name_skeleton(incoming.counterparty_name)
    if not skeleton:
        return None
    if skeleton in aliases:
        how = reason("by_learned_name", name=incoming.counterparty_name)
        return PartyGuess(aliases[skeleton], True, how)
    exact = index.parties_by_skeleton.get(skeleton, set())
    if len(exact) == 1:
        return PartyGuess(
            next(iter(exact)), False, reason("by_name", name=incoming.counterparty_name)
        )
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
    how = reason("by_similar_name", name=name, percent=round(best_ratio * 100))
    return PartyGuess(best, False, how)
