"""What treasury tells the apps above it (core/events.py).

Emitted inside the action's transaction, carrying the movement in the state the action left it,
so an IN_TRANSACTION subscriber reads nothing again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from xfinances.core.audit import Actor
from xfinances.core.events import Event, Hook
from xfinances.treasury.models import Movement


@dataclass(frozen=True)
class MovementTypedIn(Event):
    """A person entered money on a bank account by hand, without the bank's reference: a
    movement of its own, or the one a payment recorded by hand carries (its payment is written
    after this event); also when a person changes such a movement's amount or date."""

    actor: Actor
    movement: Movement

    @property
    def company_id(self) -> int:
        return int(self.movement.company_id)


@dataclass(frozen=True)
class TypedMoneyGone(Event):
    """Money typed in by hand on a bank account, without the bank's reference, no longer stands
    as it was: deleted, reversed, or its amount or date changed (`amount` and `date` as they
    were). A bank line that waited to be compared with it may have nothing left to compare."""

    actor: Actor
    company_id: int
    account_id: int
    amount: Decimal
    date: dt.date


# What the apps above say to the person who just typed a movement in (`provider(movement=…)` →
# translated lines): banking names the statement lines it may be.
typed_movement_notes: Hook[str] = Hook("treasury.typed_movement_notes")

# Why a movement's amount and date may not change and it may be neither deleted nor reversed,
# though the rest of it may (`provider(movement=…)` → a translated reason or None): banking
# answers for a movement a bank line holds, whose amount and date are the bank's; payments for
# one a payment typed in by hand stands on, which goes only with its payment.
money_locked_reason: Hook[str] = Hook("treasury.money_locked_reason")


class MovementLink(NamedTuple):
    """A record of an app above that stands on a movement, for its page to link."""

    label: str  # translated: "Плащане от 02.03.2026, 100,00 EUR, ЕЛТЕХ ЕООД"
    url: str


# What stands on a movement (`provider(movement=…)` → MovementLink): the movement's page links
# them, so the payment or bank line a refusal names is one click away. Payments names the
# payments recorded on it, banking the bank line whose money it is.
movement_links: Hook[MovementLink] = Hook("treasury.movement_links")

# Why a movement is a party's money and cannot be a leg of a transfer between the company's own
# accounts (`provider(movement=…)` → a translated reason or None): payments answers for a
# movement a payment stands on.
party_money_reason: Hook[str] = Hook("treasury.party_money_reason")
