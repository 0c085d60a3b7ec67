"""Movements, cash orders and transfers between accounts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core.audit import history
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import set_choices
from xfinances.core.models import Company
from xfinances.core.money import format_amount
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.treasury import actions, queries
from xfinances.treasury.events import money_locked_reason, movement_links, typed_movement_notes
from xfinances.treasury.forms import (
    AttachmentForm,
    MovementEditForm,
    MovementForm,
    PeriodFilterForm,
    ReverseForm,
    TransferForm,
    account_choices,
    category_choices,
)
from xfinances.treasury.models import Movement, MovementStatus
from xfinances.treasury.views.common import (
    _access,
    _date_param,
    _movable,
    _refused,
    _role_can,
)


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
            movement = actions.create_movement(
                request.actor, account, actions.MovementInput.read(data)
            )
        except (InvalidInput, Conflict, NotAllowed) as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Movement saved."))
            for note in typed_movement_notes.collect(movement=movement):
                messages.warning(request, note)
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
    # Money a payment or a bank line stands on moves only with it: its page says so instead
    # of offering a reversal or a deletion the action would refuse.
    held = money_locked_reason.collect(movement=movement)
    return render(
        request,
        "treasury/movement.html",
        {
            "movement": movement,
            "can_move": can_move,
            "editable": can_move and _editable(company, movement),
            "held": held,
            "links": movement_links.collect(movement=movement),
            "reversible": can_move
            and not held
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
            actions.update_movement(
                request.actor,
                movement,
                actions.MovementEditInput.read_changes(form.cleaned_data),
            )
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
                request.actor,
                request.company,
                actions.TransferInput.read({"from_account": source, "to_account": target, **data}),
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
