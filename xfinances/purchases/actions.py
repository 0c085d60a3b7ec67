"""Every write of the purchases area: supplier invoices, attachments, approval, payment state,
categories, settings, UBL import staging, payment batches and the daily payment alerts."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from xfinances.core import audit, edit_guards, formatting, readers
from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.identifiers import IdentifierError, clean_iban
from xfinances.core.models import Company, Currency, Membership, User
from xfinances.core.money import (
    BGN_PER_EUR,
    MoneyError,
    RoundingPoint,
    round_cent,
    to_decimal,
)
from xfinances.core.permissions import ensure_can, role_of
from xfinances.core.queries import rate_value
from xfinances.core.roles import can
from xfinances.notifications.actions import notify, queue_email
from xfinances.parties.actions import create_party
from xfinances.parties.models import Party
from xfinances.purchases import alerts, queries
from xfinances.purchases.models import (
    ZERO,
    ApprovalStatus,
    PaymentBatch,
    PaymentBatchItem,
    PaymentBatchStatus,
    PaymentStatus,
    PurchaseCategory,
    PurchaseSettings,
    SupplierAlert,
    SupplierAlertRun,
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceAttachment,
    SupplierInvoiceImport,
    SupplierInvoiceStatus,
    SupplierInvoiceVatRow,
    VatCredit,
)
from xfinances.purchases.numbers import number_key
from xfinances.purchases.ubl import UblResult, UblSupplier, read_ubl
from xfinances.purchases.vat_rows import VatRowInput, check_rows

# Translated when a company is seeded; purchases/migrations/0002 freezes the Bulgarian names.
DEFAULT_CATEGORIES = (
    gettext_noop("Materials"),
    gettext_noop("Goods for resale"),
    gettext_noop("Services"),
    gettext_noop("Rent"),
    gettext_noop("Utilities"),
    gettext_noop("Fuel"),
    gettext_noop("Fixed assets"),
    gettext_noop("Telecommunications"),
    gettext_noop("Other"),
)
ATTACHMENT_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"<?xml", "application/xml"),
    (b"\xef\xbb\xbf<?xml", "application/xml"),
)
INVOICE_FIELDS = frozenset(
    {
        "supplier",
        "kind",
        "supplier_number",
        "issue_date",
        "tax_event_date",
        "received_date",
        "due_date",
        "currency",
        "exchange_rate",
        "rows",
        "corrected_invoice",
        "category",
        "description",
        "responsible",
        "approval_required",
        "approver",
        "supplier_iban",
        "payment_reference",
    }
)


def attachment_max_bytes() -> int:
    return int(getattr(settings, "PURCHASES_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024


def invoice_url(invoice: SupplierInvoice) -> str:
    return reverse("purchases:detail", args=[invoice.company.eik, invoice.pk])


# --- categories and settings -------------------------------------------------------------------


@transaction.atomic
def ensure_purchase_categories(actor: Actor, company: Company) -> int:
    """Seed the default categories once (a company with any category keeps its own list)."""
    if PurchaseCategory.objects.filter(company=company).exists():
        return 0
    for order, name in enumerate(DEFAULT_CATEGORIES, start=1):
        PurchaseCategory.objects.get_or_create(
            company=company, name=_(name), defaults={"sort_order": order * 10}
        )
    return len(DEFAULT_CATEGORIES)


@transaction.atomic
def create_purchase_category(actor: Actor, company: Company, name: str) -> PurchaseCategory:
    ensure_can(actor, company, "purchases.approve")
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": [_("Enter a name.")]})
    if PurchaseCategory.objects.filter(company=company, name__iexact=name).exists():
        raise Conflict(_("A category with this name exists."), field="name")
    category = PurchaseCategory.objects.create(company=company, name=name[:100])
    audit.record_create(actor, company, "create_purchase_category", category)
    return category


@transaction.atomic
def update_purchase_category(
    actor: Actor, category: PurchaseCategory, *, name: str, is_active: bool = True
) -> PurchaseCategory:
    ensure_can(actor, category.company, "purchases.approve")
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": [_("Enter a name.")]})
    clash = PurchaseCategory.objects.filter(company=category.company, name__iexact=name)
    if clash.exclude(pk=category.pk).exists():
        raise Conflict(_("A category with this name exists."), field="name")
    before = audit.snapshot(category)
    category.name, category.is_active = name[:100], is_active
    category.save()
    audit.record_update(actor, category.company, "update_purchase_category", category, before)
    return category


@transaction.atomic
def update_purchase_settings(actor: Actor, company: Company, **data: Any) -> PurchaseSettings:
    ensure_can(actor, company, "purchases.approve")
    current = queries.settings_of(company)
    before = audit.snapshot(current) if current.pk else {}
    errors = InvalidInput.collect()
    for name in ("alert_days_before", "escalation_days", "approval_alert_days"):
        if name in data:
            try:
                value = int(data[name])
            except (TypeError, ValueError):
                errors.add(name, _("Enter a whole number of days."))
                continue
            if not 0 <= value <= 365:
                errors.add(name, _("Enter between 0 and 365 days."))
            setattr(current, name, value)
    if "vat_tolerance" in data:
        try:
            tolerance = to_decimal(data["vat_tolerance"])
        except MoneyError:
            errors.add("vat_tolerance", _("Enter an amount."))
        else:
            if not Decimal("0.01") <= tolerance <= Decimal("100"):
                errors.add("vat_tolerance", _("Enter between 0.01 and 100."))
            current.vat_tolerance = tolerance
    if "approval_required" in data:
        current.approval_required = bool(data["approval_required"])
    errors.raise_if_any()
    current.save()
    if before:
        audit.record_update(actor, company, "update_purchase_settings", current, before)
    else:
        audit.record_create(actor, company, "update_purchase_settings", current)
    return current


# --- supplier invoices -------------------------------------------------------------------------


def _member(company: Company, value: Any, field: str, permission: str | None = None) -> User | None:
    if value in (None, ""):
        return None
    user_id = value.pk if isinstance(value, User) else value
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise InvalidInput({field: [_("Choose a user of this company.")]}) from None
    membership = (
        Membership.objects.select_related("user")
        .filter(company=company, user_id=user_id, user__is_active=True)
        .first()
    )
    if membership is None:
        raise InvalidInput({field: [_("Choose a user of this company.")]})
    if permission is not None and not can(membership.role, permission):
        raise InvalidInput({field: [_("This user's role cannot approve supplier invoices.")]})
    return membership.user


def _date(value: Any, field: str, errors: Any, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.add(field, _("Enter a date."))
        return None
    try:
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(field, _("Enter a date as YYYY-MM-DD."))
        return None
    try:
        return readers.within_bounds(day)
    except readers.ReadError as error:
        errors.add(field, error.message)
        return None


def _rows(raw_rows: Any, errors: Any) -> list[VatRowInput]:
    rows: list[VatRowInput] = []
    if not isinstance(raw_rows, Sequence) or isinstance(raw_rows, str | bytes):
        errors.add("rows", _("Enter the VAT rows."))
        return rows
    for number, raw in enumerate(raw_rows, start=1):
        if isinstance(raw, VatRowInput):
            rows.append(raw)
            continue
        try:
            rate = to_decimal(raw.get("vat_rate", ""))
            base = to_decimal(raw.get("base", ""))
            vat = to_decimal(raw.get("vat", "0"))
        except (MoneyError, AttributeError):
            errors.add(f"rows.{number}", _("Enter the rate, the base and the VAT as numbers."))
            continue
        credit = str(raw.get("vat_credit") or VatCredit.FULL)
        if credit not in VatCredit.values:
            errors.add(f"rows.{number}.vat_credit", _("Choose full, partial or no credit."))
            continue
        rows.append(VatRowInput(vat_rate=rate, base=base, vat=vat, vat_credit=credit))
    return rows


def _eur(amount: Decimal, rate: Decimal) -> Decimal:
    return round_cent(amount / rate, RoundingPoint.CONVERSION)


@dataclass
class _Clean:
    fields: dict[str, Any]
    rows: list[VatRowInput]
    warnings: list[str]
    approval_required: bool
    approver: User | None


def _clean_invoice(
    company: Company, data: Mapping[str, Any], current: SupplierInvoice | None
) -> _Clean:
    ensure_known_fields(data, INVOICE_FIELDS, "supplier invoice")

    def value(name: str, default: Any = None) -> Any:
        if name in data:
            return data[name]
        return getattr(current, name) if current is not None else default

    errors = InvalidInput.collect()
    supplier = value("supplier")
    if isinstance(supplier, int | str) and str(supplier).isdigit():
        supplier = Party.objects.filter(company=company, pk=int(supplier)).first()
    if not isinstance(supplier, Party) or supplier.company_id != company.pk:
        errors.add("supplier", _("Choose a supplier."))
        supplier = None
    kind = value("kind", SupplierDocumentKind.INVOICE)
    if kind not in SupplierDocumentKind.values:
        errors.add("kind", _("Choose invoice, credit note or debit note."))
    number = " ".join(str(value("supplier_number", "") or "").split())
    if not number:
        errors.add("supplier_number", _("Enter the supplier's document number."))
    elif len(number) > 40:
        errors.add("supplier_number", _("The number is longer than 40 characters."))
    issue_date = _date(value("issue_date"), "issue_date", errors)
    tax_event_date = _date(value("tax_event_date"), "tax_event_date", errors, required=False)
    tax_event_date = tax_event_date or issue_date
    received_date = _date(value("received_date"), "received_date", errors, required=False)
    received_date = received_date or timezone.localdate()
    due_date = _date(value("due_date"), "due_date", errors, required=False)
    if due_date is None and issue_date is not None and kind != SupplierDocumentKind.CREDIT_NOTE:
        terms = (supplier.payment_terms_days if supplier else None) or company.payment_terms_days
        due_date = issue_date + dt.timedelta(days=terms)
    if due_date and issue_date and due_date < issue_date:
        errors.add("due_date", _("The due date is before the date of issue."))
    if tax_event_date and company.lock_date and tax_event_date <= company.lock_date:
        errors.add(
            "tax_event_date",
            _("The period up to %(date)s is closed.")
            % {"date": formatting.date(company.lock_date)},
        )
    currency = str(value("currency", company.default_currency) or "").upper()
    if currency not in Currency.values:
        errors.add("currency", _("Unknown currency."))
    rate: Decimal | None = None
    if currency == "EUR":
        rate = Decimal("1")
    elif currency == "BGN":
        rate = BGN_PER_EUR
    elif currency in Currency.values:
        given = value("exchange_rate")
        if given not in (None, "") and (current is None or "exchange_rate" in data):
            try:
                rate = to_decimal(given)
            except MoneyError:
                errors.add("exchange_rate", _("Enter the rate as a number."))
        elif tax_event_date is not None:
            rate = rate_value(company, currency, tax_event_date)
        if rate is not None and rate <= 0:
            errors.add("exchange_rate", _("The rate must be above zero."))
            rate = None
        if rate is None and "exchange_rate" not in errors.errors:
            errors.add(
                "exchange_rate",
                _("No %(currency)s rate for the tax event date; enter it.")
                % {"currency": currency},
            )
    raw_rows = data.get("rows")
    if raw_rows is None and current is not None:
        raw_rows = [
            VatRowInput(r.vat_rate, r.base, r.vat, r.vat_credit) for r in current.vat_rows.all()
        ]
    rows = _rows(raw_rows if raw_rows is not None else [], errors)
    tolerance = queries.settings_of(company).vat_tolerance
    checked = check_rows(rows, tolerance)
    for field, messages in checked.errors.items():
        for message in messages:
            errors.add(field, message)

    corrected = value("corrected_invoice")
    if isinstance(corrected, int | str) and str(corrected).isdigit():
        corrected = SupplierInvoice.objects.filter(company=company, pk=int(corrected)).first()
        if corrected is None:
            errors.add("corrected_invoice", _("No such supplier invoice."))
    if corrected in ("", None) or kind == SupplierDocumentKind.INVOICE:
        corrected = None
    elif isinstance(corrected, SupplierInvoice) and (
        corrected.company_id != company.pk
        or (supplier is not None and corrected.supplier_id != supplier.pk)
        or corrected.kind != SupplierDocumentKind.INVOICE
    ):
        errors.add("corrected_invoice", _("Choose an invoice of the same supplier."))
    category = value("category")
    if isinstance(category, int | str) and str(category).isdigit():
        category = queries.category(company, int(category))
        if category is None:
            errors.add("category", _("No such category."))
    if category in ("", None):
        category = None
    elif isinstance(category, PurchaseCategory) and category.company_id != company.pk:
        errors.add("category", _("No such category."))
        category = None
    responsible: User | None = None
    try:
        if "responsible" in data or current is None:
            raw_responsible = data.get("responsible")
            if raw_responsible in (None, "") and current is None and supplier is not None:
                raw_responsible = supplier.responsible_id
                if (
                    raw_responsible
                    and not Membership.objects.filter(
                        company=company, user_id=raw_responsible
                    ).exists()
                ):
                    raw_responsible = None
            responsible = _member(company, raw_responsible, "responsible")
        else:
            responsible = current.responsible if current else None
    except InvalidInput as error:
        for field, messages in error.errors.items():
            for message in messages:
                errors.add(field, message)
    approval_required = bool(
        data["approval_required"]
        if "approval_required" in data
        else (
            current.approval_status != ApprovalStatus.NOT_REQUIRED
            if current is not None
            else queries.settings_of(company).approval_required
        )
    )
    approver: User | None = None
    try:
        raw_approver = data.get("approver", current.approver if current is not None else None)
        approver = _member(company, raw_approver, "approver", "purchases.approve")
    except InvalidInput as error:
        for field, messages in error.errors.items():
            for message in messages:
                errors.add(field, message)
    iban = "".join(str(value("supplier_iban", "") or "").split()).upper()
    if iban:
        try:
            iban = clean_iban(iban)
        except IdentifierError as error:
            errors.add("supplier_iban", str(error))
    errors.raise_if_any()
    assert rate is not None and supplier is not None and issue_date is not None
    fields = {
        "supplier": supplier,
        "kind": kind,
        "supplier_number": number,
        "number_key": number_key(number),
        "issue_date": issue_date,
        "tax_event_date": tax_event_date,
        "received_date": received_date,
        "due_date": due_date if kind != SupplierDocumentKind.CREDIT_NOTE else None,
        "currency": currency,
        "exchange_rate": rate,
        "corrected_invoice": corrected,
        "category": category,
        "description": str(value("description", "") or "").strip()[:200],
        "responsible": responsible,
        "supplier_iban": iban,
        "payment_reference": str(value("payment_reference", "") or "").strip()[:140],
        "total_base": round_cent(checked.total_base),
        "total_vat": round_cent(checked.total_vat),
        "total": round_cent(checked.total),
    }
    return _Clean(fields, rows, checked.warnings, approval_required, approver)


def _check_duplicate(company: Company, fields: Mapping[str, Any], exclude: int | None) -> None:
    found = SupplierInvoice.objects.filter(
        company=company,
        supplier=fields["supplier"],
        kind=fields["kind"],
        number_key=fields["number_key"],
    ).exclude(status=SupplierInvoiceStatus.CANCELLED)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    existing = found.select_related("company").first()
    if existing is not None:
        raise Conflict(
            _(
                "%(kind)s № %(number)s of %(supplier)s is already registered (dated %(date)s). "
                "Open it instead of entering it again."
            )
            % {
                "kind": existing.get_kind_display(),
                "number": existing.supplier_number,
                "supplier": existing.supplier.name,
                "date": formatting.date(existing.issue_date),
            },
            link=invoice_url(existing),
            field="supplier_number",
        )


def _apply_amounts(invoice: SupplierInvoice, rows: list[VatRowInput]) -> None:
    """Write the VAT rows, EUR figures and purchase-ledger columns (EUR, signed)."""
    rate = invoice.exchange_rate
    invoice.vat_rows.all().delete()
    no_credit = full_base = full_vat = partial_base = partial_vat = ZERO
    eur_base_sum = eur_vat_sum = ZERO
    not_registered = not invoice.company.vat_registered
    for row in rows:
        eur_base, eur_vat = _eur(row.base, rate), _eur(row.vat, rate)
        credit = VatCredit.NONE if not_registered else row.vat_credit
        SupplierInvoiceVatRow.objects.create(
            company=invoice.company,
            invoice=invoice,
            vat_rate=row.vat_rate,
            vat_credit=credit,
            base=row.base,
            vat=row.vat,
            eur_base=eur_base,
            eur_vat=eur_vat,
        )
        eur_base_sum += eur_base
        eur_vat_sum += eur_vat
        if credit == VatCredit.FULL:
            full_base += eur_base
            full_vat += eur_vat
        elif credit == VatCredit.PARTIAL:
            partial_base += eur_base
            partial_vat += eur_vat
        else:
            no_credit += eur_base + eur_vat
    sign = invoice.sign
    invoice.eur_total_base = eur_base_sum
    invoice.eur_total_vat = eur_vat_sum
    invoice.eur_total = eur_base_sum + eur_vat_sum
    invoice.ledger_no_credit = sign * no_credit
    invoice.ledger_full_base = sign * full_base
    invoice.ledger_full_vat = sign * full_vat
    invoice.ledger_partial_base = sign * partial_base
    invoice.ledger_partial_vat = sign * partial_vat


def _refresh_payment(invoice: SupplierInvoice) -> None:
    if invoice.kind == SupplierDocumentKind.CREDIT_NOTE:
        invoice.payment_status = PaymentStatus.NOTHING_TO_PAY
        invoice.remaining = ZERO
        return
    invoice.remaining = max(invoice.total - invoice.amount_paid, ZERO)
    if invoice.remaining == 0 and invoice.total > 0:
        invoice.payment_status = PaymentStatus.PAID
    elif invoice.payment_status in (PaymentStatus.PAID, PaymentStatus.NOTHING_TO_PAY):
        invoice.payment_status = PaymentStatus.TO_PAY


def _save_unique(invoice: SupplierInvoice) -> None:
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:
        _check_duplicate(
            invoice.company,
            {
                "supplier": invoice.supplier,
                "kind": invoice.kind,
                "number_key": invoice.number_key,
            },
            invoice.pk,
        )
        raise


@transaction.atomic
def register_supplier_invoice(
    actor: Actor,
    company: Company,
    *,
    attachments: Iterable[tuple[str, bytes]] = (),
    import_id: int | None = None,
    **data: Any,
) -> SupplierInvoice:
    """Register an incoming invoice, credit or debit note. A duplicate (same supplier, kind and
    number key among non-cancelled documents) is refused with a Conflict linking to it."""
    ensure_can(actor, company, "purchases.change")
    clean = _clean_invoice(company, data, None)
    _check_duplicate(company, clean.fields, None)
    invoice = SupplierInvoice(company=company, created_by=actor.user, **clean.fields)
    invoice.vat_warnings = clean.warnings
    if clean.approval_required:
        invoice.approval_status = ApprovalStatus.PENDING
        invoice.approver = clean.approver
    _refresh_payment(invoice)
    _save_unique(invoice)
    _apply_amounts(invoice, clean.rows)
    _refresh_payment(invoice)
    invoice.save()
    audit.record_create(actor, company, "register_supplier_invoice", invoice)
    staged = queries.pending_import(company, import_id) if import_id else None
    files = list(attachments)
    if staged is not None:
        files.append((staged.filename, bytes(staged.content)))
        parsed = read_ubl(bytes(staged.content))
        if parsed.document is not None:
            files.extend((a.filename, a.content) for a in parsed.document.attachments)
        staged.invoice = invoice
        staged.save(update_fields=["invoice"])
    for filename, content in files:
        _add_attachment(actor, invoice, filename, content)
    return invoice


@transaction.atomic
def register_from_ubl(
    actor: Actor,
    company: Company,
    *,
    import_id: int,
    create_supplier: bool = False,
    attachments: Iterable[tuple[str, bytes]] = (),
    **data: Any,
) -> SupplierInvoice:
    """Register the document of a staged UBL import in one transaction: the supplier read from
    the XML (when the user asked to create it), the invoice and its attachments. A refused
    invoice leaves no new supplier behind."""
    ensure_can(actor, company, "purchases.change")
    staged = queries.pending_import(company, import_id)
    if staged is None:
        raise InvalidInput({"import_id": [_("The uploaded XML is gone: upload it again.")]})
    if create_supplier:
        document = read_ubl(bytes(staged.content)).document
        if document is None:
            raise InvalidInput({"import_id": [_("The uploaded XML is gone: upload it again.")]})
        data["supplier"] = create_supplier_from_ubl(actor, company, document.supplier).pk
    return register_supplier_invoice(
        actor, company, attachments=attachments, import_id=staged.pk, **data
    )


def _lock(invoice: SupplierInvoice) -> SupplierInvoice:
    return (
        SupplierInvoice.objects.select_for_update()
        .select_related("company", "supplier")
        .get(pk=invoice.pk, company_id=invoice.company_id)
    )


def _ensure_editable(invoice: SupplierInvoice) -> None:
    if invoice.status == SupplierInvoiceStatus.CANCELLED:
        raise Conflict(_("The document is cancelled."))
    if invoice.is_locked:
        raise Conflict(_("The document was exported to accounting and is locked."))
    edit_guards.ensure_editable(invoice)


@transaction.atomic
def update_supplier_invoice(actor: Actor, invoice: SupplierInvoice, **data: Any) -> SupplierInvoice:
    ensure_can(actor, invoice.company, "purchases.change")
    invoice = _lock(invoice)
    _ensure_editable(invoice)
    company = invoice.company
    clean = _clean_invoice(company, data, invoice)
    _check_duplicate(company, clean.fields, invoice.pk)
    if clean.fields["total"] < invoice.amount_paid and invoice.kind != "credit_note":
        raise InvalidInput({"rows": [_("The total cannot be less than what was already paid.")]})
    before = audit.snapshot(invoice)
    old_total = invoice.total
    for name, value in clean.fields.items():
        setattr(invoice, name, value)
    invoice.vat_warnings = clean.warnings
    if not clean.approval_required:
        invoice.approval_status = ApprovalStatus.NOT_REQUIRED
    elif invoice.approval_status == ApprovalStatus.NOT_REQUIRED or (
        invoice.approval_status == ApprovalStatus.APPROVED and invoice.total != old_total
    ):
        invoice.approval_status = ApprovalStatus.PENDING
        invoice.approval_decided_at = None
        invoice.approval_decided_by = None
    invoice.approver = clean.approver
    _apply_amounts(invoice, clean.rows)
    _refresh_payment(invoice)
    invoice.version += 1
    _save_unique(invoice)
    audit.record_update(actor, company, "update_supplier_invoice", invoice, before)
    return invoice


@transaction.atomic
def cancel_supplier_invoice(
    actor: Actor, invoice: SupplierInvoice, reason: str = ""
) -> SupplierInvoice:
    """Cancel a wrongly entered document (it leaves the ledger and the alerts)."""
    ensure_can(actor, invoice.company, "purchases.change")
    invoice = _lock(invoice)
    _ensure_editable(invoice)
    if invoice.amount_paid > 0:
        raise Conflict(_("Payments are allocated to this document; remove them first."))
    if not (reason or "").strip():
        raise InvalidInput({"reason": [_("Say why the document is cancelled.")]})
    before = audit.snapshot(invoice)
    invoice.status = SupplierInvoiceStatus.CANCELLED
    invoice.cancelled_at = timezone.now()
    invoice.cancel_reason = reason.strip()
    invoice.remaining = ZERO
    invoice.save()
    audit.record_update(actor, invoice.company, "cancel_supplier_invoice", invoice, before, reason)
    return invoice


# --- attachments -------------------------------------------------------------------------------


def _content_type(content: bytes) -> str | None:
    return next((kind for magic, kind in ATTACHMENT_SIGNATURES if content.startswith(magic)), None)


def _add_attachment(
    actor: Actor, invoice: SupplierInvoice, filename: str, content: bytes
) -> SupplierInvoiceAttachment:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:150] or "document"
    if not content:
        raise InvalidInput({"file": [_("The file is empty.")]})
    if len(content) > attachment_max_bytes():
        raise InvalidInput(
            {
                "file": [
                    _("The file is larger than %(mb)s MB.")
                    % {"mb": attachment_max_bytes() // (1024 * 1024)}
                ]
            }
        )
    content_type = _content_type(content)
    if content_type is None:
        raise InvalidInput({"file": [_("Attach a PDF, an image (PNG, JPEG, TIFF) or a UBL XML.")]})
    digest = hashlib.sha256(content).hexdigest()
    item = SupplierInvoiceAttachment(
        company=invoice.company,
        invoice=invoice,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=actor.user,
    )
    item.file.save(name, ContentFile(content), save=False)
    item.save()
    audit.record_event(
        actor, invoice.company, "add_supplier_invoice_attachment", invoice, {"file": name}
    )
    return item


@transaction.atomic
def add_attachment(
    actor: Actor, invoice: SupplierInvoice, filename: str, content: bytes
) -> SupplierInvoiceAttachment:
    ensure_can(actor, invoice.company, "purchases.change")
    if invoice.status == SupplierInvoiceStatus.CANCELLED:
        raise Conflict(_("The document is cancelled."))
    return _add_attachment(actor, invoice, filename, content)


@transaction.atomic
def remove_attachment(actor: Actor, item: SupplierInvoiceAttachment) -> None:
    invoice = item.invoice
    ensure_can(actor, invoice.company, "purchases.change")
    _ensure_editable(invoice)
    audit.record_event(
        actor,
        invoice.company,
        "remove_supplier_invoice_attachment",
        invoice,
        {"file": item.filename},
    )
    item.delete()


# --- approval ----------------------------------------------------------------------------------


@transaction.atomic
def request_approval(
    actor: Actor, invoice: SupplierInvoice, approver: User | int | None = None
) -> SupplierInvoice:
    """Send (or send again after a rejection) the document for approval."""
    ensure_can(actor, invoice.company, "purchases.change")
    invoice = _lock(invoice)
    _ensure_editable(invoice)
    chosen = _member(invoice.company, approver, "approver", "purchases.approve")
    before = audit.snapshot(invoice)
    invoice.approval_status = ApprovalStatus.PENDING
    invoice.approver = chosen or invoice.approver
    invoice.approval_reason = ""
    invoice.approval_decided_at = None
    invoice.approval_decided_by = None
    invoice.save()
    audit.record_update(
        actor, invoice.company, "request_supplier_invoice_approval", invoice, before
    )
    _notify_approver(invoice)
    return invoice


def _notify_approver(invoice: SupplierInvoice) -> None:
    if invoice.approver is None:
        return

    with translation.override(invoice.approver.language or "bg"):
        text = _("%(supplier)s № %(number)s waits for your approval.") % {
            "supplier": invoice.supplier.name,
            "number": invoice.supplier_number,
        }
    notify(
        invoice.company, [invoice.approver], "supplier_approval", text, link=invoice_url(invoice)
    )


def _decide(
    actor: Actor, invoice: SupplierInvoice, status: str, reason: str, action: str
) -> SupplierInvoice:
    ensure_can(actor, invoice.company, "purchases.approve")
    invoice = _lock(invoice)
    if invoice.status == SupplierInvoiceStatus.CANCELLED:
        raise Conflict(_("The document is cancelled."))
    if invoice.approval_status != ApprovalStatus.PENDING:
        raise Conflict(_("The document is not waiting for approval."))
    if (
        invoice.approver_id
        and actor.user is not None
        and actor.user.pk != invoice.approver_id
        and not can(queries_role(actor, invoice.company), "company.change")
    ):
        raise NotAllowed(_("Only the chosen approver or an owner can decide."))
    before = audit.snapshot(invoice)
    invoice.approval_status = status
    invoice.approval_reason = reason
    invoice.approval_decided_at = timezone.now()
    invoice.approval_decided_by = actor.user
    invoice.save()
    audit.record_update(actor, invoice.company, action, invoice, before, reason)
    return invoice


def queries_role(actor: Actor, company: Company) -> str | None:

    return role_of(actor.user.pk if actor.user else None, company)


@transaction.atomic
def approve_supplier_invoice(
    actor: Actor, invoice: SupplierInvoice, reason: str = ""
) -> SupplierInvoice:
    return _decide(
        actor, invoice, ApprovalStatus.APPROVED, (reason or "").strip(), "approve_supplier_invoice"
    )


@transaction.atomic
def reject_supplier_invoice(actor: Actor, invoice: SupplierInvoice, reason: str) -> SupplierInvoice:
    if not (reason or "").strip():
        raise InvalidInput({"reason": [_("Say why the document is rejected.")]})
    return _decide(
        actor, invoice, ApprovalStatus.REJECTED, reason.strip(), "reject_supplier_invoice"
    )


# --- payment state (called by the payments area) -----------------------------------------------


@transaction.atomic
def set_paid_amount(actor: Actor, invoice: SupplierInvoice, paid: Decimal) -> SupplierInvoice:
    """Record how much of the document is paid in total (in its currency), as allocated by the
    payments area; recomputes `remaining` and `payment_status`. The caller checks its own
    permission to allocate; this checks the actor may see purchases."""
    ensure_can(actor, invoice.company, "purchases.view")
    invoice = _lock(invoice)
    try:
        amount = round_cent(to_decimal(paid))
    except MoneyError:
        raise InvalidInput({"paid": [_("Enter an amount.")]}) from None
    if amount < 0:
        raise InvalidInput({"paid": [_("The paid amount cannot be negative.")]})
    if invoice.kind == SupplierDocumentKind.CREDIT_NOTE and amount:
        raise InvalidInput({"paid": [_("A credit note is not paid to the supplier.")]})
    if invoice.status == SupplierInvoiceStatus.CANCELLED and amount:
        raise Conflict(_("The document is cancelled."))
    before = audit.snapshot(invoice)
    invoice.amount_paid = amount
    if invoice.payment_status == PaymentStatus.PAID and amount < invoice.total:
        invoice.payment_status = PaymentStatus.TO_PAY
    _refresh_payment(invoice)
    invoice.save(update_fields=["amount_paid", "remaining", "payment_status"])
    audit.record_update(actor, invoice.company, "set_supplier_invoice_paid", invoice, before)
    return invoice


# --- payment batches ---------------------------------------------------------------------------


@transaction.atomic
def create_payment_batch(
    actor: Actor, company: Company, invoice_ids: Iterable[int], note: str = ""
) -> PaymentBatch:
    """Save the payer's selection for the bank payment file; the invoices become scheduled."""
    ensure_can(actor, company, "purchases.pay")
    ids = sorted({int(i) for i in invoice_ids})
    if not ids:
        raise InvalidInput({"invoices": [_("Choose at least one invoice to pay.")]})
    invoices = list(
        SupplierInvoice.objects.select_for_update()
        .filter(company=company, pk__in=ids)
        .select_related("supplier")
        .order_by("pk")
    )
    if len(invoices) != len(ids):
        raise InvalidInput({"invoices": [_("Some of the chosen invoices do not exist.")]})
    open_ids = set(queries.open_payables(company).filter(pk__in=ids).values_list("pk", flat=True))
    errors = InvalidInput.collect()
    for invoice in invoices:
        if invoice.pk not in open_ids:
            errors.add(
                "invoices",
                _("%(number)s of %(supplier)s has nothing to pay.")
                % {"number": invoice.supplier_number, "supplier": invoice.supplier.name},
            )
        elif invoice.approval_status == ApprovalStatus.PENDING:
            errors.add(
                "invoices",
                _("%(number)s of %(supplier)s is not approved yet.")
                % {"number": invoice.supplier_number, "supplier": invoice.supplier.name},
            )
    errors.raise_if_any()
    taken = PaymentBatchItem.objects.filter(
        company=company, invoice_id__in=ids, batch__status=PaymentBatchStatus.DRAFT
    ).select_related("invoice")
    clash = taken.first()
    if clash is not None:
        raise Conflict(
            _("%(number)s is already in draft payment batch #%(batch)s.")
            % {"number": clash.invoice.supplier_number, "batch": clash.batch_id},
            field="invoices",
        )
    batch = PaymentBatch.objects.create(company=company, created_by=actor.user, note=note[:200])
    for invoice in invoices:
        PaymentBatchItem.objects.create(
            company=company,
            batch=batch,
            invoice=invoice,
            amount=invoice.remaining,
            currency=invoice.currency,
        )
        before = audit.snapshot(invoice)
        invoice.payment_status = PaymentStatus.SCHEDULED
        invoice.save(update_fields=["payment_status"])
        audit.record_update(actor, company, "create_payment_batch", invoice, before)
    audit.record_create(actor, company, "create_payment_batch", batch)
    return batch


# --- UBL import --------------------------------------------------------------------------------


@transaction.atomic
def stage_ubl_import(
    actor: Actor, company: Company, filename: str, content: bytes
) -> tuple[SupplierInvoiceImport | None, UblResult]:
    """Read the XML; when it is usable keep it until the user confirms the filled form."""
    ensure_can(actor, company, "purchases.change")
    result = read_ubl(content)
    if result.document is None:
        return None, result
    document = result.document
    if (
        company.vat_number
        and document.buyer_vat_number
        and (document.buyer_vat_number.upper() != company.vat_number.upper())
    ):
        result.warnings.append(
            _("The buyer on the document is %(vat)s, not this company.")
            % {"vat": document.buyer_vat_number}
        )
    staged = SupplierInvoiceImport.objects.create(
        company=company,
        uploaded_by=actor.user,
        filename=os.path.basename(filename or "invoice.xml")[:200],
        content=content,
    )
    return staged, result


@transaction.atomic
def create_supplier_from_ubl(actor: Actor, company: Company, supplier: UblSupplier) -> Party:
    """A new supplier party from the UBL supplier data (the user asked for it)."""

    data: dict[str, Any] = {
        "name": supplier.name,
        "is_client": False,
        "is_supplier": True,
        "country": supplier.country or "BG",
        "city": supplier.city,
        "postcode": supplier.postcode,
        "address": supplier.address,
    }
    if supplier.eik:
        data["eik"] = supplier.eik
    if supplier.vat_number:
        data["vat_number"] = supplier.vat_number
    if supplier.email:
        data["email"] = supplier.email
    if supplier.iban:
        data["iban"] = supplier.iban
    return create_party(actor, company, **data)


# --- daily payment alerts ----------------------------------------------------------------------


def _open_invoice(invoice: SupplierInvoice) -> alerts.OpenInvoice:
    return alerts.OpenInvoice(
        id=invoice.pk,
        label=f"{invoice.supplier.name} № {invoice.supplier_number}",
        due_date=invoice.due_date,
        remaining=invoice.remaining,
        currency=invoice.currency,
        responsible_id=invoice.responsible_id,
        approver_id=invoice.approver_id,
        approval_pending=invoice.approval_status == ApprovalStatus.PENDING,
    )


def _alert_line(alert: alerts.PlannedAlert) -> str:
    invoice = alert.invoice
    amount = formatting.money(invoice.remaining, invoice.currency)
    due = formatting.date(invoice.due_date)
    days = abs(alert.days)
    values = {"invoice": invoice.label, "amount": amount, "due": due, "days": days}
    if alert.kind == alerts.DUE_SOON:
        return (
            ngettext(
                "%(invoice)s: %(amount)s due on %(due)s (in %(days)s day).",
                "%(invoice)s: %(amount)s due on %(due)s (in %(days)s days).",
                days,
            )
            % values
        )
    if alert.kind == alerts.DUE_TODAY:
        return _("%(invoice)s: %(amount)s due today.") % values
    if alert.kind == alerts.OVERDUE:
        return _("%(invoice)s: %(amount)s overdue since %(due)s.") % values
    if alert.kind == alerts.ESCALATED:
        return (
            ngettext(
                "%(invoice)s: %(amount)s still unpaid %(days)s day after %(due)s.",
                "%(invoice)s: %(amount)s still unpaid %(days)s days after %(due)s.",
                days,
            )
            % values
        )
    return _("%(invoice)s: waits for your approval; due on %(due)s.") % values


def _send_digest(company: Company, user: User, lines: list[str], today: dt.date) -> bool:
    """The e-mail digest through the notifications outbox (one per user, company and day:
    the idempotency key makes a second worker's copy a no-op)."""
    if not user.email:
        return False
    with translation.override(user.language or "bg"):
        subject = _("Supplier payments: %(count)s to look at (%(company)s)") % {
            "count": len(lines),
            "company": company.name,
        }
        link = f"{settings.BASE_URL}{reverse('purchases:due', args=[company.eik])}"
        text = "\n".join(
            [_("Supplier invoices that need you:"), "", *[f"- {line}" for line in lines], "", link]
        )

    _message, created = queue_email(
        company,
        to=[user.email],
        subject=subject,
        body_text=text + "\n",
        kind="supplier_alerts",
        idempotency_key=f"supplier-alerts:{today.isoformat()}:{user.pk}",
    )
    return created


@dataclass
class AlertRunResult:
    claimed: bool
    alerts: int = 0
    emails: int = 0


@transaction.atomic
def run_supplier_alerts(company: Company, today: dt.date) -> AlertRunResult:
    """The daily run for one company. Claims (company, day) first: a second worker, or a rerun
    the same day, finds the claim and does nothing. One transaction: a crash leaves no claim
    and no alert, so the next run sends everything."""
    try:
        with transaction.atomic():
            run = SupplierAlertRun.objects.create(company=company, run_date=today)
    except IntegrityError:
        return AlertRunResult(claimed=False)
    config = queries.settings_of(company)
    open_invoices = list(queries.open_payables(company).select_related("supplier"))
    sent = set(
        SupplierAlert.objects.filter(company=company, invoice__in=open_invoices).values_list(
            "invoice_id", "kind"
        )
    )
    planned = alerts.plan_alerts(
        (_open_invoice(invoice) for invoice in open_invoices),
        alerts.AlertSettings(
            config.alert_days_before, config.escalation_days, config.approval_alert_days
        ),
        sent,
        queries.owner_ids(company),
        today,
    )
    by_id = {invoice.pk: invoice for invoice in open_invoices}
    for alert in planned:
        SupplierAlert.objects.create(
            company=company,
            invoice_id=alert.invoice.id,
            kind=alert.kind,
            run_date=today,
            recipients=list(alert.recipients),
        )
    users = {
        u.pk: u for u in User.objects.filter(pk__in={r for a in planned for r in a.recipients})
    }
    emails = 0

    for digest in alerts.digests(planned):
        user = users.get(digest.user_id)
        if user is None or not user.is_active:
            continue
        with translation.override(user.language or "bg"):
            lines = [_alert_line(item) for item in digest.items]
            for item in digest.items:
                invoice = by_id[item.invoice.id]
                notify(
                    company,
                    [user],
                    f"supplier_{item.kind}",
                    _alert_line(item),
                    link=invoice_url(invoice),
                )
        if _send_digest(company, user, lines, today):
            emails += 1
    run.alerts_sent = len(planned)
    run.emails_queued = emails
    run.save(update_fields=["alerts_sent", "emails_queued"])
    return AlertRunResult(claimed=True, alerts=len(planned), emails=emails)


def on_company_created(event: CompanyCreated) -> None:
    """A new company starts with the usual purchase categories."""
    ensure_purchase_categories(event.actor, event.company)
