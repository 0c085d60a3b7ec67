"""Forms of the banking pages: shape only; the actions judge the content."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.banking import csv_profiles
from xfinances.banking.models import BankRule, CsvProfile, PaymentFileSchema
from xfinances.core.text_limits import limit_of
from xfinances.payments.models import Allocation


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Statement file"))
    account = forms.TypedChoiceField(
        label=_("Account"), required=False, coerce=int, empty_value=None
    )
    profile = forms.ChoiceField(
        label=_("Column profile (CSV/XLSX)"),
        required=False,
        choices=[
            ("", _("Recognise from the header")),
            *[(p.key, p.name) for p in csv_profiles.BUILTIN],
        ],
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=limit_of(Allocation, "undo_reason")
    )


class RuleForm(forms.Form):
    """A bank rule; its typed input (BankRuleInput) and the actions judge the patterns, amounts
    and category."""

    name = forms.CharField(label=_("Name"), max_length=limit_of(BankRule, "name"))
    position = forms.IntegerField(label=_("Order"), min_value=0, required=False)
    category = forms.TypedChoiceField(label=_("Cash-flow category"), coerce=int)
    direction = forms.ChoiceField(label=_("Direction"), required=False)
    counterparty_iban = forms.CharField(
        label=_("Counterparty IBAN"),
        required=False,
        max_length=limit_of(BankRule, "counterparty_iban"),
        help_text=_("One or more IBANs; ? stands for one character, * for the rest."),
    )
    name_pattern = forms.CharField(
        label=_("Counterparty name (pattern)"),
        required=False,
        max_length=limit_of(BankRule, "name_pattern"),
    )
    text_pattern = forms.CharField(
        label=_("Payment details (pattern)"),
        required=False,
        max_length=limit_of(BankRule, "text_pattern"),
        help_text=_("A regular expression, any case: такса|комисион"),
    )
    bank_code = forms.CharField(
        label=_("Bank transaction code starts with"),
        required=False,
        max_length=limit_of(BankRule, "bank_code"),
    )
    min_amount = forms.CharField(label=_("From amount"), required=False)
    max_amount = forms.CharField(label=_("Up to amount"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


DELIMITERS = [(";", ";"), (",", ","), ("|", "|"), ("\t", _("tab"))]
ENCODINGS = [("cp1251", "windows-1251"), ("utf-8", "UTF-8")]


class ProfileForm(forms.Form):
    """A company's column profile: the file's shape and which header titles hold what."""

    name = forms.CharField(label=_("Name"), max_length=limit_of(CsvProfile, "name"))
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITERS)
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS)
    date_formats = forms.CharField(
        label=_("Date formats"),
        initial="%d.%m.%Y",
        help_text=_("Separated by spaces, e.g. %d.%m.%Y %Y-%m-%d"),
    )
    decimal_comma = forms.BooleanField(label=_("Decimal comma"), required=False, initial=True)
    currency = forms.CharField(label=_("Currency when no column gives it"), required=False)
    skip_rows = forms.IntegerField(label=_("Lines before the header"), min_value=0, initial=0)
    debit_words = forms.CharField(
        label=_("Words marking money out in the direction column"),
        required=False,
        initial="D Д DEBIT ДЕБИТ",
    )
    sample = forms.FileField(label=_("Sample file for the preview"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in csv_profiles.FIELDS:
            self.fields[f"col_{name}"] = forms.CharField(
                label=COLUMN_LABELS.get(name, name),
                required=False,
                help_text=_("Header titles, separated by |"),
            )

    def profile_data(self) -> dict[str, Any]:
        """The profile as `csv_profiles.Profile.from_dict` reads it."""
        data = self.cleaned_data
        columns = {}
        for name in csv_profiles.FIELDS:
            titles = [t.strip() for t in (data.get(f"col_{name}") or "").split("|") if t.strip()]
            if titles:
                columns[name] = titles
        return {
            "columns": columns,
            "delimiter": data["delimiter"],
            "encoding": data["encoding"],
            "date_formats": data["date_formats"].split(),
            "decimal_comma": data["decimal_comma"],
            "currency": (data.get("currency") or "").strip().upper(),
            "skip_rows": data.get("skip_rows") or 0,
            "debit_words": (data.get("debit_words") or "").split(),
        }

    @staticmethod
    def initial_of(name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """The form's initial values from a stored profile's data."""
        columns: Mapping[str, Any] = data.get("columns") or {}
        initial: dict[str, Any] = {
            "name": name,
            "delimiter": data.get("delimiter") or ";",
            "encoding": data.get("encoding") or "cp1251",
            "date_formats": " ".join(str(f) for f in data.get("date_formats") or ()),
            "decimal_comma": bool(data.get("decimal_comma", True)),
            "currency": data.get("currency") or "",
            "skip_rows": data.get("skip_rows") or 0,
            "debit_words": " ".join(str(w) for w in data.get("debit_words") or ()),
        }
        for key, titles in columns.items():
            initial[f"col_{key}"] = " | ".join(titles)
        return initial


COLUMN_LABELS = {
    "date": _("Booking date"),
    "value_date": _("Value date"),
    "amount": _("Amount (signed)"),
    "debit": _("Money out"),
    "credit": _("Money in"),
    "direction": _("Direction (debit/credit)"),
    "currency": _("Currency"),
    "name": _("Counterparty"),
    "iban": _("Counterparty IBAN"),
    "bic": _("BIC"),
    "text": _("Payment details"),
    "reference": _("Reference"),
    "bank_id": _("Bank reference"),
    "account": _("Our account"),
}


class PaymentFileForm(forms.Form):
    """A payment batch's pain.001 file: shape only; `make_payment_file` judges the rest."""

    account = forms.TypedChoiceField(label=_("Pay from"), coerce=int)
    schema = forms.ChoiceField(label=_("Format"), choices=PaymentFileSchema.choices)
    execution_date = forms.DateField(
        label=_("Execution date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today."),
    )
    confirm_iban_changes = forms.BooleanField(
        label=_("I have checked the changed IBANs with the suppliers and confirm them"),
        required=False,
    )
