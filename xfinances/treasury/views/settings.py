"""Closed periods, cash-flow categories and planned items."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.forms import set_choices
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.treasury import actions, queries
from xfinances.treasury.forms import (
    CategoryEditForm,
    CategoryForm,
    PeriodCloseForm,
    PlannedItemForm,
    account_choices,
    category_choices,
)
from xfinances.treasury.views.common import (
    _access,
    _refused,
    _role_can,
)


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
                data = actions.CategoryInput.read(
                    {"name": form.cleaned_data["name"], "parent": parent}
                )
                actions.create_category(request.actor, company, data)
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
                actions.create_planned_item(
                    request.actor, company, actions.PlannedItemInput.read(_planned_data(form))
                )
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
                actions.update_planned_item(
                    request.actor,
                    item,
                    actions.PlannedItemInput.read_changes(_planned_data(form)),
                )
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
            changes = actions.CategoryInput.read_changes(
                {
                    "name": form.cleaned_data["name"],
                    "parent": parent,
                    "is_active": form.cleaned_data["is_active"],
                }
            )
            actions.update_category(request.actor, category, changes)
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
