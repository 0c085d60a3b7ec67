"""Number series, document settings and print settings (with preview and template)."""

from __future__ import annotations

from django.contrib import messages
from django.http import (
    Http404,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import apply_errors
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.invoicing import actions, pdf, printing, queries
from xfinances.invoicing.forms import (
    PrintSettingsForm,
    SeriesForm,
)
from xfinances.invoicing.printable import PrintableDocument
from xfinances.invoicing.views.common import _flash

# --- number series -----------------------------------------------------------------------------


@company_view("documents.settings")
def series_settings(request: CompanyRequest) -> HttpResponse:
    """The company's number series with the next number and what is left; a new range."""
    company = request.company
    form = SeriesForm(request.POST or None, initial={"group": "tax"})
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_series(request.actor, company, **form.cleaned_data)
        except (InvalidInput, Conflict) as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Number series created."))
            return redirect("invoicing:series", company.eik)
    return render(
        request,
        "invoicing/series.html",
        {
            "series": list(queries.series_list(company)),
            "form": form,
            "document_settings": actions.document_settings(company),
        },
    )


@company_view("documents.settings")
@require_POST
def document_settings_save(request: CompanyRequest) -> HttpResponse:
    company = request.company
    actions.update_document_settings(
        request.actor,
        company,
        allow_edit_after_delivery=request.POST.get("allow_edit_after_delivery") == "on",
    )
    messages.success(request, _("Document settings saved."))
    return redirect("invoicing:series", company.eik)


@company_view("documents.settings")
def print_settings(request: CompanyRequest) -> HttpResponse:
    """Layout choices and texts of the company's PDFs, and an optional custom template."""
    company = request.company
    current = queries.print_settings(company)
    initial = {
        name: getattr(current, name)
        for name in (
            "accent_colour",
            "show_logo",
            "show_qr",
            "show_bgn_equivalent",
            "show_signatures",
            "footer_text",
        )
    }
    form = PrintSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("custom_template")
        remove = data.pop("remove_custom_template")
        if upload is not None:
            data["custom_template"] = upload.read()
            data["custom_template_name"] = upload.name
        elif remove:
            data["custom_template"] = ""
        try:
            actions.update_print_settings(request.actor, company, **data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Print settings saved. New PDFs use them."))
            return redirect("invoicing:print_settings", company.eik)
    return render(request, "invoicing/print_settings.html", {"form": form, "current": current})


@company_view("documents.settings")
def print_preview(request: CompanyRequest) -> HttpResponse:
    """The sample invoice printed with the company's saved print settings and its logo."""

    company = request.company
    logo, mime = queries.company_logo(company)
    sample = PrintableDocument.sample(logo=logo or None, logo_mime=mime)
    try:
        content = pdf.render_document_pdf(sample, options=printing.pdf_options(company))
    except pdf.PdfError as error:
        return HttpResponse(str(error), status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="print-preview.pdf"'
    return response


@company_view("documents.settings")
def print_template(request: CompanyRequest) -> HttpResponse:
    """The template in use as a file to download: the company's custom one, or the standard
    one to start from (`?standard=1` always gives the standard one)."""

    current = queries.print_settings(request.company)
    if current.custom_template and not request.GET.get("standard"):
        source, name = current.custom_template, current.custom_template_name or "template.typ"
    else:
        source, name = pdf.DOCUMENT_TEMPLATE.read_text(encoding="utf-8"), "document.typ"
    response = HttpResponse(source, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@company_view("documents.settings")
@require_POST
def series_action(request: CompanyRequest, series_id: int, what: str) -> HttpResponse:
    """default / deactivate / rename: one POST each."""
    company = request.company
    series = queries.series_list(company).filter(pk=series_id).first()
    if series is None:
        raise Http404
    try:
        if what == "default":
            actions.update_series(request.actor, series, is_default=True)
        elif what == "rename":
            actions.update_series(request.actor, series, name=request.POST.get("name", ""))
        elif what == "deactivate":
            actions.deactivate_series(request.actor, series)
        else:
            raise Http404
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
    else:
        messages.success(request, _("Number series saved."))
    return redirect("invoicing:series", company.eik)
