"""Forms of the banking pages: shape only; the actions judge the content."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.banking import csv_profiles


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
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
