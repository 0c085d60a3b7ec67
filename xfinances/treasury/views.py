"""Pages of cash and bank. Thin: find what the user may see (404 otherwise), call actions,
show refusals on the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core import queries as core_queries
from xfinances.core.audit import history
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import apply_errors, set_choices
from xfinances.core.models import Company, User
from xfinances.core.money import format_amount
from xfinances.core.roles import can
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.treasury import actions, charts, exports, queries
from xfinances.treasury import cashflow as cashflow_module
from xfinances.treasury import forecast as forecast_module
from xfinances.treasury.forms import (
    AccessForm,
    AccountForm,
    AttachmentForm,
    BalanceCheckForm,
    CategoryEditForm,
    CategoryForm,
    MovementEditForm,
    MovementForm,
    PeriodCloseForm,
    PeriodFilterForm,
    PlannedItemForm,
    ReverseForm,
    TransferForm,
    account_choices,
    category_choices,
)
from xfinances.treasury.models import MoneyAccount, Movement, MovementStatus


def _access(request: CompanyRequest) -> queries.AccountAccessMap:
    return queries.access_map(request.company, request.user.pk, request.role)


def _role_can(request: CompanyRequest, permission: str) -> bool:
    return can(request.role, permission)


def _date_param(request: HttpRequest, name: str, default: dt.date | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


def _movable(request: CompanyRequest) -> list[MoneyAccount]:
    access = _access(request)
    accounts = (
        queries.visible_accounts(request.company, access).filter(is_active=True).order_by("name")
    )
    return [a for a in accounts if access.can_move(a.pk)]


def _refused(request: HttpRequest, form: Any, error: Exception) -> None:
    if isinstance(error, InvalidInput | Conflict):
        apply_errors(form, error)
    else:
        form.add_error(None, str(error))


# ---------------------------------------------------------------- accounts


@company_view()
def accounts(request: CompanyRequest) -> HttpResponse:
    on = _date_param(request, "date", None) or dt.date.today()
    tree = queries.account_tree(
        request.company, _access(request), on, request.GET.get("closed") == "1"
    )
    return render(
        request,
        "treasury/accounts.html",
        {
            "tree": tree,
            "on": on,
            "can_move_any": bool(_movable(request)),
            "show_closed": request.GET.get("closed") == "1",
        },
    )


def _account_form(
    request: CompanyRequest, form: AccountForm, account: MoneyAccount | None = None
) -> AccountForm:
    parents = queries.visible_accounts(request.company, _access(request)).filter(is_active=True)
    if account is not None:
        parents = parents.exclude(pk=account.pk)
    set_choices(form.fields["parent"], account_choices(parents.order_by("name"), blank="—"))
    return form


def _account_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["parent"] = int(data["parent"]) if data.get("parent") else None
    return data


@company_view("treasury.change")
def account_new(request: CompanyRequest) -> HttpResponse:
    initial = {"parent": request.GET.get("parent", "")}
    form = _account_form(request, AccountForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            account = actions.create_account(
                request.actor, request.company, **_account_data(request, form.cleaned_data)
            )
        except (InvalidInput, Conflict) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Account created."))
            return redirect("treasury:account", request.company.eik, account.pk)
    return render(request, "treasury/account_form.html", {"form": form, "title": _("New account")})


@company_view("treasury.change")
def account_edit(request: CompanyRequest, money_account_id: int) -> HttpResponse:
    account = queries.visible_account(request.company, _access(request), money_account_id)
    initial = {
        "kind": account.kind,
        "name": account.name,
        "parent": account.parent_id or "",
        "currency": account.currency,
        "iban": account.iban,
        "bic": account.bic,
        "bank_name": account.bank_name,
        "opening_balance": account.opening_balance,
        "opening_date": account.opening_date,
        "allow_negative": account.allow_negative,
    }
    form = _account_form(request, AccountForm(request.POST or None, initial=initial), account)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_account(
                request.actor, account, **_account_data(request, form.cleaned_data)
            )
        except (InvalidInput, Conflict) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Account saved."))
            return redirect("treasury:account", request.company.eik, account.pk)
    return render(
        request,
        "treasury/account_form.html",
        {"form": form, "title": account.name, "account": account},
    )


@company_view()
def account_detail(request: CompanyRequest, money_account_id: int) -> HttpResponse:
    company = request.company
    access = _access(request)
    account = queries.visible_account(company, access, money_account_id)
    today = dt.date.today()
    date_to = _date_param(request, "date_to", None) or today
    date_from = _date_param(request, "date_from", None) or (date_to - dt.timedelta(days=30))
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    result = queries.statement(company, account, date_from, date_to, page, 100)
    query = request.GET.copy()
    query.pop("page", None)
    can_manage = _role_can(request, "treasury.change")
    access_form = AccessForm()
    set_choices(
        access_form.fields["user"],
        [(m.user_id, m.user.email) for m in core_queries.members(company)],
    )
    children = queries.visible_accounts(company, access).filter(parent=account).order_by("name")
    return render(
        request,
        "treasury/account.html",
        {
            "account": account,
            "statement": result,
            "filter_form": PeriodFilterForm(initial={"date_from": date_from, "date_to": date_to}),
            "query": query.urlencode(),
            "children": children,
            "balance_today": queries.subtree_balance(company, account, today),
            "lock_date": queries.lock_date(company, account),
            "can_move": access.can_move(account.pk) and account.is_active,
            "can_manage": can_manage,
            "grants": queries.grants_of(company, account) if can_manage else [],
            "access_form": access_form,
            "check_form": BalanceCheckForm(),
            "checks": queries.balance_checks(company, account)[:10],
        },
    )


@company_view("treasury.change")
@require_POST
def account_close(request: CompanyRequest, money_account_id: int) -> HttpResponse:
    account = queries.visible_account(request.company, _access(request), money_account_id)
    try:
        actions.close_account(request.actor, account)
    except (InvalidInput, Conflict) as error:
        for text in (
            error.errors.get("__all__", []) if isinstance(error, InvalidInput) else [error.message]
        ):
            messages.error(request, text)
    else:
        messages.success(request, _("Account closed."))
    return redirect("treasury:account", request.company.eik, account.pk)


@company_view("treasury.change")
@require_POST
def account_access(request: CompanyRequest, money_account_id: int) -> HttpResponse:
    company = request.company
    account = queries.visible_account(company, _access(request), money_account_id)
    form = AccessForm(request.POST)
    set_choices(
        form.fields["user"], [(str(m.user_id), m.user.email) for m in core_queries.members(company)]
    )
    if form.is_valid():
        user = User.objects.get(pk=form.cleaned_data["user"])
        try:
            actions.set_account_access(
                request.actor,
                account,
                user,
                can_view=form.cleaned_data["can_view"],
                can_move=form.cleaned_data["can_move"],
            )
        except InvalidInput as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Access saved."))
    else:
        messages.error(request, _("Choose an employee."))
    return redirect("treasury:account", company.eik, account.pk)


@company_view()
@require_POST
def account_reconcile(request: CompanyRequest, money_account_id: int) -> HttpResponse:
    company = request.company
    account = queries.visible_account(company, _access(request), money_account_id)
    form = BalanceCheckForm(request.POST)
    if form.is_valid():
        try:
            check = actions.record_balance_check(request.actor, account, **form.cleaned_data)
        except InvalidInput as error:
            messages.error(request, str(error))
        except NotAllowed as error:
            raise PermissionDenied(str(error))
        else:
            if check.difference:
                messages.warning(
                    request,
                    _("Difference against the bank: %(d)s %(c)s.")
                    % {"d": check.difference, "c": account.currency},
                )
            else:
                messages.success(request, _("The balance agrees with the bank."))
    else:
        messages.error(request, _("Enter the date and the bank's balance."))
    return redirect("treasury:account", company.eik, account.pk)


# ---------------------------------------------------------------- movements


def _movement_form_choices(request: CompanyRequest, form: Any) -> Any:
    if "account" in form.fields:
        form.fields["account"].choices = account_choices(_movable(request))
    form.fields["category"].choices = category_choices(queries.categories(request.company))
    return form


@company_view()
def movement_new(request: CompanyRequest) -> HttpResponse:
    movable = _movable(request)
    if not movable:
        raise PermissionDenied
    form = _movement_form_choices(
        request,
        MovementForm(request.POST or None, initial={"account": request.GET.get("account", "")}),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        account = queries.visible_account(
            request.company, _access(request), int(data.pop("account"))
        )
        try:
            movement = actions.create_movement(request.actor, account, **data)
        except (InvalidInput, Conflict, NotAllowed) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Movement saved."))
            if "another" in request.POST:
                return redirect(
                    reverse("treasury:movement_new", args=[request.company.eik])
                    + f"?account={account.pk}"
                )
            return redirect("treasury:movement", request.company.eik, movement.pk)
    return render(
        request, "treasury/movement_form.html", {"form": form, "title": _("New movement")}
    )


def _editable(company: Company, movement: Movement) -> bool:
    closed = queries.lock_date(company, movement.account)
    return (
        movement.status == MovementStatus.POSTED
        and not movement.reversal_of_id
        and (closed is None or movement.date > closed)
    )


@company_view()
def movement_detail(request: CompanyRequest, movement_id: int) -> HttpResponse:
    company = request.company
    access = _access(request)
    movement = queries.visible_movement(company, access, movement_id)
    can_move = access.can_move(movement.account_id)
    return render(
        request,
        "treasury/movement.html",
        {
            "movement": movement,
            "can_move": can_move,
            "editable": can_move and _editable(company, movement),
            "reversible": can_move
            and movement.status == MovementStatus.POSTED
            and not movement.reversal_of_id,
            "reverse_form": ReverseForm(),
            "attachment_form": AttachmentForm(),
            "entries": history(company, movement) if _role_can(request, "audit.view") else None,
            "other_legs": Movement.objects.filter(company=company, transfer_id=movement.transfer_id)
            .exclude(pk=movement.pk)
            .select_related("account")
            if movement.transfer_id
            else [],
        },
    )


@company_view()
def movement_edit(request: CompanyRequest, movement_id: int) -> HttpResponse:
    company = request.company
    access = _access(request)
    movement = queries.visible_movement(company, access, movement_id)
    if not access.can_move(movement.account_id):
        raise PermissionDenied
    initial = {
        "date": movement.date,
        "direction": movement.direction,
        "amount": abs(movement.amount),
        "category": movement.category_id or "",
        "counterparty_name": movement.counterparty_name,
        "counterparty_iban": movement.counterparty_iban,
        "description": movement.description,
        "remittance_info": movement.remittance_info,
    }
    form = _movement_form_choices(request, MovementEditForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_movement(request.actor, movement, **form.cleaned_data)
        except (InvalidInput, Conflict, NotAllowed) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Movement saved."))
            return redirect("treasury:movement", company.eik, movement.pk)
    return render(
        request,
        "treasury/movement_form.html",
        {"form": form, "title": _("Edit movement"), "movement": movement},
    )


@company_view()
def movement_reverse(request: CompanyRequest, movement_id: int) -> HttpResponse:
    company = request.company
    access = _access(request)
    movement = queries.visible_movement(company, access, movement_id)
    if not access.can_move(movement.account_id):
        raise PermissionDenied
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.reverse_movement(request.actor, movement, **form.cleaned_data)
        except (InvalidInput, Conflict, NotAllowed) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Movement reversed."))
            return redirect("treasury:movement", company.eik, created[0].pk)
    return render(request, "treasury/reverse_form.html", {"form": form, "movement": movement})


@company_view()
@require_POST
def movement_delete(request: CompanyRequest, movement_id: int) -> HttpResponse:
    company = request.company
    movement = queries.visible_movement(company, _access(request), movement_id)
    account_id = movement.account_id
    try:
        actions.delete_movement(request.actor, movement)
    except NotAllowed:
        raise PermissionDenied
    except (InvalidInput, Conflict) as error:
        messages.error(request, str(error.message if isinstance(error, Conflict) else error))
        return redirect("treasury:movement", company.eik, movement.pk)
    messages.success(request, _("Movement deleted."))
    return redirect("treasury:account", company.eik, account_id)


@company_view()
@require_POST
def movement_attach(request: CompanyRequest, movement_id: int) -> HttpResponse:
    company = request.company
    movement = queries.visible_movement(company, _access(request), movement_id)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
    else:
        try:
            actions.add_attachment(request.actor, movement, form.cleaned_data["file"])
        except NotAllowed:
            raise PermissionDenied
        except InvalidInput as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("File attached."))
    return redirect("treasury:movement", company.eik, movement.pk)


@company_view()
def cash_order(request: CompanyRequest, movement_id: int) -> HttpResponse:
    company = request.company
    movement = queries.visible_movement(company, _access(request), movement_id)
    if movement.cash_order_number is None:
        raise Http404("not a cash order")
    return render(
        request,
        "treasury/cash_order.html",
        {"movement": movement, "amount": format_amount(abs(movement.amount)), "company": company},
    )


# ------------------------------------------------- transfers, periods, categories, reports


@company_view()
def transfer_new(request: CompanyRequest) -> HttpResponse:
    movable = _movable(request)
    if len(movable) < 2:
        raise PermissionDenied
    form = TransferForm(request.POST or None, initial={"from_account": request.GET.get("from", "")})
    set_choices(form.fields["from_account"], account_choices(movable))
    set_choices(form.fields["to_account"], account_choices(movable))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        source = queries.visible_account(
            request.company, _access(request), int(data.pop("from_account"))
        )
        target = queries.visible_account(
            request.company, _access(request), int(data.pop("to_account"))
        )
        try:
            transfer = actions.create_transfer(
                request.actor, request.company, from_account=source, to_account=target, **data
            )
        except (InvalidInput, Conflict, NotAllowed) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Transfer saved."))
            first = transfer.movements.order_by("id").first()
            assert first is not None
            return redirect("treasury:movement", request.company.eik, first.pk)
    return render(request, "treasury/transfer_form.html", {"form": form})


@company_view("treasury.view")
def periods(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = PeriodCloseForm(request.POST or None)
    set_choices(
        form.fields["account"],
        account_choices(
            queries.visible_accounts(company, _access(request)).order_by("name"),
            blank=_("Every account"),
        ),
    )
    if request.method == "POST":
        if not _role_can(request, "treasury.close_period"):
            raise PermissionDenied
        if form.is_valid():
            account_id = form.cleaned_data["account"]
            account = (
                queries.visible_account(company, _access(request), int(account_id))
                if account_id
                else None
            )
            try:
                actions.close_period(
                    request.actor,
                    company,
                    closed_until=form.cleaned_data["closed_until"],
                    account=account,
                )
            except InvalidInput as error:
                _refused(request, form, error)
            else:
                messages.success(request, _("Period closed."))
                return redirect("treasury:periods", company.eik)
    return render(
        request,
        "treasury/periods.html",
        {
            "form": form,
            "closes": queries.period_closes(company),
            "lock_date": queries.lock_date(company),
        },
    )


@company_view()
def categories(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = CategoryForm(request.POST or None)
    set_choices(form.fields["parent"], category_choices(queries.categories(company)))
    if request.method == "POST":
        if not _role_can(request, "treasury.change"):
            raise PermissionDenied
        if form.is_valid():
            parent_id = form.cleaned_data["parent"]
            parent = queries.categories(company).filter(pk=parent_id).first() if parent_id else None
            try:
                actions.create_category(
                    request.actor, company, name=form.cleaned_data["name"], parent=parent
                )
            except InvalidInput as error:
                _refused(request, form, error)
            else:
                messages.success(request, _("Category added."))
                return redirect("treasury:categories", company.eik)
    return render(
        request,
        "treasury/categories.html",
        {"form": form, "categories": queries.categories(company, active_only=False)},
    )


CURRENCIES = ["EUR", "BGN", "USD", "GBP", "CHF", "RON", "TRY"]


def _currency(request: CompanyRequest) -> str:
    currency = request.GET.get("currency", "")
    return currency if currency in CURRENCIES else request.company.default_currency


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


@company_view("treasury.view")
def transfers(request: CompanyRequest) -> HttpResponse:
    company = request.company
    rows = queries.visible_transfers(company, _access(request))
    date_from = _date_param(request, "date_from", None)
    date_to = _date_param(request, "date_to", None)
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    access = _access(request)
    first_legs: dict[int, int] = {}
    for transfer_id, movement_id, account_id in (
        Movement.objects.filter(company=company, transfer_id__in=[t.pk for t in page])
        .order_by("id")
        .values_list("transfer_id", "id", "account_id")
    ):
        if access.can_view(account_id):
            first_legs.setdefault(transfer_id, movement_id)
    return render(
        request,
        "treasury/transfers.html",
        {
            "page": page,
            "rows": [(t, first_legs.get(t.pk)) for t in page],
            "filter_form": PeriodFilterForm(initial={"date_from": date_from, "date_to": date_to}),
        },
    )


# ---------------------------------------------------------------- forecast and planned items


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


def _planned_form(request: CompanyRequest, form: PlannedItemForm) -> PlannedItemForm:
    company = request.company
    set_choices(
        form.fields["account"],
        account_choices(
            queries.visible_accounts(company, _access(request))
            .filter(is_active=True)
            .order_by("name"),
            blank=_("Not tied to an account"),
        ),
    )
    set_choices(form.fields["category"], category_choices(queries.categories(company)))
    return form


def _planned_data(form: PlannedItemForm) -> dict[str, Any]:
    """An account decides the currency: the currency field counts only without one."""
    data = dict(form.cleaned_data)
    if data.get("account"):
        data.pop("currency", None)
    return data


@company_view("treasury.view")
def planned(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = _planned_form(request, PlannedItemForm(request.POST or None))
    if request.method == "POST":
        if not _role_can(request, "treasury.change"):
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.create_planned_item(request.actor, company, **_planned_data(form))
            except (InvalidInput, Conflict) as error:
                _refused(request, form, error)
            else:
                messages.success(request, _("Planned item saved."))
                return redirect("treasury:planned", company.eik)
    return render(
        request,
        "treasury/planned.html",
        {"form": form, "items": queries.planned_items(company)},
    )


@company_view("treasury.change")
def planned_edit(request: CompanyRequest, planned_item_id: int) -> HttpResponse:
    company = request.company
    item = get_object_or_404(queries.planned_items(company), pk=planned_item_id)
    initial = {
        "name": item.name,
        "direction": "in" if item.amount > 0 else "out",
        "amount": abs(item.amount),
        "currency": item.currency,
        "account": item.account_id or "",
        "category": item.category_id or "",
        "schedule": item.schedule,
        "day": item.day,
        "start_date": item.start_date,
        "end_date": item.end_date,
        "is_active": item.is_active,
    }
    form = _planned_form(request, PlannedItemForm(request.POST or None, initial=initial))
    if request.method == "POST":
        if "delete" in request.POST:
            actions.delete_planned_item(request.actor, item)
            messages.success(request, _("Planned item deleted."))
            return redirect("treasury:planned", company.eik)
        if form.is_valid():
            try:
                actions.update_planned_item(request.actor, item, **_planned_data(form))
            except (InvalidInput, Conflict) as error:
                _refused(request, form, error)
            else:
                messages.success(request, _("Planned item saved."))
                return redirect("treasury:planned", company.eik)
    return render(request, "treasury/planned_form.html", {"form": form, "item": item})


@company_view("treasury.change")
def category_edit(request: CompanyRequest, cashflow_category_id: int) -> HttpResponse:
    company = request.company
    category = get_object_or_404(
        queries.categories(company, active_only=False), pk=cashflow_category_id
    )
    form = CategoryEditForm(
        request.POST or None,
        initial={
            "name": category.name,
            "parent": category.parent_id or "",
            "is_active": category.is_active,
        },
    )
    set_choices(
        form.fields["parent"], category_choices(queries.categories(company).exclude(pk=category.pk))
    )
    if request.method == "POST" and form.is_valid():
        parent_id = form.cleaned_data["parent"]
        parent = (
            queries.categories(company, active_only=False).filter(pk=parent_id).first()
            if parent_id
            else None
        )
        try:
            actions.update_category(
                request.actor,
                category,
                name=form.cleaned_data["name"],
                parent=parent,
                is_active=form.cleaned_data["is_active"],
            )
        except (InvalidInput, Conflict) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Category saved."))
            return redirect("treasury:categories", company.eik)
    return render(request, "treasury/category_form.html", {"form": form, "category": category})


@company_view("treasury.reopen_period")
@require_POST
def period_reopen(request: CompanyRequest, period_close_id: int) -> HttpResponse:
    company = request.company
    close = get_object_or_404(queries.period_closes(company), pk=period_close_id)
    try:
        actions.reopen_period(request.actor, close, reason=request.POST.get("reason", ""))
    except InvalidInput as error:
        for texts in error.errors.values():
            for text in texts:
                messages.error(request, text)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Period reopened."))
    return redirect("treasury:periods", company.eik)
