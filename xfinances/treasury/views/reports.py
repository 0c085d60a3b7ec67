"""Cash flow and the cash forecast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.treasury import cashflow as cashflow_module
from xfinances.treasury import charts, exports, queries
from xfinances.treasury import forecast as forecast_module
from xfinances.treasury.forms import (
    PeriodFilterForm,
)
from xfinances.treasury.views.common import (
    CURRENCIES,
    _access,
    _currency,
    _date_param,
)


def _cashflow_report(request: CompanyRequest) -> cashflow_module.CashflowReport:
    company = request.company
    kind = request.GET.get("period", "month")
    if kind not in cashflow_module.PERIOD_KINDS:
        kind = "month"
    anchor = _date_param(request, "date", None) or dt.date.today()
    if kind == "custom":
        date_to = _date_param(request, "date_to", None) or anchor
        date_from = _date_param(request, "date_from", None) or date_to.replace(day=1)
        current = cashflow_module.custom_period(date_from, date_to)
    else:
        current = cashflow_module.period_of(kind, anchor)
    compare = request.GET.get("compare", "previous")
    comparisons = []
    if compare in ("previous", "both"):
        comparisons.append(cashflow_module.previous_period(kind, current))
    if compare in ("year", "both"):
        comparisons.append(cashflow_module.year_before(kind, current))
    return queries.cashflow_report(
        company, _access(request), current, kind, _currency(request), comparisons
    )


@company_view()
def cashflow(request: CompanyRequest) -> HttpResponse:
    company = request.company
    report = _cashflow_report(request)
    file_format = request.GET.get("format", "")
    stem = (
        f"cash-flow-{company.eik}-{report.current.date_from:%Y%m%d}-{report.current.date_to:%Y%m%d}"
    )
    if file_format == "xlsx":
        response = HttpResponse(
            exports.cashflow_xlsx(report, company),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return response
    if file_format == "pdf":
        response = HttpResponse(
            exports.cashflow_pdf(report, company), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{stem}.pdf"'
        return response
    chart = charts.bar_line_chart(
        [b.period.label for b in report.buckets],
        [b.amounts.money_in for b in report.buckets],
        [b.amounts.money_out for b in report.buckets],
    )
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "treasury/cashflow.html",
        {
            "report": report,
            "chart": chart,
            "currencies": CURRENCIES,
            "period": report.kind,
            "compare": request.GET.get("compare", "previous"),
            "anchor": _date_param(request, "date", None) or dt.date.today(),
            "filter_form": PeriodFilterForm(
                initial={"date_from": report.current.date_from, "date_to": report.current.date_to}
            ),
            "query": query.urlencode(),
        },
    )


def _forecast(request: CompanyRequest) -> queries.ForecastView:
    weeks = forecast_module.clamp_weeks(request.GET.get("weeks", forecast_module.DEFAULT_WEEKS))
    return queries.cash_forecast(request.company, _access(request), _currency(request), weeks)


@company_view("treasury.view")
def forecast(request: CompanyRequest) -> HttpResponse:
    company = request.company
    view = _forecast(request)
    result = view.forecast
    base = reverse("treasury:forecast_week", args=[company.eik])
    keep = f"currency={view.currency}&weeks={len(result.weeks)}"
    chart = charts.bar_line_chart(
        [f"{w.start:%d.%m}" for w in result.weeks],
        [w.money_in for w in result.weeks],
        [w.money_out for w in result.weeks],
        [w.closing for w in result.weeks],
        [f"{base}?{keep}&week={w.index}" for w in result.weeks],
        lowest_index=result.lowest.index - 1,
    )
    group_rows = [
        {
            "name": account.name,
            "opening": result.opening_by_group.get(pk, Decimal(0)),
            "closings": [w.closing_by_group.get(pk, Decimal(0)) for w in result.weeks],
            "lowest": result.lowest_by_group[pk],
        }
        for pk, account in view.groups.items()
    ]
    if view.include_unassigned:
        group_rows.append(
            {
                "name": _("Not assigned to an account"),
                "opening": Decimal(0),
                "closings": [w.closing_by_group.get(None, Decimal(0)) for w in result.weeks],
                "lowest": result.lowest_by_group[None],
            }
        )
    return render(
        request,
        "treasury/forecast.html",
        {
            "view": view,
            "result": result,
            "chart": chart,
            "group_rows": group_rows,
            "currencies": CURRENCIES,
            "week_url": f"{base}?{keep}",
        },
    )


@company_view("treasury.view")
def forecast_week(request: CompanyRequest) -> HttpResponse:
    view = _forecast(request)
    try:
        index = int(request.GET.get("week", "1"))
    except ValueError:
        index = 1
    index = max(1, min(index, len(view.forecast.weeks)))
    week = view.forecast.weeks[index - 1]
    return render(
        request,
        "treasury/forecast_week.html",
        {"view": view, "week": week, "weeks": len(view.forecast.weeks), "groups": view.groups},
    )
