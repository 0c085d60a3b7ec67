"""Money between the company's own accounts: the two statement lines become one transfer.

A line whose counterparty IBAN is one of the company's own accounts pays no document. When the
other account's statement holds the opposite line (same amount in the same currency, the IBAN
of this account as its counterparty, a few days apart), the two movements are paired into a
treasury Transfer (`treasury.actions.pair_transfer`): cash flow then shows money moved, not
money earned or spent. Until the other side arrives the movement carries the "internal"
category; the other side's import pairs them. Nothing is posted here: each account keeps the
movements its bank reported, so balances stay as the statements say.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xfinances.banking.actions.rules import file_movement
from xfinances.core.audit import Actor
from xfinances.core.exceptions import ActionError
from xfinances.core.models import Company
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury import queries as treasury_queries
from xfinances.treasury.models import MoneyAccount, Movement

# Days between the two sides that still make one transfer: a transfer between two banks is
# booked by the receiving bank on the next business day or, over a weekend and a holiday, a
# few days later.
PAIRING_DAYS = 5


def _other_side(company: Company, movement: Movement, iban: str) -> Movement | None:
    """The opposite movement on the account with `iban` that fits, nearest in date first."""
    other = MoneyAccount.objects.filter(company=company, iban=iban).first()
    if other is None or other.pk == movement.account_id:
        return None
    window = dt.timedelta(days=PAIRING_DAYS)
    found = Movement.objects.filter(
        company=company,
        account=other,
        transfer__isnull=True,
        reversal_of__isnull=True,
        date__gte=movement.date - window,
        date__lte=movement.date + window,
        counterparty_iban=movement.account.iban,
    )
    found = found.filter(amount__lt=0) if movement.amount > 0 else found.filter(amount__gt=0)
    if other.currency == movement.currency:
        found = found.filter(amount=-movement.amount)
    candidates = list(found.order_by("date", "pk")[:20])
    if not candidates:
        return None
    return min(candidates, key=lambda m: (abs((m.date - movement.date).days), m.pk))


def settle_own_transfer(actor: Actor, company: Company, movement: Movement | None) -> bool:
    """Pair the movement with its other side when that side is already in; otherwise give it
    the "internal" category (a person's category stays). True when a transfer was made."""
    if movement is None or movement.transfer_id is not None:
        return False
    other = _other_side(company, movement, movement.counterparty_iban)
    if other is not None:
        sent, received = (movement, other) if movement.amount < 0 else (other, movement)
        try:
            with transaction.atomic():
                treasury_actions.pair_transfer(
                    actor,
                    company,
                    treasury_actions.TransferPairInput(sent=sent, received=received),
                )
            return True
        except ActionError:
            pass  # a closed period or an account the actor may not move in: category only
    _mark_internal(actor, company, movement)
    return False


def _mark_internal(actor: Actor, company: Company, movement: Movement) -> None:
    category = treasury_queries.categories(company).filter(code="internal").first()
    if category is not None:
        file_movement(actor, movement, category.pk)
