"""Money accounts: the tree, one account, opening, editing, closing, access, reconciling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core import queries as core_queries
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import set_choices
from xfinances.core.models import User
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.treasury import actions, queries
from xfinances.treasury.forms import (
    AccessForm,
    AccountForm,
    BalanceCheckForm,
    PeriodFilterForm,
    account_choices,
)
from xfinances.treasury.models import MoneyAccount
from xfinances.treasury.views.common import (
    _access,
    _date_param,
    _movable,
    _refused,
    _role_can,
)


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
                request.actor,
                request.company,
                actions.AccountInput.read(_account_data(request, form.cleaned_data)),
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
    initial = {name: getattr(account, name) for name in actions.AccountInput.field_names()}
    initial["parent"] = account.parent_id or ""
    form = _account_form(request, AccountForm(request.POST or None, initial=initial), account)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_account(
                request.actor,
                account,
                actions.AccountInput.read_changes(_account_data(request, form.cleaned_data)),
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
