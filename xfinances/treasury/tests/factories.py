"""Test data made through the actions (so month totals, numbers and audit stay real)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.treasury import actions
from xfinances.treasury.models import CashflowCategory, MoneyAccount, Movement

SYSTEM = Actor.system(Source.CLI)
START = dt.date(2026, 1, 1)
IBANS = itertools.cycle(
    [
        "BG80BNBG96611020345678",
        "BG18RZBB91550123456789",
        "BG98STSA93000000123456",
        "BG69UNCR70000015123456",
        "BG85FINV91500010123456",
        "BG95UBBS80020012345678",
    ]
)


def bank_account(
    company: Any, name: str = "Банка", currency: str = "EUR", **extra: Any
) -> MoneyAccount:
    data: dict[str, Any] = {
        "kind": "bank",
        "name": name,
        "currency": currency,
        "opening_date": START,
    }
    if "parent" not in extra and "iban" not in extra:
        data["iban"] = next(IBANS)
    data.update(extra)
    return actions.create_account(SYSTEM, company, actions.AccountInput.read({**data}))


def cash_register(
    company: Any, name: str = "Каса", currency: str = "EUR", **extra: Any
) -> MoneyAccount:
    data: dict[str, Any] = {
        "kind": "cash",
        "name": name,
        "currency": currency,
        "opening_date": START,
    }
    data.update(extra)
    return actions.create_account(SYSTEM, company, actions.AccountInput.read({**data}))


def sub_account(parent: MoneyAccount, name: str, **extra: Any) -> MoneyAccount:
    return actions.create_account(
        SYSTEM,
        parent.company,
        actions.AccountInput.read(
            {
                "parent": parent,
                "name": name,
                "opening_date": extra.pop("opening_date", START),
                **extra,
            }
        ),
    )


def movement_input(**raw: Any) -> actions.MovementInput:
    """A movement's input read from raw values, as the form and the API read it."""
    return actions.MovementInput.read(raw)


def transfer_input(**raw: Any) -> actions.TransferInput:
    return actions.TransferInput.read(raw)


def money_in(account: MoneyAccount, amount: str, day: dt.date = START, **extra: Any) -> Movement:
    return actions.create_movement(
        SYSTEM, account, movement_input(date=day, direction="in", amount=Decimal(amount), **extra)
    )


def money_out(account: MoneyAccount, amount: str, day: dt.date = START, **extra: Any) -> Movement:
    return actions.create_movement(
        SYSTEM, account, movement_input(date=day, direction="out", amount=Decimal(amount), **extra)
    )


def planned_item(company: Any, **extra: Any) -> Any:
    data: dict[str, Any] = {
        "name": "Заплати",
        "direction": "out",
        "amount": "1000.00",
        "schedule": "monthly",
        "day": 25,
        "start_date": START,
    }
    data.update(extra)
    return actions.create_planned_item(SYSTEM, company, actions.PlannedItemInput.read(data))


def isolation_objects(company: Any) -> dict[str, Any]:
    """One of each record a treasury URL names, in `company`, for the tenant-isolation walker."""
    cash = cash_register(company, "Изолация")
    movement = money_in(cash, "1.00", START)
    close = actions.close_period(SYSTEM, company, closed_until=START, account=cash)
    category = CashflowCategory.objects.filter(company=company).order_by("pk").first()
    assert category is not None
    return {
        "money_account_id": cash.pk,
        "movement_id": movement.pk,
        "planned_item_id": planned_item(company).pk,
        "cashflow_category_id": category.pk,
        "period_close_id": close.pk,
    }
