"""Reading and checking a supplier document's fields and VAT rows before it is stored, the
duplicate check, and the amounts and payment state derived from its rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.core import formatting
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput
from xfinances.core.identifiers import IdentifierError, clean_iban
from xfinances.core.models import Company, Currency, Membership, User
from xfinances.core.money import (
    BGN_PER_EUR,
    RoundingPoint,
    round_cent,
)
from xfinances.core.queries import rate_value
from xfinances.core.roles import can
from xfinances.parties.models import Party
from xfinances.purchases import queries
from xfinances.purchases.actions.common import invoice_url
from xfinances.purchases.models import (
    ZERO,
    ApprovalStatus,
    PaymentStatus,
    PurchaseCategory,
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceStatus,
    SupplierInvoiceVatRow,
    VatCredit,
)
from xfinances.purchases.numbers import number_key
from xfinances.purchases.vat_rows import VatRowInput, check_rows

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
    """A date of the typed input (read by `readers.date`); required ones are reported."""
    if value is None:
        if required:
            errors.add(field, _("Enter a date."))
        return None
    return value if isinstance(value, dt.date) else None


def _rows(raw_rows: Any, errors: Any) -> list[VatRowInput]:
    if not isinstance(raw_rows, Sequence) or isinstance(raw_rows, str | bytes):
        errors.add("rows", _("Enter the VAT rows."))
        return []
    rows = [row for row in raw_rows if isinstance(row, VatRowInput)]
    if len(rows) != len(raw_rows):
        errors.add("rows", _("Enter the rate, the base and the VAT as numbers."))
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


@dataclass
class _Reading:
    """One pass over a document's submitted fields (falling back to the stored document when
    editing); every problem is collected in `errors`, none stops the others."""

    company: Company
    data: Mapping[str, Any]
    current: SupplierInvoice | None
    errors: ErrorCollector

    def value(self, name: str, default: Any = None) -> Any:
        if name in self.data:
            return self.data[name]
        return getattr(self.current, name) if self.current is not None else default

    def members_errors(self, error: InvalidInput) -> None:
        for field, messages in error.errors.items():
            for message in messages:
                self.errors.add(field, message)

    def supplier(self) -> Party | None:
        supplier = self.value("supplier")
        if isinstance(supplier, int | str) and str(supplier).isdigit():
            supplier = Party.objects.filter(company=self.company, pk=int(supplier)).first()
        if not isinstance(supplier, Party) or supplier.company_id != self.company.pk:
            self.errors.add("supplier", _("Choose a supplier."))
            return None
        return supplier

    def kind_and_number(self) -> tuple[str, str]:
        kind = self.value("kind", SupplierDocumentKind.INVOICE)
        if kind not in SupplierDocumentKind.values:
            self.errors.add("kind", _("Choose invoice, credit note or debit note."))
        number = " ".join(str(self.value("supplier_number", "") or "").split())
        if not number:
            self.errors.add("supplier_number", _("Enter the supplier's document number."))
        elif len(number) > 40:
            self.errors.add("supplier_number", _("The number is longer than 40 characters."))
        return kind, number

    def dates(self, kind: str, supplier: Party | None) -> dict[str, dt.date | None]:
        errors, company = self.errors, self.company
        issue_date = _date(self.value("issue_date"), "issue_date", errors)
        tax_event_date = _date(self.value("tax_event_date"), "tax_event_date", errors, False)
        tax_event_date = tax_event_date or issue_date
        received_date = _date(self.value("received_date"), "received_date", errors, False)
        due_date = _date(self.value("due_date"), "due_date", errors, required=False)
        if due_date is None and issue_date is not None and kind != SupplierDocumentKind.CREDIT_NOTE:
            terms = (
                supplier.payment_terms_days if supplier else None
            ) or company.payment_terms_days
            due_date = issue_date + dt.timedelta(days=terms)
        if due_date and issue_date and due_date < issue_date:
            errors.add("due_date", _("The due date is before the date of issue."))
        if tax_event_date and company.lock_date and tax_event_date <= company.lock_date:
            errors.add(
                "tax_event_date",
                _("The period up to %(date)s is closed.")
                % {"date": formatting.date(company.lock_date)},
            )
        return {
            "issue_date": issue_date,
            "tax_event_date": tax_event_date,
            "received_date": received_date or timezone.localdate(),
            "due_date": due_date if kind != SupplierDocumentKind.CREDIT_NOTE else None,
        }

    def currency_and_rate(self, tax_event_date: dt.date | None) -> tuple[str, Decimal | None]:
        errors = self.errors
        currency = str(self.value("currency") or self.company.default_currency).upper()
        if currency not in Currency.values:
            errors.add("currency", _("Unknown currency."))
            return currency, None
        if currency == "EUR":
            return currency, Decimal("1")
        if currency == "BGN":
            return currency, BGN_PER_EUR
        rate: Decimal | None = None
        given = self.value("exchange_rate")
        if given is not None and (self.current is None or "exchange_rate" in self.data):
            rate = given
        elif tax_event_date is not None:
            rate = rate_value(self.company, currency, tax_event_date)
        if rate is not None and rate <= 0:
            errors.add("exchange_rate", _("The rate must be above zero."))
            rate = None
        if rate is None and "exchange_rate" not in errors.errors:
            errors.add(
                "exchange_rate",
                _("No %(currency)s rate for the tax event date; enter it.")
                % {"currency": currency},
            )
        return currency, rate

    def rows(self) -> tuple[list[VatRowInput], Any]:
        raw_rows = self.data.get("rows")
        if raw_rows is None and self.current is not None:
            raw_rows = [
                VatRowInput(r.vat_rate, r.base, r.vat, r.vat_credit)
                for r in self.current.vat_rows.all()
            ]
        rows = _rows(raw_rows if raw_rows is not None else [], self.errors)
        checked = check_rows(rows, queries.settings_of(self.company).vat_tolerance)
        for field, messages in checked.errors.items():
            for message in messages:
                self.errors.add(field, message)
        return rows, checked

    def corrected(self, kind: str, supplier: Party | None) -> SupplierInvoice | None:
        corrected = self.value("corrected_invoice")
        if isinstance(corrected, int | str) and str(corrected).isdigit():
            corrected = SupplierInvoice.objects.filter(
                company=self.company, pk=int(corrected)
            ).first()
            if corrected is None:
                self.errors.add("corrected_invoice", _("No such supplier invoice."))
        if corrected in ("", None) or kind == SupplierDocumentKind.INVOICE:
            return None
        if isinstance(corrected, SupplierInvoice) and (
            corrected.company_id != self.company.pk
            or (supplier is not None and corrected.supplier_id != supplier.pk)
            or corrected.kind != SupplierDocumentKind.INVOICE
        ):
            self.errors.add("corrected_invoice", _("Choose an invoice of the same supplier."))
        return corrected if isinstance(corrected, SupplierInvoice) else None

    def category(self) -> PurchaseCategory | None:
        category = self.value("category")
        if isinstance(category, int | str) and str(category).isdigit():
            category = queries.category(self.company, int(category))
            if category is None:
                self.errors.add("category", _("No such category."))
        if category in ("", None):
            return None
        if isinstance(category, PurchaseCategory) and category.company_id != self.company.pk:
            self.errors.add("category", _("No such category."))
            return None
        return category if isinstance(category, PurchaseCategory) else None

    def responsible(self, supplier: Party | None) -> User | None:
        """Who follows the document: as given, else (new documents) the supplier's person if
        still a member of the company."""
        data, current, company = self.data, self.current, self.company
        if "responsible" not in data and current is not None:
            return current.responsible
        raw = data.get("responsible")
        if raw in (None, "") and current is None and supplier is not None:
            raw = supplier.responsible_id
            if raw and not Membership.objects.filter(company=company, user_id=raw).exists():
                raw = None
        try:
            return _member(company, raw, "responsible")
        except InvalidInput as error:
            self.members_errors(error)
            return None

    def approval(self) -> tuple[bool, User | None]:
        data, current = self.data, self.current
        if "approval_required" in data:
            required = bool(data["approval_required"])
        elif current is not None:
            required = current.approval_status != ApprovalStatus.NOT_REQUIRED
        else:
            required = bool(queries.settings_of(self.company).approval_required)
        raw = data.get("approver", current.approver if current is not None else None)
        try:
            return required, _member(self.company, raw, "approver", "purchases.approve")
        except InvalidInput as error:
            self.members_errors(error)
            return required, None

    def iban(self) -> str:
        iban = "".join(str(self.value("supplier_iban", "") or "").split()).upper()
        if iban:
            try:
                return clean_iban(iban)
            except IdentifierError as error:
                self.errors.add("supplier_iban", str(error))
        return iban


def _clean_invoice(
    company: Company, data: Mapping[str, Any], current: SupplierInvoice | None
) -> _Clean:
    """Every field of a document checked against the company at once (`data`: the typed
    values given, `SupplierInvoiceInput`); InvalidInput names each problem."""
    read = _Reading(company, data, current, InvalidInput.collect())
    supplier = read.supplier()
    kind, number = read.kind_and_number()
    dates = read.dates(kind, supplier)
    currency, rate = read.currency_and_rate(dates["tax_event_date"])
    rows, checked = read.rows()
    corrected = read.corrected(kind, supplier)
    category = read.category()
    responsible = read.responsible(supplier)
    approval_required, approver = read.approval()
    iban = read.iban()
    read.errors.raise_if_any()
    assert rate is not None and supplier is not None and dates["issue_date"] is not None
    fields = {
        "supplier": supplier,
        "kind": kind,
        "supplier_number": number,
        "number_key": number_key(number),
        **dates,
        "currency": currency,
        "exchange_rate": rate,
        "corrected_invoice": corrected,
        "category": category,
        "description": str(read.value("description", "") or "").strip()[:200],
        "responsible": responsible,
        "supplier_iban": iban,
        "payment_reference": str(read.value("payment_reference", "") or "").strip()[:140],
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
    settled = invoice.amount_paid + invoice.amount_written_off + invoice.amount_credited
    invoice.remaining = max(invoice.total - settled, ZERO)
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
