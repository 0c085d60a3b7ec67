from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.portal.actions import MAX_REASON
from xfinances.portal.models import PortalSettings, ResponseKind


class RequestLinkForm(forms.Form):
    company = forms.CharField(widget=forms.HiddenInput, max_length=13)
    email = forms.EmailField(label=_("Your e-mail"), max_length=254)


class ResponseForm(forms.Form):
    kind = forms.ChoiceField(choices=ResponseKind.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PortalSettingsForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = ["auto_publish", "sign_in_link_minutes", "document_link_days"]
