"""Forms of the accounting pages: shape only; the actions validate the meaning."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.accounting import exporters
from xfinances.accounting.models import AccountMappingSettings, Channel, Destination, Schedule
from xfinances.accounting.records import AccountMapping
from xfinances.core.text_limits import limit_of
from xfinances.notifications.models import WebhookEndpoint

MAPPING = AccountMappingSettings

KIND_CHOICES = [
    ("sale", _("Sales documents")),
    ("purchase", _("Supplier invoices")),
    ("payment", _("Payments")),
    ("cash", _("Cash movements")),
    ("bank", _("Bank movements")),
    ("write_off", _("Write-offs")),
]


def target_choices() -> list[tuple[str, str]]:
    return [(e.name, e.label) for e in exporters.all_exporters()]


class ExportForm(forms.Form):
    target = forms.ChoiceField(label=_("Format"), choices=target_choices)
    period = forms.CharField(label=_("Month (YYYY-MM)"), max_length=7)
    kinds = forms.MultipleChoiceField(
        label=_("What"), choices=KIND_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


class DestinationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=limit_of(Destination, "name"))
    target = forms.ChoiceField(label=_("Format"), choices=target_choices)
    kinds = forms.MultipleChoiceField(
        label=_("What to send"), choices=KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    schedule = forms.ChoiceField(label=_("When"), choices=Schedule.choices)
    channel = forms.ChoiceField(label=_("Where"), choices=Channel.choices)
    folder = forms.CharField(
        label=_("Folder"), required=False, max_length=limit_of(Destination, "folder")
    )
    emails = forms.CharField(
        label=_("E-mail addresses (comma-separated)"), required=False, max_length=500
    )
    url = forms.CharField(
        label=_("HTTPS address"), required=False, max_length=limit_of(WebhookEndpoint, "url")
    )


class MappingForm(forms.Form):
    revenue_default = forms.CharField(
        label=_("Revenue (other treatments)"), max_length=limit_of(MAPPING, "revenue_default")
    )
    receivables = forms.CharField(
        label=_("Receivables from clients"), max_length=limit_of(MAPPING, "receivables")
    )
    payables = forms.CharField(
        label=_("Payables to suppliers"), max_length=limit_of(MAPPING, "payables")
    )
    vat_sales = forms.CharField(label=_("VAT on sales"), max_length=limit_of(MAPPING, "vat_sales"))
    vat_purchases = forms.CharField(
        label=_("VAT on purchases"), max_length=limit_of(MAPPING, "vat_purchases")
    )
    purchases = forms.CharField(
        label=_("Purchases (expenses)"), max_length=limit_of(MAPPING, "purchases")
    )
    cash = forms.CharField(label=_("Cash"), max_length=limit_of(MAPPING, "cash"))
    bank = forms.CharField(label=_("Bank"), max_length=limit_of(MAPPING, "bank"))
    other_money = forms.CharField(
        label=_("Other cash and bank movements"), max_length=limit_of(MAPPING, "other_money")
    )
    exchange_gain = forms.CharField(
        label=_("Exchange gains"), max_length=limit_of(MAPPING, "exchange_gain")
    )
    exchange_loss = forms.CharField(
        label=_("Exchange losses"), max_length=limit_of(MAPPING, "exchange_loss")
    )
    write_off_expense = forms.CharField(
        label=_("Written-off receivables (expenses)"),
        max_length=limit_of(MAPPING, "write_off_expense"),
    )
    write_off_income = forms.CharField(
        label=_("Written-off payables (income)"),
        max_length=limit_of(MAPPING, "write_off_income"),
    )
    submitter = forms.CharField(
        label=_("VAT return submitted by (ЕГН and name)"),
        required=False,
        max_length=limit_of(MAPPING, "submitter"),
    )
    credit_coefficient = forms.DecimalField(
        label=_("Partial credit coefficient"), min_value=0, max_value=1, decimal_places=2
    )

    FIELDS = AccountMapping.SIMPLE_FIELDS
