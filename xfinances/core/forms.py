"""Forms for company settings, members, tokens, exchange rates and the audit filter.

Forms validate shape; actions validate meaning. Views call actions and copy
`InvalidInput.errors` back onto the form.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from xfinances.core import readers
from xfinances.core.company_inputs import CompanyInput
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.history import object_type_label
from xfinances.core.models import AuditEntry, Company, Currency, Source
from xfinances.core.queries import members
from xfinances.core.roles import Role

# --- The input boundary of the pages (issue 14) ------------------------------------------------


class BoundedDateField(forms.DateField):
    """A date within the sane range (`core.readers.date_bounds`, settings XFINANCES_MIN_DATE and
    XFINANCES_MAX_DATE): Django's own field takes 0001-01-01 … 9999-12-31."""

    def to_python(self, value: Any) -> Any:
        day = super().to_python(value)
        if day is not None:
            try:
                readers.within_bounds(day)
            except readers.ReadError as error:
                raise forms.ValidationError(str(error.message), code="date_range") from None
        return day


class BoundedDecimalField(forms.DecimalField):
    """A number that every amount column can hold (`core.readers.within_amount_range`): Django's
    own field takes 1e20 when no max_digits is given."""

    def to_python(self, value: Any) -> Any:
        number = super().to_python(value)
        if number is not None:
            try:
                readers.within_amount_range(number)
            except readers.ReadError as error:
                raise forms.ValidationError(str(error.message), code="amount_range") from None
        return number


class BootstrapFormRenderer(TemplatesSetting):
    """Every `{{ form }}` renders as Bootstrap 5 markup, field errors beside their field."""

    form_template_name = "core/form.html"
    field_template_name = "core/field.html"


def apply_errors(form: forms.BaseForm, error: InvalidInput | Conflict) -> None:
    """Show an action's refusal on the form, on the field it names when the form has it."""
    items = (
        error.errors.items()
        if isinstance(error, InvalidInput)
        else [(error.field, [error.message])]
    )
    for field, messages in items:
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        # E-mails are stored in lower case: `Ivan@Firma.bg` signs in as `ivan@firma.bg`.
        return str(self.cleaned_data["username"]).strip().lower()


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        # The typed input's list; `vat_registered` follows the VAT number.
        fields = [name for name in CompanyInput.field_names() if name != "vat_registered"]
        widgets = {"lock_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Uniqueness and identifiers are the action's job; avoid a second, different message.
        self.fields["eik"].validators = []

    def validate_unique(self) -> None:
        return None


class BankAccountForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="EUR")
    is_default = forms.BooleanField(label=_("Default for documents"), required=False)


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, initial="script")


class RateForm(forms.Form):
    currency = forms.CharField(label=_("Currency"), max_length=3, help_text=_("e.g. USD"))
    date = BoundedDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    rate = forms.CharField(label=_("Units per 1 EUR"), max_length=30)


class RateFileForm(forms.Form):
    file = forms.FileField(label=_("ECB XML/CSV or date,currency,rate CSV"))


class AuditFilterForm(forms.Form):
    user = forms.TypedChoiceField(label=_("User"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Change"), required=False, choices=[("", "—"), *AuditEntry.Kind.choices]
    )
    source = forms.ChoiceField(
        label=_("From"), required=False, choices=[("", "—"), *Source.choices]
    )
    object_type = forms.ChoiceField(label=_("Record type"), required=False)
    date_from = BoundedDateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Text"), max_length=100, required=False)

    def __init__(self, data: Any = None, *, company: Company) -> None:
        super().__init__(data)

        user_field = self.fields["user"]
        type_field = self.fields["object_type"]
        assert isinstance(user_field, forms.TypedChoiceField)
        assert isinstance(type_field, forms.ChoiceField)
        user_field.choices = [("", "—")] + [(m.user_id, m.user.email) for m in members(company)]
        types = (
            AuditEntry.objects.filter(company=company)
            .values_list("object_type", flat=True)
            .distinct()
        )
        type_field.choices = [("", "—")] + [(t, object_type_label(t)) for t in sorted(set(types))]


def set_choices(field: forms.Field, choices: Iterable[tuple[Any, Any]]) -> None:
    """Give a choice field the choices known only at request time (the company's accounts,
    parties, categories). `form.fields` is typed as plain Field; this says what it is."""
    cast(forms.ChoiceField, field).choices = list(choices)


class NewCompanyForm(forms.Form):
    """A company's first details; the rest is on the settings page."""

    name = forms.CharField(label=_("Company name"), max_length=200)
    eik = forms.CharField(label=_("ЕИК"), max_length=13)
    vat_number = forms.CharField(label=_("VAT number"), max_length=14, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class SignUpForm(NewCompanyForm):
    """A person and their first company (`core.onboarding.sign_up`)."""

    full_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    field_order = ["full_name", "email", "password", "name", "eik", "vat_number", "city", "address"]
