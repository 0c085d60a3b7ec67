"""Invoicing's first step on the dashboard checklist (core/onboarding.py): the first invoice."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xfinances.core.models import Company
from xfinances.core.onboarding import FirstStep
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus


def first_steps(company: Company) -> list[FirstStep]:
    done = Document.objects.filter(
        company=company, kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED
    ).exists()
    url = reverse("invoicing:create", args=[company.eik])
    return [FirstStep("invoice", _("Your first invoice"), done, url, 40)]
