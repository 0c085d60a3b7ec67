"""Planned items of the forecast, category changes and reopening a period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.treasury import actions, queries
from xfinances.treasury.api.common import CategoryOut, _account, router


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
    item = actions.create_planned_item(
        request.actor, request.company, actions.PlannedItemInput.read(data)
    )
    return Status(201, item)


@router.patch(
    "/planned-items/{planned_item_id}", response=PlannedOut, summary="Change a planned item"
)
def update_planned(request: CompanyRequest, planned_item_id: int, body: PlannedPatch) -> Any:
    item = _planned(request, planned_item_id)
    data = _planned_data(request, body.model_dump(exclude_unset=True))
    return actions.update_planned_item(
        request.actor, item, actions.PlannedItemInput.read_changes(data)
    )


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
    return actions.update_category(
        request.actor, category, actions.CategoryInput.read_changes(kwargs)
    )


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
