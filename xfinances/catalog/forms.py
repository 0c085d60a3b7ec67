"""Forms for products and VAT treatments. They check shape; the actions check meaning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.catalog.models import NapColumn, Product, ProductKind, Unit, VatTreatment
from xfinances.core.forms import set_choices
from xfinances.core.models import Currency
from xfinances.core.text_limits import limit_of


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    archived = forms.BooleanField(label=_("Archived"), required=False)


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=limit_of(Product, "name"))
    name_en = forms.CharField(
        label=_("Name in English"), max_length=limit_of(Product, "name_en"), required=False
    )
    code = forms.CharField(
        label=_("Code / SKU"), max_length=limit_of(Product, "code"), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    unit_price = forms.CharField(label=_("Unit price without VAT"), max_length=30, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="EUR")
    vat_treatment = forms.ChoiceField(label=_("VAT treatment"))
    description = forms.CharField(
        label=_("Description"),
        max_length=limit_of(Product, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, treatments: list[VatTreatment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["vat_treatment"], [(str(t.pk), t.name) for t in treatments])

    def action_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["vat_treatment"] = int(data["vat_treatment"])
        return data


class VatTreatmentForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name (Bulgarian)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    rate = forms.CharField(
        label=_("VAT rate %"),
        max_length=10,
        required=False,
        help_text=_("Empty when no VAT is charged."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=limit_of(VatTreatment, "legal_basis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Printed on the document, e.g. “чл. 28 от ЗДДС”."),
    )
    reverse_charge = forms.BooleanField(label=_("Reverse charge"), required=False)
    nap_column = forms.ChoiceField(
        label=_("VAT ledger column"), required=False, choices=[("", "—"), *NapColumn.choices]
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)
