"""Forms of the accounting pages: shape only; the actions validate the meaning."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.accounting import exporters
from xfinances.accounting.models import Channel, Schedule
from xfinances.accounting.records import AccountMapping

KIND_CHOICES = [
    ("sale", _("Sales documents")),
    ("purchase", _("Supplier invoices")),
    ("payment", _("Payments")),
    ("cash", _("Cash movements")),
    ("bank", _("Bank movements")),
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
    name = forms.CharField(label=_("Name"), max_length=100)
    target = forms.ChoiceField(label=_("Format"), choices=target_choices)
    kinds = forms.MultipleChoiceField(
        label=_("What to send"), choices=KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    schedule = forms.ChoiceField(label=_("When"), choices=Schedule.choices)
    channel = forms.ChoiceField(label=_("Where"), choices=Channel.choices)
    folder = forms.CharField(label=_("Folder"), required=False, max_length=500)
    emails = forms.CharField(
        label=_("E-mail addresses (comma-separated)"), required=False, max_length=500
    )
    url = forms.CharField(label=_("HTTPS address"), required=False, max_length=500)


class MappingForm(forms.Form):
    revenue_default = forms.CharField(label=_("Revenue (other treatments)"), max_length=20)
    receivables = forms.CharField(label=_("Receivables from clients"), max_length=20)
    payables = forms.CharField(label=_("Payables to suppliers"), max_length=20)
    vat_sales = forms.CharField(label=_("VAT on sales"), max_length=20)
    vat_purchases = forms.CharField(label=_("VAT on purchases"), max_length=20)
    purchases = forms.CharField(label=_("Purchases (expenses)"), max_length=20)
    cash = forms.CharField(label=_("Cash"), max_length=20)
    bank = forms.CharField(label=_("Bank"), max_length=20)
    other_money = forms.CharField(label=_("Other cash and bank movements"), max_length=20)
    exchange_gain = forms.CharField(label=_("Exchange gains"), max_length=20)
    exchange_loss = forms.CharField(label=_("Exchange losses"), max_length=20)
    submitter = forms.CharField(
        label=_("VAT return submitted by (ЕГН and name)"), required=False, max_length=50
    )
    credit_coefficient = forms.DecimalField(
        label=_("Partial credit coefficient"), min_value=0, max_value=1, decimal_places=2
    )

    FIELDS = AccountMapping.SIMPLE_FIELDS
