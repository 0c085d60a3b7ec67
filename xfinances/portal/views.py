"""The clients' portal (thin views) and the two staff pages of the portal.

Client pages take the company from the URL and the party ONLY from the portal session (a signed
cookie of its own, path /portal/<eik>/, never Django's staff session). Every lookup of a document
filters by the session's company AND party: another party's id answers 404. Without a portal
session a page answers 403 with the sign-in form.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from xfinances.catalog.models import unit_print_name
from xfinances.core.exceptions import ActionError, Conflict, InvalidInput
from xfinances.core.forms import apply_errors
from xfinances.core.models import Company
from xfinances.core.tenancy import CompanyRequest, client_ip, company_view
from xfinances.invoicing import printing as invoicing_printing
from xfinances.invoicing import queries as invoicing_queries
from xfinances.invoicing.models import Document
from xfinances.portal import actions, queries, throttle
from xfinances.portal.forms import PortalSettingsForm, RequestLinkForm, ResponseForm
from xfinances.portal.models import SESSION_HOURS, AccessAction, PortalSession, ResponseKind

COOKIE = "xf_portal"
COOKIE_SALT = "xfinances.portal.session"


def _cookie_path(company: Company) -> str:
    return reverse("portal:home", kwargs={"eik": company.eik})


def _company(eik: str) -> Company:
    company = Company.objects.filter(eik=eik, is_active=True).first()
    if company is None:
        raise Http404("no such company")
    return company


def _sign_in_page(
    request: HttpRequest,
    company: Company,
    *,
    status: int = 200,
    form: RequestLinkForm | None = None,
    reason: str = "",
) -> HttpResponse:
    form = form or RequestLinkForm(initial={"company": company.eik})
    context = {"company": company, "form": form, "reason": reason}
    return render(request, "portal/sign_in.html", context, status=status)


def _not_found(request: HttpRequest, company: Company, session: PortalSession) -> HttpResponse:
    return render(
        request, "portal/not_found.html", {"company": company, "session": session}, status=404
    )


def _log(
    request: HttpRequest, session: PortalSession, action: str, document: Document | None = None
) -> None:
    actions.log_access(
        session,
        action,
        ip_address=client_ip(request),
        document=document,
        path=request.get_full_path(),
        user_agent=request.headers.get("User-Agent", ""),
    )


def portal_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Resolve the company from the URL and the party from the portal session cookie."""

    @wraps(view)
    def wrapper(request: HttpRequest, eik: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        company = _company(eik)
        raw = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT) or ""
        session = queries.session_for(company, raw)
        if session is None:
            return _sign_in_page(request, company, status=403, reason="signed_out")
        try:
            return view(request, company, session, *args, **kwargs)
        except Http404:
            return _not_found(request, company, session)

    return wrapper


def _document(company: Company, session: PortalSession, document_id: int) -> Document:
    document = queries.visible_document(company, session.party_id, document_id)
    if document is None:
        raise Http404("no such document")
    return document


def _common(company: Company, session: PortalSession) -> dict[str, Any]:
    return {"company": company, "session": session, "party": session.party}


# --- public ---------------------------------------------------------------------------------------


def request_link(request: HttpRequest) -> HttpResponse:
    """Send a sign-in link. The answer is the same whether the e-mail is known or not."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RequestLinkForm(request.POST)
    company = Company.objects.filter(
        eik=(request.POST.get("company") or "").strip(), is_active=True
    ).first()
    if company is None:
        raise Http404("no such company")
    if not form.is_valid():
        return _sign_in_page(request, company, status=400, form=form)
    email = form.cleaned_data["email"]
    ip = client_ip(request)
    if not throttle.allow_sign_in_request(email, ip):
        return render(
            request, "portal/link_sent.html", {"company": company, "throttled": True}, status=429
        )
    actions.request_sign_in(company, email, ip_address=ip)
    return render(request, "portal/link_sent.html", {"company": company, "email": email})


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    target = request.POST.get("next", "") or "/portal/"
    if not target.startswith("/portal/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/portal/"
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path="/",
            samesite="Lax",
        )
    return response


def open_link(request: HttpRequest, eik: str, token: str) -> HttpResponse:
    """A link from an e-mail. A sign-in link asks for one click (POST) before it is spent, so
    that mail scanners fetching the link do not use it up; a document link signs in at once."""
    company = _company(eik)
    found = actions.find_token(company, token)
    if found is None:
        return _sign_in_page(request, company, status=404, reason="invalid_link")
    if not found.is_usable() or found.party.is_archived:
        actions.open_session(
            company, token, ip_address=client_ip(request), path=request.path
        )  # logs the refusal
        reason = "used_link" if found.is_one_time and found.used_at else "expired_link"
        return _sign_in_page(request, company, reason=reason)
    if found.is_one_time and request.method != "POST":
        return render(
            request, "portal/confirm_link.html", {"company": company, "party": found.party}
        )
    opened = actions.open_session(
        company,
        token,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
        path=request.path,
    )
    if opened is None:  # spent between the two reads
        return _sign_in_page(request, company, reason="used_link")
    target = (
        reverse("portal:document", kwargs={"eik": eik, "document_id": opened.document_id})
        if opened.document_id
        else reverse("portal:home", kwargs={"eik": eik})
    )
    response = redirect(target)
    response.set_signed_cookie(
        COOKIE,
        opened.raw_key,
        salt=COOKIE_SALT,
        max_age=SESSION_HOURS * 3600,
        path=_cookie_path(company),
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
    return response


# --- the client's pages ---------------------------------------------------------------------------


@portal_view
def home(request: HttpRequest, company: Company, session: PortalSession) -> HttpResponse:
    """All documents addressed to the party, newest first, overdue ones highlighted."""
    today = timezone.localdate()
    found = list(queries.visible_documents(company, session.party_id)[:500])
    responses = queries.responses_by_document(company, [d.pk for d in found])
    statuses = queries.statuses_of(found, today)
    rows = [
        {
            "document": d,
            "status": statuses[d.pk],
            "response": responses.get(d.pk),
        }
        for d in found
    ]
    _log(request, session, AccessAction.VIEW_DOCUMENTS)
    context = {
        **_common(company, session),
        "rows": rows,
        "labels": queries.PortalStatus.LABELS,
        "statements": queries.statement(company, session.party_id, today),
        "tab": "documents",
    }
    return render(request, "portal/documents.html", context)


@portal_view
def account_statement(
    request: HttpRequest, company: Company, session: PortalSession
) -> HttpResponse:
    today = timezone.localdate()
    _log(request, session, AccessAction.VIEW_STATEMENT)
    context = {
        **_common(company, session),
        "statements": queries.statement(company, session.party_id, today),
        "labels": queries.PortalStatus.LABELS,
        "today": today,
        "tab": "statement",
    }
    return render(request, "portal/statement.html", context)


def _detail_context(
    request: HttpRequest,
    company: Company,
    session: PortalSession,
    document: Document,
    form: ResponseForm | None = None,
) -> dict[str, Any]:
    today = timezone.localdate()
    status = queries.document_status(document, today)
    return {
        **_common(company, session),
        "document": document,
        "status": status,
        "labels": queries.PortalStatus.LABELS,
        "lines": [
            (line, unit_print_name(line.unit, get_language() or "bg"))
            for line in invoicing_queries.lines_of(document)
        ],
        "payment": queries.payment_instructions(document, today),
        "response": queries.response_to(document),
        "form": form or ResponseForm(),
        "xml_available": queries.electronic_invoice(document) is not None,
        "can_respond": document.status == "issued",
        "tab": "documents",
    }


@portal_view
def document_detail(
    request: HttpRequest, company: Company, session: PortalSession, document_id: int
) -> HttpResponse:
    document = _document(company, session, document_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    _log(request, session, AccessAction.VIEW_DOCUMENT, document)
    return render(
        request, "portal/document.html", _detail_context(request, company, session, document)
    )


@portal_view
def document_pdf(
    request: HttpRequest, company: Company, session: PortalSession, document_id: int
) -> HttpResponseBase:
    document = _document(company, session, document_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    _log(request, session, AccessAction.DOWNLOAD_PDF, document)
    actions.record_download(document)
    name = f"{document.kind}-{document.number}.pdf"
    if document.pdf_file:
        return FileResponse(
            document.pdf_file.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=name,
        )
    response = HttpResponse(
        invoicing_printing.document_pdf(document), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@portal_view
def document_xml(
    request: HttpRequest, company: Company, session: PortalSession, document_id: int
) -> HttpResponseBase:
    """The document's UBL XML when an app provides one (otherwise 404 and no link shows)."""
    document = _document(company, session, document_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    found = queries.electronic_invoice(document)
    if found is None:
        raise Http404("no XML")
    _log(request, session, AccessAction.DOWNLOAD_XML, document)
    response = HttpResponse(found.content, content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@portal_view
def document_respond(
    request: HttpRequest, company: Company, session: PortalSession, document_id: int
) -> HttpResponse:
    document = _document(company, session, document_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ResponseForm(request.POST)
    if form.is_valid():
        actor = actions.portal_actor(session.email, client_ip(request))
        try:
            actions.respond_to_document(
                actor,
                session,
                document,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except (InvalidInput, Conflict) as error:
            apply_errors(form, error)
        else:
            return redirect("portal:document", eik=company.eik, document_id=document.pk)
    context = _detail_context(request, company, session, document, form)
    context["open_form"] = form.data.get("kind", ResponseKind.RETURNED)
    return render(request, "portal/document.html", context, status=400)


@portal_view
def sign_out(request: HttpRequest, company: Company, session: PortalSession) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actions.end_session(session, ip_address=client_ip(request))
    response = _sign_in_page(request, company, reason="signed_out_now")
    response.delete_cookie(COOKIE, path=_cookie_path(company))
    return response


# --- staff ----------------------------------------------------------------------------------------


@company_view("portal.manage")
def manage_settings(request: CompanyRequest) -> HttpResponse:
    company = request.company
    current = queries.settings_of(company)
    form = PortalSettingsForm(instance=current)
    saved = False
    if request.method == "POST":
        form = PortalSettingsForm(request.POST, instance=queries.settings_of(company))
        if form.is_valid():
            try:
                actions.change_settings(
                    request.actor,
                    company,
                    auto_publish=form.cleaned_data["auto_publish"],
                    sign_in_link_minutes=form.cleaned_data["sign_in_link_minutes"],
                    document_link_days=form.cleaned_data["document_link_days"],
                )
            except (InvalidInput, Conflict) as error:
                apply_errors(form, error)
            else:
                saved = True
    context = {
        "form": form,
        "saved": saved,
        "portal_url": f"{settings.BASE_URL}{reverse('portal:home', kwargs={'eik': company.eik})}",
    }
    return render(request, "portal/manage_settings.html", context)


@company_view("portal.manage")
def manage_publish(request: CompanyRequest, document_id: int) -> HttpResponse:
    """Publish a document in the portal or withdraw it (POST `do=publish|withdraw`)."""
    company = request.company
    document = invoicing_queries.document(company, document_id)
    if document is None:
        raise Http404("no such document")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        if request.POST.get("do") == "withdraw":
            actions.withdraw_document(request.actor, document)
        else:
            actions.publish_document(request.actor, document)
    except ActionError as error:
        messages.error(request, str(getattr(error, "message", error)))
    return redirect(
        reverse("invoicing:detail", kwargs={"eik": company.eik, "document_id": document.pk})
        + "?tab=portal"
    )
