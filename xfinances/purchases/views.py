"""Pages of supplier invoices. Thin: forms check shape, actions do the work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xfinances.core import formatting
from xfinances.core.audit import history
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.file_responses import DOWNLOAD_TYPE, make_safe, shown_inline
from xfinances.core.forms import apply_errors
from xfinances.core.models import Company
from xfinances.core.tenancy import CompanyRequest, company_view
from xfinances.core.text_limits import limit_of
from xfinances.purchases import actions, exports, queries
from xfinances.purchases.forms import (
    ROW_COUNT,
    AttachmentForm,
    CancelForm,
    CategoryForm,
    DecisionForm,
    PurchaseSettingsForm,
    SupplierInvoiceFilterForm,
    SupplierInvoiceForm,
    UblUploadForm,
)
from xfinances.purchases.inputs import PurchaseSettingsInput, SupplierInvoiceInput
from xfinances.purchases.models import (
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceImport,
)
from xfinances.purchases.numbers import number_key
from xfinances.purchases.ubl import UblDocument, read_ubl

PAGE_SIZE = 50


def _invoice(request: CompanyRequest, supplier_invoice_id: int) -> SupplierInvoice:
    found = queries.supplier_invoice(request.company, supplier_invoice_id)
    if found is None:
        raise Http404
    return found


def _filtered(request: CompanyRequest) -> tuple[SupplierInvoiceFilterForm, Any]:
    form = SupplierInvoiceFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, queries.supplier_invoices(request.company, **filters)


@company_view("purchases.view")
def invoice_list(request: CompanyRequest) -> HttpResponse:
    form, found = _filtered(request)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "purchases/list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@company_view("purchases.view")
def export_csv(request: CompanyRequest) -> HttpResponse:
    _form, found = _filtered(request)
    response = HttpResponse(exports.to_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="supplier-invoices.csv"'
    return response


@company_view("purchases.view")
def export_xlsx(request: CompanyRequest) -> HttpResponse:
    _form, found = _filtered(request)
    response = HttpResponse(
        exports.to_xlsx(found),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="supplier-invoices.xlsx"'
    return response


def _choices(company: Company, invoice: SupplierInvoice | None) -> dict[str, Any]:
    suppliers = list(queries.suppliers(company).order_by("name")[:2000])
    if invoice is not None and invoice.supplier not in suppliers:
        suppliers.append(invoice.supplier)
    invoices = queries.supplier_invoices(company, kind="invoice").exclude(status="cancelled")[:300]
    return {
        "suppliers": [(str(p.pk), f"{p.name} ({p.identifier})") for p in suppliers],
        "categories": [(str(c.pk), c.name) for c in queries.categories(company, active_only=True)],
        "members": [(str(u.pk), str(u)) for u in queries.members(company)],
        "approvers": [(str(u.pk), str(u)) for u in queries.approvers(company)],
        "invoices": [
            (str(i.pk), f"{i.supplier.name} № {i.supplier_number} ({i.issue_date:%d.%m.%Y})")
            for i in invoices
        ],
    }


def _initial_from_ubl(company: Company, document: UblDocument) -> dict[str, Any]:
    supplier = queries.supplier_by_identifier(
        company, document.supplier.vat_number, document.supplier.eik
    )
    initial: dict[str, Any] = {
        "supplier": str(supplier.pk) if supplier else "",
        "kind": document.kind,
        "supplier_number": document.number,
        "issue_date": document.issue_date,
        "tax_event_date": document.tax_event_date,
        "due_date": document.due_date,
        "currency": document.currency,
        "description": document.note,
        "supplier_iban": document.supplier.iban,
        # From the XML, not typed: cut to the column rather than refused by the form.
        "payment_reference": document.payment_reference[
            : limit_of(SupplierInvoice, "payment_reference")
        ],
    }
    if document.corrected_number and supplier is not None:
        corrected = (
            SupplierInvoice.objects.filter(
                company=company,
                supplier=supplier,
                kind="invoice",
                number_key=number_key(document.corrected_number),
            )
            .exclude(status="cancelled")
            .first()
        )
        if corrected is not None:
            initial["corrected_invoice"] = str(corrected.pk)
    for index, row in enumerate(document.rows[:ROW_COUNT]):
        initial[f"row{index}_vat_rate"] = row.vat_rate.normalize()
        initial[f"row{index}_base"] = row.base
        initial[f"row{index}_vat"] = row.vat
    return initial


@dataclass
class _Staged:
    """A UBL upload waiting for its form: the import row, the document read from it, the
    reader's warnings, and whether its supplier is not among the company's parties yet."""

    row: SupplierInvoiceImport | None = None
    document: UblDocument | None = None
    warnings: list[str] = field(default_factory=list)
    supplier_missing: bool = False


def _staged(request: CompanyRequest, invoice: SupplierInvoice | None) -> _Staged:
    company = request.company
    import_id = request.POST.get("import_id") or request.GET.get("import")
    if invoice is not None or not import_id or not str(import_id).isdigit():
        return _Staged()
    row = queries.pending_import(company, int(import_id))
    if row is None:
        return _Staged()
    parsed = read_ubl(bytes(row.content))
    document = parsed.document
    missing = document is not None and (
        queries.supplier_by_identifier(company, document.supplier.vat_number, document.supplier.eik)
        is None
    )
    return _Staged(row, document, parsed.warnings, missing)


def _save(
    request: CompanyRequest,
    form: SupplierInvoiceForm,
    invoice: SupplierInvoice | None,
    staged: _Staged,
) -> SupplierInvoice | None:
    """Register or change the document through its action; on a refusal the errors go on the
    form and None is returned."""
    raw = form.action_data()
    actor, company = request.actor, request.company
    try:
        upload = form.cleaned_data.get("file")
        files = [(upload.name, upload.read())] if upload else []
        if invoice is None and staged.row is not None:
            # Supplier, invoice and attachments in one transaction.
            create = bool(staged.supplier_missing and form.cleaned_data.get("create_supplier"))
            invoice = actions.register_from_ubl(
                actor,
                company,
                SupplierInvoiceInput.read(raw),
                import_id=staged.row.pk,
                create_supplier=create,
                attachments=files,
            )
            messages.success(request, _("Supplier document registered."))
            _say_set_off(request, invoice)
        elif invoice is None:
            invoice = actions.register_supplier_invoice(
                actor, company, SupplierInvoiceInput.read(raw), attachments=files
            )
            messages.success(request, _("Supplier document registered."))
            _say_set_off(request, invoice)
        else:
            changes = SupplierInvoiceInput.read_changes(raw)
            invoice = actions.update_supplier_invoice(actor, invoice, changes)
            for name, content in files:
                actions.add_attachment(actor, invoice, name, content)
            messages.success(request, _("Changes saved."))
    except InvalidInput as error:
        row_errors = {k: v for k, v in error.errors.items() if k.startswith("rows")}
        other = {k: v for k, v in error.errors.items() if k not in row_errors}
        form.add_row_errors(row_errors)
        if other:
            apply_errors(form, InvalidInput({k: list(v) for k, v in other.items()}))
        return None
    except Conflict as error:
        apply_errors(form, error)
        if error.link:
            form.conflict_link = error.link
        return None
    except NotAllowed as error:
        form.add_error(None, str(error))
        return None
    return invoice


_EDITED_FIELDS = (
    "kind",
    "supplier_number",
    "issue_date",
    "tax_event_date",
    "received_date",
    "due_date",
    "currency",
    "description",
    "supplier_iban",
    "payment_reference",
)


def _say_set_off(request: CompanyRequest, invoice: SupplierInvoice) -> None:
    """A credit note registered with its invoice was set off against it at once (the payments
    area's rule): say so, or say it was not, so nobody pays the full invoice by mistake."""
    if invoice.kind != SupplierDocumentKind.CREDIT_NOTE or invoice.corrected_invoice is None:
        return
    invoice.refresh_from_db(fields=["amount_credited"])
    corrected = invoice.corrected_invoice
    if invoice.amount_credited:
        messages.info(
            request,
            _("%(amount)s of it is set off against invoice %(number)s: no longer to pay.")
            % {
                "amount": formatting.money(invoice.amount_credited, invoice.currency),
                "number": corrected.supplier_number,
            },
        )
    else:
        messages.warning(
            request,
            _(
                "It is not set off against invoice %(number)s: set it off on its payments "
                "page before paying the invoice."
            )
            % {"number": corrected.supplier_number},
        )


def _initial_of(invoice: SupplierInvoice) -> dict[str, Any]:
    """The edit form of a stored document."""
    initial: dict[str, Any] = {name: getattr(invoice, name) for name in _EDITED_FIELDS}
    initial["supplier"] = str(invoice.supplier_id)
    initial["exchange_rate"] = (
        invoice.exchange_rate.normalize() if invoice.currency not in ("EUR", "BGN") else None
    )
    initial["category"] = str(invoice.category_id or "")
    initial["responsible"] = str(invoice.responsible_id or "")
    initial["approver"] = str(invoice.approver_id or "")
    initial["corrected_invoice"] = str(invoice.corrected_invoice_id or "")
    initial["approval_required"] = invoice.approval_status != "not_required"
    for index, row in enumerate(list(invoice.vat_rows.all())[:ROW_COUNT]):
        initial[f"row{index}_vat_rate"] = row.vat_rate.normalize()
        initial[f"row{index}_base"] = row.base
        initial[f"row{index}_vat"] = row.vat
        initial[f"row{index}_vat_credit"] = row.vat_credit
    return initial


def _initial(
    request: CompanyRequest, invoice: SupplierInvoice | None, staged: _Staged
) -> dict[str, Any]:
    company = request.company
    initial: dict[str, Any] = {"currency": company.default_currency, "kind": "invoice"}
    if invoice is not None:
        initial.update(_initial_of(invoice))
        return initial
    initial["approval_required"] = queries.settings_of(company).approval_required
    supplier_id = request.GET.get("supplier")
    if supplier_id and supplier_id.isdigit():
        initial["supplier"] = supplier_id
    if staged.document is not None and staged.row is not None:
        initial.update(_initial_from_ubl(company, staged.document))
        initial["import_id"] = staged.row.pk
        initial["create_supplier"] = staged.supplier_missing
    return initial


def _form_page(request: CompanyRequest, invoice: SupplierInvoice | None) -> HttpResponse:
    company = request.company
    choices = _choices(company, invoice)
    staged = _staged(request, invoice)
    status = 200
    if request.method == "POST":
        form = SupplierInvoiceForm(request.POST, request.FILES, **choices)
        if staged.supplier_missing and request.POST.get("create_supplier"):
            form.fields["supplier"].required = False
        if form.is_valid():
            saved = _save(request, form, invoice, staged)
            if saved is not None:
                for warning in saved.vat_warnings:
                    messages.warning(request, warning)
                return redirect("purchases:detail", company.eik, saved.pk)
        status = 422 if form.errors else 200
    else:
        form = SupplierInvoiceForm(initial=_initial(request, invoice, staged), **choices)
    return render(
        request,
        "purchases/form.html",
        {
            "form": form,
            "invoice": invoice,
            "ubl": staged.document,
            "ubl_warnings": staged.warnings,
            "supplier_missing": staged.supplier_missing,
        },
        status=status,
    )


@company_view("purchases.change")
def invoice_create(request: CompanyRequest) -> HttpResponse:
    return _form_page(request, None)


@company_view("purchases.change")
def invoice_edit(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    return _form_page(request, _invoice(request, supplier_invoice_id))


@company_view("purchases.change")
def ubl_import(request: CompanyRequest) -> HttpResponse:
    company = request.company
    errors: list[str] = []
    if request.method == "POST":
        form = UblUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["xml"]
            staged, result = actions.stage_ubl_import(
                request.actor,
                company,
                upload.name,
                upload.read(),
            )
            if staged is not None:
                for warning in result.warnings:
                    messages.warning(request, warning)
                return redirect(f"{_reverse_create(company)}?import={staged.pk}")
            errors = result.errors
    else:
        form = UblUploadForm()
    return render(
        request,
        "purchases/import.html",
        {"form": form, "errors": errors},
        status=422 if errors or form.errors else 200,
    )


def _reverse_create(company: Company) -> str:
    from django.urls import reverse

    return reverse("purchases:create", args=[company.eik])


@company_view("purchases.view")
def invoice_detail(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    invoice = _invoice(request, supplier_invoice_id)

    return render(
        request,
        "purchases/detail.html",
        {
            "invoice": invoice,
            "rows": invoice.vat_rows.all(),
            "attachments": invoice.attachments.all(),
            "notes": invoice.notes.all(),
            "alerts": invoice.alerts.all(),
            "history": history(request.company, invoice)[:50],
            "decision_form": DecisionForm(),
            "cancel_form": CancelForm(),
            "attachment_form": AttachmentForm(),
            "approvers": queries.approvers(request.company),
        },
    )


def _post_action(request: CompanyRequest, supplier_invoice_id: int, run: Any) -> HttpResponse:
    invoice = _invoice(request, supplier_invoice_id)
    try:
        run(invoice)
    except (InvalidInput, Conflict, NotAllowed) as error:
        text = (
            " ".join(m for v in error.errors.values() for m in v)
            if isinstance(error, InvalidInput)
            else str(error)
        )
        messages.error(request, text)
    return redirect("purchases:detail", request.company.eik, invoice.pk)


@company_view("purchases.approve")
@require_POST
def invoice_approve(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _post_action(
        request,
        supplier_invoice_id,
        lambda inv: actions.approve_supplier_invoice(request.actor, inv, reason),
    )


@company_view("purchases.approve")
@require_POST
def invoice_reject(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _post_action(
        request,
        supplier_invoice_id,
        lambda inv: actions.reject_supplier_invoice(request.actor, inv, reason),
    )


@company_view("purchases.change")
@require_POST
def invoice_request_approval(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    raw = request.POST.get("approver") or ""
    approver = int(raw) if raw.isdigit() else None
    return _post_action(
        request,
        supplier_invoice_id,
        lambda inv: actions.request_approval(request.actor, inv, approver),
    )


@company_view("purchases.change")
@require_POST
def invoice_cancel(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _post_action(
        request,
        supplier_invoice_id,
        lambda inv: actions.cancel_supplier_invoice(request.actor, inv, reason),
    )


@company_view("purchases.change")
@require_POST
def attachment_add(request: CompanyRequest, supplier_invoice_id: int) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        invoice = _invoice(request, supplier_invoice_id)
        messages.error(request, _("Choose a file."))
        return redirect("purchases:detail", request.company.eik, invoice.pk)
    upload = form.cleaned_data["file"]
    content = upload.read()
    return _post_action(
        request,
        supplier_invoice_id,
        lambda inv: actions.add_attachment(request.actor, inv, upload.name, content),
    )


@company_view("purchases.view")
def attachment_download(request: CompanyRequest, supplier_attachment_id: int) -> FileResponse:
    item = queries.attachment(request.company, supplier_attachment_id)
    if item is None:
        raise Http404
    # Only a PDF or a raster image is shown in the browser; anything else (XML, whatever it
    # holds) is a typeless download. The middleware adds nosniff and a sandboxing policy.
    inline = shown_inline(item.content_type) and request.GET.get("download") != "1"
    return make_safe(
        FileResponse(
            item.file.open("rb"),
            as_attachment=not inline,
            filename=item.filename,
            content_type=item.content_type if inline else DOWNLOAD_TYPE,
        )
    )


@company_view("purchases.view")
def due_this_week(request: CompanyRequest) -> HttpResponse:
    company = request.company
    today = timezone.localdate()
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("invoice") if i.isdigit()]
        try:
            batch = actions.create_payment_batch(
                request.actor,
                company,
                ids,
                request.POST.get("note", ""),
            )
        except (InvalidInput, Conflict, NotAllowed) as error:
            text = (
                " ".join(m for v in error.errors.values() for m in v)
                if isinstance(error, InvalidInput)
                else str(error)
            )
            messages.error(request, text)
        else:
            messages.success(request, _("Payment batch #%(id)s saved.") % {"id": batch.pk})
            return redirect("purchases:batch", company.eik, batch.pk)
    invoices = list(queries.due_this_week(company, today))
    unused = queries.unused_credit_notes(company, [i.supplier_id for i in invoices])
    totals: dict[str, Any] = {}
    for invoice in invoices:
        totals[invoice.currency] = totals.get(invoice.currency, 0) + invoice.remaining
    return render(
        request,
        "purchases/due.html",
        {
            "invoices": [(i, unused.get(i.supplier_id, [])) for i in invoices],
            "today": today,
            "week_end": queries.week_end(today),
            "totals": sorted(totals.items()),
            "batches": queries.payment_batches(company)[:10],
        },
    )


@company_view("purchases.view")
def batch_detail(request: CompanyRequest, payment_batch_id: int) -> HttpResponse:
    batch = queries.payment_batch(request.company, payment_batch_id)
    if batch is None:
        raise Http404
    items = queries.payment_batch_items(request.company, batch)
    return render(request, "purchases/batch.html", {"batch": batch, "items": items})


@company_view("purchases.view")
def purchase_settings(request: CompanyRequest) -> HttpResponse:
    company = request.company
    current = queries.settings_of(company)
    initial = {
        "alert_days_before": current.alert_days_before,
        "escalation_days": current.escalation_days,
        "approval_alert_days": current.approval_alert_days,
        "vat_tolerance": current.vat_tolerance,
        "approval_required": current.approval_required,
    }
    form = PurchaseSettingsForm(initial=initial)
    category_form = CategoryForm()
    status = 200
    if request.method == "POST":
        try:
            if "name" in request.POST:
                category_form = CategoryForm(request.POST)
                if category_form.is_valid():
                    actions.create_purchase_category(
                        request.actor,
                        company,
                        category_form.cleaned_data["name"],
                    )
                    messages.success(request, _("Category added."))
                    return redirect("purchases:settings", company.eik)
            else:
                form = PurchaseSettingsForm(request.POST)
                if form.is_valid():
                    changes = PurchaseSettingsInput.read_changes(form.cleaned_data)
                    actions.update_purchase_settings(request.actor, company, changes)
                    messages.success(request, _("Changes saved."))
                    return redirect("purchases:settings", company.eik)
        except (InvalidInput, Conflict) as error:
            apply_errors(category_form if "name" in request.POST else form, error)
        except NotAllowed as error:
            messages.error(request, str(error))
        status = 422
    return render(
        request,
        "purchases/settings.html",
        {
            "form": form,
            "category_form": category_form,
            "categories": queries.categories(company),
        },
        status=status,
    )
