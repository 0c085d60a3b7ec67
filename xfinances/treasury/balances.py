"""Pure balance arithmetic: roll-ups through the account tree, running balances, conversions,
transfer amounts. No database; the queries hand in rows and get numbers back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from xfinances.core.money import ZERO, RoundingPoint, round_cent, round_to


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def children_of(parents: Mapping[int, int | None]) -> dict[int | None, list[int]]:
    """parent id (None for the top) → its child ids, in the order given."""
    tree: dict[int | None, list[int]] = {}
    for account_id, parent_id in parents.items():
        tree.setdefault(parent_id, []).append(account_id)
    return tree


def descendants(parents: Mapping[int, int | None], root: int) -> set[int]:
    """`root` and every account below it."""
    tree = children_of(parents)
    found, stack = set(), [root]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(tree.get(current, []))
    return found


def would_make_cycle(
    parents: Mapping[int, int | None], account_id: int, new_parent_id: int | None
) -> bool:
    """True when hanging `account_id` under `new_parent_id` makes the tree loop."""
    current = new_parent_id
    seen: set[int] = set()
    while current is not None:
        if current == account_id or current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def roll_up(parents: Mapping[int, int | None], own: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """Each account's balance including all its sub-accounts (same currency by construction)."""
    tree = children_of(parents)
    rolled: dict[int, Decimal] = {}
    # Iterative post-order walk: the tree may be deep.
    for top in tree.get(None, []) + [
        a for a in parents if parents[a] is not None and parents[a] not in parents
    ]:
        stack: list[tuple[int, bool]] = [(top, False)]
        while stack:
            node, done = stack.pop()
            if node in rolled:
                continue
            if done:
                rolled[node] = own.get(node, ZERO) + sum(
                    (rolled[c] for c in tree.get(node, [])), ZERO
                )
            else:
                stack.append((node, True))
                stack.extend((c, False) for c in tree.get(node, []) if c not in rolled)
    return rolled


def depth_first(parents: Mapping[int, int | None], order: Iterable[int]) -> list[tuple[int, int]]:
    """(account id, depth) in tree order; siblings keep the order of `order`."""
    rank = {account_id: i for i, account_id in enumerate(order)}
    tree = children_of(parents)
    for kids in tree.values():
        kids.sort(key=lambda k: rank.get(k, 0))
    tops = [a for a in parents if parents[a] is None or parents[a] not in parents]
    tops.sort(key=lambda k: rank.get(k, 0))
    result: list[tuple[int, int]] = []
    stack = [(t, 0) for t in reversed(tops)]
    while stack:
        node, depth = stack.pop()
        result.append((node, depth))
        stack.extend((c, depth + 1) for c in reversed(tree.get(node, [])))
    return result


def to_eur(amount: Decimal, rate_per_eur: Decimal | None) -> Decimal | None:
    """`amount` in a currency worth `rate_per_eur` units per 1 EUR, as EUR rounded to the cent."""
    if rate_per_eur is None:
        return None
    return round_cent(amount / rate_per_eur, RoundingPoint.CONVERSION)


@dataclass(frozen=True)
class RunningLine:
    amount: Decimal
    balance: Decimal


def running_balance(opening: Decimal, amounts: Iterable[Decimal]) -> list[RunningLine]:
    balance = opening
    lines = []
    for amount in amounts:
        balance += amount
        lines.append(RunningLine(amount, balance))
    return lines


class TransferAmountError(ValueError):
    """The amounts and rate of a transfer do not fit; `field` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class TransferAmounts:
    amount_from: Decimal
    amount_to: Decimal
    rate: Decimal  # units of the target currency per unit of the source currency


def transfer_amounts(
    amount_from: Decimal,
    same_currency: bool,
    rate: Decimal | None = None,
    amount_to: Decimal | None = None,
) -> TransferAmounts:
    """Complete a transfer's amounts. Between currencies give the rate or the received amount
    (or both, when they agree to the cent); the received amount is rounded half-up to the cent."""
    amount_from = round_cent(amount_from, RoundingPoint.CONVERSION)
    if same_currency:
        if rate is not None and rate != 1:
            raise TransferAmountError("rate", "same currency: the rate must be 1")
        if amount_to is not None and amount_to != amount_from:
            raise TransferAmountError("amount_to", "same currency: both amounts must be equal")
        return TransferAmounts(amount_from, amount_from, Decimal(1))
    if rate is None and amount_to is None:
        raise TransferAmountError("rate", "give the rate or the amount received")
    if rate is not None and rate <= 0:
        raise TransferAmountError("rate", "the rate must be greater than zero")
    if amount_to is not None and amount_to <= 0:
        raise TransferAmountError("amount_to", "the amount received must be greater than zero")
    if rate is None:
        assert amount_to is not None
        amount_to = round_cent(amount_to, RoundingPoint.CONVERSION)
        return TransferAmounts(amount_from, amount_to, round_to(amount_to / amount_from, 8))
    computed = round_cent(amount_from * rate, RoundingPoint.CONVERSION)
    if amount_to is not None and round_cent(amount_to) != computed:
        raise TransferAmountError("amount_to", "the amount received does not match the rate")
    if computed <= 0:
        raise TransferAmountError("rate", "the rate gives nothing received")
    return TransferAmounts(amount_from, computed, round_to(rate, 8))


def exchange_difference_eur(
    amount_from: Decimal,
    rate_from: Decimal | None,
    amount_to: Decimal,
    rate_to: Decimal | None,
) -> Decimal | None:
    """Received minus sent, both in EUR at the reference rates (units per 1 EUR) of the day.
    Negative is a loss. None when a rate is missing."""
    sent = to_eur(amount_from, rate_from)
    received = to_eur(amount_to, rate_to)
    if sent is None or received is None:
        return None
    return received - sent
