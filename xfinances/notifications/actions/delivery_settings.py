"""The company's delivery settings and e-mail templates as they are read, and recipient checks."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.notifications.default_templates import default_template
from xfinances.notifications.models import (
    DeliverySettings,
    EmailTemplate,
)

# --- e-mail of documents -----------------------------------------------------------------------


def delivery_settings(company: Company) -> DeliverySettings:
    found = DeliverySettings.objects.filter(company=company).first()
    return found or DeliverySettings(company=company)


def template_for(company: Company, kind: str, language: str) -> tuple[str, str, str]:
    own = EmailTemplate.objects.filter(
        company=company, document_kind=kind, language=language
    ).first()
    if own is not None:
        return own.subject, own.body_text, own.body_html
    built_in = default_template(kind, language)
    return built_in.subject, built_in.body_text, built_in.body_html


def clean_recipients(addresses: Iterable[str]) -> list[str]:
    clean = []
    for address in addresses:
        address = (address or "").strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise InvalidInput(
                {
                    "recipients": [
                        _("%(address)s is not a valid e-mail address.") % {"address": address}
                    ]
                }
            ) from None
        clean.append(address)
    return clean
