"""Evidence, points, settling an amount over documents, the bounded subset-sum (pure)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xfinances.banking.matching.index import PartyGuess
from xfinances.banking.matching.reasons import Reason, reason
from xfinances.banking.matching.records import (
    CREDIT,
    MAX_SUBSET_SIZE,
    POINTS,
    PURCHASE,
    SALES,
    ZERO,
    Incoming,
    OpenItem,
    Proposal,
)


@dataclass
class _Evidence:
    points: int = 0
    reasons: list[Reason] = field(default_factory=list)
    amount_fits: bool = False  # the payment equals the open amount (or within the tolerance)

    def add(self, key: str, why: Reason) -> None:
        self.points += POINTS[key]
        self.reasons.append(why)


def _wanted_kind(incoming: Incoming) -> str:
    return SALES if incoming.direction == CREDIT else PURCHASE


def _fits(item: OpenItem, incoming: Incoming, kind: str) -> bool:
    return item.kind == kind and item.currency == incoming.currency and item.open_amount > ZERO


def _party_points(item_party: int | None, party: PartyGuess | None, evidence: _Evidence) -> None:
    if party is None or item_party is None:
        return
    if item_party == party.party_id:
        evidence.add(
            "party_strong" if party.strong else "party_fuzzy", reason("party", how=party.how)
        )
    elif party.strong:
        evidence.add("party_conflict_strong", reason("party_conflict_strong", how=party.how))
    else:
        evidence.add("party_conflict_fuzzy", reason("party_conflict_fuzzy", how=party.how))


def _date_points(items: Sequence[OpenItem], booked: dt.date, evidence: _Evidence) -> None:
    issue = min((i.issue_date for i in items if i.issue_date), default=None)
    due = max((i.due_date for i in items if i.due_date), default=None)
    if issue and booked < issue:
        evidence.add("date_before_issue", reason("date_before_issue"))
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
        evidence.add("amount_exact", reason("amount_exact", amount=amount))
    elif missing and missing <= tolerance:
        shortfall = missing
        evidence.add("amount_tolerance", reason("amount_tolerance", amount=missing))
    elif missing:
        evidence.add("amount_partial", reason("amount_partial", amount=missing))
    else:
        evidence.add("amount_over", reason("amount_over", amount=overpayment))
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
        evidence.reasons.append(reason("several_parties"))
    _party_points(item_party, party, evidence)
    allocations, overpayment, shortfall = _settle(items, incoming.amount, tolerance, evidence)
    _date_points(items, incoming.booking_date, evidence)
    return Proposal(
        allocations=allocations,
        party_id=item_party if item_party is not None else (party.party_id if party else None),
        score=max(0, min(100, evidence.points)),
        reasons=tuple(evidence.reasons),
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
