"""Parties in the global search (core/search.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xfinances.core.roles import PERMISSIONS
from xfinances.core.search import LIMIT, SearchHit
from xfinances.core.tenancy import CompanyRequest
from xfinances.parties.models import Party
from xfinances.parties.queries import search_filter


def hits(request: CompanyRequest, q: str) -> list[SearchHit]:
    if request.role not in PERMISSIONS.get("parties.view", ()):
        return []
    company = request.company
    found = Party.objects.filter(company=company).filter(search_filter(q)).order_by("name")
    return [
        SearchHit(
            _("Clients and suppliers"),
            party.name,
            " · ".join(x for x in (party.eik, party.vat_number, party.city) if x),
            reverse("parties:detail", args=[company.eik, party.pk]),
        )
        for party in found[:LIMIT]
    ]
