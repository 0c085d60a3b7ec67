"""Forms for sales documents. They check shape only; the actions check meaning and name the
field (`apply_errors` puts a refusal next to the field it names).

The lines of a document are not a Django formset: every line row carries one input of each
name (`line_description`, `line_quantity` …) and the rows are read in the order the browser
sends them, so moving a row in the page reorders the lines without renumbering anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from xfinances.core import readers
from xfinances.core.exceptions import InvalidInput
from xfinances.core.form_fields import AmountField
from xfinances.core.forms import BoundedDateField, set_choices
from xfinances.core.models import Currency
from xfinances.core.text_limits import limit_of
from xfinances.invoicing import inputs
from xfinances.invoicing.inputs import LINE_FIELDS, DraftInput, RecurringInput
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentLanguage,
    DocumentStatus,
    PaymentMethod,
    RecurringInvoice,
    RecurringSchedule,
    SeriesGroup,
)
from xfinances.invoicing.payment_state import OPEN_PAYMENT_FILTER, PaymentStatus
from xfinances.invoicing.pdf import MAX_TEMPLATE_BYTES

#: The `line_*` inputs of a row: the fields of `inputs.LineInput`, declared there once.
LINE_INPUTS = LINE_FIELDS
MAX_LINES = 500
CREATABLE_KINDS = (DocumentKind.INVOICE, DocumentKind.PROFORMA, DocumentKind.PROTOCOL)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DocumentForm(forms.Form):
    """The header of a document. Dates and numbers are text here: the action names a bad one."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices, required=False)
    party_id = forms.CharField(required=False, widget=forms.HiddenInput)
    issue_date = BoundedDateField(label=_("Issue date"), required=False, widget=_date_input())
    tax_event_date = BoundedDateField(
        label=_("Tax event date"), required=False, widget=_date_input()
    )
    due_date = BoundedDateField(label=_("Due date"), required=False, widget=_date_input())
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, required=False)
    language = forms.ChoiceField(
        label=_("Document language"), choices=DocumentLanguage.choices, required=False
    )
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=PaymentMethod.choices, required=False
    )
    place_of_issue = forms.CharField(
        label=_("Place of issue"), max_length=limit_of(Document, "place_of_issue"), required=False
    )
    document_discount_percent = forms.CharField(
        label=_("Document discount %"), max_length=8, required=False
    )
    is_advance = forms.BooleanField(label=_("Advance payment invoice"), required=False)
    notes = forms.CharField(
        label=_("Notes (printed)"),
        max_length=limit_of(Document, "notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    terms = forms.CharField(
        label=_("Terms (printed)"),
        max_length=limit_of(Document, "terms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note_reason = forms.CharField(
        label=_("Reason for the note"),
        max_length=limit_of(Document, "note_reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("Reason for changing the issued document"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        issue, due = data.get("issue_date"), data.get("due_date")
        if issue and due and due < issue:
            self.add_error("due_date", _("The due date cannot be before the issue date."))
        return data

    def draft_input(self, rows: list[LineRow], *, kind: str, status: str) -> DraftInput:
        """The header and lines as the save actions take them, read through core/readers.
        A value that cannot be read goes to `unread`: the action reports it with its own
        refusals, so every error shows at once."""
        data = dict(self.cleaned_data)
        errors = InvalidInput.collect()
        party_id = readers.field(
            errors,
            "party_id",
            inputs.read_id,
            data.get("party_id"),
            required=False,
            message=_("Choose a client of this company."),
        )
        discount = readers.field(
            errors,
            "document_discount_percent",
            readers.percent,
            data.get("document_discount_percent"),
            required=False,
        )
        lines = tuple(
            inputs.read_line(row.values, errors, f"lines.{number}")
            for number, row in enumerate(rows, start=1)
        )
        header: dict[str, Any] = {
            "party_id": party_id,
            "tax_event_date": data.get("tax_event_date"),
            "due_date": data.get("due_date"),
            "payment_method": data.get("payment_method") or PaymentMethod.BANK_TRANSFER,
            "language": data.get("language") or "bg",
            "place_of_issue": data.get("place_of_issue") or "",
            "notes": data.get("notes") or "",
            "terms": data.get("terms") or "",
            "document_discount_percent": discount or Decimal(0),
        }
        if data.get("issue_date") is not None:
            header["issue_date"] = data["issue_date"]
        # A note takes the invoice's currency; an issued document keeps its own.
        is_note = kind in (DocumentKind.CREDIT_NOTE, DocumentKind.DEBIT_NOTE)
        if data.get("currency") and not is_note and status == DocumentStatus.DRAFT:
            header["currency"] = data["currency"]
        if kind == DocumentKind.INVOICE:
            header["is_advance"] = bool(data.get("is_advance"))
        if is_note:
            header["note_reason"] = data.get("note_reason") or ""
        return DraftInput(**header, lines=lines, unread=errors.errors)


@dataclass
class LineRow:
    """One line as typed, for showing it again (with its errors) and for the totals."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    net: str = ""

    def __getitem__(self, name: str) -> str:
        if name not in LINE_INPUTS:
            raise KeyError(name)  # templates then look up the attribute (`row.errors`)
        return self.values.get(name, "")

    @property
    def is_blank(self) -> bool:
        return not any(
            self.values.get(name, "").strip()
            for name in ("description", "unit_price", "product_id", "corrected_line_id")
        )

    def action_data(self) -> dict[str, str]:
        """The row's non-empty values (a recurring invoice's lines as its action takes them)."""
        data: dict[str, str] = {}
        for name in LINE_INPUTS:
            value = self.values.get(name, "").strip()
            if value:
                data[name] = value
        return data


def read_lines(data: QueryDict, *, keep_blank: bool = False) -> list[LineRow]:
    """The line rows of a posted document form, in page order, without entirely blank rows
    (unless `keep_blank`: the live totals answer for every row on the page)."""
    columns = {name: data.getlist(f"line_{name}") for name in LINE_INPUTS}
    count = min(max((len(values) for values in columns.values()), default=0), MAX_LINES)
    rows = []
    for index in range(count):
        values = {
            name: (columns[name][index] if index < len(columns[name]) else "")
            for name in LINE_INPUTS
        }
        row = LineRow(values)
        if keep_blank or not row.is_blank:
            rows.append(row)
    return rows


def line_rows_from(lines: list[dict[str, Any]]) -> list[LineRow]:
    """Rows for the page from action-style line dicts (a copy, the lines of a note …)."""
    rows = []
    for line in lines:
        values = {}
        for name in LINE_INPUTS:
            value = line.get(name)
            if name == "vat_treatment" and value is not None and not isinstance(value, str):
                value = getattr(value, "code", value)
            values[name] = "" if value is None else _plain(value)
        rows.append(LineRow(values))
    return rows


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text if "." not in text or len(text.split(".")[1]) >= 2 else format(value, "f")
    return str(value)


def apply_line_errors(rows: list[LineRow], errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Put "lines.<n>.<field>" errors on row n (1-based); returns the errors left over."""
    rest: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
            number = int(parts[1])
            name = parts[2] if len(parts) > 2 else "description"
            if name == "vat_key":
                name = "vat_treatment"
            if 1 <= number <= len(rows):
                rows[number - 1].errors.setdefault(name, []).extend(messages)
                continue
        rest.setdefault(key, []).extend(messages)
    return rest


def to_decimal_or_none(value: str) -> Decimal | None:
    try:
        return Decimal(value.strip().replace(",", ".").replace(" ", "")) if value.strip() else None
    except InvalidOperation:
        return None


PAYMENT_STATUS_FILTERS = [
    ("", _("Paid or not")),
    (OPEN_PAYMENT_FILTER, _("Not paid in full")),
    *[(value, label) for value, label in PaymentStatus.choices if value != "not_applicable"],
]


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *DocumentKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DocumentStatus.choices]
    )
    party = forms.IntegerField(required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())
    amount_min = AmountField(label=_("Total from"), required=False)
    amount_max = AmountField(label=_("Total to"), required=False)
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("Any currency")), *Currency.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    payment_status = forms.ChoiceField(
        label=_("Payment"), required=False, choices=PAYMENT_STATUS_FILTERS
    )

    def filters(self, today: dt.date) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"] or "",
            "kind": data["kind"] or "",
            "status": data["status"] or "",
            "party_id": data["party"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "amount_min": data["amount_min"],
            "amount_max": data["amount_max"],
            "overdue_on": today if data["overdue"] else None,
            "payment_status": data["payment_status"] or "",
        }


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=limit_of(Document, "void_reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RecurringForm(forms.Form):
    """The header of a recurring invoice; its lines come as `line_*` rows (read_lines)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    party_id = forms.TypedChoiceField(label=_("Client"), coerce=int, choices=())
    schedule = forms.ChoiceField(label=_("Schedule"), choices=())
    day_of_month = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=31,
        initial=1,
        help_text=_("31 means the last day of shorter months."),
    )
    start_date = BoundedDateField(label=_("Start"), widget=_date_input())
    end_date = BoundedDateField(label=_("End"), required=False, widget=_date_input())
    currency = forms.ChoiceField(label=_("Currency"), choices=(), initial="EUR")
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=PaymentMethod.choices, initial="bank_transfer"
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=limit_of(RecurringInvoice, "notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    auto_issue = forms.BooleanField(label=_("Issue automatically"), required=False, initial=True)
    auto_send = forms.BooleanField(label=_("Send by e-mail automatically"), required=False)

    def __init__(self, *args: Any, parties: list[tuple[int, str]], **kwargs: Any) -> None:

        super().__init__(*args, **kwargs)
        set_choices(self.fields["party_id"], [("", "—"), *parties])
        set_choices(self.fields["schedule"], RecurringSchedule.choices)

        set_choices(
            self.fields["currency"],
            [(code, label) for code, label in Currency.choices if code != "BGN"],
        )

    def recurring_input(self, rows: list[LineRow]) -> RecurringInput:
        """The recurring invoice as its actions take it; its lines read through core/readers
        (what cannot be read goes to `unread`, reported with the action's own refusals)."""
        errors = InvalidInput.collect()
        lines = tuple(
            inputs.read_line(row.action_data(), errors, f"lines.{number}")
            for number, row in enumerate(rows, start=1)
        )
        return RecurringInput(**self.cleaned_data, lines=lines, unread=errors.errors)


class SeriesForm(forms.Form):
    """A new range of numbers (e.g. a branch)."""

    group = forms.ChoiceField(label=_("Documents"), choices=())
    name = forms.CharField(label=_("Name"), max_length=100)
    range_start = forms.IntegerField(label=_("First number"), min_value=1)
    range_end = forms.IntegerField(label=_("Last number"), min_value=1)
    is_default = forms.BooleanField(label=_("Default for these documents"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:

        super().__init__(*args, **kwargs)
        set_choices(self.fields["group"], SeriesGroup.choices)


class ColourInput(forms.TextInput):
    input_type = "color"


class PrintSettingsForm(forms.Form):
    """How the company's documents print (`actions.update_print_settings`)."""

    accent_colour = forms.CharField(label=_("Accent colour"), max_length=7, widget=ColourInput)
    show_logo = forms.BooleanField(label=_("Print the company logo"), required=False)
    show_qr = forms.BooleanField(label=_("Print the payment QR code"), required=False)
    show_bgn_equivalent = forms.BooleanField(
        label=_("Print the total in BGN at the fixed rate (1 EUR = 1.95583 BGN)"), required=False
    )
    show_signatures = forms.BooleanField(
        label=_("Print the “Issued by” and “Received by” lines"), required=False
    )
    footer_text = forms.CharField(
        label=_("Footer text on every page"), max_length=300, required=False
    )
    custom_template = forms.FileField(
        label=_("Custom Typst template (.typ)"),
        required=False,
        help_text=_("Start from the standard template and change the layout; see docs/pdf.md."),
    )
    remove_custom_template = forms.BooleanField(
        label=_("Go back to the standard template"), required=False
    )

    def clean_custom_template(self) -> Any:

        upload = self.cleaned_data.get("custom_template")
        if upload is not None and upload.size > MAX_TEMPLATE_BYTES:
            raise forms.ValidationError(
                _("A template can be at most %(kib)s KiB.") % {"kib": MAX_TEMPLATE_BYTES // 1024}
            )
        return upload
