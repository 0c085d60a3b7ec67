"""Row locks of the treasury, in one place: always by primary key order, in short transactions.

Every action that writes movements locks the accounts it touches first. That serialises the
gapless cash-order numbers of a register and the monthly totals of an account. (SQLite ignores
`select_for_update`; its IMMEDIATE transactions serialise writers anyway.)
"""

from __future__ import annotations

from collections.abc import Iterable

from xfinances.core.models import Company
from xfinances.treasury.models import MoneyAccount, Movement


def lock_accounts(company: Company, account_ids: Iterable[int]) -> dict[int, MoneyAccount]:
    """Lock the accounts (ordered by id, so two actions never wait on each other in a circle)."""
    ids = sorted(set(account_ids))
    rows = (
        MoneyAccount.objects.select_for_update().filter(company=company, pk__in=ids).order_by("pk")
    )
    return {row.pk: row for row in rows}


def lock_account(company: Company, account_id: int) -> MoneyAccount:
    return lock_accounts(company, [account_id])[account_id]


def lock_movement(company: Company, movement_id: int) -> Movement:
    return Movement.objects.select_for_update().get(company=company, pk=movement_id)
