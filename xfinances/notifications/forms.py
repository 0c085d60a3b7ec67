"""Forms of the delivery pages (thin: the actions validate)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xfinances.core.text_limits import limit_of
from xfinances.notifications.models import (
    EmailTemplate,
    NotificationKind,
    PartyAutoSend,
    WebhookEvent,
)


class DeliverySettingsForm(forms.Form):
    auto_send_on_issue = forms.BooleanField(
        label=_("Send documents by e-mail when they are issued"), required=False
    )
    reply_to = forms.EmailField(
        label=_("Reply-to address"), required=False, help_text=_("Empty: the company's e-mail.")
    )
    track_opens = forms.BooleanField(
        label=_("Record when a client opens the e-mail (tracking image)"), required=False
    )
    attach_electronic_invoice = forms.BooleanField(
        label=_("Attach the e-invoice (UBL XML) to document e-mails"),
        required=False,
        help_text=_("Invoices, debit and credit notes also carry their EN 16931 XML."),
    )


class PartyAutoSendForm(forms.Form):
    auto_send = forms.ChoiceField(
        label=_("Send on issue"), choices=PartyAutoSend.choices, required=False
    )


class EmailTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=limit_of(EmailTemplate, "subject"))
    body_text = forms.CharField(
        label=_("Text"),
        max_length=limit_of(EmailTemplate, "body_text"),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    body_html = forms.CharField(
        label=_("HTML"),
        max_length=limit_of(EmailTemplate, "body_html"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )


class SendForm(forms.Form):
    recipients = forms.CharField(
        label=_("Recipients"),
        max_length=2000,
        required=False,
        help_text=_("Comma-separated. Empty: the client's invoice contacts."),
    )


def _event_choices() -> list[tuple[str, str]]:
    """Each event by its label, with the name the receiving system reads."""
    return [(code, f"{label} ({code})") for code, label in WebhookEvent.choices]


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(label=_("URL"), max_length=500)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=_event_choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class NotificationPreferencesForm(forms.Form):
    by_email = forms.MultipleChoiceField(
        label=_("Also send me by e-mail"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
