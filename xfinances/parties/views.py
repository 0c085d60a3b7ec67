"""Pages for clients and suppliers. Thin: forms check shape, actions do the work."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xfinances.core import audit
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import apply_errors
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.parties import actions, queries
from xfinances.parties.forms import (
    ContactForm,
    ImportForm,
    PartyBankAccountForm,
    PartyFilterForm,
    PartyForm,
)
from xfinances.parties.importing import template_csv
from xfinances.parties.inputs import BankAccountInput, ContactInput, PartyInput
from xfinances.parties.models import Party, PartyBankAccount, PartyContact, PartyImport

PAGE_SIZE = 50


def _party(request: CompanyRequest, party_id: int) -> Party:
    found = queries.party(request.company, party_id)
    if found is None:
        raise Http404
    return found


def _flash_errors(request: HttpRequest, error: InvalidInput | Conflict | NotAllowed) -> None:
    if isinstance(error, InvalidInput):
        for field_errors in error.errors.values():
            for message in field_errors:
                messages.error(request, message)
    elif isinstance(error, Conflict):
        messages.error(request, error.message)
    else:
        messages.error(request, str(error))


@company_view("parties.view")
def party_list(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = PartyFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data["q"],
            "kind": data["kind"],
            "tag": data["tag"],
            "is_client": True if data["role"] == "client" else None,
            "is_supplier": True if data["role"] == "supplier" else None,
            "archived": bool(data["archived"]),
        }
    found = queries.parties(company, **filters).select_related("responsible")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "tags": queries.all_tags(company),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "party-results":
        return render(request, "parties/_results.html", context)
    return render(request, "parties/list.html", context)


def _party_form_page(request: CompanyRequest, party: Party | None) -> HttpResponse:
    company = request.company
    choices = queries.responsible_choices(company)
    conflict_link = None
    if request.method == "POST":
        form = PartyForm(request.POST, responsible_choices=choices)
        if form.is_valid():
            try:
                if party is None:
                    party = actions.create_party(
                        request.actor, company, PartyInput.read(form.action_data())
                    )
                    messages.success(request, _("%(name)s added.") % {"name": party.name})
                else:
                    actions.update_party(
                        request.actor, party, PartyInput.read_changes(form.action_data())
                    )
                    messages.success(request, _("Changes saved."))
            except (InvalidInput, Conflict) as error:
                apply_errors(form, error)
                if isinstance(error, Conflict):
                    conflict_link = error.link
            except NotAllowed as error:
                form.add_error(None, str(error))
            else:
                return redirect("parties:detail", company.eik, party.pk)
        status = 409 if conflict_link else (422 if form.errors else 200)
    else:
        initial: dict[str, Any] = {}
        if party is not None:
            initial = {
                name: getattr(party, name) for name in PartyForm.base_fields if hasattr(party, name)
            }
            initial["iban"] = party.primary_iban
            initial["tags"] = ", ".join(party.tags)
            initial["responsible"] = party.responsible_id or ""
            initial["payment_terms_days"] = (
                "" if party.payment_terms_days is None else party.payment_terms_days
            )
        form = PartyForm(initial=initial, responsible_choices=choices)
        status = 200
    context = {"form": form, "party": party, "conflict_link": conflict_link}
    return render(request, "parties/form.html", context, status=status)


@company_view("parties.change")
def party_create(request: CompanyRequest) -> HttpResponse:
    return _party_form_page(request, None)


@company_view("parties.change")
def party_edit(request: CompanyRequest, party_id: int) -> HttpResponse:
    party = _party(request, party_id)
    if party.is_archived:
        messages.error(request, _("This party is archived: restore it before changing it."))
        return redirect("parties:detail", request.company.eik, party.pk)
    return _party_form_page(request, party)


@company_view("parties.view")
def party_detail(request: CompanyRequest, party_id: int) -> HttpResponse:
    company = request.company
    party = _party(request, party_id)
    context = {
        "party": party,
        "contacts": party.contacts.all(),
        "bank_accounts": party.bank_accounts.all(),
        "history": audit.history(company, party)[:200],
        "contact_form": ContactForm(),
        "bank_form": PartyBankAccountForm(),
        "tab": request.GET.get("tab", "overview"),
    }
    return render(request, "parties/detail.html", context)


@company_view("parties.delete")
@require_POST
def party_archive(request: CompanyRequest, party_id: int) -> HttpResponse:
    party = _party(request, party_id)
    actions.archive_party(request.actor, party, reason=request.POST.get("reason", "")[:500])
    messages.success(request, _("%(name)s archived.") % {"name": party.name})
    return redirect("parties:detail", request.company.eik, party.pk)


@company_view("parties.delete")
@require_POST
def party_restore(request: CompanyRequest, party_id: int) -> HttpResponse:
    party = _party(request, party_id)
    actions.restore_party(request.actor, party)
    messages.success(request, _("%(name)s restored.") % {"name": party.name})
    return redirect("parties:detail", request.company.eik, party.pk)


@company_view("parties.change")
@require_POST
def contact_add(request: CompanyRequest, party_id: int) -> HttpResponse:
    party = _party(request, party_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            actions.add_party_contact(request.actor, party, ContactInput.read(form.cleaned_data))
            messages.success(request, _("Contact added."))
        except (InvalidInput, Conflict, NotAllowed) as error:
            _flash_errors(request, error)
    return redirect(f"{_detail_path(request, party)}?tab=contacts")


@company_view("parties.change")
@require_POST
def contact_remove(request: CompanyRequest, party_id: int, contact_id: int) -> HttpResponse:
    party = _party(request, party_id)
    contact = PartyContact.objects.filter(
        company=request.company, party=party, pk=contact_id
    ).first()
    if contact is None:
        raise Http404
    actions.remove_party_contact(request.actor, contact)
    messages.success(request, _("Contact removed."))
    return redirect(f"{_detail_path(request, party)}?tab=contacts")


@company_view("parties.change")
@require_POST
def bank_add(request: CompanyRequest, party_id: int) -> HttpResponse:
    party = _party(request, party_id)
    form = PartyBankAccountForm(request.POST)
    if form.is_valid():
        try:
            actions.add_party_bank_account(
                request.actor, party, BankAccountInput.read(form.cleaned_data)
            )
            messages.success(request, _("Bank account added."))
        except (InvalidInput, Conflict, NotAllowed) as error:
            _flash_errors(request, error)
    else:
        messages.error(request, _("Enter the IBAN."))
    return redirect(f"{_detail_path(request, party)}?tab=bank")


@company_view("parties.change")
@require_POST
def bank_remove(request: CompanyRequest, party_id: int, bank_account_id: int) -> HttpResponse:
    party = _party(request, party_id)
    account = PartyBankAccount.objects.filter(
        company=request.company, party=party, pk=bank_account_id
    ).first()
    if account is None:
        raise Http404
    actions.remove_party_bank_account(request.actor, account)
    messages.success(request, _("Bank account removed."))
    return redirect(f"{_detail_path(request, party)}?tab=bank")


def _detail_path(request: CompanyRequest, party: Party) -> str:
    return reverse("parties:detail", args=[request.company.eik, party.pk])


@company_view("parties.import")
def import_upload(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            file = form.cleaned_data["file"]
            try:
                upload = actions.upload_party_import(
                    request.actor,
                    company,
                    filename=file.name,
                    content=file.read(),
                )
            except InvalidInput as error:
                apply_errors(form, error)
            else:
                return redirect("parties:import_preview", company.eik, upload.pk)
    return render(
        request,
        "parties/import.html",
        {"form": form, "imports": queries.recent_imports(company)},
        status=422 if form.errors else 200,
    )


def _import(request: CompanyRequest, import_id: int) -> PartyImport:
    upload = queries.party_import(request.company, import_id)
    if upload is None:
        raise Http404
    return upload


@company_view("parties.import")
def import_preview(request: CompanyRequest, import_id: int) -> HttpResponse:
    upload = _import(request, import_id)
    preview = queries.import_preview(request.company, upload)
    return render(request, "parties/import_preview.html", {"upload": upload, "preview": preview})


@company_view("parties.import")
@require_POST
def import_confirm(request: CompanyRequest, import_id: int) -> HttpResponse:
    company = request.company
    upload = _import(request, import_id)
    try:
        outcome = actions.import_parties(request.actor, company, upload)
    except InvalidInput as error:
        _flash_errors(request, error)
        return redirect("parties:import_preview", company.eik, upload.pk)
    if outcome.already_applied:
        messages.info(request, _("This file was already imported; nothing was imported again."))
    else:
        messages.success(
            request,
            _("%(created)d parties imported, %(skipped)d rows skipped.")
            % {"created": len(outcome.created), "skipped": len(outcome.skipped)},
        )
    return redirect("parties:import_preview", company.eik, upload.pk)


@company_view("parties.import")
@require_POST
def import_cancel(request: CompanyRequest, import_id: int) -> HttpResponse:
    upload = _import(request, import_id)
    actions.cancel_party_import(request.actor, upload)
    messages.info(request, _("Import cancelled."))
    return redirect("parties:import", request.company.eik)


@company_view("parties.import")
@require_GET
def import_template(request: CompanyRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="parties-template.csv"'
    return response
