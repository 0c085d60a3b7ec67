"""The notifications' first step on the dashboard checklist (core/onboarding.py): the e-mail
settings (who the client replies to, documents sent when issued)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Company
from xfinances.core.onboarding import FirstStep
from xfinances.notifications.models import DeliverySettings


def first_steps(company: Company) -> list[FirstStep]:
    done = DeliverySettings.objects.filter(company=company).exists()
    url = reverse("notifications:settings", args=[company.eik])
    return [FirstStep("email", _("E-mail settings"), done, url, 50)]
