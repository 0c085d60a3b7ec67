"""`propose`: the scored proposals for one bank payment, best first (pure).

The steps run in the order of their strength: references, numbers in the text, several named
documents at once, then the payer's open documents by amount; `_Offers` keeps the best
proposal per set of documents and knows which of them the amount pays exactly."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from xfinances.banking.matching.index import (
    MatchIndex,
    PartyGuess,
    _normal_reference,
    identify_party,
)
from xfinances.banking.matching.reasons import Reason, reason
from xfinances.banking.matching.records import (
    AUTOMATIC,
    AUTOMATIC_GAP,
    CREDIT,
    MAX_PARTY_ITEMS,
    PAYMENT_IN,
    PAYMENT_OUT,
    POINTS,
    REVIEW,
    SUBSET_TIME_BOX,
    ZERO,
    Incoming,
    OpenItem,
    Proposal,
)
from xfinances.banking.matching.scoring import (
    _date_points,
    _Evidence,
    _fits,
    _party_points,
    _proposal,
    _subsets_with_sum,
    _wanted_kind,
)
from xfinances.banking.matching.text import (
    _NON_DIGITS,
    find_numbers,
    find_rf_references,
)

# (item, evidence grade, why) of a document the payment names.
Named = tuple[OpenItem, str, Reason]  # (item, grade, why)


@dataclass
class _Payment:
    """One payment being matched, with what is known of it so far."""

    incoming: Incoming
    index: MatchIndex
    kind: str
    party: PartyGuess | None
    tolerance: Decimal
    same_ids: set[int]  # the payer's open documents of exactly this amount
    proposals: dict[frozenset[Any], Proposal] = field(default_factory=dict)
    fitting: set[frozenset[Any]] = field(default_factory=set)  # the amount pays them exactly

    def offer(self, items: Iterable[OpenItem], evidence: _Evidence) -> None:
        proposal = _proposal(list(items), self.incoming, self.party, self.tolerance, evidence)
        key = frozenset(a[1] for a in proposal.allocations)
        if not key:
            return
        if not evidence.amount_fits and self.same_ids - key:
            # A partial or overpayment of one document while the payer has another open
            # document of exactly this amount: a mistyped number is the likelier story.
            proposal = replace(
                proposal,
                score=max(0, proposal.score - 20),
                reasons=(*proposal.reasons, reason("another_of_same_amount")),
            )
        current = self.proposals.get(key)
        if current is None or proposal.score > current.score:
            self.proposals[key] = proposal
            if evidence.amount_fits:
                self.fitting.add(key)


def _own_items(payment: _Payment) -> list[OpenItem]:
    """The payer's open documents that this payment could settle, oldest due first."""
    if payment.party is None:
        return []
    own = [
        i
        for i in payment.index.by_party.get(payment.party.party_id, ())
        if _fits(i, payment.incoming, payment.kind)
    ]
    own.sort(key=lambda i: (i.due_date or dt.date.max, i.id))
    return own[:MAX_PARTY_ITEMS]


def _referenced(payment: _Payment, in_text: list[str]) -> dict[int, tuple[OpenItem, Reason]]:
    """Documents carrying our RF reference or the end-to-end id (decisive evidence)."""
    incoming = payment.incoming
    found: dict[int, tuple[OpenItem, Reason]] = {}
    for ref in (incoming.reference, incoming.end_to_end_id, *in_text):
        key = _normal_reference(ref)
        for item in payment.index.by_reference.get(key, ()) if key else ():
            if _fits(item, incoming, payment.kind):
                found.setdefault(
                    item.id, (item, reason("reference", reference=key, number=item.number))
                )
    return found


def _closed_reference(payment: _Payment, in_text: list[str]) -> str:
    """The number of a document no longer open that the payment's reference names, or ""."""
    closed = payment.index.closed_references
    if not closed:
        return ""
    incoming = payment.incoming
    for ref in (incoming.reference, incoming.end_to_end_id, *in_text):
        key = _normal_reference(ref)
        if key and key in closed:
            return closed[key] or key
    return ""


def _mentioned(payment: _Payment, in_text: list[str], skip: Mapping[int, object]) -> list[Named]:
    """Documents whose number the payer wrote in the text (or in the end-to-end id)."""
    incoming = payment.incoming
    mentions = find_numbers(incoming.text, references=in_text) + find_numbers(
        incoming.end_to_end_id, all_keyword=True
    )
    found: dict[int, Named] = {}
    for mention in mentions:
        for item in payment.index.by_number.get(mention.key, ()):
            if not _fits(item, incoming, payment.kind) or item.id in skip:
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
            previous = found.get(item.id)
            if previous is None or POINTS[grade] > POINTS[previous[1]]:
                why = reason("number_in_text", written=mention.written, number=item.number)
                found[item.id] = (item, grade, why)
    return list(found.values())


def _offer_named_together(payment: _Payment, named: list[Named]) -> None:
    """Several documents named in one payment: those whose sum the payment covers."""
    if not 1 < len(named) <= 12:
        return
    everything = [n[0] for n in named]
    combos = _subsets_with_sum(
        everything,
        payment.incoming.amount,
        payment.tolerance,
        time.perf_counter() + SUBSET_TIME_BOX,
    )
    if sum((i.open_amount for i in everything), ZERO) <= payment.incoming.amount:
        combos.append(tuple(everything))  # all of them, perhaps with an overpayment
    grades = {n[0].id: n[1] for n in named}
    for combo in combos:
        weakest = min((grades[i.id] for i in combo), key=lambda g: POINTS[g])
        evidence = _Evidence()
        numbers = [i.number for i in combo]
        evidence.add(weakest, reason("named_together", count=len(combo), numbers=numbers))
        payment.offer(combo, evidence)


def _offer_by_amount_in_party(
    payment: _Payment, own: list[OpenItem], named: list[Named], explained: bool
) -> None:
    """The payer's open documents by amount, and a bounded subset-sum over them."""
    assert payment.party is not None
    amount = payment.incoming.amount
    same = [i for i in own if i.id in payment.same_ids]
    if len(same) == 1:
        evidence = _Evidence()
        if explained:
            evidence.reasons.append(reason("only_amount_in_party_named_others", amount=amount))
        else:
            evidence.add("only_amount_in_party", reason("only_amount_in_party", amount=amount))
            if any(n[0].party_id == payment.party.party_id for n in named):
                # The payer named another of its documents: a partial payment of that one is
                # as likely as a mistyped number. A person decides.
                evidence.points -= 20
                evidence.reasons.append(reason("names_another"))
        payment.offer(same, evidence)
    elif len(same) > 1:
        for item in same:
            evidence = _Evidence()
            evidence.reasons.append(reason("one_of_same_amount", count=len(same), amount=amount))
            payment.offer([item], evidence)
    elif not named and own:
        combos = _subsets_with_sum(own, amount, ZERO, time.perf_counter() + SUBSET_TIME_BOX)
        if len(combos) == 1:
            evidence = _Evidence()
            numbers = [i.number for i in combos[0]]
            evidence.add("combination_in_party", reason("combination_in_party", numbers=numbers))
            payment.offer(combos[0], evidence)


def _offer_by_amount_anywhere(payment: _Payment) -> None:
    """Nothing but the amount: only if it is unique in the whole book."""
    incoming = payment.incoming
    same = [
        i
        for i in payment.index.by_amount.get(
            (payment.kind, incoming.currency, incoming.amount), {}
        ).values()
        if i.open_amount > ZERO
    ]
    if len(same) == 1:
        evidence = _Evidence()
        evidence.add("only_amount_anywhere", reason("only_amount_anywhere", amount=incoming.amount))
        payment.offer(same, evidence)


def _offer_refunds(payment: _Payment) -> None:
    """The payer's payment rests the other way that this money returns: a supplier sending
    back our overpayment, our paying back a client's credit. Only a known payer's, only a
    rest at least this large (a refund is all used by the rest it returns)."""
    if payment.party is None:
        return
    incoming = payment.incoming
    kind = PAYMENT_OUT if incoming.direction == CREDIT else PAYMENT_IN
    rests = [
        i
        for i in payment.index.by_party.get(payment.party.party_id, ())
        if _fits(i, incoming, kind) and i.open_amount >= incoming.amount
    ]
    for item in rests[:MAX_PARTY_ITEMS]:
        evidence = _Evidence()
        day = item.issue_date.isoformat() if item.issue_date else ""
        if item.open_amount == incoming.amount:
            evidence.add("refund_exact", reason("refund_exact", amount=incoming.amount, date=day))
        else:
            left = item.open_amount - incoming.amount
            evidence.add("refund_partial", reason("refund_partial", amount=left, date=day))
        _party_points(item.party_id, payment.party, evidence)
        _date_points([item], incoming.booking_date, evidence)
        # Keyed by kind and id: a payment's id may be a document's too.
        payment.proposals[frozenset({(kind, item.id)})] = Proposal(
            allocations=((kind, item.id, incoming.amount),),
            party_id=item.party_id,
            score=max(0, min(100, evidence.points)),
            reasons=tuple(evidence.reasons),
            automatic=False,
            overpayment=ZERO,
            shortfall=ZERO,
        )


def _ranked(
    proposals: dict[frozenset[Any], Proposal], *, hold: Reason | None = None
) -> list[Proposal]:
    """Best first, those under REVIEW dropped, the first marked automatic when it is unique
    (never when `hold` says why a person must look: it is added to every reason)."""
    # A combination that accounts for the whole payment explains away its own parts taken
    # alone with an "overpayment" (which would be the other documents, not a credit).
    whole = [ids for ids, p in proposals.items() if len(ids) > 1 and not p.overpayment]
    for part in [ids for ids, p in proposals.items() if p.overpayment]:
        if any(part < other for other in whole):
            del proposals[part]
    ranked = sorted(proposals.values(), key=lambda p: (-p.score, -len(p.allocations)))
    ranked = [p for p in ranked if p.score >= REVIEW]
    if hold:
        return [replace(p, reasons=(*p.reasons, hold)) for p in ranked]
    if ranked and ranked[0].score >= AUTOMATIC:
        runner_up = ranked[1].score if len(ranked) > 1 else 0
        if ranked[0].score - runner_up >= AUTOMATIC_GAP:
            best = ranked[0]  # the constructor: dataclasses.replace costs 0.1 ms a payment
            ranked[0] = Proposal(
                best.allocations,
                best.party_id,
                best.score,
                best.reasons,
                True,
                best.overpayment,
                best.shortfall,
            )
    return ranked


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
    party = identify_party(incoming, index, aliases)
    payment = _Payment(incoming, index, _wanted_kind(incoming), party, tolerance, set())
    own = _own_items(payment)
    payment.same_ids = {i.id for i in own if i.open_amount == incoming.amount}

    in_text = find_rf_references(incoming.text) if incoming.text else []
    referenced = _referenced(payment, in_text)
    closed = "" if referenced else _closed_reference(payment, in_text)
    named: list[Named] = [(item, "reference", why) for item, why in referenced.values()]
    named += _mentioned(payment, in_text, referenced)
    for item, grade, why in named:
        evidence = _Evidence()
        evidence.add(grade, why)
        payment.offer([item], evidence)
    _offer_named_together(payment, named)

    if party is not None:
        # The payment names a reference, or documents that account for it: an amount alone
        # then proves nothing on its own.
        explained = bool(referenced) or any(
            payment.proposals[key].score >= AUTOMATIC - AUTOMATIC_GAP for key in payment.fitting
        )
        _offer_by_amount_in_party(payment, own, named, explained)
        _offer_refunds(payment)
    elif not named:
        _offer_by_amount_anywhere(payment)
    hold = reason("closed_reference", number=closed) if closed else None
    return _ranked(payment.proposals, hold=hold)
