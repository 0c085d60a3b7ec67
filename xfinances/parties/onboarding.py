"""The parties' first step on the dashboard checklist (core/onboarding.py): the first client."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Company
from xfinances.core.onboarding import FirstStep
from xfinances.parties.models import Party


def first_steps(company: Company) -> list[FirstStep]:
    done = Party.objects.filter(company=company, is_client=True).exists()
    url = reverse("parties:create", args=[company.eik])
    return [FirstStep("client", _("Your first client"), done, url, 30)]
