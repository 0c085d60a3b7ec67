"""Pages of the frame: home, dashboard, company settings, members, tokens, audit, rates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core import actions, onboarding, queries
from xfinances.core.audit import Actor
from xfinances.core.audit import history as audit_history
from xfinances.core.company_inputs import CompanyInput, NewCompanyInput
from xfinances.core.dashboard import cards_for
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import (
    AuditFilterForm,
    BankAccountForm,
    CompanyForm,
    MemberForm,
    NewCompanyForm,
    RateFileForm,
    RateForm,
    RoleForm,
    SignUpForm,
    TokenForm,
    apply_errors,
)
from xfinances.core.models import ApiToken, CompanyBankAccount, Membership, Source, User
from xfinances.core.rates import read_rates
from xfinances.core.search import search as search_everything
from xfinances.core.tenancy import (
    CompanyRequest,
    SignedInRequest,
    client_ip,
    company_object_or_404,
    company_view,
)

AREAS = {
    "treasury": (
        _("Cash and bank"),
        _("Accounts, sub-accounts, movements, balances and cash flow."),
    ),
}


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    memberships = list(queries.memberships_of(request.user))
    last = request.session.get("company_eik")
    eiks = [m.company.eik for m in memberships]
    if last in eiks:
        return redirect("dashboard", last)
    if len(memberships) == 1:
        return redirect("dashboard", eiks[0])
    return render(request, "core/choose_company.html", {"memberships": memberships})


@company_view()
def dashboard(request: CompanyRequest) -> HttpResponse:
    company = request.company
    context = {
        "recent": queries.audit_log(company)[:8] if request.role in ("owner", "accountant") else [],
        "areas": AREAS,
        # Parties, treasury and payments stand above core; each adds its own cards.
        "dashboard_cards": cards_for(request),
        "first_steps": onboarding.open_checklist(company) if request.role == "owner" else [],
    }
    return render(request, "core/dashboard.html", context)


@company_view()
def area(request: CompanyRequest, area: str) -> HttpResponse:
    if area not in AREAS:
        raise Http404
    title, description = AREAS[area]
    return render(request, "core/area.html", {"title": title, "description": description})


@company_view("company.view")
def company_settings(request: CompanyRequest) -> HttpResponse:
    company = request.company
    can_change = request.role == "owner"
    form = CompanyForm(instance=company)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        form = CompanyForm(request.POST, request.FILES, instance=company)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "logo" or v is not None}
            if data.get("logo") is False:
                data["logo"] = ""
            try:
                company = actions.update_company(
                    request.actor, company, CompanyInput.read_changes(data)
                )
            except (InvalidInput, Conflict) as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Company settings saved."))
                return redirect("company_settings", company.eik)
    return render(
        request,
        "core/company_settings.html",
        {
            "form": form,
            "can_change": can_change,
            "bank_form": BankAccountForm(),
            "bank_accounts": company.bank_accounts.all(),
            "history": audit_history(company, company)[:50],
        },
    )


@company_view("company.change")
@require_POST
def add_bank_account(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = BankAccountForm(request.POST)
    if form.is_valid():
        try:
            actions.add_company_bank_account(request.actor, company, **form.cleaned_data)
        except (InvalidInput, Conflict) as error:
            apply_errors(form, error)
    if form.errors:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    else:
        messages.success(request, _("Bank account added."))
    return redirect("company_settings", company.eik)


@company_view("company.change")
@require_POST
def delete_bank_account(request: CompanyRequest, account_id: int) -> HttpResponse:
    company = request.company
    account = company_object_or_404(company, CompanyBankAccount, pk=account_id)
    actions.remove_company_bank_account(request.actor, account)
    messages.success(request, _("Bank account removed."))
    return redirect("company_settings", company.eik)


@company_view("members.view")
def members(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = MemberForm()
    if request.method == "POST":
        if request.role != "owner":
            raise PermissionDenied
        form = MemberForm(request.POST)
        if form.is_valid():
            try:
                membership = actions.add_member(request.actor, company, **form.cleaned_data)
            except (InvalidInput, Conflict) as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("%(email)s now has access.") % {"email": membership.user.email}
                )
                return redirect("members", company.eik)
    return render(
        request,
        "core/members.html",
        {"members": queries.members(company), "form": form, "role_form": RoleForm()},
    )


@company_view("members.manage")
@require_POST
def member_role(request: CompanyRequest, membership_id: int) -> HttpResponse:
    company = request.company
    membership = company_object_or_404(company, Membership, pk=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            actions.change_role(request.actor, membership, form.cleaned_data["role"])
            messages.success(request, _("Role changed."))
        except InvalidInput as error:
            for msgs in error.errors.values():
                for message in msgs:
                    messages.error(request, message)
    return redirect("members", company.eik)


@company_view("members.manage")
@require_POST
def member_remove(request: CompanyRequest, membership_id: int) -> HttpResponse:
    company = request.company
    membership = company_object_or_404(company, Membership, pk=membership_id)
    try:
        actions.remove_member(request.actor, membership)
        messages.success(request, _("Access removed."))
    except InvalidInput as error:
        for msgs in error.errors.values():
            for message in msgs:
                messages.error(request, message)
    return redirect("members", company.eik)


@company_view("audit.view")
def audit_log(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = AuditFilterForm(request.GET or None, company=company)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "user_id": data["user"],
            "kind": data["kind"],
            "source": data["source"],
            "object_type": data["object_type"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "text": data["q"],
        }
    page = Paginator(queries.audit_log(company, **filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "core/audit_log.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@company_view("rates.view")
def rates(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = RateForm()
    if request.method == "POST":
        form = RateForm(request.POST)
        if form.is_valid():
            try:
                actions.set_exchange_rate(request.actor, company, **form.cleaned_data)
            except InvalidInput as error:
                apply_errors(form, error)
            except NotAllowed as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Exchange rate saved."))
                return redirect("rates", company.eik)
    page = Paginator(queries.rates_for(company), 50).get_page(request.GET.get("page"))
    return render(
        request, "core/rates.html", {"form": form, "file_form": RateFileForm(), "page": page}
    )


@company_view("rates.change")
@require_POST
def rates_import(request: CompanyRequest) -> HttpResponse:
    company = request.company
    form = RateFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to import."))
        return redirect("rates", company.eik)
    parsed = read_rates(form.cleaned_data["file"].read())
    if parsed.errors:
        for error in parsed.errors[:10]:
            messages.error(request, error)
        messages.error(request, _("Nothing was imported: correct the file and try again."))
        return redirect("rates", company.eik)
    try:
        loaded = actions.load_reference_rates(request.actor, parsed.rates, source="file")
    except InvalidInput as error:
        messages.error(request, str(error))
        return redirect("rates", company.eik)
    messages.success(
        request,
        _("Rates imported: %(c)d new, %(u)d changed, %(n)d unchanged.")
        % {"c": loaded.created, "u": loaded.updated, "n": loaded.unchanged},
    )
    return redirect("rates", company.eik)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, plus remembering the choice on the signed-in user."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if isinstance(user, User) and language in dict(settings.LANGUAGES):
        actions.set_user_language(Actor(user, Source.UI, client_ip(request)), user, language)
    return response


@login_required
def account(request: SignedInRequest) -> HttpResponse:
    actor = Actor(request.user, Source.UI, client_ip(request))
    form = TokenForm()
    new_token = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            new_token = actions.issue_api_token(actor, request.user, form.cleaned_data["name"]).raw
            form = TokenForm()
    tokens = ApiToken.objects.filter(user_id=request.user.pk or 0)
    return render(
        request, "core/account.html", {"form": form, "tokens": tokens, "new_token": new_token}
    )


@require_POST
@login_required
def revoke_token(request: SignedInRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, user_id=request.user.pk, pk=token_id)
    actions.revoke_api_token(Actor(request.user, Source.UI, client_ip(request)), token)
    messages.success(request, _("Token revoked."))
    return redirect("account")


# --- onboarding ------------------------------------------------------------------------------

_COMPANY_FIELDS = ("name", "eik", "vat_number", "city", "address")


def sign_up(request: HttpRequest) -> HttpResponse:
    """Sign-up for a first company, when the installation allows it (XFINANCES_ALLOW_SIGNUP)."""
    if not onboarding.signup_allowed():
        raise Http404
    if request.user.is_authenticated:
        return redirect("company_new")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, company = onboarding.sign_up(
                Actor(None, Source.UI, client_ip(request)),
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"],
                language=(getattr(request, "LANGUAGE_CODE", "") or "bg")[:2],
                company=NewCompanyInput.read({k: data[k] for k in _COMPANY_FIELDS}),
            )
        except (InvalidInput, Conflict) as error:
            apply_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your company is ready: follow the first steps."))
            return redirect("dashboard", company.eik)
    return render(request, "core/sign_up.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def company_new(request: SignedInRequest) -> HttpResponse:
    """A signed-in user's new company, with them as its owner."""
    form = NewCompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            company = onboarding.create_own_company(
                Actor(request.user, Source.UI, client_ip(request)),
                NewCompanyInput.read({k: data[k] for k in _COMPANY_FIELDS}),
            )
        except (InvalidInput, Conflict) as error:
            apply_errors(form, error)
        else:
            request.session["company_eik"] = company.eik
            messages.success(request, _("Company created: follow the first steps."))
            return redirect("dashboard", company.eik)
    return render(
        request, "core/company_new.html", {"form": form}, status=422 if form.errors else 200
    )


@company_view()
def search(request: CompanyRequest) -> HttpResponse:
    """The top bar's search: documents, parties and payments, grouped by area."""
    q = request.GET.get("q", "")
    hits = search_everything(request, q)
    groups: dict[str, list[Any]] = {}
    for hit in hits:
        groups.setdefault(str(hit.area), []).append(hit)
    return render(request, "core/search.html", {"q": q, "groups": groups, "count": len(hits)})
