"""Pages of e-banking: statements per account, upload with a summary, the review queue.
Thin: find what the company may see (404 otherwise), call actions, show refusals."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.banking import actions, csv_profiles, queries
from xfinances.banking.forms import ReasonForm, UploadForm
from xfinances.banking.models import ImportSource, MatchState
from xfinances.core.exceptions import ActionError, InvalidInput, NotAllowed
from xfinances.core.forms import set_choices
from xfinances.core.tenancy import CompanyRequest, company_view


def _messages_of(error: ActionError) -> list[str]:
    if isinstance(error, InvalidInput):
        return [str(m) for values in error.errors.values() for m in values]
    return [str(error) or _("Your role does not allow this action.")]


@company_view("treasury.view")
def statements(request: CompanyRequest) -> HttpResponse:
    company = request.company
    accounts = list(queries.bank_accounts(company).order_by("name"))
    chosen_id = request.GET.get("account", "")
    chosen = next(
        (a for a in accounts if str(a.pk) == chosen_id), accounts[0] if accounts else None
    )
    form = UploadForm()
    set_choices(
        form.fields["account"],
        [
            ("", _("The file's IBAN decides")),
            *[(a.pk, f"{a.name} · {a.iban}") for a in accounts],
        ],
    )
    return render(
        request,
        "banking/statements.html",
        {
            "accounts": accounts,
            "chosen": chosen,
            "statements": list(queries.statements(company, chosen)[:100]) if chosen else [],
            "imports": list(queries.imports(company)[:10]),
            "form": form,
            "counts": queries.counts(company),
        },
    )


@company_view("treasury.view")
def statement_detail(request: CompanyRequest, statement_id: int) -> HttpResponse:
    company = request.company
    found = queries.statement(company, statement_id)
    if found is None:
        raise Http404
    return render(
        request,
        "banking/statement.html",
        {"statement": found, "entries": list(queries.entries_of(company, found)[:2000])},
    )


@company_view("treasury.change")
@require_POST
def upload(request: CompanyRequest) -> HttpResponse:
    """The upload form and the drag-and-drop area both post here; the drop area asks for JSON
    (`Accept: application/json`) and shows the summary without leaving the page."""
    company = request.company
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = UploadForm(request.POST, request.FILES)
    set_choices(
        form.fields["account"],
        [("", "")] + [(a.pk, a.iban) for a in queries.bank_accounts(company)],
    )
    errors: list[str] = []
    summary = None
    if form.is_valid():
        account = None
        if form.cleaned_data["account"]:
            account = queries.bank_account(company, form.cleaned_data["account"])
        upload = form.cleaned_data["file"]
        profile = None
        if form.cleaned_data["profile"]:
            profile = csv_profiles.builtin(form.cleaned_data["profile"])
        if upload.size > actions.MAX_BYTES:
            errors.append(_("The file is too large: split it by period."))
        else:
            try:
                summary = actions.import_statement(
                    request.actor,
                    company,
                    upload,
                    file_name=upload.name or "",
                    account=account,
                    profile=profile,
                    import_source=ImportSource.UPLOAD,
                )
            except (InvalidInput, NotAllowed, ActionError) as error:
                errors = _messages_of(error)
    else:
        errors = [str(m) for values in form.errors.values() for m in values]
    if wants_json:
        if errors:
            return JsonResponse({"errors": errors}, status=422)
        assert summary is not None
        return JsonResponse(summary.as_dict(), status=201)
    if errors:
        for message in errors:
            messages.error(request, message)
    elif summary is not None:
        messages.success(
            request,
            _(
                "Imported: %(new)s new, %(dup)s duplicates, "
                "%(matched)s matched, %(review)s to review."
            )
            % {
                "new": summary.new,
                "dup": summary.duplicates,
                "matched": summary.matched,
                "review": summary.review,
            },
        )
        for line in summary.balance_breaks:
            messages.warning(request, line)
    return redirect("banking:statements", company.eik)


@company_view("payments.view")
def review(request: CompanyRequest) -> HttpResponse:
    company = request.company
    entries = list(queries.review_queue(company).select_related("account")[:200])
    proposals = queries.open_proposals(company, [e.pk for e in entries])
    rows = [{"entry": e, "proposals": proposals.get(e.pk, [])} for e in entries]
    return render(
        request,
        "banking/review.html",
        {"rows": rows, "counts": queries.counts(company), "MatchState": MatchState},
    )


def _perform(request: CompanyRequest, call: Callable[[], object], success: str) -> None:
    """Run one review action and say how it went: its refusal, or `success`."""
    try:
        call()
    except (InvalidInput, NotAllowed, ActionError) as error:
        for message in _messages_of(error):
            messages.error(request, message)
    else:
        messages.success(request, success)


@company_view("payments.change")
@require_POST
def accept(request: CompanyRequest, proposal_id: int) -> HttpResponse:
    company = request.company
    proposal = queries.proposal(company, proposal_id)
    if proposal is None:
        raise Http404
    _perform(request, lambda: actions.accept(request.actor, proposal), _("Match confirmed."))
    return redirect("banking:review", company.eik)


@company_view("payments.change")
@require_POST
def dismiss(request: CompanyRequest, entry_id: int) -> HttpResponse:
    company = request.company
    entry = queries.entry(company, entry_id)
    if entry is None:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _perform(
        request,
        lambda: actions.dismiss(request.actor, entry, reason=reason),
        _("Entry dismissed."),
    )
    return redirect("banking:review", company.eik)


@company_view("payments.change")
@require_POST
def undo(request: CompanyRequest, proposal_id: int) -> HttpResponse:
    company = request.company
    proposal = queries.proposal(company, proposal_id)
    if proposal is None:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _perform(
        request,
        lambda: actions.undo(request.actor, proposal, reason=reason),
        _("Match undone: the entry is back in the review queue."),
    )
    return redirect("banking:review", company.eik)


@company_view("payments.change")
@require_POST
def match_now(request: CompanyRequest) -> HttpResponse:
    company = request.company
    try:
        result = actions.match_entries(request.actor, company)
    except (InvalidInput, NotAllowed, ActionError) as error:
        for message in _messages_of(error):
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Matching done: %(matched)s matched, %(review)s to review.")
            % {"matched": result.matched, "review": result.review},
        )
    return redirect("banking:review", company.eik)
