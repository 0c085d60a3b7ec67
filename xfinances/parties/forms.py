"""Forms for parties. They check shape only; `actions` check meaning and name the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Currency
from xfinances.core.text_limits import limit_of
from xfinances.parties.models import DocumentLanguage, Party, PartyKind


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PartyKind.choices, initial=PartyKind.COMPANY)
    # Not required here: the action reports a missing name together with every other error.
    name = forms.CharField(
        label=_("Name"),
        max_length=limit_of(Party, "name"),
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    name_latin = forms.CharField(label=_("Name in Latin"), max_length=200, required=False)
    eik = forms.CharField(label=_("ЕИК"), max_length=20, required=False)
    vat_number = forms.CharField(
        label=_("VAT number"),
        max_length=20,
        required=False,
        help_text=_("With the country code: BG…, DE…"),
    )
    egn = forms.CharField(label=_("ЕГН"), max_length=12, required=False)
    lnch = forms.CharField(label=_("ЛНЧ"), max_length=12, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, initial="BG")
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    mol = forms.CharField(label=_("МОЛ (responsible person)"), max_length=200, required=False)
    email = forms.CharField(
        label=_("E-mail for documents"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    iban = forms.CharField(
        label=_("IBAN (primary account)"),
        max_length=42,
        required=False,
        help_text=_("More accounts can be added on the party's page."),
    )
    is_client = forms.BooleanField(label=_("Client"), required=False, initial=True)
    is_supplier = forms.BooleanField(label=_("Supplier"), required=False)
    payment_terms_days = forms.CharField(
        label=_("Payment terms (days)"),
        max_length=4,
        required=False,
        help_text=_("Empty: the company's default."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    language = forms.ChoiceField(
        label=_("Document language"), choices=DocumentLanguage.choices, required=False
    )
    responsible = forms.ChoiceField(label=_("Responsible employee"), required=False)
    tags = forms.CharField(
        label=_("Tags"), max_length=500, required=False, help_text=_("Separated by commas.")
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=limit_of(Party, "notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, responsible_choices: Sequence[tuple[int, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *responsible_choices]

    def action_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["responsible"] = data.get("responsible") or None
        if not data.get("iban"):
            data.pop("iban", None)
        return data


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    receives_invoices = forms.BooleanField(label=_("Receives invoices"), required=False)
    receives_reminders = forms.BooleanField(label=_("Receives payment reminders"), required=False)


class PartyBankAccountForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("", "—"), *Currency.choices], required=False
    )
    is_primary = forms.BooleanField(label=_("Primary"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class PartyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", _("Clients and suppliers")),
            ("client", _("Clients")),
            ("supplier", _("Suppliers")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *PartyKind.choices]
    )
    tag = forms.CharField(label=_("Tag"), max_length=100, required=False)
    archived = forms.BooleanField(label=_("Archived"), required=False)
