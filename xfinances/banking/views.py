"""Pages of e-banking: statements per account, upload with a summary, the review queue, the
bank rules and the column profiles.
Thin: find what the company may see (404 otherwise), call actions, show refusals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from xfinances.banking import actions, csv_profiles, queries
from xfinances.banking.forms import ProfileForm, ReasonForm, RuleForm, UploadForm
from xfinances.banking.inputs import BankRuleInput
from xfinances.banking.models import (
    BankEntry,
    ImportSource,
    MatchProposal,
    MatchState,
    RuleDirection,
)
from xfinances.core import formatting, readers
from xfinances.core.exceptions import ActionError, InvalidInput, NotAllowed
from xfinances.core.forms import set_choices
from xfinances.core.models import Company
from xfinances.core.queries import rate_value
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.parties import queries as party_queries
from xfinances.parties.models import Party
from xfinances.payments.queries import fits_write_off_tolerance
from xfinances.treasury import queries as treasury_queries

STATEMENTS_PER_PAGE, ENTRIES_PER_PAGE, REVIEW_AT_ONCE, ALIASES_PER_PAGE = 50, 200, 200, 100
PARTIES_AT_ONCE = 200  # the match-by-hand page's party list; more are found by searching


def _messages_of(error: ActionError) -> list[str]:
    if isinstance(error, InvalidInput):
        return [str(m) for values in error.errors.values() for m in values]
    return [str(error) or _("Your role does not allow this action.")]


def _profile_choices(form: UploadForm, company: Company) -> None:
    """The company's own column profiles first, then the shipped presets."""
    set_choices(
        form.fields["profile"],
        [
            ("", _("Recognise from the header")),
            *[(p.key, p.name) for p in queries.column_profiles(company)],
        ],
    )


@company_view("treasury.view")
def statements(request: CompanyRequest) -> HttpResponse:
    company = request.company
    accounts = list(queries.bank_accounts(company).order_by("name"))
    chosen_id = request.GET.get("account", "")
    chosen = next(
        (a for a in accounts if str(a.pk) == chosen_id), accounts[0] if accounts else None
    )
    page = (
        Paginator(queries.statements(company, chosen), STATEMENTS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        if chosen
        else None
    )
    form = UploadForm()
    set_choices(
        form.fields["account"],
        [
            ("", _("The file's IBAN decides")),
            *[(a.pk, f"{a.name} · {a.iban}") for a in accounts],
        ],
    )
    _profile_choices(form, company)
    return render(
        request,
        "banking/statements.html",
        {
            "accounts": accounts,
            "chosen": chosen,
            "statements": page if page is not None else [],
            "page": page,
            "query": f"account={chosen.pk}" if chosen else "",
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
    entries = queries.entries_of(company, found)
    number = request.GET.get("page")
    # `?entry=ID` (a movement's page links its bank line so): the page that shows the line.
    wanted = request.GET.get("entry", "")
    line = queries.entry(company, int(wanted)) if wanted.isdigit() else None
    if line is not None and line.statement_id != found.pk:
        line = None
    if number is None and line is not None:
        number = str(queries.entries_before(entries, line) // ENTRIES_PER_PAGE + 1)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(number)
    applied = queries.applied_proposal_ids([e.pk for e in page])
    on_typed = queries.lines_on_typed_movements([e.pk for e in page])
    return render(
        request,
        "banking/statement.html",
        {
            "statement": found,
            "page": page,
            # Each line with the match that may be undone from here (an applied proposal).
            "rows": [(e, applied.get(e.pk), e.pk in on_typed) for e in page],
            "line": line,
        },
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
    _profile_choices(form, company)
    errors: list[str] = []
    summary = None
    if form.is_valid():
        account = None
        if form.cleaned_data["account"]:
            account = queries.bank_account(company, form.cleaned_data["account"])
        upload = form.cleaned_data["file"]
        profile = None
        if form.cleaned_data["profile"]:
            profile = queries.column_profile(company, form.cleaned_data["profile"])
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
        lines = [{"level": level, "text": text} for level, text in _summary_lines(summary)]
        return JsonResponse({**summary.as_dict(), "messages": lines}, status=201)
    if errors:
        for message in errors:
            messages.error(request, message)
    elif summary is not None:
        for level, text in _summary_lines(summary):
            messages.add_message(request, MESSAGE_LEVELS[level], text)
    return redirect("banking:statements", company.eik)


MESSAGE_LEVELS = {"success": messages.SUCCESS, "info": messages.INFO, "warning": messages.WARNING}


def _summary_lines(summary: actions.ImportSummary) -> list[tuple[str, str]]:
    """What an import says to the person who uploaded it, as (level, text): the same lines on
    the page after a plain upload and under the drop area (its JSON `messages`)."""
    count = formatting.quantity
    lines = [
        (
            "success",
            _(
                "Imported: %(new)s new, %(dup)s duplicates, "
                "%(matched)s matched, %(review)s to review."
            )
            % {
                "new": count(summary.new),
                "dup": count(summary.duplicates),
                "matched": count(summary.matched),
                "review": count(summary.review),
            },
        )
    ]
    if summary.typed:
        lines.append(
            (
                "info",
                _(
                    "%(count)s of them had been typed in by hand: they keep those movements, "
                    "nothing is counted twice."
                )
                % {"count": count(summary.typed)},
            )
        )
    if summary.maybe_typed:
        lines.append(
            (
                "warning",
                ngettext(
                    "%(count)s line may already be typed in by hand: the review queue asks "
                    "whether it is the same payment.",
                    "%(count)s lines may already be typed in by hand: the review queue asks "
                    "whether each is the same payment.",
                    summary.maybe_typed,
                )
                % {"count": count(summary.maybe_typed)},
            )
        )
    lines += [("warning", line) for line in summary.balance_breaks]
    return lines


@company_view("payments.view")
def review(request: CompanyRequest) -> HttpResponse:
    company = request.company
    entries = list(queries.review_queue(company).select_related("account")[:REVIEW_AT_ONCE])
    proposals = queries.open_proposals(company, [e.pk for e in entries])
    # A shortfall is within the tolerance by the engine's own test; an overpayment is offered
    # when payments' tolerance test says so at the entry currency's rate. The action judges
    # both again.
    by_entry = {e.pk: e for e in entries}
    write_off_allowed = {
        p.pk
        for entry_id, found in proposals.items()
        for p in found
        if p.shortfall > 0 or _overpayment_fits(company, by_entry[entry_id], p.overpayment)
    }
    targets = queries.proposal_targets(company, [p for found in proposals.values() for p in found])
    typed = queries.typed_candidates(company, entries)
    rows = [
        {
            "entry": e,
            "proposals": [(p, targets[p.pk]) for p in proposals.get(e.pk, [])],
            "typed": typed.get(e.pk, []),
        }
        for e in entries
    ]
    return render(
        request,
        "banking/review.html",
        {
            "rows": rows,
            "categories": treasury_queries.categories(company) if rows else [],
            "counts": queries.counts(company),
            "MatchState": MatchState,
            "write_off_allowed": write_off_allowed,
        },
    )


def _overpayment_fits(company: Company, entry: Any, overpayment: Decimal) -> bool:
    if overpayment <= 0:
        return False
    rate = rate_value(company, entry.currency, entry.booking_date)
    return rate is not None and fits_write_off_tolerance(company, overpayment, rate)


def _entry_or_404(company: Company, entry_id: int) -> BankEntry:
    entry = queries.entry(company, entry_id)
    if entry is None:
        raise Http404
    return entry


def _proposal_or_404(company: Company, proposal_id: int) -> MatchProposal:
    proposal = queries.proposal(company, proposal_id)
    if proposal is None:
        raise Http404
    return proposal


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
    proposal = _proposal_or_404(company, proposal_id)
    _perform(request, lambda: actions.accept(request.actor, proposal), _("Match confirmed."))
    return redirect("banking:review", company.eik)


@company_view("payments.change")
@require_POST
def write_off(request: CompanyRequest, proposal_id: int) -> HttpResponse:
    company = request.company
    proposal = _proposal_or_404(company, proposal_id)
    _perform(
        request,
        lambda: actions.accept_with_write_off(request.actor, proposal),
        _("Match confirmed and the difference written off."),
    )
    return redirect("banking:review", company.eik)


@company_view("payments.change")
@require_POST
def dismiss(request: CompanyRequest, entry_id: int) -> HttpResponse:
    company = request.company
    entry = _entry_or_404(company, entry_id)
    reason = _posted_reason(request)
    _perform(
        request,
        lambda: actions.dismiss(request.actor, entry, reason=reason),
        _("Entry dismissed."),
    )
    return redirect("banking:review", company.eik)


@company_view("payments.change")
@require_POST
def take_typed(request: CompanyRequest, entry_id: int) -> HttpResponse:
    """The bank line and a movement typed in by hand are one payment."""
    company = request.company
    entry = _entry_or_404(company, entry_id)
    movement = queries.movement(company, _posted_id(request.POST.get("movement")))
    if movement is None:
        messages.error(request, _("Choose the movement typed in by hand."))
    else:
        _perform(
            request,
            lambda: actions.take_typed_movement(request.actor, entry, movement),
            _("One payment: the bank line now has the movement typed in by hand."),
        )
    return redirect("banking:review", company.eik)


@company_view("payments.change")
def match_by_hand(request: CompanyRequest, entry_id: int) -> HttpResponse:
    """Another party or other documents than proposed, or the line split over several: the
    party's open documents with an amount each (prefilled as the best candidate of that party
    has them, else oldest first), the rest its credit."""
    company = request.company
    entry = _entry_or_404(company, entry_id)
    parties = queries.parties_for_hand(company)
    proposed = queries.open_proposals(company, [entry.pk]).get(entry.pk, [])
    chosen_id = request.POST.get("party") or request.GET.get("party") or ""
    if not chosen_id and proposed and proposed[0].party_id:
        chosen_id = str(proposed[0].party_id)
    party = parties.filter(pk=chosen_id).first() if chosen_id.isdigit() else None
    choice = _parties_to_choose(request, company, proposed, party)
    documents, open_count = (
        queries.open_for_hand(company, party, entry.currency, entry.amount > 0)
        if party
        else ([], 0)
    )
    prefill = _prefill(entry, documents, proposed, party)
    if request.method == "POST" and party is not None:
        chosen, wrong = [], []
        for d in documents:
            raw = (request.POST.get(f"amount_{d.id}") or "").strip()
            try:
                value = readers.amount(raw) if raw else Decimal(0)
            except readers.ReadError as error:
                wrong.append(f"{d.label}: {error}")
                continue
            if value:
                chosen.append((d.id, value))
        if wrong:
            for message in wrong:
                messages.error(request, message)
        else:
            try:
                actions.match_by_hand(request.actor, entry, party, chosen)
            except (InvalidInput, NotAllowed, ActionError) as error:
                for message in _messages_of(error):
                    messages.error(request, message)
            else:
                messages.success(request, _("Matched by hand."))
                return redirect("banking:review", company.eik)
    return render(
        request,
        "banking/match_by_hand.html",
        {
            "entry": entry,
            "choice": choice,
            "hidden_documents": open_count - len(documents),
            "hand_limit": queries.HAND_DOCUMENTS,
            "party": party,
            "rows": [
                (d, request.POST.get(f"amount_{d.id}", prefill.get(d.id, ""))) for d in documents
            ],
        },
    )


class _PartyChoice(NamedTuple):
    parties: list[Party]  # what the select offers
    q: str  # the search typed
    more: int  # how many more match than are offered (0: all shown)


def _parties_to_choose(
    request: CompanyRequest, company: Company, proposed: list[MatchProposal], party: Party | None
) -> _PartyChoice:
    """The parties the match-by-hand page offers: those matching the search (name, ЕИК, VAT
    number), else every party of a small company, else the parties the engine proposed — and
    always the chosen one. Never a silent cut: `more` says how many matched beyond the list."""
    q = (request.GET.get("q") or "").strip()[:100]
    every = party_queries.parties(company, q=q).prefetch_related(None)
    if q or every.count() <= PARTIES_AT_ONCE:
        found = list(every[: PARTIES_AT_ONCE + 1])
        more = every.count() - PARTIES_AT_ONCE if len(found) > PARTIES_AT_ONCE else 0
        found = found[:PARTIES_AT_ONCE]
    else:
        ids = [p.party_id for p in proposed if p.party_id]
        found, more = list(every.filter(pk__in=ids)), 0
    if party is not None and party not in found:
        found.insert(0, party)
    return _PartyChoice(found, q, more)


def _prefill(
    entry: BankEntry,
    documents: list[queries.OpenForHand],
    proposed: list[MatchProposal],
    party: Party | None,
) -> dict[int, Decimal]:
    """What the form offers for each document: the best proposal's amounts when it is this
    party's (the engine read the numbers the payer wrote), else the line spread oldest first."""
    best = next((p for p in proposed if p.party_id and party and p.party_id == party.pk), None)
    if best is not None and best.allocations:
        shown = {d.id for d in documents}
        return {int(i): Decimal(a) for _k, i, a in best.allocations if int(i) in shown}
    left, out = abs(entry.amount), {}
    for d in documents:
        if left <= 0:
            break
        out[d.id] = min(left, d.open_amount)
        left -= out[d.id]
    return out


@company_view("payments.change")
@require_POST
def keep_apart(request: CompanyRequest, entry_id: int) -> HttpResponse:
    """The bank line and the movements typed in by hand are different payments."""
    company = request.company
    entry = _entry_or_404(company, entry_id)
    _perform(
        request,
        lambda: actions.keep_apart(request.actor, entry),
        _("Two payments: the bank line is matched on its own."),
    )
    return redirect("banking:review", company.eik)


@company_view("payments.change")
@require_POST
def part_from_typed(request: CompanyRequest, entry_id: int) -> HttpResponse:
    """The bank line and the movement typed in by hand it took are two payments after all."""
    company = request.company
    entry = _entry_or_404(company, entry_id)
    reason = _posted_reason(request)
    _perform(
        request,
        lambda: actions.part_from_typed(request.actor, entry, reason=reason),
        _("Two payments: the bank line has a movement of its own again and is matched on it."),
    )
    if entry.statement_id:
        return redirect(
            reverse("banking:statement", args=[company.eik, entry.statement_id])
            + f"?entry={entry.pk}#line-{entry.pk}"
        )
    return redirect("banking:review", company.eik)


def _posted_reason(request: CompanyRequest) -> str:
    """The optional reason of a review decision (too long or missing: none)."""
    form = ReasonForm(request.POST)
    return str(form.cleaned_data["reason"]) if form.is_valid() else ""


def _posted_id(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


@company_view("payments.change")
@require_POST
def file_entry(request: CompanyRequest, entry_id: int) -> HttpResponse:
    """File a line that pays no document under a category; "remember" learns a rule."""
    company = request.company
    entry = _entry_or_404(company, entry_id)
    try:
        data = actions.FileEntryInput.read(
            {"category": request.POST.get("category"), "remember": request.POST.get("remember")}
        )
        filed = actions.file_entry(request.actor, entry, data)
    except (InvalidInput, NotAllowed, ActionError) as error:
        for message in _messages_of(error):
            messages.error(request, message)
    else:
        if filed.rule is None:
            messages.success(request, _("Line filed."))
        else:
            messages.success(
                request,
                ngettext(
                    "Line filed, rule “%(rule)s” saved; it filed %(count)d more waiting line.",
                    "Line filed, rule “%(rule)s” saved; it filed %(count)d more waiting lines.",
                    filed.also_filed,
                )
                % {"rule": filed.rule.name, "count": filed.also_filed},
            )
    return redirect("banking:review", company.eik)


@company_view("payments.change")
@require_POST
def undo(request: CompanyRequest, proposal_id: int) -> HttpResponse:
    company = request.company
    proposal = _proposal_or_404(company, proposal_id)
    reason = _posted_reason(request)
    _perform(
        request,
        lambda: actions.undo(request.actor, proposal, reason=reason),
        _("Match undone: the entry is back in the review queue."),
    )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)  # the statement page the person undid it from
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


# ----------------------------------------------------------------------------- bank rules


def _form_errors(form: Any, error: InvalidInput | NotAllowed) -> None:
    """An action's refusal shown on the form: at its field when the form has it."""
    if isinstance(error, NotAllowed):
        form.add_error(None, str(error) or _("Your role does not allow this action."))
        return
    for name, values in error.errors.items():
        for message in values:
            form.add_error(name if name in form.fields else None, message)


def _rule_form(company: Company, data: Any = None, initial: Any = None) -> RuleForm:
    form = RuleForm(data, initial=initial)
    set_choices(
        form.fields["category"],
        [(c.pk, c.name) for c in treasury_queries.categories(company).filter(is_active=True)],
    )
    set_choices(form.fields["direction"], RuleDirection.choices)
    return form


@company_view("payments.view")
def aliases(request: CompanyRequest) -> HttpResponse:
    """What confirmations taught: IBANs and bank-side names, each with its party."""
    company = request.company
    page = Paginator(queries.alias_rows(company), ALIASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "banking/aliases.html", {"page": page})


@company_view("payments.change")
@require_POST
def alias_forget(request: CompanyRequest, alias_id: int) -> HttpResponse:
    company = request.company
    found = queries.alias(company, alias_id)
    if found is None:
        raise Http404
    reason = _posted_reason(request)
    _perform(
        request,
        lambda: actions.forget_alias(request.actor, found, reason=reason),
        _("Forgotten: the next line from it is recognised anew."),
    )
    return redirect("banking:aliases", company.eik)


@company_view("treasury.view")
def rules(request: CompanyRequest) -> HttpResponse:
    return render(request, "banking/rules.html", {"rules": list(queries.rules(request.company))})


def _rule_data(form: RuleForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    if data.get("position") is None:
        data.pop("position", None)
    return data


@company_view("treasury.view")
def rule_edit(request: CompanyRequest, rule_id: int | None = None) -> HttpResponse:
    """A new rule or an edit; "Test" shows what the rule would have caught in 90 days
    without saving it."""
    company = request.company
    rule = None
    if rule_id is not None:
        rule = queries.rule(company, rule_id)
        if rule is None:
            raise Http404
    initial = {"is_active": True, "direction": ""}
    if rule is not None:
        initial = {f: getattr(rule, f) for f in actions.rules.RULE_FIELDS}
        initial["category"] = rule.category_id
    form = _rule_form(company, request.POST or None, initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        testing = "preview" in request.POST
        try:
            if testing:
                changes = BankRuleInput.read_changes(_rule_data(form))
                preview = actions.preview_rule(request.actor, company, changes, rule=rule)
            elif rule is None:
                actions.create_rule(request.actor, company, BankRuleInput.read(_rule_data(form)))
            else:
                changes = BankRuleInput.read_changes(_rule_data(form))
                actions.update_rule(request.actor, rule, changes)
        except (InvalidInput, NotAllowed) as error:
            _form_errors(form, error)
        else:
            if not testing:
                messages.success(request, _("Rule saved."))
                return redirect("banking:rules", company.eik)
    return render(
        request, "banking/rule_form.html", {"form": form, "rule": rule, "preview": preview}
    )


@company_view("treasury.change")
@require_POST
def rule_toggle(request: CompanyRequest, rule_id: int) -> HttpResponse:
    company = request.company
    rule = queries.rule(company, rule_id)
    if rule is None:
        raise Http404
    _perform(
        request,
        lambda: actions.set_rule_active(request.actor, rule, not rule.is_active),
        _("Rule switched off.") if rule.is_active else _("Rule switched on."),
    )
    return redirect("banking:rules", company.eik)


# ----------------------------------------------------------------------------- column profiles


@company_view("treasury.view")
def profiles(request: CompanyRequest) -> HttpResponse:
    return render(
        request,
        "banking/profiles.html",
        {
            "profiles": list(queries.csv_profiles_of(request.company)),
            "presets": csv_profiles.BUILTIN,
        },
    )


@company_view("treasury.view")
def profile_edit(request: CompanyRequest, profile_id: int | None = None) -> HttpResponse:
    """A new profile or an edit, with "Preview" reading the first rows of a sample file
    with the profile as it stands in the form (nothing saved)."""
    company = request.company
    found = None
    initial: dict[str, Any] = {}
    if profile_id is not None:
        found = queries.csv_profile(company, profile_id)
        if found is None:
            raise Http404
        initial = ProfileForm.initial_of(found.name, found.data)
    elif request.GET.get("from"):
        preset = queries.column_profile(company, request.GET["from"])
        if preset is None:
            raise Http404
        copy_name = _("%(name)s (copy)") % {"name": preset.name}
        initial = ProfileForm.initial_of(copy_name, preset.to_dict())
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        testing = "preview" in request.POST
        data, name = form.profile_data(), form.cleaned_data["name"]
        try:
            if testing:
                sample = form.cleaned_data.get("sample")
                if sample is None:
                    raise InvalidInput({"sample": [_("Choose a sample file to preview.")]})
                preview = actions.preview_profile(request.actor, company, data, sample)
            elif found is None:
                actions.create_profile(request.actor, company, name=name, data=data)
            else:
                actions.update_profile(request.actor, found, name=name, data=data)
        except (InvalidInput, NotAllowed) as error:
            _form_errors(form, error)
        else:
            if not testing:
                messages.success(request, _("Column profile saved."))
                return redirect("banking:profiles", company.eik)
    return render(
        request,
        "banking/profile_form.html",
        {"form": form, "profile": found, "preview": preview, "fields": csv_profiles.FIELDS},
    )


@company_view("treasury.change")
@require_POST
def profile_duplicate(request: CompanyRequest, profile_id: int) -> HttpResponse:
    company = request.company
    found = queries.csv_profile(company, profile_id)
    if found is None:
        raise Http404
    _perform(
        request,
        lambda: actions.duplicate_profile(request.actor, company, found),
        _("Column profile duplicated."),
    )
    return redirect("banking:profiles", company.eik)


@company_view("treasury.change")
@require_POST
def profile_delete(request: CompanyRequest, profile_id: int) -> HttpResponse:
    company = request.company
    found = queries.csv_profile(company, profile_id)
    if found is None:
        raise Http404
    _perform(
        request, lambda: actions.delete_profile(request.actor, found), _("Column profile deleted.")
    )
    return redirect("banking:profiles", company.eik)
