"""The delivery pages of one sales document: its e-mail and delivery log, send now, bulk send
from the list. (The outbox, settings and webhooks pages are the notifications app's.)"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.invoicing import queries
from xfinances.invoicing.actions import delivery
from xfinances.invoicing.models import Document
from xfinances.notifications import queries as notification_queries
from xfinances.notifications.forms import SendForm


def _refusal(request: HttpRequest, error: InvalidInput | Conflict) -> None:
    if isinstance(error, InvalidInput):
        for field_messages in error.errors.values():
            for text in field_messages:
                messages.error(request, text)
    else:
        messages.error(request, error.message)


def _document(request: CompanyRequest, document_id: int) -> Document:
    found = queries.document(request.company, document_id)
    if found is None:
        raise Http404
    return found


@company_view("delivery.view")
def document_delivery(request: CompanyRequest, document_id: int) -> HttpResponse:
    document = _document(request, document_id)
    company = request.company
    return render(
        request,
        "notifications/document.html",
        {
            "document": document,
            "log": notification_queries.document_log(company, document),
            "outbox": notification_queries.document_messages(company, document),
            "recipients": delivery.invoice_recipients(document.party),
            "form": SendForm(),
        },
    )


@company_view("delivery.send")
@require_POST
def document_send(request: CompanyRequest, document_id: int) -> HttpResponse:
    document = _document(request, document_id)
    form = SendForm(request.POST)
    recipients: list[str] = []
    if form.is_valid() and form.cleaned_data["recipients"]:
        recipients = [a.strip() for a in form.cleaned_data["recipients"].split(",") if a.strip()]
    try:
        delivery.send_document(request.actor, document, recipients=recipients or None)
        messages.success(request, _("The e-mail is queued."))
    except (InvalidInput, Conflict) as error:
        _refusal(request, error)
    return redirect("delivery:document", request.company.eik, document.pk)


@company_view("delivery.send")
@require_POST
def documents_send(request: CompanyRequest) -> HttpResponse:
    """Bulk send from the document list (checkboxes named `documents`, or `ids` as the sales
    documents list names them)."""
    company = request.company
    chosen = request.POST.getlist("documents") or request.POST.getlist("ids")
    ids = [int(v) for v in chosen if v.isdigit()]
    documents = list(Document.objects.filter(company=company, pk__in=ids).select_related("party"))
    if not documents:
        messages.error(request, _("Choose the documents to send."))
    else:
        try:
            queued = delivery.send_documents(request.actor, company, documents)
            messages.success(request, _("%(count)d e-mails queued.") % {"count": len(queued)})
        except (InvalidInput, Conflict) as error:
            _refusal(request, error)
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""  # never redirect to another site
    return redirect(back or f"/c/{company.eik}/documents/")
