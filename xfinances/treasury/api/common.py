"""The treasury API's router, the schemas its modules share and their helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Router, Schema

from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.treasury import queries
from xfinances.treasury.models import MoneyAccount, Movement

router = Router(tags=["treasury"])
MAX_LIMIT = 500


def _access(request: CompanyRequest) -> queries.AccountAccessMap:
    return queries.access_map(request.company, request.user.pk, request.role)


class AccountIn(InputSchema):
    kind: str = ""
    name: str = ""
    iban: str = ""
    bic: str = ""
    bank_name: str = ""
    currency: str = ""
    parent_id: int | None = None
    opening_balance: str = "0"
    opening_date: str | None = None
    allow_negative: bool = False


class AccountPatch(InputSchema):
    kind: str | None = None
    name: str | None = None
    iban: str | None = None
    bic: str | None = None
    bank_name: str | None = None
    currency: str | None = None
    parent_id: int | None = None
    opening_balance: str | None = None
    opening_date: str | None = None
    allow_negative: bool | None = None


class AccountOut(Schema):
    id: int
    parent_id: int | None
    depth: int = 0
    kind: str
    name: str
    iban: str
    bic: str
    bank_name: str
    currency: str
    opening_balance: Decimal
    opening_date: dt.date
    is_active: bool
    closed_at: dt.date | None
    allow_negative: bool = False
    balance: Decimal | None = None
    own_balance: Decimal | None = None
    balance_eur: Decimal | None = None


class TreeOut(Schema):
    date: dt.date
    total_eur: Decimal
    missing_rates: list[str]
    per_currency: dict[str, Decimal]
    accounts: list[AccountOut]


class CloseIn(InputSchema):
    date: str | None = None


class MovementIn(InputSchema):
    account_id: int
    date: str
    direction: str
    amount: str
    currency: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    category_id: int | None = None
    description: str = ""
    bank_reference: str = ""
    end_to_end_id: str = ""
    remittance_info: str = ""


class MovementOut(Schema):
    id: int
    account_id: int
    date: dt.date
    amount: Decimal
    currency: str
    direction: str
    counterparty_name: str
    counterparty_iban: str
    category_id: int | None
    description: str
    bank_reference: str
    end_to_end_id: str
    remittance_info: str
    source: str
    status: str
    reversal_of_id: int | None
    transfer_id: int | None
    cash_order: str
    # On the answer to a new movement: what the apps above say of it (banking: a statement
    # line it may be, waiting in the review queue with the question).
    notes: list[str] = []


class MovementPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[MovementOut]


class ReverseIn(InputSchema):
    date: str
    reason: str = ""


class TransferIn(InputSchema):
    from_account_id: int
    to_account_id: int
    date: str
    amount: str
    rate: str | None = None
    amount_to: str | None = None
    description: str = ""


class TransferOut(Schema):
    id: int
    date: dt.date
    from_account_id: int
    to_account_id: int
    amount_from: Decimal
    currency_from: str
    amount_to: Decimal
    currency_to: str
    rate: Decimal
    exchange_difference_eur: Decimal | None
    movement_ids: list[int]


class StatementLineOut(Schema):
    movement: MovementOut
    balance: Decimal


class StatementOut(Schema):
    account_id: int
    currency: str
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    closing: Decimal
    total_in: Decimal
    total_out: Decimal
    page: int
    pages: int
    count: int
    lines: list[StatementLineOut]


class BalanceCheckIn(InputSchema):
    date: str
    reported_balance: str
    note: str = ""


class BalanceCheckOut(Schema):
    id: int
    account_id: int
    date: dt.date
    reported_balance: Decimal
    computed_balance: Decimal
    difference: Decimal


class CategoryOut(Schema):
    id: int
    parent_id: int | None
    code: str
    name: str


class PeriodCloseIn(InputSchema):
    closed_until: str
    account_id: int | None = None


def _account_out(account: MoneyAccount, row: queries.AccountRow | None = None) -> dict[str, Any]:
    data = {f: getattr(account, f) for f in AccountOut.model_fields if hasattr(account, f)}
    if row is not None:
        data.update(
            depth=row.depth, balance=row.balance, own_balance=row.own, balance_eur=row.balance_eur
        )
    return data


def _movement_out(movement: Movement) -> dict[str, Any]:
    data = {f: getattr(movement, f) for f in MovementOut.model_fields if hasattr(movement, f)}
    data["cash_order"] = movement.cash_order_label
    return data


def _account(request: CompanyRequest, money_account_id: int) -> MoneyAccount:
    return queries.visible_account(request.company, _access(request), money_account_id)


def _account_data(payload: dict[str, Any], request: CompanyRequest) -> dict[str, Any]:
    if "parent_id" in payload:
        parent_id = payload.pop("parent_id")
        payload["parent"] = _account(request, parent_id) if parent_id is not None else None
    return payload
