"""The list of sales documents, its export, search-as-you-type and bulk actions."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import (
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xfinances.catalog import queries as catalog_queries
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import Company
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.invoicing import actions, exports, lifecycle, printing, queries
from xfinances.invoicing.forms import DocumentFilterForm
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentStatus,
)
from xfinances.invoicing.views.common import _error_messages
from xfinances.parties import queries as party_queries
from xfinances.parties.models import Party

PAGE_SIZE = 50
SEARCH_RESULTS = 8
MAX_BULK = 200

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


@dataclass(frozen=True)
class _ListRow:
    """A document on the list with the badges shown beside it; the template reads the
    document's own fields through it."""

    document: Document
    lock_message: str
    is_overdue: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.document, name)


def _with_badges(company: Company, rows: list[Document], today: dt.date) -> list[_ListRow]:
    listed = []
    for row in rows:
        state = lifecycle.lock_state(
            status=row.status,
            issue_date=row.issue_date,
            exported=row.exported_at is not None,
            lock_date=company.lock_date,
            edit_window_days=company.edit_window_days,
            today=today,
        )
        overdue = bool(
            row.status == DocumentStatus.ISSUED
            and row.due_date
            and row.due_date < today
            and row.kind in (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)
            and row.outstanding_amount > 0
        )
        listed.append(_ListRow(row, state.message if state.locked else "", overdue))
    return listed


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
    query = request.GET.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    party = None
    if filters.get("party_id"):
        party = party_queries.party(company, filters["party_id"])
    context = {
        "form": form,
        "rows": _with_badges(company, rows, today),
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

    def close(self) -> None:
        return None  # the response owns the stream; nothing to release

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
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
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
