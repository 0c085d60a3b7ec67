"""Creating and editing a document: the form page and the live totals shown while typing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import (
    HttpResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.catalog import queries as catalog_queries
from xfinances.catalog.models import Unit, VatTreatment
from xfinances.core import formatting
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import Company
from xfinances.core.queries import rate_value
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.invoicing import actions, lifecycle, queries
from xfinances.invoicing.forms import (
    CREATABLE_KINDS,
    DocumentForm,
    LineRow,
    apply_line_errors,
    line_rows_from,
    read_lines,
    to_decimal_or_none,
)
from xfinances.invoicing.models import (
    NOTE_KINDS,
    Document,
    DocumentKind,
    DocumentStatus,
)
from xfinances.invoicing.totals import LineInput, TotalsError, compute_totals, convert_totals_to_eur
from xfinances.invoicing.views.common import (
    _document,
    _flash_warnings,
)
from xfinances.invoicing.words import amount_in_words
from xfinances.parties import queries as party_queries
from xfinances.parties.models import Party

EURO_DAY = dt.date(2026, 1, 1)
# Fields an action may name that the page shows elsewhere.
FIELD_ON_PAGE = {
    "party": "party_id",
    "recipient_eik": "party_id",
    "recipient_vat_number": "party_id",
    "exchange_rate": "currency",
    "series": "__all__",
    "series_id": "__all__",
    "corrected_document_id": "__all__",
    "status": "__all__",
    "version": "__all__",
}
LINE_LEVEL_FIELDS = ("lines", "total")

# --- live totals -----------------------------------------------------------------------------


def _treatments(company: Company) -> dict[str, VatTreatment]:
    return {t.code: t for t in catalog_queries.vat_treatments(company)}


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _totals_field_label(field: str) -> str:
    """The translated label of a totals input ("quantity" → "Количество")."""
    labels = {
        "quantity": _("Quantity"),
        "unit_price": _("Unit price"),
        "discount_percent": _("Discount %"),
        "vat_rate": _("VAT rate"),
        "vat_key": _("VAT treatment"),
        "document_discount_percent": _("Document discount %"),
        "currency": _("Currency"),
        "exchange_rate": _("Exchange rate"),
    }
    return str(labels.get(field, ""))


def live_totals(company: Company, data: QueryDict) -> dict[str, Any]:
    """Totals of a posted document form, through totals.py, for the totals fragment."""
    treatments = _treatments(company)
    rows = read_lines(data, keep_blank=True)
    inputs: list[LineInput] = []
    used: list[int] = []  # index of each input row among the posted rows
    for index, row in enumerate(rows):
        if row.is_blank:
            continue
        treatment = treatments.get(row["vat_treatment"])
        quantity = to_decimal_or_none(row["quantity"] or "1")
        price = to_decimal_or_none(row["unit_price"])
        discount = to_decimal_or_none(row["discount_percent"] or "0")
        if treatment is None or quantity is None or price is None or discount is None:
            continue
        inputs.append(
            LineInput(
                quantity=quantity,
                unit_price=price,
                vat_rate=treatment.effective_rate,
                vat_key=treatment.code,
                discount_percent=discount,
                credit_line=bool(row["advance_document_id"]),
            )
        )
        used.append(index)
    currency = (data.get("currency") or "").upper() or (
        "EUR" if timezone.localdate() >= EURO_DAY else "BGN"
    )
    language = "en" if data.get("language") == "en" else "bg"
    context: dict[str, Any] = {"currency": currency, "error": "", "line_nets": [""] * len(rows)}
    try:
        totals = compute_totals(
            inputs, to_decimal_or_none(data.get("document_discount_percent") or "0") or 0, currency
        )
    except TotalsError as error:
        where = f"{_('Line')} {used[error.line - 1] + 1}: " if error.line else ""
        label = _totals_field_label(error.field)
        context["error"] = f"{where}{label + ': ' if label else ''}{error.message}"
        return context
    for index, line in zip(used, totals.lines, strict=True):
        context["line_nets"][index] = formatting.amount(line.net)
    context["totals"] = totals
    context["groups"] = [
        {
            "key": group.vat_key,
            "name": treatments[group.vat_key].name
            if group.vat_key in treatments
            else group.vat_key,
            "rate": treatments[group.vat_key].rate
            if group.vat_key in treatments
            else group.vat_rate,
            "base": group.base,
            "vat": group.vat,
        }
        for group in totals.groups
    ]
    if currency != "EUR":
        day = (
            _parse_date(data.get("tax_event_date", ""))
            or _parse_date(data.get("issue_date", ""))
            or timezone.localdate()
        )
        rate = rate_value(company, currency, day)
        context["rate"], context["rate_date"] = rate, day
        if rate is not None:
            context["eur"] = convert_totals_to_eur(totals, rate)
    try:
        context["words"] = amount_in_words(abs(totals.total), currency, language)
    except ValueError:
        context["words"] = ""
    return context


@company_view("documents.view")
@require_POST
def totals_fragment(request: CompanyRequest) -> HttpResponse:
    return render(request, "invoicing/_totals.html", live_totals(request.company, request.POST))


# --- create / edit ---------------------------------------------------------------------------


def _show_errors(
    form: DocumentForm, rows: list[LineRow], error: InvalidInput | Conflict | NotAllowed
) -> list[str]:
    """Put an action's refusal next to the fields it names; returns errors about the lines as a
    whole (shown above the lines table)."""
    if isinstance(error, NotAllowed):
        form.add_error(None, str(error))
        return []
    if isinstance(error, InvalidInput):
        errors = dict(error.errors)
    else:
        errors = {error.field: [error.message]}
    rest = apply_line_errors(rows, errors)
    line_level: list[str] = []
    for key, messages_ in rest.items():
        if key in LINE_LEVEL_FIELDS:
            line_level.extend(messages_)
            continue
        name = FIELD_ON_PAGE.get(key, key)
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)
    return line_level


def _party_display(party: Party | None) -> dict[str, str]:
    if party is None:
        return {}
    return {"name": party.name, "identifier": party.identifier, "city": party.city}


def _rows_of(document: Document, *, link: bool = False) -> list[LineRow]:
    lines = []
    for line in queries.lines_of(document):
        lines.append(
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price": line.original_unit_price
                if line.original_unit_price is not None
                else line.unit_price,
                "discount_percent": line.discount_percent,
                "vat_treatment": line.vat_code,
                "product_id": line.product_id,
                "corrected_line_id": line.pk if link else line.corrected_line_id,
                "advance_document_id": line.advance_document_id,
            }
        )
    return line_rows_from(lines)


def _initial_of(document: Document) -> dict[str, Any]:
    names = (
        "kind", "issue_date", "tax_event_date", "due_date", "currency", "language",
        "payment_method", "place_of_issue", "is_advance", "notes", "terms", "note_reason",
        "version",
    )  # fmt: skip
    initial = {name: getattr(document, name) for name in names}
    initial["party_id"] = document.party_id or ""
    initial["document_discount_percent"] = f"{document.document_discount_percent.normalize():f}"
    return initial


def _new_initial(company: Company, kind: str) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "kind": kind,
        "issue_date": today,
        "tax_event_date": today,
        "due_date": None
        if kind == DocumentKind.PROTOCOL
        else today + dt.timedelta(days=company.payment_terms_days),
        "currency": "EUR" if today >= EURO_DAY else "BGN",
        "language": company.document_language or "bg",
        "payment_method": "bank_transfer",
        "place_of_issue": company.place_of_issue or company.city,
        "document_discount_percent": "0",
    }


def _saved_message(saved: Document, op: str) -> str:
    if saved.status == DocumentStatus.DRAFT:
        return _("Draft saved.")
    if op == "issue":
        return _("%(kind)s %(number)s issued.") % {
            "kind": saved.get_kind_display(),
            "number": saved.number,
        }
    return _("Changes saved; the reason is in the history.")


def _post_form(
    request: CompanyRequest,
    form: DocumentForm,
    rows: list[LineRow],
    *,
    document: Document | None,
    kind: str,
    corrected: Document | None,
) -> tuple[HttpResponse | None, list[str]]:
    """Save (or save and issue) what was posted: the redirect, or the errors the page shows
    next to the person's input."""
    status = document.status if document else DocumentStatus.DRAFT
    op = request.POST.get("op", "save")
    if not form.is_valid():
        return None, []
    # "Save and issue" is one action: a refusal at issue leaves nothing saved.
    save = actions.save_and_issue if op == "issue" else actions.save_document
    try:
        result = save(
            request.actor,
            request.company,
            form.draft_input(rows, kind=kind, status=status),
            kind=kind,
            document=document,
            corrected=corrected,
            reason=form.cleaned_data.get("reason", ""),
            expected_version=form.cleaned_data.get("version"),
        )
    except (InvalidInput, Conflict, NotAllowed) as error:
        return None, _show_errors(form, rows, error)
    saved = result.document
    _flash_warnings(request, result.warnings)
    messages.success(request, _saved_message(saved, op))
    if op == "save_stay" and saved.status == DocumentStatus.DRAFT:
        return redirect("invoicing:edit", request.company.eik, saved.pk), []
    return redirect("invoicing:detail", request.company.eik, saved.pk), []


def _unposted_form(
    company: Company, document: Document | None, kind: str, corrected: Document | None
) -> tuple[DocumentForm, list[LineRow]]:
    """The form as it first shows: the document's values, a note's invoice, or a new one."""
    if document is not None:
        return DocumentForm(initial=_initial_of(document)), _rows_of(document)
    if corrected is not None:
        initial = _new_initial(company, kind)
        initial.update(
            party_id=corrected.party_id or "",
            currency="EUR" if corrected.currency == "BGN" else corrected.currency,
            language=corrected.language,
            payment_method=corrected.payment_method,
            place_of_issue=corrected.place_of_issue,
        )
        return DocumentForm(initial=initial), _rows_of(corrected, link=True)
    return DocumentForm(initial=_new_initial(company, kind)), []


def _form_page(
    request: CompanyRequest,
    *,
    document: Document | None,
    kind: str,
    corrected: Document | None = None,
) -> HttpResponse:
    company = request.company
    status = document.status if document else DocumentStatus.DRAFT
    lock = lifecycle.lock_of(document, timezone.localdate()) if document else lifecycle.UNLOCKED
    line_errors: list[str] = []
    http_status = 200
    party: Party | None = document.party if document else (corrected.party if corrected else None)
    if request.method == "POST":
        form = DocumentForm(request.POST)
        rows = read_lines(request.POST)
        done, line_errors = _post_form(
            request, form, rows, document=document, kind=kind, corrected=corrected
        )
        if done is not None:
            return done
        http_status = 422
        party_id = form.data.get("party_id") or ""
        party = party_queries.party(company, int(party_id)) if str(party_id).isdigit() else None
    else:
        form, rows = _unposted_form(company, document, kind, corrected)
    if not rows:
        rows = [_blank_row()]
    context = {
        "form": form,
        "rows": rows,
        "line_errors": line_errors,
        "document": document,
        "kind": kind,
        "kind_label": dict(DocumentKind.choices)[kind],
        "corrected": corrected,
        "is_issued": status != DocumentStatus.DRAFT,
        "is_note": kind in NOTE_KINDS,
        "lock": lock,
        "party": _party_display(party),
        "treatments": list(catalog_queries.vat_treatments(company, active_only=True)),
        "units": Unit.choices,
        "unit_codes": [code for code, _label in Unit.choices],
        "blank_row": _blank_row(),
        "bank_accounts": list(company.bank_accounts.all()),
        **live_totals(company, _form_data(form, rows)),
    }
    return render(request, "invoicing/form.html", context, status=http_status)


def _blank_row() -> LineRow:
    return LineRow({"quantity": "1", "unit": "pcs", "vat_treatment": "standard"})


def _form_data(form: DocumentForm, rows: list[LineRow]) -> QueryDict:
    """The values the page shows, as the browser would post them (for the first totals)."""
    data = QueryDict(mutable=True)
    for name in (
        "currency",
        "language",
        "document_discount_percent",
        "issue_date",
        "tax_event_date",
    ):
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    for row in rows:
        for name, value in row.values.items():
            data.appendlist(f"line_{name}", value)
    return data


@company_view("documents.change")
def document_create(request: CompanyRequest) -> HttpResponse:
    company = request.company
    source = request.GET.get("from", "")
    note = request.GET.get("note", "")
    if note in ("credit", "debit") and source.isdigit():
        invoice = _document(request, int(source))
        if invoice.kind != DocumentKind.INVOICE or invoice.status != DocumentStatus.ISSUED:
            messages.error(request, _("A note corrects an issued invoice."))
            return redirect("invoicing:detail", company.eik, invoice.pk)
        kind = DocumentKind.CREDIT_NOTE if note == "credit" else DocumentKind.DEBIT_NOTE
        return _form_page(request, document=None, kind=kind, corrected=invoice)
    asked: str = request.POST.get("kind") or request.GET.get("kind") or DocumentKind.INVOICE
    if asked not in CREATABLE_KINDS:
        asked = DocumentKind.INVOICE
    return _form_page(request, document=None, kind=asked)


@company_view("documents.change")
def document_edit(request: CompanyRequest, document_id: int) -> HttpResponse:
    document = _document(request, document_id)
    if document.status == DocumentStatus.VOIDED:
        messages.error(request, _("A voided document cannot be changed."))
        return redirect("invoicing:detail", document.company.eik, document.pk)
    lock = lifecycle.lock_of(document, timezone.localdate())
    if lock.locked:
        messages.error(request, lock.message)
        return redirect("invoicing:detail", document.company.eik, document.pk)
    if document.status == DocumentStatus.ISSUED:
        try:
            actions.ensure_editable_after_delivery(document)
        except Conflict as refusal:
            messages.error(request, refusal.message)
            return redirect("invoicing:detail", document.company.eik, document.pk)
    return _form_page(request, document=document, kind=document.kind, corrected=None)
