"""REST: cash and bank under /api/v1/treasury. Thin: finds what the caller may see, calls actions.

Amounts are strings with a decimal point; a movement's `amount` is signed (> 0 money in).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.idempotency import idempotent
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.treasury import actions, cashflow, forecast, queries
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
    if not data.get("opening_date"):
        data.pop("opening_date")
    if data.get("parent") is not None:
        for key in ("currency", "kind"):
            if not data[key]:
                data.pop(key)
    account = actions.create_account(request.actor, request.company, **data)
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
    account = actions.update_account(request.actor, account, **data)
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


class MovementFilters(InputSchema):
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
def list_movements(request: CompanyRequest, filters: Query[MovementFilters]) -> dict:
    rows = queries.movements(
        request.company,
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
@idempotent
def create_movement(request: CompanyRequest, body: MovementIn) -> Status:
    data = body.model_dump()
    account = _account(request, data.pop("account_id"))
    data["category"] = data.pop("category_id")
    movement = actions.create_movement(request.actor, account, **data)
    return Status(201, _movement_out(movement))


@router.get("/movements/{movement_id}", response=MovementOut, summary="One movement")
def read_movement(request: CompanyRequest, movement_id: int) -> dict:
    return _movement_out(queries.visible_movement(request.company, _access(request), movement_id))


@router.post(
    "/movements/{movement_id}/reverse",
    response={201: list[MovementOut]},
    summary="Reverse a movement",
)
@idempotent
def reverse_movement(request: CompanyRequest, movement_id: int, body: ReverseIn) -> Status:
    movement = queries.visible_movement(request.company, _access(request), movement_id)
    created = actions.reverse_movement(request.actor, movement, date=body.date, reason=body.reason)
    return Status(201, [_movement_out(m) for m in created])


@router.post("/transfers", response={201: TransferOut}, summary="Transfer between two own accounts")
@idempotent
def create_transfer(request: CompanyRequest, body: TransferIn) -> Status:
    source = _account(request, body.from_account_id)
    target = _account(request, body.to_account_id)
    transfer = actions.create_transfer(
        request.actor,
        request.company,
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
def balances(request: CompanyRequest, date: dt.date | None = None) -> dict:
    return list_accounts(request, date)


@router.get("/categories", response=list[CategoryOut], summary="Cash-flow categories")
def list_categories(request: CompanyRequest) -> list[Any]:
    return list(queries.categories(request.company))


@router.post("/periods", response={201: dict}, summary="Close the treasury up to a day")
def close_period(request: CompanyRequest, body: PeriodCloseIn) -> Status:
    require(request, "treasury.close_period")
    account = _account(request, body.account_id) if body.account_id else None
    row = actions.close_period(
        request.actor, request.company, closed_until=body.closed_until, account=account
    )
    return Status(
        201,
        {"id": row.pk, "closed_until": row.closed_until.isoformat(), "account_id": row.account_id},
    )


# ---------------------------------------------------------------- reports, forecast, planning


class TransferListOut(Schema):
    count: int
    items: list[TransferOut]


@router.get("/transfers", response=TransferListOut, summary="Transfers, newest first")
def list_transfers(
    request: CompanyRequest,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    offset: int = 0,
    limit: int = 100,
) -> dict:
    company, access = request.company, _access(request)
    rows = queries.visible_transfers(company, access)
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    page = list(rows[offset : offset + limit])
    legs: dict[int, list[int]] = {}
    for transfer_id, movement_id in (
        Movement.objects.filter(company=company, transfer_id__in=[t.pk for t in page])
        .order_by("id")
        .values_list("transfer_id", "id")
    ):
        legs.setdefault(transfer_id, []).append(movement_id)
    items = []
    for t in page:
        data = {f: getattr(t, f) for f in TransferOut.model_fields if hasattr(t, f)}
        data["movement_ids"] = legs.get(t.pk, [])
        items.append(data)
    return {"count": rows.count(), "items": items}


class AmountsOut(Schema):
    money_in: Decimal
    money_out: Decimal
    net: Decimal


class PeriodOut(Schema):
    date_from: dt.date
    date_to: dt.date
    label: str


class CashflowLineOut(Schema):
    id: int | None
    name: str
    periods: list[AmountsOut]


class CashflowOut(Schema):
    currency: str
    periods: list[PeriodOut]
    opening: Decimal
    closing: Decimal
    by_category: list[CashflowLineOut]
    by_account: list[CashflowLineOut]
    totals: list[AmountsOut]


def _amounts(a: Any) -> dict[str, Decimal]:
    return {"money_in": a.money_in, "money_out": a.money_out, "net": a.net}


@router.get(
    "/cash-flow",
    response=CashflowOut,
    summary="Money in and out by category and account for ?period=month|quarter|year|custom",
)
def cash_flow(
    request: CompanyRequest,
    period: str = "month",
    date: dt.date | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    compare: str = "previous",
    currency: str = "",
) -> dict:
    if period not in cashflow.PERIOD_KINDS:
        raise InvalidInput({"period": ["month, quarter, year or custom"]})
    if compare not in ("previous", "year", "both", "none"):
        raise InvalidInput({"compare": ["previous, year, both or none"]})
    anchor = date or dt.date.today()
    if period == "custom":
        if date_from is None or date_to is None:
            raise InvalidInput({"date_from": ["Give date_from and date_to."]})
        current = cashflow.custom_period(date_from, date_to)
    else:
        current = cashflow.period_of(period, anchor)
    comparisons = []
    if compare in ("previous", "both"):
        comparisons.append(cashflow.previous_period(period, current))
    if compare in ("year", "both"):
        comparisons.append(cashflow.year_before(period, current))
    company = request.company
    report = queries.cashflow_report(
        company,
        _access(request),
        current,
        period,
        currency or company.default_currency,
        comparisons,
    )

    def lines(rows: list[Any]) -> list[dict[str, Any]]:
        return [
            {"id": r.key, "name": r.name, "periods": [_amounts(a) for a in r.periods]} for r in rows
        ]

    return {
        "currency": report.currency,
        "periods": [
            {"date_from": p.date_from, "date_to": p.date_to, "label": p.label}
            for p in report.periods
        ],
        "opening": report.opening,
        "closing": report.closing,
        "by_category": lines(report.by_category),
        "by_account": lines(report.by_account),
        "totals": [_amounts(a) for a in report.totals],
    }


class FlowOut(Schema):
    date: dt.date
    amount: Decimal
    currency: str
    account_id: int | None
    label: str
    url: str
    kind: str


class WeekOut(Schema):
    week: int
    start: dt.date
    end: dt.date
    money_in: Decimal
    money_out: Decimal
    closing: Decimal
    closing_by_account: dict[str, Decimal]
    flows: list[FlowOut]


class ForecastOut(Schema):
    currency: str
    start: dt.date
    opening: Decimal
    lowest_week: int
    lowest_closing: Decimal
    weeks: list[WeekOut]


@router.get("/forecast", response=ForecastOut, summary="Weekly cash forecast (?weeks=13)")
def cash_forecast(request: CompanyRequest, currency: str = "", weeks: int = 13) -> dict:
    require(request, "treasury.view")
    company = request.company
    view = queries.cash_forecast(
        company, _access(request), currency or company.default_currency, forecast.clamp_weeks(weeks)
    )
    result = view.forecast
    return {
        "currency": view.currency,
        "start": result.start,
        "opening": result.opening,
        "lowest_week": result.lowest.index,
        "lowest_closing": result.lowest.closing,
        "weeks": [
            {
                "week": w.index,
                "start": w.start,
                "end": w.end,
                "money_in": w.money_in,
                "money_out": w.money_out,
                "closing": w.closing,
                "closing_by_account": {
                    str(k) if k is not None else "unassigned": v
                    for k, v in w.closing_by_group.items()
                },
                "flows": [
                    {
                        "date": f.date,
                        "amount": f.amount,
                        "currency": f.currency,
                        "account_id": f.group,
                        "label": f.label,
                        "url": f.url,
                        "kind": f.kind,
                    }
                    for f in w.flows
                ],
            }
            for w in result.weeks
        ],
    }


class PlannedIn(InputSchema):
    name: str = ""
    direction: str = ""
    amount: str = ""
    currency: str = ""
    account_id: int | None = None
    category_id: int | None = None
    schedule: str = ""
    day: int | None = None
    start_date: str = ""
    end_date: str | None = None
    is_active: bool = True


class PlannedPatch(InputSchema):
    name: str | None = None
    direction: str | None = None
    amount: str | None = None
    currency: str | None = None
    account_id: int | None = None
    category_id: int | None = None
    schedule: str | None = None
    day: int | None = None
    start_date: str | None = None
    end_date: str | None = None
    is_active: bool | None = None


class PlannedOut(Schema):
    id: int
    name: str
    amount: Decimal
    currency: str
    account_id: int | None
    category_id: int | None
    schedule: str
    day: int
    start_date: dt.date
    end_date: dt.date | None
    is_active: bool


def _planned_data(request: CompanyRequest, payload: dict[str, Any]) -> dict[str, Any]:
    if "account_id" in payload:
        account_id = payload.pop("account_id")
        payload["account"] = _account(request, account_id) if account_id else None
    if "category_id" in payload:
        payload["category"] = payload.pop("category_id") or None
    return payload


def _planned(request: CompanyRequest, planned_item_id: int) -> Any:
    return get_object_or_404(queries.planned_items(request.company), pk=planned_item_id)


@router.get("/planned-items", response=list[PlannedOut], summary="Planned items of the forecast")
def list_planned(request: CompanyRequest) -> list[Any]:
    require(request, "treasury.view")
    return list(queries.planned_items(request.company))


@router.post("/planned-items", response={201: PlannedOut}, summary="Add a planned item")
def create_planned(request: CompanyRequest, body: PlannedIn) -> Status:
    data = _planned_data(request, body.model_dump())
    if data.get("day") is None:
        data["day"] = ""
    item = actions.create_planned_item(request.actor, request.company, **data)
    return Status(201, item)


@router.patch(
    "/planned-items/{planned_item_id}", response=PlannedOut, summary="Change a planned item"
)
def update_planned(request: CompanyRequest, planned_item_id: int, body: PlannedPatch) -> Any:
    item = _planned(request, planned_item_id)
    data = _planned_data(request, body.model_dump(exclude_unset=True))
    return actions.update_planned_item(request.actor, item, **data)


@router.delete(
    "/planned-items/{planned_item_id}", response={204: None}, summary="Delete a planned item"
)
def delete_planned(request: CompanyRequest, planned_item_id: int) -> Status:
    actions.delete_planned_item(request.actor, _planned(request, planned_item_id))
    return Status(204, None)


class CategoryPatch(InputSchema):
    name: str | None = None
    parent_id: int | None = None
    is_active: bool | None = None


class CategoryFullOut(CategoryOut):
    is_active: bool


@router.patch(
    "/categories/{cashflow_category_id}",
    response=CategoryFullOut,
    summary="Rename, move or (de)activate a cash-flow category",
)
def update_category(request: CompanyRequest, cashflow_category_id: int, body: CategoryPatch) -> Any:
    company = request.company
    category = get_object_or_404(
        queries.categories(company, active_only=False), pk=cashflow_category_id
    )
    data = body.model_dump(exclude_unset=True)
    kwargs: dict[str, Any] = {}
    if "name" in data:
        kwargs["name"] = data["name"]
    if "is_active" in data:
        kwargs["is_active"] = data["is_active"]
    if "parent_id" in data:
        parent_id = data["parent_id"]
        kwargs["parent"] = (
            get_object_or_404(queries.categories(company, active_only=False), pk=parent_id)
            if parent_id
            else None
        )
    return actions.update_category(request.actor, category, **kwargs)


class ReopenIn(InputSchema):
    reason: str = ""


@router.post(
    "/periods/{period_close_id}/reopen",
    response=dict,
    summary="Reopen a closed period (owners only, with a reason)",
)
def reopen_period(request: CompanyRequest, period_close_id: int, body: ReopenIn) -> dict:
    require(request, "treasury.reopen_period")
    close = get_object_or_404(queries.period_closes(request.company), pk=period_close_id)
    row = actions.reopen_period(request.actor, close, reason=body.reason)
    return {
        "id": row.pk,
        "closed_until": row.closed_until.isoformat(),
        "reopened_at": row.reopened_at.isoformat() if row.reopened_at else None,
        "reason": row.reopen_reason,
    }
