"""Typed inputs of the purchases' actions (core/inputs.py): the one list of each one's fields."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Self

from django.utils.translation import gettext_lazy as _

from xfinances.core import inputs, readers
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.models import Currency
from xfinances.core.money import MoneyError, to_decimal
from xfinances.core.text_limits import limit_of
from xfinances.purchases.models import SupplierDocumentKind, SupplierInvoice, VatCredit
from xfinances.purchases.vat_rows import VatRowInput

MAX_DAYS = 365
MAX_NUMBER_LENGTH = 40


def _days(value: object) -> int:
    try:
        if isinstance(value, bool | float):
            raise ValueError
        days = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise readers.ReadError(_("Enter a whole number of days.")) from None
    if not 0 <= days <= MAX_DAYS:
        raise readers.ReadError(_("Enter between 0 and 365 days."))
    return days


def _tolerance(value: object) -> Decimal:
    try:
        tolerance = to_decimal(value)
    except MoneyError:
        raise readers.ReadError(_("Enter an amount.")) from None
    if not Decimal("0.01") <= tolerance <= Decimal("100"):
        raise readers.ReadError(_("Enter between 0.01 and 100."))
    return tolerance


@dataclass(frozen=True, kw_only=True)
class PurchaseSettingsInput(ActionInput):
    """A company's purchases settings (`update_purchase_settings`), with their defaults."""

    alert_days_before: int = reads(_days, default=3)
    escalation_days: int = reads(_days, default=5)
    approval_alert_days: int = reads(_days, default=5)
    vat_tolerance: Decimal = reads(_tolerance, default=Decimal("0.50"))
    approval_required: bool = reads(inputs.flag, default=False)


# --- supplier documents ------------------------------------------------------------------------


def _kind(value: object) -> str:
    kind = readers.text(value, max_length=20) or SupplierDocumentKind.INVOICE
    if kind not in SupplierDocumentKind.values:
        raise readers.ReadError(_("Choose invoice, credit note or debit note."))
    return kind


def _supplier_number(value: object) -> str:
    """The supplier's document number as printed, inner spaces collapsed."""
    number = " ".join(readers.text(value, max_length=200).split())
    if not number:
        raise readers.ReadError(_("Enter the supplier's document number."))
    if len(number) > MAX_NUMBER_LENGTH:
        raise readers.ReadError(_("The number is longer than 40 characters."))
    return number


def _issue_date(value: object) -> dt.date:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise readers.ReadError(_("Enter a date."))
    return readers.date(value)


def _currency(value: object) -> str:
    """A currency code, or empty for the company's default currency."""
    currency = readers.text(value, max_length=10).upper()
    if currency and currency not in Currency.values:
        raise readers.ReadError(_("Unknown currency."))
    return currency


def _exchange_rate(value: object) -> Decimal:
    try:
        rate = to_decimal(value)
    except MoneyError:
        raise readers.ReadError(_("Enter the rate as a number.")) from None
    if rate <= 0:
        raise readers.ReadError(_("The rate must be above zero."))
    return readers.within_amount_range(rate)


def _approval_required(value: object) -> bool | None:
    """Yes or no; None (not given) leaves it to the company's settings."""
    return None if value is None else inputs.flag(value)


def _vat_credit(value: object) -> str:
    credit = readers.text(value, max_length=20) or VatCredit.FULL
    if credit not in VatCredit.values:
        raise readers.ReadError(_("Choose full, partial or no credit."))
    return credit


def _row_amount(value: object) -> Decimal:
    # A minus sign is read; the action refuses it with the message that says why.
    return readers.amount(value, allow_negative=True)


@dataclass(frozen=True, kw_only=True)
class VatRowFields(ActionInput):
    """One VAT row as typed: base and VAT at one rate, and how much of the VAT is credited."""

    vat_rate: Decimal = reads(lambda v: readers.percent(v), default=None)
    base: Decimal = reads(_row_amount, default=None)
    vat: Decimal = reads(_row_amount, default=Decimal(0))
    vat_credit: str = reads(_vat_credit, default=VatCredit.FULL)

    def row(self) -> VatRowInput:
        return VatRowInput(self.vat_rate, self.base, self.vat, self.vat_credit)


def _read_rows(raw: object, errors: ErrorCollector) -> tuple[VatRowInput, ...] | None:
    """The VAT rows from mappings (or rows already typed); an error names its row from 1
    (`rows.2.base`), as the form and the API show them."""
    if raw is None:
        return None
    if not isinstance(raw, list | tuple):
        errors.add("rows", _("Enter the VAT rows."))
        return None
    found: list[VatRowInput] = []
    for number, row in enumerate(raw, start=1):
        if isinstance(row, VatRowInput):
            found.append(row)
            continue
        if isinstance(row, VatRowFields):
            found.append(row.row())
            continue
        if not isinstance(row, Mapping) or set(row) - set(VatRowFields.field_names()):
            errors.add(f"rows.{number}", _("Enter the rate, the base and the VAT as numbers."))
            continue
        try:
            found.append(VatRowFields.read(row).row())
        except InvalidInput as error:
            for key, messages in error.errors.items():
                for message in messages:
                    errors.add(f"rows.{number}.{key}", message)
    return tuple(found)


@dataclass(frozen=True, kw_only=True)
class SupplierInvoiceInput(ActionInput):
    """A supplier's invoice, credit or debit note (`register_supplier_invoice`,
    `update_supplier_invoice`, `register_from_ubl`). The references (`supplier`,
    `corrected_invoice`, `category`, `responsible`, `approver`: a record or its id) are found
    by the action among the company's records; so are the defaults that need them (the due
    date from the supplier's terms, the rate of the tax event date, the responsible employee
    of the supplier). `rows` are the VAT rows as printed (positive also for credit notes)."""

    supplier: object = reads(inputs.as_is, default=None)
    kind: str = reads(_kind, default=SupplierDocumentKind.INVOICE)
    supplier_number: str = reads(_supplier_number, default="")
    issue_date: dt.date = reads(_issue_date, default=None)
    tax_event_date: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    received_date: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    due_date: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    currency: str = reads(_currency, default="")
    exchange_rate: Decimal | None = reads(inputs.optional(_exchange_rate), default=None)
    rows: tuple[VatRowInput, ...] = reads(inputs.as_is, default=())
    corrected_invoice: object = reads(inputs.as_is, default=None)
    category: object = reads(inputs.as_is, default=None)
    description: str = reads(
        inputs.text(max_length=limit_of(SupplierInvoice, "description")), default=""
    )
    responsible: object = reads(inputs.as_is, default=None)
    approval_required: bool | None = reads(_approval_required, default=None)
    approver: object = reads(inputs.as_is, default=None)
    supplier_iban: str = reads(inputs.iban, default="")
    payment_reference: str = reads(
        inputs.text(max_length=limit_of(SupplierInvoice, "payment_reference")), default=""
    )

    @classmethod
    def _read(cls, raw: Mapping[str, object], names: Any) -> Self:
        # The rows are read row by row (an error names its row); the rest as usual.
        errors = InvalidInput.collect()
        rows = _read_rows(raw.get("rows", ()), errors) if "rows" in names else None
        found = None
        try:
            found = super()._read({**raw, "rows": ()} if "rows" in raw else raw, names)
        except InvalidInput as error:
            for key, messages in error.errors.items():
                for message in messages:
                    errors.add(key, message)
        errors.raise_if_any()
        assert found is not None
        return dataclasses.replace(found, rows=rows) if rows is not None else found

    @classmethod
    def check_together(cls, values: Mapping[str, Any], errors: ErrorCollector) -> None:
        issue, due = values.get("issue_date"), values.get("due_date")
        if issue is not None and due is not None and due < issue:
            errors.add("due_date", _("The due date is before the date of issue."))

    def given(self) -> dict[str, Any]:
        """Every field as a create gives it (an unset approval is left to the settings)."""
        values = {name: getattr(self, name) for name in self.field_names()}
        if values["approval_required"] is None:
            del values["approval_required"]
        return values
