"""One document: its page, PDFs, and issuing, voiding, deleting, converting, copying it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core import audit
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.invoicing import actions, lifecycle, pdf, printing, queries
from xfinances.invoicing.forms import VoidForm
from xfinances.invoicing.models import (
    NOTE_KINDS,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
)
from xfinances.invoicing.views.common import (
    _detail_url,
    _document,
    _flash,
    _flash_warnings,
    _pdf_name,
)

# --- detail ----------------------------------------------------------------------------------


def _related(document: Document) -> list[dict[str, Any]]:
    """Documents linked to this one: proforma → invoice → notes, advance → final invoice."""
    company = document.company
    related: list[dict[str, Any]] = []

    def add(label: str, other: Document | None) -> None:
        if other is not None and other.pk != document.pk:
            related.append({"label": label, "document": other})

    add(_("Proforma it was converted from"), document.proforma)
    add(_("Invoice it corrects"), document.corrected_document)
    if document.kind == DocumentKind.PROFORMA:
        for other in document.converted_invoices.filter(company=company).order_by("id"):
            add(_("Invoice converted from it"), other)
    if document.kind == DocumentKind.INVOICE:
        for other in queries.notes_against(document):
            add(_("Note to it"), other)
    advance_ids = {
        line.advance_document_id
        for line in DocumentLine.objects.filter(company=company, document=document).exclude(
            advance_document=None
        )
    }
    for other in Document.objects.filter(company=company, pk__in=advance_ids).order_by("id"):
        add(_("Advance invoice it deducts"), other)
    if document.is_advance:
        final_ids = DocumentLine.objects.filter(company=company, advance_document=document).values(
            "document_id"
        )
        for other in Document.objects.filter(company=company, pk__in=final_ids).order_by("id"):
            add(_("Final invoice deducting it"), other)
    return related


def _issue_confirmation(document: Document) -> str:
    """What the Issue button asks: the number, and who gets the document by e-mail."""
    question = _("Issue this document now? It gets the next number.")
    if document.party_id is None:
        return question
    _endpoints, auto_send = actions.issue_facts_read(document).fetch()
    if not auto_send:
        return f"{question} " + _(
            "It is not e-mailed automatically: send it afterwards with “Send by e-mail”."
        )
    recipients = actions.invoice_recipients(document.party)
    if not recipients:
        return f"{question} " + _(
            "The client has no e-mail for documents: it will not be e-mailed."
        )
    return f"{question} " + _("It is e-mailed at once to: %(recipients)s.") % {
        "recipients": ", ".join(recipients)
    }


@company_view("documents.view")
def document_detail(request: CompanyRequest, document_id: int) -> HttpResponse:
    company = request.company
    document = _document(request, document_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    today = timezone.localdate()
    lock = lifecycle.lock_of(document, today)
    delivered = document.status == DocumentStatus.ISSUED and document.delivered_at is not None
    edit_after_delivery = actions.document_settings(company).allow_edit_after_delivery
    context = {
        "delivered": delivered,
        "delivery_refusal": actions.delivery_refusal(document)
        if delivered and not edit_after_delivery
        else "",
        "edit_after_delivery": edit_after_delivery,
        "issue_confirmation": _issue_confirmation(document) if document.is_draft else "",
        "document": document,
        "lines": list(queries.lines_of(document)),
        "vat_groups": list(document.vat_groups.order_by("id")),
        "lock": lock,
        "related": _related(document),
        "entries": audit.history(company, document)[:200],
        "void_form": VoidForm(),
        "can_edit": document.status != DocumentStatus.VOIDED
        and not lock.locked
        and (not delivered or edit_after_delivery),
        "can_reissue": delivered and not lock.locked and document.kind not in NOTE_KINDS,
        "can_void": document.status == DocumentStatus.ISSUED and not lock.locked,
        "can_convert": document.kind == DocumentKind.PROFORMA
        and document.status == DocumentStatus.ISSUED
        and document.converted_at is None,
        "can_note": document.kind == DocumentKind.INVOICE
        and document.status == DocumentStatus.ISSUED,
        "can_copy": document.kind not in NOTE_KINDS,
        "tab": request.GET.get("tab", "overview"),
    }
    return render(request, "invoicing/detail.html", context)


@company_view("documents.view")
def document_pdf(request: CompanyRequest, document_id: int) -> HttpResponseBase:
    """The stored PDF of an issued document; for a draft (or before the stored one exists) a
    preview rendered now from the current data, never stored."""
    document = _document(request, document_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    download = request.GET.get("download") == "1"
    if document.pdf_file and not document.is_draft:
        return FileResponse(
            document.pdf_file.open("rb"),
            content_type="application/pdf",
            as_attachment=download,
            filename=_pdf_name(document),
        )
    response = HttpResponse(printing.document_pdf(document), content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{document.pk}.pdf"'
    return response


@company_view("documents.view")
def annulment_protocol_pdf(request: CompanyRequest, document_id: int) -> HttpResponseBase:
    """The bilateral annulment protocol of a voided document (ЗДДС art. 116)."""
    document = _document(request, document_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    if document.status != DocumentStatus.VOIDED or not document.number:
        raise Http404
    if document.protocol_pdf_file:
        return FileResponse(
            document.protocol_pdf_file.open("rb"),
            content_type="application/pdf",
            as_attachment=request.GET.get("download") == "1",
            filename=f"annulment-{document.number}.pdf",
        )

    protocol = printing.annulment_protocol_for(document)
    response = HttpResponse(
        pdf.render_annulment_protocol_pdf(protocol), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="annulment-{document.number}.pdf"'
    return response


# --- actions on one document -----------------------------------------------------------------


@company_view("documents.change")
@require_POST
def document_issue(request: CompanyRequest, document_id: int) -> HttpResponse:
    document = _document(request, document_id)
    version = request.POST.get("version", "")
    try:
        result = actions.issue_document(
            request.actor, document, expected_version=int(version) if version.isdigit() else None
        )
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
        if isinstance(error, InvalidInput):
            return redirect("invoicing:edit", document.company.eik, document.pk)
    else:
        _flash_warnings(request, result.warnings)
        messages.success(
            request,
            _("%(kind)s %(number)s issued.")
            % {"kind": result.document.get_kind_display(), "number": result.document.number},
        )
    return redirect(_detail_url(document))


@company_view("documents.void")
@require_POST
def document_void(request: CompanyRequest, document_id: int) -> HttpResponse:
    document = _document(request, document_id)
    form = VoidForm(request.POST)
    form.is_valid()
    try:
        result = actions.void_document(
            request.actor, document, reason=form.cleaned_data.get("reason", "")
        )
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
        return redirect(f"{_detail_url(document)}?void=1")
    messages.success(request, _("The document was voided; it keeps its number."))
    if result.annulment_protocol:
        messages.warning(
            request,
            _(
                "The client may have booked this document: sign a bilateral annulment "
                "protocol with them (download it below)."
            ),
        )
    return redirect(_detail_url(document))


@company_view("documents.void")
@require_POST
def document_void_and_reissue(request: CompanyRequest, document_id: int) -> HttpResponse:
    """Void a delivered document and open its replacement (a new draft, a new number)."""
    document = _document(request, document_id)
    form = VoidForm(request.POST)
    form.is_valid()
    try:
        voided, draft = actions.void_and_reissue(
            request.actor, document, reason=form.cleaned_data.get("reason", "")
        )
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
        return redirect(_detail_url(document))
    messages.success(
        request,
        _("%(number)s is voided; correct the new draft and issue it (it gets a new number).")
        % {"number": voided.number},
    )
    if voided.annulment_protocol_needed:
        messages.warning(
            request,
            _(
                "The client may have booked the voided document: sign a bilateral annulment "
                "protocol with them (on the voided document's page)."
            ),
        )
    return redirect("invoicing:edit", draft.company.eik, draft.pk)


@company_view("documents.change")
@require_POST
def document_delete(request: CompanyRequest, document_id: int) -> HttpResponse:
    document = _document(request, document_id)
    try:
        actions.delete_draft(request.actor, document)
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
        return redirect(_detail_url(document))
    messages.success(request, _("Draft deleted."))
    return redirect("invoicing:list", request.company.eik)


@company_view("documents.change")
@require_POST
def document_convert(request: CompanyRequest, document_id: int) -> HttpResponse:
    proforma = _document(request, document_id)
    try:
        result = actions.convert_proforma(request.actor, proforma, issue=False)
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
        return redirect(_detail_url(proforma))
    messages.success(
        request, _("The invoice was made from the proforma as a draft: check it and issue it.")
    )
    return redirect("invoicing:edit", proforma.company.eik, result.document.pk)


@company_view("documents.change")
@require_POST
def document_copy(request: CompanyRequest, document_id: int) -> HttpResponse:
    document = _document(request, document_id)
    try:
        copy = actions.copy_document(request.actor, document)
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
        return redirect(_detail_url(document))
    messages.success(request, _("Copied into a new draft."))
    return redirect("invoicing:edit", document.company.eik, copy.pk)
