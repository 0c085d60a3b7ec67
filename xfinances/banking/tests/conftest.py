"""Banking test fixtures. Until the pure matching engine (banking/matching.py, written on a
parallel branch) is merged, a trivial stand-in with its interface is installed here so the
glue can be tested; the real engine replaces it at merge (then this block does nothing)."""

from __future__ import annotations

import datetime as dt
import re
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation

try:
    import xfinances.banking.matching
except ImportError:

    @dataclass(frozen=True)
    class OpenItem:
        kind: str
        id: int
        number: str
        party_id: int | None
        party_name: str
        party_identifiers: tuple[str, ...]
        reference: str
        open_amount: Decimal
        currency: str
        issue_date: dt.date | None
        due_date: dt.date | None

    @dataclass(frozen=True)
    class Incoming:
        amount: Decimal
        currency: str
        direction: str
        booking_date: dt.date
        reference: str = ""
        end_to_end_id: str = ""
        text: str = ""
        counterparty_name: str = ""
        counterparty_iban: str = ""

    @dataclass(frozen=True)
    class Proposal:
        allocations: tuple[tuple[str, int, Decimal], ...]
        party_id: int | None
        score: int
        reason: str
        automatic: bool
        overpayment: Decimal
        shortfall: Decimal

    def propose(
        incoming: Incoming,
        items: Sequence[OpenItem],
        *,
        aliases: Mapping[str, int],
        tolerance: Decimal,
    ) -> list[Proposal]:
        kind = "sales" if incoming.direction == "credit" else "purchase"
        mine = [i for i in items if i.kind == kind and i.currency == incoming.currency]
        numbers = {n.lstrip("0") for n in re.findall(r"\d+", incoming.text)}
        out = []
        for item in mine:
            pay = min(incoming.amount, item.open_amount)
            whole = ((kind, item.id, pay),)
            over = max(incoming.amount - item.open_amount, Decimal(0))
            if incoming.reference and incoming.reference == item.reference:
                out.append(
                    Proposal(whole, item.party_id, 100, "RF reference", True, over, Decimal(0))
                )
            elif item.number.lstrip("0") in numbers and incoming.amount == item.open_amount:
                out.append(
                    Proposal(whole, item.party_id, 95, "number and amount", True, over, Decimal(0))
                )
            elif incoming.counterparty_iban and (
                incoming.counterparty_iban in item.party_identifiers
                or aliases.get(incoming.counterparty_iban) == item.party_id
            ):
                out.append(
                    Proposal(whole, item.party_id, 60, "party by IBAN", False, over, Decimal(0))
                )
        out.sort(key=lambda p: -p.score)
        if len([p for p in out if p.automatic]) > 1:
            out = [
                Proposal(p.allocations, p.party_id, 70, p.reason, False, p.overpayment, p.shortfall)
                for p in out
            ]
        return out

    stand_in = types.ModuleType("xfinances.banking.matching")
    stand_in.OpenItem = OpenItem  # type: ignore[attr-defined]
    stand_in.Incoming = Incoming  # type: ignore[attr-defined]
    stand_in.Proposal = Proposal  # type: ignore[attr-defined]
    stand_in.propose = propose  # type: ignore[attr-defined]
    sys.modules["xfinances.banking.matching"] = stand_in
    import xfinances.banking

    xfinances.banking.matching = stand_in  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Messages in their English source form, whatever the default language is."""
    with translation.override("en"):
        yield
