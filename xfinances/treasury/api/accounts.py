"""Accounts: list, create, read, change, close, statement, bank balance checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Status

from xfinances.core.api_auth import require
from xfinances.core.tenancy import CompanyRequest
from xfinances.treasury import actions, queries
from xfinances.treasury.api.common import (
    MAX_LIMIT,
    AccountIn,
    AccountOut,
    AccountPatch,
    BalanceCheckIn,
    BalanceCheckOut,
    CloseIn,
    StatementOut,
    TreeOut,
    _access,
    _account,
    _account_data,
    _account_out,
    _movement_out,
    router,
)


@router.get("/accounts", response=TreeOut, summary="Accounts in tree order with balances at ?date=")
def list_accounts(
    request: CompanyRequest, date: dt.date | None = None, include_closed: bool = False
) -> dict:
    tree = queries.account_tree(
        request.company, _access(request), date or dt.date.today(), include_closed
    )
    return {
        "date": tree.date,
        "total_eur": tree.total_eur,
        "missing_rates": tree.missing_rates,
        "per_currency": tree.per_currency,
        "accounts": [_account_out(r.account, r) for r in tree.rows],
    }


@router.post("/accounts", response={201: AccountOut}, summary="Create an account or sub-account")
def create_account(request: CompanyRequest, body: AccountIn) -> Status:
    require(request, "treasury.change")
    data = _account_data(body.model_dump(), request)
    account = actions.create_account(
        request.actor, request.company, actions.AccountInput.read(data)
    )
    return Status(201, _account_out(account))


@router.get(
    "/accounts/{money_account_id}",
    response=AccountOut,
    summary="One account with its balance today",
)
def read_account(
    request: CompanyRequest, money_account_id: int, date: dt.date | None = None
) -> dict:
    account = _account(request, money_account_id)
    on = date or dt.date.today()
    data = _account_out(account)
    data["balance"] = queries.subtree_balance(request.company, account, on)
    data["own_balance"] = queries.own_balances(request.company, on, {account.pk}).get(
        account.pk, Decimal(0)
    )
    return data


@router.patch("/accounts/{money_account_id}", response=AccountOut, summary="Change an account")
def update_account(request: CompanyRequest, money_account_id: int, body: AccountPatch) -> dict:
    require(request, "treasury.change")
    account = _account(request, money_account_id)
    data = _account_data(body.model_dump(exclude_unset=True), request)
    account = actions.update_account(
        request.actor, account, actions.AccountInput.read_changes(data)
    )
    return _account_out(account)


@router.post(
    "/accounts/{money_account_id}/close",
    response=AccountOut,
    summary="Close an account with zero balance",
)
def close_account(request: CompanyRequest, money_account_id: int, body: CloseIn) -> dict:
    require(request, "treasury.change")
    account = _account(request, money_account_id)
    on = dt.date.fromisoformat(body.date) if body.date else None
    account = actions.close_account(request.actor, account, on)
    return _account_out(account)


@router.get(
    "/accounts/{money_account_id}/statement",
    response=StatementOut,
    summary="Statement with running balance",
)
def account_statement(
    request: CompanyRequest,
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
        request.company, account, date_from, date_to, page, max(1, min(per_page, MAX_LIMIT))
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
def balance_check(request: CompanyRequest, money_account_id: int, body: BalanceCheckIn) -> Status:
    account = _account(request, money_account_id)
    check = actions.record_balance_check(request.actor, account, **body.model_dump())
    return Status(201, check)
