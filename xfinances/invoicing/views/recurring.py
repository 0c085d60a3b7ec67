"""Pages for recurring invoices: list, create/edit, detail, pause/resume/run now."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import apply_errors
from xfinances.core.models import Company
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.invoicing import actions, queries
from xfinances.invoicing.forms import (
    RecurringForm,
    apply_line_errors,
    line_rows_from,
    read_lines,
)
from xfinances.invoicing.models import RecurringInvoice
from xfinances.invoicing.views.common import _flash
from xfinances.invoicing.views.drafts import _blank_row, _treatments
from xfinances.parties.models import Party

# --- recurring invoices ------------------------------------------------------------------------


def _recurring(request: CompanyRequest, template_id: int) -> RecurringInvoice:
    found = queries.recurring_invoice(request.company, template_id)
    if found is None:
        raise Http404
    return found


def _party_choices(company: Company, keep: int | None = None) -> list[tuple[int, str]]:
    found = Party.objects.filter(company=company).filter(Q(is_archived=False) | Q(pk=keep or 0))
    return [(p.pk, p.name) for p in found.order_by("name", "id")[:2000]]


@company_view("documents.view")
@require_GET
def recurring_list(request: CompanyRequest) -> HttpResponse:
    templates = list(queries.recurring_invoices(request.company))
    return render(request, "invoicing/recurring_list.html", {"templates": templates})


def _recurring_form_page(
    request: CompanyRequest, template: RecurringInvoice | None
) -> HttpResponse:
    company = request.company
    parties = _party_choices(company, template.party_id if template else None)
    if request.method == "POST":
        form = RecurringForm(request.POST, parties=parties)
        rows = read_lines(request.POST)
        if form.is_valid():
            data = form.recurring_input(rows)
            try:
                if template is None:
                    template = actions.create_recurring(request.actor, company, data)
                else:
                    template = actions.update_recurring(request.actor, template, data)
            except (InvalidInput, Conflict) as error:
                if isinstance(error, InvalidInput):
                    rest: dict[str, list[Any]] = apply_line_errors(rows, error.errors)
                    if rest:
                        apply_errors(form, InvalidInput(rest))
                else:
                    apply_errors(form, error)
            else:
                messages.success(request, _("Recurring invoice saved."))
                return redirect("invoicing:recurring_detail", company.eik, template.pk)
    else:
        initial: dict[str, Any] = {"start_date": timezone.localdate()}
        if template is not None:
            initial = {
                name: getattr(template, name)
                for name in RecurringForm.base_fields
                if hasattr(template, name)
            }
            initial["party_id"] = template.party_id
        form = RecurringForm(initial=initial, parties=parties)
        rows = line_rows_from(template.lines) if template else []
    rows = rows + [_blank_row() for _ in range(max(3 - len(rows), 1))]
    return render(
        request,
        "invoicing/recurring_form.html",
        {
            "form": form,
            "rows": rows,
            "template": template,
            "treatments": list(_treatments(company).values()),
        },
    )


@company_view("documents.change")
def recurring_create(request: CompanyRequest) -> HttpResponse:
    return _recurring_form_page(request, None)


@company_view("documents.change")
def recurring_edit(request: CompanyRequest, template_id: int) -> HttpResponse:
    return _recurring_form_page(request, _recurring(request, template_id))


@company_view("documents.view")
def recurring_detail(request: CompanyRequest, template_id: int) -> HttpResponse:
    template = _recurring(request, template_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return render(
        request,
        "invoicing/recurring_detail.html",
        {"template": template, "runs": list(queries.recurring_runs(template)[:200])},
    )


@company_view("documents.change")
@require_POST
def recurring_action(request: CompanyRequest, template_id: int, what: str) -> HttpResponse:
    """pause / resume / run / delete: one POST each."""
    company = request.company
    template = _recurring(request, template_id)
    try:
        if what == "pause":
            actions.pause_recurring(request.actor, template)
        elif what == "resume":
            actions.pause_recurring(request.actor, template, active=True)
        elif what == "run":
            made = actions.run_recurring_now(request.actor, template)
            messages.success(request, _("%(n)d period(s) invoiced.") % {"n": len(made)})
        elif what == "delete":
            actions.delete_recurring(request.actor, template)
            messages.success(request, _("Recurring invoice deleted; its invoices stay."))
            return redirect("invoicing:recurring_list", company.eik)
        else:
            raise Http404
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
    return redirect("invoicing:recurring_detail", company.eik, template.pk)
