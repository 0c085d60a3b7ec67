"""Reports: the transfers list, the cash flow and the forecast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema

from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.tenancy import CompanyRequest
from xfinances.treasury import cashflow, forecast, queries
from xfinances.treasury.api.common import MAX_LIMIT, TransferOut, _access, router
from xfinances.treasury.models import Movement

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
        raise InvalidInput({"period": [_("Choose month, quarter, year or custom.")]})
    if compare not in ("previous", "year", "both", "none"):
        raise InvalidInput({"compare": [_("Choose previous, year, both or none.")]})
    anchor = date or dt.date.today()
    if period == "custom":
        if date_from is None or date_to is None:
            raise InvalidInput({"date_from": [_("Give date_from and date_to.")]})
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
