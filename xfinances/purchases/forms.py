"""Forms of the purchases pages. Forms check shape; actions check meaning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.core.form_fields import AmountField, ExchangeRateField, PercentField
from xfinances.core.forms import BoundedDateField
from xfinances.core.models import Currency
from xfinances.core.text_limits import limit_of
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.models import (
    ApprovalStatus,
    PaymentStatus,
    SupplierDocumentKind,
    SupplierInvoice,
    VatCredit,
)

ROW_COUNT = 4
RATE_CHOICES = [("20", "20 %"), ("9", "9 %"), ("0", "0 %")]


class SupplierInvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *SupplierDocumentKind.choices]
    )
    payment_status = forms.ChoiceField(
        label=_("Payment"), required=False, choices=[("", _("All")), *PaymentStatus.choices]
    )
    approval_status = forms.ChoiceField(
        label=_("Approval"), required=False, choices=[("", _("All")), *ApprovalStatus.choices]
    )
    date_from = BoundedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SupplierInvoiceForm(forms.Form):
    # The registered duplicate a Conflict points to (shown beside the error).
    conflict_link: str | None = None

    supplier = forms.ChoiceField(label=_("Supplier"))
    kind = forms.ChoiceField(label=_("Kind"), choices=SupplierDocumentKind.choices)
    supplier_number = forms.CharField(label=_("Supplier's number"), max_length=40)
    issue_date = BoundedDateField(label=_("Date of issue"), widget=_date_input())
    tax_event_date = BoundedDateField(
        label=_("Tax event date"), required=False, widget=_date_input()
    )
    received_date = BoundedDateField(label=_("Received on"), required=False, widget=_date_input())
    due_date = BoundedDateField(label=_("Due date"), required=False, widget=_date_input())
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    exchange_rate = ExchangeRateField(
        label=_("Units per 1 EUR"),
        required=False,
        help_text=_("Only for currencies other than EUR and BGN; empty = the loaded rate."),
    )
    corrected_invoice = forms.ChoiceField(
        label=_("Corrected invoice"), required=False, help_text=_("For credit and debit notes.")
    )
    category = forms.ChoiceField(label=_("Purchase category"), required=False)
    description = forms.CharField(
        label=_("Description"), max_length=limit_of(SupplierInvoice, "description"), required=False
    )
    responsible = forms.ChoiceField(
        label=_("Responsible employee"),
        required=False,
        help_text=_("Empty = the supplier's responsible employee."),
    )
    approval_required = forms.BooleanField(label=_("Needs approval"), required=False)
    approver = forms.ChoiceField(label=_("Approver"), required=False)
    supplier_iban = forms.CharField(label=_("Supplier's IBAN"), max_length=40, required=False)
    payment_reference = forms.CharField(
        label=_("Payment reference"), max_length=140, required=False
    )
    file = forms.FileField(label=_("PDF or scan"), required=False)
    import_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    create_supplier = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        suppliers: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        members: list[tuple[str, str]],
        approvers: list[tuple[str, str]],
        invoices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        empty = [("", "—")]
        fields: dict[str, Any] = self.fields
        fields["supplier"].choices = [("", "—"), *suppliers]
        fields["category"].choices = empty + categories
        fields["responsible"].choices = empty + members
        fields["approver"].choices = empty + approvers
        fields["corrected_invoice"].choices = empty + invoices
        for index in range(ROW_COUNT):
            required = index == 0
            self.fields[f"row{index}_vat_rate"] = PercentField(label=_("Rate %"), required=required)
            self.fields[f"row{index}_base"] = AmountField(
                label=_("Tax base"), required=required, allow_negative=True
            )
            self.fields[f"row{index}_vat"] = AmountField(
                label=_("VAT"), required=required, allow_negative=True
            )
            self.fields[f"row{index}_vat_credit"] = forms.ChoiceField(
                label=_("VAT credit"), choices=VatCredit.choices, required=False
            )

    def row_fields(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"row{i}_{name}"] for name in ("vat_rate", "base", "vat", "vat_credit")]
            for i in range(ROW_COUNT)
        ]

    def rows(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        rows = []
        for index in range(ROW_COUNT):
            base = data.get(f"row{index}_base")
            if base is None:
                continue
            rate = data.get(f"row{index}_vat_rate")
            rows.append(
                {
                    "vat_rate": "0" if rate is None else str(rate),
                    "base": str(base),
                    "vat": str(data.get(f"row{index}_vat") or "0"),
                    "vat_credit": data.get(f"row{index}_vat_credit") or VatCredit.FULL,
                }
            )
        return rows

    def action_data(self) -> dict[str, Any]:
        """The raw fields of `SupplierInvoiceInput` (the view reads them into the input)."""
        data = self.cleaned_data
        result: dict[str, Any] = {
            name: data.get(name)
            for name in SupplierInvoiceInput.field_names()
            if name not in ("exchange_rate", "rows")
        }
        if data.get("exchange_rate") is not None:
            result["exchange_rate"] = str(data["exchange_rate"])
        result["rows"] = self.rows()
        return result

    def add_row_errors(self, errors: dict[str, list[str]]) -> None:
        """Move `rows.N.field` errors of an action onto the row's field."""
        for key, messages in errors.items():
            parts = key.split(".")
            target = None
            if parts[0] == "rows" and len(parts) >= 2 and parts[1].isdigit():
                name = parts[2] if len(parts) > 2 else "base"
                target = f"row{int(parts[1]) - 1}_{name}"
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


class UblUploadForm(forms.Form):
    xml = forms.FileField(label=_("UBL XML file (Peppol)"))


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=limit_of(SupplierInvoice, "approval_reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=limit_of(SupplierInvoice, "cancel_reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("PDF or scan"))


class PurchaseSettingsForm(forms.Form):
    alert_days_before = forms.IntegerField(
        label=_("Alert this many days before the due date"), min_value=0, max_value=365
    )
    escalation_days = forms.IntegerField(
        label=_("Tell the owners after this many days overdue"), min_value=0, max_value=365
    )
    approval_alert_days = forms.IntegerField(
        label=_("Alert the approver this many days before the due date"),
        min_value=0,
        max_value=365,
    )
    vat_tolerance = AmountField(label=_("Largest accepted VAT rounding difference per row"))
    approval_required = forms.BooleanField(label=_("New invoices need approval"), required=False)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("New category"), max_length=100)
