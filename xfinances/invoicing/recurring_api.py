"""REST: recurring invoices under /api/v1/recurring-invoices. Thin: checks the role, calls
actions/queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404
from ninja import Router, Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.invoicing import actions, queries
from xfinances.invoicing.inputs import LineInput, RecurringInput
from xfinances.invoicing.models import (
    RecurringInvoice,
)

# The operation ids these had when they lived in invoicing/api.py: generated clients call
# operations by id, so moving the code does not rename them.
_OPERATION_ID = "xfinances_invoicing_api_{}"


# --- recurring invoices: /api/v1/recurring-invoices ---------------------------------------------

recurring_router = Router(tags=["recurring invoices"])


class RecurringLineIn(InputSchema):
    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None
    vat_treatment: str = ""
    product_id: int | None = None


class RecurringIn(InputSchema):
    name: str = ""
    party_id: int | None = None
    lines: list[RecurringLineIn] = []
    currency: str = "EUR"
    language: str = ""
    payment_method: str = "bank_transfer"
    notes: str = ""
    schedule: str = "monthly"
    day_of_month: int = 1
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    auto_issue: bool = True
    auto_send: bool = False


class RecurringPatch(InputSchema):
    name: str | None = None
    party_id: int | None = None
    lines: list[RecurringLineIn] | None = None
    currency: str | None = None
    language: str | None = None
    payment_method: str | None = None
    notes: str | None = None
    schedule: str | None = None
    day_of_month: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    auto_issue: bool | None = None
    auto_send: bool | None = None


class RecurringRunOut(Schema):
    id: int
    period_start: dt.date
    period_end: dt.date
    document_id: int | None
    error: str
    sent: bool
    created_at: dt.datetime


class RecurringOut(Schema):
    id: int
    name: str
    party_id: int
    lines: list[dict[str, Any]]
    currency: str
    language: str
    payment_method: str
    notes: str
    schedule: str
    day_of_month: int
    start_date: dt.date
    end_date: dt.date | None
    next_period_start: dt.date | None
    auto_issue: bool
    auto_send: bool
    active: bool
    runs: list[RecurringRunOut] = []


class ActiveIn(InputSchema):
    active: bool = False


class RunNowOut(Schema):
    invoiced: int
    runs: list[RecurringRunOut]


def _recurring(request: CompanyRequest, template_id: int) -> RecurringInvoice:
    found = queries.recurring_invoice(request.company, template_id)
    if found is None:
        raise Http404
    return found


def _recurring_input(
    data: RecurringIn | RecurringPatch, *, only_sent: bool = False
) -> RecurringInput:
    """The fields sent (a PATCH: only those) as the actions take them."""
    payload = data.model_dump(exclude_unset=only_sent, exclude={"lines"})
    if data.lines is not None and (not only_sent or "lines" in data.model_fields_set):
        payload["lines"] = tuple(LineInput(**line.model_dump()) for line in data.lines)
    return RecurringInput(**payload)


def _recurring_out(template: RecurringInvoice, runs: int = 50) -> dict[str, Any]:
    data = {n: getattr(template, n) for n in RecurringOut.model_fields if n != "runs"}
    data["runs"] = list(queries.recurring_runs(template)[:runs])
    return data


@recurring_router.get(
    "",
    response=list[RecurringOut],
    summary="Recurring invoices",
    operation_id=_OPERATION_ID.format("list_recurring"),
)
def list_recurring(request: CompanyRequest) -> list[dict[str, Any]]:
    require(request, "documents.view")
    return [_recurring_out(t, runs=0) for t in queries.recurring_invoices(request.company)]


@recurring_router.post(
    "",
    response={201: RecurringOut},
    summary="A new recurring invoice",
    operation_id=_OPERATION_ID.format("create_recurring"),
)
def create_recurring(request: CompanyRequest, data: RecurringIn) -> Status[dict[str, Any]]:
    require(request, "documents.change")
    template = actions.create_recurring(request.actor, request.company, _recurring_input(data))
    return Status(201, _recurring_out(template))


@recurring_router.get(
    "/{int:template_id}",
    response=RecurringOut,
    summary="One, with its runs",
    operation_id=_OPERATION_ID.format("read_recurring"),
)
def read_recurring(request: CompanyRequest, template_id: int) -> dict[str, Any]:
    require(request, "documents.view")
    return _recurring_out(_recurring(request, template_id))


@recurring_router.patch(
    "/{int:template_id}",
    response=RecurringOut,
    summary="Change it",
    operation_id=_OPERATION_ID.format("patch_recurring"),
)
def patch_recurring(
    request: CompanyRequest, template_id: int, data: RecurringPatch
) -> dict[str, Any]:
    require(request, "documents.change")
    template = actions.update_recurring(
        request.actor, _recurring(request, template_id), _recurring_input(data, only_sent=True)
    )
    return _recurring_out(template)


@recurring_router.delete(
    "/{int:template_id}",
    response={204: None},
    summary="Delete it",
    operation_id=_OPERATION_ID.format("delete_recurring"),
)
def delete_recurring(request: CompanyRequest, template_id: int) -> Status[None]:
    require(request, "documents.change")
    actions.delete_recurring(request.actor, _recurring(request, template_id))
    return Status(204, None)


@recurring_router.post(
    "/{int:template_id}/active",
    response=RecurringOut,
    summary="Pause or resume",
    operation_id=_OPERATION_ID.format("set_active"),
)
def set_active(request: CompanyRequest, template_id: int, data: ActiveIn) -> dict[str, Any]:
    require(request, "documents.change")
    template = actions.pause_recurring(
        request.actor, _recurring(request, template_id), active=data.active
    )
    return _recurring_out(template)


@recurring_router.post(
    "/{int:template_id}/run-now",
    response=RunNowOut,
    summary="Invoice every period due today now (the daily job would do the same)",
    operation_id=_OPERATION_ID.format("run_now"),
)
def run_now(request: CompanyRequest, template_id: int) -> dict[str, Any]:
    require(request, "documents.change")
    template = _recurring(request, template_id)
    made = actions.run_recurring_now(request.actor, template)
    return {"invoiced": len(made), "runs": made}
