"""Delivery pages: outbox and delivery log with resend, send buttons, settings and templates,
webhooks with test-send, the notification bell. Thin: every write calls an action."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.forms import apply_errors
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.notifications import actions, queries
from xfinances.notifications.actions import DeliverySettingsInput
from xfinances.notifications.default_templates import PLACEHOLDERS
from xfinances.notifications.forms import (
    DeliverySettingsForm,
    EmailTemplateForm,
    NotificationPreferencesForm,
    PartyAutoSendForm,
    WebhookEndpointForm,
)
from xfinances.notifications.models import (
    EmailTemplate,
    MessageStatus,
    NotificationPreference,
    OutboxMessage,
    PartyDeliverySetting,
    TemplateKind,
    TemplateLanguage,
    WebhookEndpoint,
)
from xfinances.parties.models import Party

# A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def tracking_pixel(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the tracking image in a sent e-mail. Unknown tokens are 404."""
    if not actions.record_open(token):
        raise Http404
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


def _message(request: CompanyRequest, message_id: int) -> OutboxMessage:
    found = queries.message(request.company, message_id)
    if found is None:
        raise Http404
    return found


def _endpoint(request: CompanyRequest, endpoint_id: int) -> WebhookEndpoint:
    found = queries.endpoint(request.company, endpoint_id)
    if found is None:
        raise Http404
    return found


def _refusal(request: HttpRequest, error: InvalidInput | Conflict) -> None:
    if isinstance(error, InvalidInput):
        for field_messages in error.errors.values():
            for text in field_messages:
                messages.error(request, text)
    else:
        messages.error(request, error.message)


# --- outbox ------------------------------------------------------------------------------------


@company_view("delivery.view")
def outbox_list(request: CompanyRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    if status not in MessageStatus.values:
        status = ""
    if kind not in ("email", "webhook"):
        kind = ""
    found = queries.outbox(request.company, status=status, kind=kind)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/outbox.html",
        {"page": page, "status": status, "kind": kind, "statuses": MessageStatus.choices},
    )


@company_view("delivery.view")
def message_detail(request: CompanyRequest, message_id: int) -> HttpResponse:
    message = _message(request, message_id)
    log = queries.message_log(request.company, message)
    return render(request, "notifications/message.html", {"message": message, "log": log})


@company_view("delivery.send")
@require_POST
def message_resend(request: CompanyRequest, message_id: int) -> HttpResponse:
    message = _message(request, message_id)
    try:
        again = actions.resend_message(request.actor, message)
    except (InvalidInput, Conflict) as error:
        _refusal(request, error)
        return redirect("notifications:message", request.company.eik, message.pk)
    messages.success(request, _("Queued again."))
    return redirect("notifications:message", request.company.eik, again.pk)


@company_view("delivery.send")
@require_POST
def message_cancel(request: CompanyRequest, message_id: int) -> HttpResponse:
    message = _message(request, message_id)
    try:
        actions.cancel_message(request.actor, message)
        messages.success(request, _("Cancelled."))
    except (InvalidInput, Conflict) as error:
        _refusal(request, error)
    return redirect("notifications:message", request.company.eik, message.pk)


# --- documents ---------------------------------------------------------------------------------


# --- settings and templates --------------------------------------------------------------------


@company_view("delivery.settings")
def delivery_settings_page(request: CompanyRequest) -> HttpResponse:
    company = request.company
    current = actions.delivery_settings(company)
    form = DeliverySettingsForm(
        request.POST or None,
        initial={name: getattr(current, name) for name in DeliverySettingsInput.field_names()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_delivery_settings(
                request.actor, company, DeliverySettingsInput.read_changes(form.cleaned_data)
            )
            messages.success(request, _("Saved."))
            return redirect("notifications:settings", company.eik)
        except InvalidInput as error:
            apply_errors(form, error)
    own_templates = {
        (t.document_kind, t.language) for t in EmailTemplate.objects.filter(company=company)
    }
    template_rows = [
        {
            "kind": kind,
            "kind_label": label,
            "language": language,
            "language_label": language_label,
            "own": (kind, language) in own_templates,
        }
        for kind, label in TemplateKind.choices
        for language, language_label in TemplateLanguage.choices
    ]
    overrides = PartyDeliverySetting.objects.filter(company=company).exclude(auto_send="")
    return render(
        request,
        "notifications/settings.html",
        {
            "form": form,
            "template_rows": template_rows,
            "without_email": queries.clients_without_email(company)[:200],
            "overrides": overrides.select_related("party"),
            "party_form": PartyAutoSendForm(),
        },
    )


@company_view("delivery.settings")
@require_POST
def party_auto_send(request: CompanyRequest, party_id: int) -> HttpResponse:
    company = request.company
    party = Party.objects.filter(company=company, pk=party_id).first()
    if party is None:
        raise Http404
    try:
        actions.set_party_auto_send(request.actor, party, request.POST.get("auto_send", ""))
        messages.success(request, _("Saved."))
    except InvalidInput as error:
        _refusal(request, error)
    return redirect("notifications:settings", company.eik)


def _template_key(request: HttpRequest) -> tuple[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    kind, language = source.get("kind", ""), source.get("language", "")
    if kind not in TemplateKind.values or language not in TemplateLanguage.values:
        raise Http404
    return kind, language


@company_view("delivery.settings")
def template_edit(request: CompanyRequest) -> HttpResponse:
    company = request.company
    kind, language = _template_key(request)
    subject, text, html = actions.template_for(company, kind, language)
    form = EmailTemplateForm(
        request.POST or None, initial={"subject": subject, "body_text": text, "body_html": html}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_email_template(
                request.actor,
                company,
                document_kind=kind,
                language=language,
                **form.cleaned_data,
            )
            messages.success(request, _("Template saved."))
            return redirect("notifications:settings", company.eik)
        except InvalidInput as error:
            apply_errors(form, error)
    return render(
        request,
        "notifications/template.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": TemplateKind(kind).label,
            "language": language,
            "language_label": TemplateLanguage(language).label,
            "placeholders": ["{" + name + "}" for name in PLACEHOLDERS],
        },
    )


@company_view("delivery.settings")
@require_POST
def template_reset(request: CompanyRequest) -> HttpResponse:
    company = request.company
    kind, language = _template_key(request)
    actions.reset_email_template(request.actor, company, document_kind=kind, language=language)
    messages.success(request, _("Back to the built-in text."))
    return redirect("notifications:settings", company.eik)


# --- webhooks ----------------------------------------------------------------------------------


@company_view("webhooks.manage")
def webhook_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = WebhookEndpointForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            typed = actions.WebhookEndpointInput.read(form.cleaned_data)
            endpoint = actions.create_webhook_endpoint(request.actor, company, typed)
            messages.success(request, _("Endpoint added. Its signing secret is on its page."))
            return redirect("notifications:webhook", company.eik, endpoint.pk)
        except InvalidInput as error:
            apply_errors(form, error)
    return render(
        request,
        "notifications/webhooks.html",
        {"form": form, "endpoints": queries.endpoints(company)},
    )


@company_view("webhooks.manage")
def webhook_detail(request: CompanyRequest, endpoint_id: int) -> HttpResponse:
    company = request.company
    endpoint = _endpoint(request, endpoint_id)
    form = WebhookEndpointForm(
        request.POST or None,
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "is_active": endpoint.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_webhook_endpoint(
                request.actor,
                endpoint,
                actions.WebhookEndpointInput.read_changes(form.cleaned_data),
                rotate_secret=bool(request.POST.get("rotate_secret")),
            )
            messages.success(request, _("Saved."))
            return redirect("notifications:webhook", company.eik, endpoint.pk)
        except InvalidInput as error:
            apply_errors(form, error)
    deliveries = Paginator(queries.endpoint_messages(company, endpoint), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/webhook.html",
        {"endpoint": endpoint, "form": form, "page": deliveries},
    )


@company_view("webhooks.manage")
@require_POST
def webhook_test(request: CompanyRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    actions.send_test_webhook(request.actor, endpoint)
    messages.success(request, _("A test event is queued."))
    return redirect("notifications:webhook", request.company.eik, endpoint.pk)


@company_view("webhooks.manage")
@require_POST
def webhook_delete(request: CompanyRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    actions.delete_webhook_endpoint(request.actor, endpoint)
    messages.success(request, _("Endpoint deleted."))
    return redirect("notifications:webhooks", request.company.eik)


# --- notifications -----------------------------------------------------------------------------


@company_view()
def notification_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    page = Paginator(queries.notifications(company, request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/notifications.html", {"page": page})


@company_view()
def bell(request: CompanyRequest) -> HttpResponse:
    """The navbar bell (an HTMX partial, refreshed every minute)."""
    company = request.company
    unread = queries.unread(company, request.user)
    return render(
        request,
        "notifications/_bell.html",
        {"unread_count": unread.count(), "unread_items": list(unread[:8])},
    )


@company_view()
@require_POST
def notifications_read(request: CompanyRequest) -> HttpResponse:
    company = request.company
    ids: list[int] | None = [int(v) for v in request.POST.getlist("ids") if v.isdigit()] or None
    actions.mark_notifications_read(request.actor, company, ids)
    if request.headers.get("HX-Request"):
        return bell(request, company.eik)
    return redirect("notifications:notifications", company.eik)


@company_view()
def preferences(request: CompanyRequest) -> HttpResponse:
    company = request.company
    chosen = list(
        NotificationPreference.objects.filter(
            company=company,
            user=request.user,
            by_email=True,
        ).values_list("kind", flat=True)
    )
    form = NotificationPreferencesForm(request.POST or None, initial={"by_email": chosen})
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_notification_preferences(
                request.actor,
                company,
                form.cleaned_data["by_email"],
            )
            messages.success(request, _("Saved."))
            return redirect("notifications:notifications", company.eik)
        except InvalidInput as error:
            apply_errors(form, error)
    return render(request, "notifications/preferences.html", {"form": form})
