"""REST: cash and bank under /api/v1/treasury. Thin: finds what the caller may see, calls actions.

Amounts are strings with a decimal point; a movement's `amount` is signed (> 0 money in).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.models import Company
from xfinances.treasury import actions, queries
from xfinances.treasury.models import MoneyAccount, Movement

router = Router(tags=["treasury"])
MAX_LIMIT = 500


def _company(request: HttpRequest) -> Company:
    return request.company  # type: ignore[attr-defined,no-any-return]


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def _access(request: HttpRequest) -> queries.AccountAccessMap:
    return queries.access_map(_company(request), request.user.pk, request.role)  # type: ignore[attr-defined]


class AccountIn(Schema):
    kind: str = ""
    name: str = ""
    iban: str = ""
    bic: str = ""
    bank_name: str = ""
    currency: str = ""
    parent_id: int | None = None
    opening_balance: str = "0"
    opening_date: str | None = None


class AccountPatch(Schema):
    kind: str | None = None
    name: str | None = None
    iban: str | None = None
    bic: str | None = None
    bank_name: str | None = None
    currency: str | None = None
    parent_id: int | None = None
    opening_balance: str | None = None
    opening_date: str | None = None


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
    balance: Decimal | None = None
    own_balance: Decimal | None = None
    balance_eur: Decimal | None = None


class TreeOut(Schema):
    date: dt.date
    total_eur: Decimal
    missing_rates: list[str]
    per_currency: dict[str, Decimal]
    accounts: list[AccountOut]


class CloseIn(Schema):
    date: str | None = None


class MovementIn(Schema):
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


class MovementPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[MovementOut]


class ReverseIn(Schema):
    date: str
    reason: str = ""


class TransferIn(Schema):
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


class BalanceCheckIn(Schema):
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


class PeriodCloseIn(Schema):
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


def _account(request: HttpRequest, money_account_id: int) -> MoneyAccount:
    return queries.visible_account(_company(request), _access(request), money_account_id)


def _account_data(payload: dict[str, Any], request: HttpRequest) -> dict[str, Any]:
    if "parent_id" in payload:
        parent_id = payload.pop("parent_id")
        payload["parent"] = _account(request, parent_id) if parent_id is not None else None
    return payload


@router.get("/accounts", response=TreeOut, summary="Accounts in tree order with balances at ?date=")
def list_accounts(
    request: HttpRequest, date: dt.date | None = None, include_closed: bool = False
) -> dict:
    tree = queries.account_tree(
        _company(request), _access(request), date or dt.date.today(), include_closed
    )
    return {
        "date": tree.date,
        "total_eur": tree.total_eur,
        "missing_rates": tree.missing_rates,
        "per_currency": tree.per_currency,
        "accounts": [_account_out(r.account, r) for r in tree.rows],
    }


@router.post("/accounts", response={201: AccountOut}, summary="Create an account or sub-account")
def create_account(request: HttpRequest, body: AccountIn) -> Status:
    require(request, "treasury.change")
    data = _account_data(body.model_dump(), request)
    if not data.get("opening_date"):
        data.pop("opening_date")
    if data.get("parent") is not None:
        for key in ("currency", "kind"):
            if not data[key]:
                data.pop(key)
    account = actions.create_account(_actor(request), _company(request), **data)  # type: ignore[attr-defined]
    return Status(201, _account_out(account))


@router.get(
    "/accounts/{money_account_id}",
    response=AccountOut,
    summary="One account with its balance today",
)
def read_account(request: HttpRequest, money_account_id: int, date: dt.date | None = None) -> dict:
    account = _account(request, money_account_id)
    on = date or dt.date.today()
    data = _account_out(account)
    data["balance"] = queries.subtree_balance(_company(request), account, on)
    data["own_balance"] = queries.own_balances(_company(request), on, {account.pk}).get(
        account.pk, Decimal(0)
    )
    return data


@router.patch("/accounts/{money_account_id}", response=AccountOut, summary="Change an account")
def update_account(request: HttpRequest, money_account_id: int, body: AccountPatch) -> dict:
    require(request, "treasury.change")
    account = _account(request, money_account_id)
    data = _account_data(body.model_dump(exclude_unset=True), request)
    account = actions.update_account(_actor(request), account, **data)  # type: ignore[attr-defined]
    return _account_out(account)


@router.post(
    "/accounts/{money_account_id}/close",
    response=AccountOut,
    summary="Close an account with zero balance",
)
def close_account(request: HttpRequest, money_account_id: int, body: CloseIn) -> dict:
    require(request, "treasury.change")
    account = _account(request, money_account_id)
    on = dt.date.fromisoformat(body.date) if body.date else None
    account = actions.close_account(_actor(request), account, on)  # type: ignore[attr-defined]
    return _account_out(account)


@router.get(
    "/accounts/{money_account_id}/statement",
    response=StatementOut,
    summary="Statement with running balance",
)
def account_statement(
    request: HttpRequest,
    money_account_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 100,
) -> dict:
    account = _account(request, money_account_id)
    date_to = date_to or dt.date.today()
    date_from = date_from or date_to.replace(day=1)
    result = queries.statement(
        _company(request), account, date_from, date_to, page, max(1, min(per_page, MAX_LIMIT))
    )
    return {
        "account_id": account.pk,
        "currency": account.currency,
        "date_from": date_from,
        "date_to": date_to,
        "opening": result.opening,
        "closing": result.closing,
        "total_in": result.total_in,
        "total_out": result.total_out,
        "page": result.page,
        "pages": result.pages,
        "count": result.count,
        "lines": [
            {"movement": _movement_out(line.movement), "balance": line.balance}
            for line in result.lines
        ],
    }


@router.post(
    "/accounts/{money_account_id}/balance-checks",
    response={201: BalanceCheckOut},
    summary="Reconcile with the bank's balance",
)
def balance_check(request: HttpRequest, money_account_id: int, body: BalanceCheckIn) -> Status:
    account = _account(request, money_account_id)
    check = actions.record_balance_check(_actor(request), account, **body.model_dump())  # type: ignore[attr-defined]
    return Status(201, check)


class MovementFilters(Schema):
    account_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    category_id: int | None = None
    source: str = ""
    direction: str = ""
    q: str = ""
    offset: int = 0
    limit: int = 100


@router.get("/movements", response=MovementPage, summary="Movements with filters, oldest first")
def list_movements(request: HttpRequest, filters: Query[MovementFilters]) -> dict:
    rows = queries.movements(
        _company(request),
        _access(request),
        account_id=filters.account_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
        category_id=filters.category_id,
        source=filters.source,
        direction=filters.direction,
        text=filters.q,
    )
    limit = max(1, min(filters.limit, MAX_LIMIT))
    offset = max(0, filters.offset)
    return {
        "count": rows.count(),
        "offset": offset,
        "limit": limit,
        "items": [_movement_out(m) for m in rows[offset : offset + limit]],
    }


@router.post("/movements", response={201: MovementOut}, summary="Money in or out of an account")
def create_movement(request: HttpRequest, body: MovementIn) -> Status:
    data = body.model_dump()
    account = _account(request, data.pop("account_id"))
    data["category"] = data.pop("category_id")
    movement = actions.create_movement(_actor(request), account, **data)  # type: ignore[attr-defined]
    return Status(201, _movement_out(movement))


@router.get("/movements/{movement_id}", response=MovementOut, summary="One movement")
def read_movement(request: HttpRequest, movement_id: int) -> dict:
    return _movement_out(queries.visible_movement(_company(request), _access(request), movement_id))


@router.post(
    "/movements/{movement_id}/reverse",
    response={201: list[MovementOut]},
    summary="Reverse a movement",
)
def reverse_movement(request: HttpRequest, movement_id: int, body: ReverseIn) -> Status:
    movement = queries.visible_movement(_company(request), _access(request), movement_id)
    created = actions.reverse_movement(
        _actor(request), movement, date=body.date, reason=body.reason
    )  # type: ignore[attr-defined]
    return Status(201, [_movement_out(m) for m in created])


@router.post("/transfers", response={201: TransferOut}, summary="Transfer between two own accounts")
def create_transfer(request: HttpRequest, body: TransferIn) -> Status:
    source = _account(request, body.from_account_id)
    target = _account(request, body.to_account_id)
    transfer = actions.create_transfer(
        _actor(request),
        _company(request),  # type: ignore[attr-defined]
        from_account=source,
        to_account=target,
        date=body.date,
        amount=body.amount,
        rate=body.rate,
        amount_to=body.amount_to,
        description=body.description,
    )
    data = {f: getattr(transfer, f) for f in TransferOut.model_fields if hasattr(transfer, f)}
    data["movement_ids"] = list(transfer.movements.order_by("id").values_list("id", flat=True))
    return Status(201, data)


@router.get("/balances", response=TreeOut, summary="Balances of every visible account at ?date=")
def balances(request: HttpRequest, date: dt.date | None = None) -> dict:
    return list_accounts(request, date)


@router.get("/categories", response=list[CategoryOut], summary="Cash-flow categories")
def list_categories(request: HttpRequest) -> list[Any]:
    return list(queries.categories(_company(request)))


@router.post("/periods", response={201: dict}, summary="Close the treasury up to a day")
def close_period(request: HttpRequest, body: PeriodCloseIn) -> Status:
    require(request, "treasury.close_period")
    account = _account(request, body.account_id) if body.account_id else None
    row = actions.close_period(
        _actor(request), _company(request), closed_until=body.closed_until, account=account
    )  # type: ignore[attr-defined]
    return Status(
        201,
        {"id": row.pk, "closed_until": row.closed_until.isoformat(), "account_id": row.account_id},
    )
