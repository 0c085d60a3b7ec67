"""Pages for sales documents: list, create/edit, detail, PDFs and bulk actions.

Thin: forms check shape, the actions in `invoicing.actions` do every write and name the field
they refuse; `totals.py` computes the live totals shown while typing.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xfinances.catalog import queries as catalog_queries
from xfinances.catalog.models import Unit, VatTreatment
from xfinances.core import audit, formatting
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.forms import apply_errors
from xfinances.core.models import Company
from xfinances.core.queries import rate_value
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.invoicing import actions, exports, lifecycle, pdf, printing, queries
from xfinances.invoicing.forms import (
    CREATABLE_KINDS,
    DocumentFilterForm,
    DocumentForm,
    LineRow,
    PrintSettingsForm,
    RecurringForm,
    SeriesForm,
    VoidForm,
    apply_line_errors,
    line_rows_from,
    read_lines,
    to_decimal_or_none,
)
from xfinances.invoicing.models import (
    NOTE_KINDS,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    RecurringInvoice,
)
from xfinances.invoicing.printable import PrintableDocument
from xfinances.invoicing.totals import LineInput, TotalsError, compute_totals, convert_totals_to_eur
from xfinances.invoicing.words import amount_in_words
from xfinances.parties import queries as party_queries
from xfinances.parties.models import Party

PAGE_SIZE = 50
SEARCH_RESULTS = 8
MAX_BULK = 200
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


def _document(request: CompanyRequest, document_id: int) -> Document:
    found = queries.document(request.company, document_id)
    if found is None:
        raise Http404
    return found


def _detail_url(document: Document) -> str:
    return reverse("invoicing:detail", args=[document.company.eik, document.pk])


def _error_messages(error: InvalidInput | Conflict | NotAllowed) -> list[str]:
    if isinstance(error, InvalidInput):
        return [message for messages_ in error.errors.values() for message in messages_]
    if isinstance(error, Conflict):
        return [error.message]
    return [str(error)]


def _flash(request: HttpRequest, error: InvalidInput | Conflict | NotAllowed) -> None:
    for message in _error_messages(error):
        messages.error(request, message)


def _flash_warnings(request: HttpRequest, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


def _pdf_name(document: Document) -> str:
    return f"{document.get_kind_display()} {document.number or _('draft')} {document.pk}.pdf"


# --- list ------------------------------------------------------------------------------------


def _cursor(value: str) -> tuple[dt.date, int] | None:
    day, _dot, pk = (value or "").partition("_")
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def _cursor_of(document: Document) -> str:
    return f"{document.issue_date.isoformat()}_{document.pk}"


LIST_COLUMNS = (
    "id",
    "company_id",
    "kind",
    "status",
    "number",
    "issue_date",
    "due_date",
    "party_id",
    "recipient_name",
    "recipient_eik",
    "recipient_vat_number",
    "currency",
    "total",
    "exported_at",
    "is_advance",
    "pdf_file",
    "payment_status",
    "outstanding_amount",
)


def _lock_badges(company: Company, rows: list[Document], today: dt.date) -> None:
    for row in rows:
        state = lifecycle.lock_state(
            status=row.status,
            issue_date=row.issue_date,
            exported=row.exported_at is not None,
            lock_date=company.lock_date,
            edit_window_days=company.edit_window_days,
            today=today,
        )
        row.lock_message = state.message if state.locked else ""  # type: ignore[attr-defined]
        row.is_overdue = bool(  # type: ignore[attr-defined]
            row.status == DocumentStatus.ISSUED
            and row.due_date
            and row.due_date < today
            and row.kind in (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)
            and row.outstanding_amount > 0
        )


EXPORT_LIMIT = 100_000


def _export(found: Any, kind: str) -> HttpResponse:
    """The filtered list as CSV or XLSX (at most EXPORT_LIMIT rows, newest first)."""
    header, body = exports.documents_table(found[:EXPORT_LIMIT].iterator(chunk_size=2000))
    if kind == "csv":
        response = HttpResponse(
            exports.to_csv(header, body), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            exports.to_xlsx("documents", header, body),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="documents.{kind}"'
    return response


@company_view("documents.view")
@require_GET
def document_list(request: CompanyRequest) -> HttpResponse:
    """Newest first, KEYSET pages by (issue date, id): one query for the page and one to know
    whether the other direction has rows; never OFFSET and never a COUNT of the whole set."""
    company = request.company
    today = timezone.localdate()
    form = DocumentFilterForm(request.GET or None)
    filters = form.filters(today) if request.GET else {}
    found = queries.documents(company, **filters)
    currency = form.cleaned_data.get("currency") if form.is_bound and form.is_valid() else ""
    if currency:
        found = found.filter(currency=currency)
    kind = request.GET.get("format", "")
    if kind in ("csv", "xlsx"):
        return _export(found, kind)
    found = found.only(*LIST_COLUMNS)
    after = _cursor(request.GET.get("after", ""))
    before = _cursor(request.GET.get("before", ""))
    if before:
        nearest_first = list(queries.before_cursor(found, *before)[: PAGE_SIZE + 1])
        has_newer = len(nearest_first) > PAGE_SIZE
        rows = nearest_first[:PAGE_SIZE][::-1]
        has_older = (
            bool(rows) and queries.after_cursor(found, rows[-1].issue_date, rows[-1].pk).exists()
        )
    else:
        page = found if after is None else queries.after_cursor(found, *after)
        rows = list(page[: PAGE_SIZE + 1])
        has_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_newer = (
            after is not None
            and bool(rows)
            and queries.before_cursor(found, rows[0].issue_date, rows[0].pk).exists()
        )
    _lock_badges(company, rows, today)
    query = request.GET.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    party = None
    if filters.get("party_id"):
        party = party_queries.party(company, filters["party_id"])
    context = {
        "form": form,
        "rows": rows,
        "query": query.urlencode(),
        "next_cursor": _cursor_of(rows[-1]) if rows and has_older else "",
        "previous_cursor": _cursor_of(rows[0]) if rows and has_newer else "",
        "filter_party": party,
        "page_size": PAGE_SIZE,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "document-results":
        return render(request, "invoicing/_results.html", context)
    return render(request, "invoicing/list.html", context)


# --- search-as-you-type ----------------------------------------------------------------------


@company_view("documents.view")
@require_GET
def party_search(request: CompanyRequest) -> HttpResponse:
    company = request.company
    q = request.GET.get("q") or request.GET.get("party_search") or ""
    found: list[Party] = []
    if q.strip():
        found = list(
            party_queries.parties(company, q=q, is_client=True).prefetch_related(None)[
                :SEARCH_RESULTS
            ]
        )
    context = {
        "parties": found,
        "q": q,
        "default_terms": company.payment_terms_days,
        "default_language": company.document_language,
    }
    return render(request, "invoicing/_party_results.html", context)


@company_view("documents.view")
@require_GET
def product_search(request: CompanyRequest) -> HttpResponse:
    company = request.company
    q = request.GET.get("q") or request.GET.get("line_description") or ""
    found = (
        list(catalog_queries.products(company, q=q)[:SEARCH_RESULTS]) if len(q.strip()) >= 2 else []
    )
    return render(request, "invoicing/_product_results.html", {"products": found, "q": q})


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


def _form_page(
    request: CompanyRequest,
    *,
    document: Document | None,
    kind: str,
    corrected: Document | None = None,
) -> HttpResponse:
    company = request.company
    actor = request.actor
    status = document.status if document else DocumentStatus.DRAFT
    lock = lifecycle.lock_of(document, timezone.localdate()) if document else lifecycle.UNLOCKED
    line_errors: list[str] = []
    http_status = 200
    party: Party | None = document.party if document else (corrected.party if corrected else None)
    if request.method == "POST":
        form = DocumentForm(request.POST)
        rows = read_lines(request.POST)
        op = request.POST.get("op", "save")
        if form.is_valid():
            header = form.header(kind=kind, status=status)
            lines = [row.action_data() for row in rows]
            try:
                result = actions.save_document(
                    actor,
                    company,
                    kind=kind,
                    header=header,
                    lines=lines,
                    document=document,
                    corrected=corrected,
                    reason=form.cleaned_data.get("reason", ""),
                    expected_version=form.cleaned_data.get("version"),
                    issue=op == "issue",
                )
                saved, warnings = result.document, result.warnings
            except (InvalidInput, Conflict, NotAllowed) as error:
                line_errors = _show_errors(form, rows, error)
            else:
                _flash_warnings(request, warnings)
                if saved.status == DocumentStatus.DRAFT:
                    messages.success(request, _("Draft saved."))
                elif op == "issue":
                    messages.success(
                        request,
                        _("%(kind)s %(number)s issued.")
                        % {"kind": saved.get_kind_display(), "number": saved.number},
                    )
                else:
                    messages.success(request, _("Changes saved; the reason is in the history."))
                if op == "save_stay" and saved.status == DocumentStatus.DRAFT:
                    return redirect("invoicing:edit", company.eik, saved.pk)
                return redirect("invoicing:detail", company.eik, saved.pk)
        http_status = 422
        party_id = form.data.get("party_id") or ""
        party = party_queries.party(company, int(party_id)) if str(party_id).isdigit() else None
    else:
        if document is not None:
            form = DocumentForm(initial=_initial_of(document))
            rows = _rows_of(document)
        elif corrected is not None:
            initial = _new_initial(company, kind)
            initial.update(
                party_id=corrected.party_id or "",
                currency="EUR" if corrected.currency == "BGN" else corrected.currency,
                language=corrected.language,
                payment_method=corrected.payment_method,
                place_of_issue=corrected.place_of_issue,
            )
            form = DocumentForm(initial=initial)
            rows = _rows_of(corrected, link=True)
        else:
            form = DocumentForm(initial=_new_initial(company, kind))
            rows = []
    if not rows:
        rows = [_blank_row()]
    totals_data = _form_data(form, rows)
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
        **live_totals(company, totals_data),
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


# --- bulk actions ----------------------------------------------------------------------------


def _selected(request: CompanyRequest) -> list[Document]:
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()][:MAX_BULK]
    found = Document.objects.filter(company=request.company, pk__in=ids).select_related("company")
    by_id = {document.pk: document for document in found}
    return [by_id[pk] for pk in dict.fromkeys(ids) if pk in by_id]


@company_view("documents.change")
@require_POST
def bulk_issue(request: CompanyRequest) -> HttpResponse:
    """Issue each selected draft in its own transaction; report every result."""
    results: list[dict[str, Any]] = []
    for document in _selected(request):
        party = document.recipient_name or "—"
        label = f"{document.get_kind_display()} · {party} · {document.total} {document.currency}"
        if document.status != DocumentStatus.DRAFT:
            results.append(
                {
                    "document": document,
                    "label": label,
                    "ok": False,
                    "messages": [
                        _("Not a draft: it is already %(status)s.")
                        % {"status": document.get_status_display()}
                    ],
                }
            )
            continue
        try:
            result = actions.issue_document(request.actor, document)
        except (InvalidInput, Conflict, NotAllowed) as error:
            results.append(
                {
                    "document": document,
                    "label": label,
                    "ok": False,
                    "messages": _error_messages(error),
                }
            )
        else:
            results.append(
                {
                    "document": result.document,
                    "label": label,
                    "ok": True,
                    "messages": result.warnings,
                }
            )
    if not results:
        messages.error(request, _("Select the documents first."))
        return redirect("invoicing:list", request.company.eik)
    context = {
        "results": results,
        "issued": sum(1 for r in results if r["ok"]),
        "refused": sum(1 for r in results if not r["ok"]),
    }
    return render(request, "invoicing/bulk_results.html", context)


class _ZipStream:
    """A write-only file for `zipfile` whose bytes are handed on as they are written."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def _zip_chunks(documents: list[Document]) -> Iterator[bytes]:
    """Stream a ZIP: one PDF per issued or voided document, then results.txt saying what was
    included and what was left out and why."""
    stream = _ZipStream()
    report: list[str] = []
    used: set[str] = set()
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        for document in documents:
            number = document.number or "—"
            title = f"{document.get_kind_display()} {number} ({document.recipient_name})"
            if document.is_draft:
                reason = _("a draft has no PDF; issue it first.")
                report.append(
                    _("LEFT OUT: %(document)s: %(reason)s") % {"document": title, "reason": reason}
                )
                continue
            if document.pdf_file:
                with document.pdf_file.open("rb") as file:
                    content = file.read()
            else:  # issued a moment ago: the worker has not stored it yet
                content = printing.document_pdf(document)
            name = f"{document.kind}-{document.number}.pdf"
            if name in used:
                name = f"{document.kind}-{document.number}-{document.pk}.pdf"
            used.add(name)
            with archive.open(name, "w") as entry:
                entry.write(content)
            report.append(f"{_('OK')}: {title}: {name}")
            yield stream.take()
        archive.writestr("results.txt", "\n".join(report) + "\n")
    yield stream.take()


@company_view("documents.view")
@require_POST
def bulk_pdf(request: CompanyRequest) -> HttpResponseBase:
    documents = _selected(request)
    if not documents:
        messages.error(request, _("Select the documents first."))
        return redirect("invoicing:list", request.company.eik)
    response = StreamingHttpResponse(_zip_chunks(documents), content_type="application/zip")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="documents-{stamp}.zip"'
    return response


# --- recurring invoices ------------------------------------------------------------------------


def _recurring(request: CompanyRequest, template_id: int) -> RecurringInvoice:
    found = queries.recurring_invoice(request.company, template_id)
    if found is None:
        raise Http404
    return found


def _party_choices(company: Company, keep: int | None = None) -> list[tuple[int, str]]:
    found = Party.objects.filter(company=company).filter(Q(is_archived=False) | Q(pk=keep or 0))
    return [(p.pk, p.name) for p in found.order_by("name", "id")[:2000]]


@company_view("documents.view")
@require_GET
def recurring_list(request: CompanyRequest) -> HttpResponse:
    templates = list(queries.recurring_invoices(request.company))
    return render(request, "invoicing/recurring_list.html", {"templates": templates})


def _recurring_form_page(
    request: CompanyRequest, template: RecurringInvoice | None
) -> HttpResponse:
    company = request.company
    parties = _party_choices(company, template.party_id if template else None)
    if request.method == "POST":
        form = RecurringForm(request.POST, parties=parties)
        rows = read_lines(request.POST)
        if form.is_valid():
            data = {**form.cleaned_data, "lines": [row.action_data() for row in rows]}
            try:
                if template is None:
                    template = actions.create_recurring(request.actor, company, **data)
                else:
                    template = actions.update_recurring(request.actor, template, **data)
            except (InvalidInput, Conflict) as error:
                if isinstance(error, InvalidInput):
                    rest: dict[str, list[Any]] = apply_line_errors(rows, error.errors)
                    if rest:
                        apply_errors(form, InvalidInput(rest))
                else:
                    apply_errors(form, error)
            else:
                messages.success(request, _("Recurring invoice saved."))
                return redirect("invoicing:recurring_detail", company.eik, template.pk)
    else:
        initial: dict[str, Any] = {"start_date": timezone.localdate()}
        if template is not None:
            initial = {
                name: getattr(template, name)
                for name in RecurringForm.base_fields
                if hasattr(template, name)
            }
            initial["party_id"] = template.party_id
        form = RecurringForm(initial=initial, parties=parties)
        rows = line_rows_from(template.lines) if template else []
    rows = rows + [_blank_row() for _ in range(max(3 - len(rows), 1))]
    return render(
        request,
        "invoicing/recurring_form.html",
        {
            "form": form,
            "rows": rows,
            "template": template,
            "treatments": list(_treatments(company).values()),
        },
    )


@company_view("documents.change")
def recurring_create(request: CompanyRequest) -> HttpResponse:
    return _recurring_form_page(request, None)


@company_view("documents.change")
def recurring_edit(request: CompanyRequest, template_id: int) -> HttpResponse:
    return _recurring_form_page(request, _recurring(request, template_id))


@company_view("documents.view")
def recurring_detail(request: CompanyRequest, template_id: int) -> HttpResponse:
    template = _recurring(request, template_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return render(
        request,
        "invoicing/recurring_detail.html",
        {"template": template, "runs": list(queries.recurring_runs(template)[:200])},
    )


@company_view("documents.change")
@require_POST
def recurring_action(request: CompanyRequest, template_id: int, what: str) -> HttpResponse:
    """pause / resume / run / delete: one POST each."""
    company = request.company
    template = _recurring(request, template_id)
    try:
        if what == "pause":
            actions.pause_recurring(request.actor, template)
        elif what == "resume":
            actions.pause_recurring(request.actor, template, active=True)
        elif what == "run":
            made = actions.run_recurring_now(request.actor, template)
            messages.success(request, _("%(n)d period(s) invoiced.") % {"n": len(made)})
        elif what == "delete":
            actions.delete_recurring(request.actor, template)
            messages.success(request, _("Recurring invoice deleted; its invoices stay."))
            return redirect("invoicing:recurring_list", company.eik)
        else:
            raise Http404
    except (InvalidInput, Conflict, NotAllowed) as error:
        _flash(request, error)
    return redirect("invoicing:recurring_detail", company.eik, template.pk)


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
