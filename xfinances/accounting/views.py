"""Pages of the accounting exports: destinations, batch history, manual export, the account
mapping and the VAT period close. Thin: validate shape, call actions, show their errors."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.accounting import actions, exporters, ledger_pdf, queries
from xfinances.accounting.building import Period
from xfinances.accounting.forms import (
    KIND_CHOICES,
    DestinationForm,
    ExportForm,
    MappingForm,
    target_choices,
)
from xfinances.accounting.records import RecordKind
from xfinances.catalog.models import VatTreatment
from xfinances.core.exceptions import ActionError, Conflict, InvalidInput
from xfinances.core.forms import apply_errors
from xfinances.core.roles import can
from xfinances.core.tenancy import CompanyRequest, company_view

NAP_FILES = ("PRODAGBI.TXT", "POKUPKI.TXT", "DEKLAR.TXT")


def _company(request: CompanyRequest) -> Any:
    return request.company


def _previous_month() -> Period:
    today = timezone.localdate()
    return Period(today.year - (today.month == 1), (today.month - 2) % 12 + 1)


def _period(text: str | None) -> Period:
    """The month of `?period=YYYY-MM` (the previous month when not given)."""
    if not text:
        return _previous_month()
    try:
        return Period.parse(text)
    except ValueError:
        raise Http404("no such period") from None


def _vat_page(eik: str, month: Period) -> HttpResponse:
    return redirect(f"{reverse('accounting:vat_period', args=[eik])}?period={month.label}")


def _error_messages(request: HttpRequest, error: ActionError) -> None:
    if isinstance(error, InvalidInput):
        for field, found in error.errors.items():
            for message in found:
                messages.error(request, message if field == "__all__" else f"{field}: {message}")
    else:
        messages.error(request, str(error))


@company_view("accounting.view")
def home(request: CompanyRequest) -> HttpResponse:
    company = request.company
    today = timezone.localdate()
    this = Period(today.year, today.month)
    previous = _previous_month()
    form = ExportForm(initial={"period": previous.label, "target": "nap"})
    destinations = list(queries.destinations(company))
    batches = list(queries.batches(company)[:50])
    # The format's and the kinds' names, not their codes ("ajur", "sale").
    targets, kinds = dict(target_choices()), dict(KIND_CHOICES)
    for row in [*destinations, *batches]:
        row.target_label = targets.get(row.target, row.target)  # type: ignore[attr-defined]
    for destination in destinations:
        destination.kinds_label = ", ".join(  # type: ignore[attr-defined]
            str(kinds.get(kind, kind)) for kind in destination.kinds
        )
    return render(
        request,
        "accounting/home.html",
        {
            "destinations": destinations,
            "batches": batches,
            "form": form,
            "months": [previous, this],
            "closes": queries.closes(company)[:12],
            "exporters": exporters.all_exporters(),
        },
    )


@company_view("accounting.export")
@require_POST
def export_now(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a format and a month."))
        return redirect("accounting:home", company.eik)
    try:
        data = actions.ExportInput.read(form.cleaned_data)
    except InvalidInput as error:
        for found in error.errors.values():
            for message in found:
                messages.error(request, message)
        return redirect("accounting:home", company.eik)
    try:
        result = actions.export_period(request.actor, company, data)
    except ActionError as error:
        messages.error(request, _("Nothing was exported."))
        _error_messages(request, error)
        return redirect("accounting:home", company.eik)
    assert result.batch is not None
    if result.created:
        messages.success(request, _("Exported %(count)d records.") % {"count": result.records})
    else:
        messages.info(request, _("Nothing changed since the same export: it is the batch below."))
    return redirect("accounting:home", company.eik)


@company_view("accounting.view")
def mapping(request: CompanyRequest) -> HttpResponse:
    company = request.company
    row = queries.mapping_settings(company)
    initial = {name: getattr(row, name) for name in MappingForm.FIELDS}
    initial.update(submitter=row.submitter, credit_coefficient=row.credit_coefficient)
    form = MappingForm(request.POST or None, initial=initial)
    revenue = dict(row.revenue or {})
    if request.method == "POST":
        if not can(request.role, "accounting.settings"):
            raise PermissionDenied
        revenue = {
            key[len("revenue_") :]: value
            for key, value in request.POST.items()
            if key.startswith("revenue_") and key != "revenue_default"
        }
        if form.is_valid():
            try:
                changes = actions.AccountMappingInput.read_changes(
                    {**form.cleaned_data, "revenue": revenue}
                )
                actions.update_account_mapping(request.actor, company, changes)
            except InvalidInput as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Accounts saved."))
                return redirect("accounting:mapping", company.eik)
    treatments = [
        (t.code, t.name, revenue.get(t.code, ""))
        for t in VatTreatment.objects.filter(company=company).order_by("sort_order", "id")
    ]
    return render(request, "accounting/mapping.html", {"form": form, "treatments": treatments})


@company_view("accounting.settings")
def destination_new(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = DestinationForm(request.POST or None, initial={"kinds": ["sale"], "schedule": "daily"})
    if request.method == "POST" and form.is_valid():
        try:
            # The e-mail field holds addresses separated by commas or semicolons; the input
            # reads them into a list.
            data = actions.DestinationInput.read(form.cleaned_data)
            actions.create_destination(request.actor, company, data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Destination added."))
            return redirect("accounting:home", company.eik)
    return render(request, "accounting/destination_form.html", {"form": form})


@company_view("accounting.settings")
@require_POST
def destination_active(request: CompanyRequest, destination_id: int) -> HttpResponse:
    company = request.company
    destination = queries.destination(company, destination_id)
    if destination is None:
        raise Http404
    actions.set_destination_active(request.actor, destination, request.POST.get("active") == "1")
    return redirect("accounting:home", company.eik)


@company_view("accounting.view")
def batch_download(request: CompanyRequest, batch_id: int) -> HttpResponse:
    batch = queries.batch(request.company, batch_id)
    if batch is None:
        raise Http404
    with batch.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type="application/zip")
    name = batch.file.name.rsplit("/", 1)[-1]
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@company_view("accounting.export")
@require_POST
def batch_retry(request: CompanyRequest, batch_id: int) -> HttpResponse:
    company = request.company
    batch = queries.batch(company, batch_id)
    if batch is None:
        raise Http404
    try:
        actions.retry_batch(request.actor, batch)
    except (Conflict, InvalidInput) as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The batch is queued again."))
    return redirect("accounting:home", company.eik)


@company_view("accounting.view")
def vat_period(request: CompanyRequest) -> HttpResponse:
    company = request.company
    month = _period(request.GET.get("period"))
    view = queries.ledger_view(company, month)
    return render(
        request,
        "accounting/vat_period.html",
        {
            "view": view,
            "period": month,
            "previous": Period(month.year - (month.month == 1), (month.month - 2) % 12 + 1),
            "next": month.next(),
            "close": queries.open_close(company, month),
            "history": queries.closes(company).filter(period=month.code),
            "files": NAP_FILES,
        },
    )


@company_view("accounting.close_period")
@require_POST
def vat_close(request: CompanyRequest) -> HttpResponse:
    company = request.company
    month = _period(request.POST.get("period"))
    try:
        actions.close_vat_period(request.actor, company, month)
    except ActionError as error:
        _error_messages(request, error)
    else:
        messages.success(
            request, _("%(period)s is closed: its documents are locked.") % {"period": month.label}
        )
    return _vat_page(company.eik, month)


@company_view("accounting.reopen_period")
@require_POST
def vat_reopen(request: CompanyRequest, close_id: int) -> HttpResponse:
    company = request.company
    close = queries.period_close(company, close_id)
    if close is None:
        raise Http404
    try:
        data = actions.PeriodReopenInput.read({"reason": request.POST.get("reason", "")})
        actions.reopen_vat_period(request.actor, close, data)
    except ActionError as error:
        _error_messages(request, error)
    else:
        messages.success(request, _("The period is open again."))
    return _vat_page(company.eik, Period.parse(close.period))


@company_view("accounting.view")
def vat_file(request: CompanyRequest) -> HttpResponse:
    """One of the three NAP files of the month, rendered now (nothing is stored or locked)."""
    company = request.company
    month = _period(request.GET.get("period"))
    filename = request.GET.get("name", "")
    if filename not in NAP_FILES:
        raise Http404
    exporter = exporters.get("nap")
    assert exporter is not None
    with tempfile.TemporaryDirectory(prefix="xfinances-nap-") as temp:
        try:
            actions.render_period(
                company, exporter, month, [RecordKind.SALE, RecordKind.PURCHASE], Path(temp)
            )
        except InvalidInput as error:
            _error_messages(request, error)
            return _vat_page(company.eik, month)
        data = (Path(temp) / filename).read_bytes()
    response = HttpResponse(data, content_type="text/plain; charset=windows-1251")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@company_view("accounting.view")
def vat_ledger_pdf(request: CompanyRequest) -> HttpResponse:
    """The sales or purchase ledger of the month as PDF, rendered now in the reader's language."""
    month = _period(request.GET.get("period"))
    ledger = request.GET.get("ledger", "")
    if ledger not in ledger_pdf.LEDGERS:
        raise Http404
    data = ledger_pdf.ledger_pdf(request.company, month, ledger)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{ledger_pdf.filename(month, ledger)}"'
    return response
