"""Every write of the treasury: accounts, grants, movements, transfers, reversals, period
closes, bank balance checks, categories. Each is one transaction with its audit rows.

Rules kept here (see docs/treasury.md):
- `Movement.amount` is signed: > 0 money in, < 0 money out, in the account's currency.
- A movement dated on or before the account's lock date (queries.lock_date) is never edited or
  deleted; it is reversed by a new movement dated in an open period.
- Writers lock the accounts they touch (locks.py) and keep AccountMonthTotal in step."""

from __future__ import annotations

from xfinances.treasury.actions.accounts import (
    ACCOUNT_FIELDS,
    AccountInput,
    close_account,
    create_account,
    ensure_bank_account,
    on_company_bank_account_added,
    set_account_access,
    update_account,
)
from xfinances.treasury.actions.bank_import import (
    record_bank_movements,
    take_back_movement,
    withdraw_bank_movement,
)
from xfinances.treasury.actions.categories import (
    DEFAULT_CATEGORIES,
    CategoryInput,
    create_category,
    ensure_default_categories,
    on_company_created,
    update_category,
)
from xfinances.treasury.actions.movements import (
    MOVEMENT_EDIT_FIELDS,
    MovementEditInput,
    MovementInput,
    add_attachment,
    create_movement,
    delete_movement,
    reverse_movement,
    update_movement,
)
from xfinances.treasury.actions.periods import (
    close_period,
    rebuild_month_totals,
    record_balance_check,
    reopen_period,
)
from xfinances.treasury.actions.planned import (
    PLANNED_FIELDS,
    PlannedItemInput,
    create_planned_item,
    delete_planned_item,
    update_planned_item,
)
from xfinances.treasury.actions.transfers import (
    TransferInput,
    TransferPairInput,
    create_transfer,
    pair_transfer,
)

__all__ = [
    "ACCOUNT_FIELDS",
    "DEFAULT_CATEGORIES",
    "MOVEMENT_EDIT_FIELDS",
    "PLANNED_FIELDS",
    "AccountInput",
    "CategoryInput",
    "MovementEditInput",
    "MovementInput",
    "PlannedItemInput",
    "TransferInput",
    "TransferPairInput",
    "add_attachment",
    "close_account",
    "close_period",
    "create_account",
    "create_category",
    "create_movement",
    "create_planned_item",
    "create_transfer",
    "delete_movement",
    "delete_planned_item",
    "ensure_bank_account",
    "ensure_default_categories",
    "on_company_bank_account_added",
    "on_company_created",
    "pair_transfer",
    "rebuild_month_totals",
    "record_balance_check",
    "record_bank_movements",
    "reopen_period",
    "reverse_movement",
    "set_account_access",
    "take_back_movement",
    "update_account",
    "update_category",
    "update_movement",
    "update_planned_item",
    "withdraw_bank_movement",
]
