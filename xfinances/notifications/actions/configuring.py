"""Changing the delivery settings, the per-client automatic sending and the e-mail templates."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit, inputs
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.inputs import ActionInput, Changes, reads
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.notifications.email_content import unknown_placeholders
from xfinances.notifications.models import (
    DeliverySettings,
    EmailTemplate,
    PartyAutoSend,
    PartyDeliverySetting,
    TemplateKind,
    TemplateLanguage,
)
from xfinances.parties.models import Party

# --- settings and templates --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DeliverySettingsInput(ActionInput):
    auto_send_on_issue: bool = reads(inputs.flag, default=False)
    reply_to: str = reads(inputs.email, default="")
    track_opens: bool = reads(inputs.flag, default=False)
    attach_electronic_invoice: bool = reads(inputs.flag, default=False)


@transaction.atomic
def update_delivery_settings(
    actor: Actor, company: Company, changes: Changes[DeliverySettingsInput]
) -> DeliverySettings:
    ensure_can(actor, company, "delivery.settings")
    row, _created = DeliverySettings.objects.select_for_update().get_or_create(company=company)
    before = audit.snapshot(row)
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    audit.record_update(actor, company, "update_delivery_settings", row, before)
    return row


@transaction.atomic
def set_party_auto_send(actor: Actor, party: Party, auto_send: str) -> PartyDeliverySetting:
    company = party.company
    ensure_can(actor, company, "delivery.settings")
    if auto_send not in PartyAutoSend.values:
        raise InvalidInput({"auto_send": [_("Choose one of the offered values.")]})
    row, _created = PartyDeliverySetting.objects.get_or_create(company=company, party=party)
    before = audit.snapshot(row)
    row.auto_send = auto_send
    row.save()
    audit.record_update(actor, company, "set_party_auto_send", row, before)
    return row


@transaction.atomic
def save_email_template(
    actor: Actor,
    company: Company,
    *,
    document_kind: str,
    language: str,
    subject: str,
    body_text: str,
    body_html: str = "",
) -> EmailTemplate:
    ensure_can(actor, company, "delivery.settings")
    errors = InvalidInput.collect()
    if document_kind not in TemplateKind.values:
        errors.add("document_kind", _("Unknown document kind."))
    if language not in TemplateLanguage.values:
        errors.add("language", _("Choose Bulgarian or English."))
    subject = " ".join((subject or "").split())
    body_text = (body_text or "").strip()
    if not subject:
        errors.add("subject", _("Enter a subject."))
    if not body_text:
        errors.add("body_text", _("Enter the text of the e-mail."))
    for name, value in (("subject", subject), ("body_text", body_text), ("body_html", body_html)):
        unknown = unknown_placeholders(value or "")
        if unknown:
            errors.add(
                name,
                _("Unknown placeholders: %(names)s. Known: %(known)s.")
                % {
                    "names": ", ".join(unknown),
                    "known": "{number} {date} {amount} {due_date} {portal_link} {company} "
                    "{recipient} {kind}",
                },
            )
    errors.raise_if_any()
    row = EmailTemplate.objects.filter(
        company=company, document_kind=document_kind, language=language
    ).first()
    if row is None:
        row = EmailTemplate.objects.create(
            company=company,
            document_kind=document_kind,
            language=language,
            subject=subject,
            body_text=body_text,
            body_html=body_html or "",
        )
        audit.record_create(actor, company, "save_email_template", row)
        return row
    before = audit.snapshot(row)
    row.subject, row.body_text, row.body_html = subject, body_text, body_html or ""
    row.save()
    audit.record_update(actor, company, "save_email_template", row, before)
    return row


@transaction.atomic
def reset_email_template(
    actor: Actor, company: Company, *, document_kind: str, language: str
) -> None:
    """Back to the built-in text."""
    ensure_can(actor, company, "delivery.settings")
    row = EmailTemplate.objects.filter(
        company=company, document_kind=document_kind, language=language
    ).first()
    if row is not None:
        audit.record_delete(actor, company, "reset_email_template", row)
        row.delete()
