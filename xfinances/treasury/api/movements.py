"""Movements, transfers, balances, categories and period closes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Query, Status

from xfinances.core.api_auth import require
from xfinances.core.idempotency import idempotent
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.treasury import actions, queries
from xfinances.treasury.api.accounts import list_accounts
from xfinances.treasury.api.common import (
    MAX_LIMIT,
    CategoryOut,
    MovementIn,
    MovementOut,
    MovementPage,
    PeriodCloseIn,
    ReverseIn,
    TransferIn,
    TransferOut,
    TreeOut,
    _access,
    _account,
    _movement_out,
    router,
)
from xfinances.treasury.events import typed_movement_notes


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
    movement = actions.create_movement(request.actor, account, actions.MovementInput.read(data))
    out = _movement_out(movement)
    out["notes"] = typed_movement_notes.collect(movement=movement)
    return Status(201, out)


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
    typed = actions.TransferInput.read(
        {
            "from_account": source,
            "to_account": target,
            "date": body.date,
            "amount": body.amount,
            "rate": body.rate,
            "amount_to": body.amount_to,
            "description": body.description,
        }
    )
    transfer = actions.create_transfer(request.actor, request.company, typed)
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
