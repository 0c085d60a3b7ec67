"""Payments in the global search (core/search.py): by the party's name, the bank reference or
the note."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.roles import PERMISSIONS
from xfinances.core.search import LIMIT, SearchHit
from xfinances.core.tenancy import CompanyRequest
from xfinances.payments.models import Payment


def hits(request: CompanyRequest, q: str) -> list[SearchHit]:
    if request.role not in PERMISSIONS.get("payments.view", ()):
        return []
    company = request.company
    found = Payment.objects.filter(company=company).select_related("party")
    for term in q.split():
        # SQLite folds the case of ASCII only: also try the usual spellings of a Cyrillic word.
        match = Q()
        for form in {term, term.lower(), term.capitalize(), term.upper()}:
            match |= (
                Q(party__name__icontains=form)
                | Q(bank_reference__icontains=form)
                | Q(note__icontains=form)
            )
        found = found.filter(match)
    return [
        SearchHit(
            _("Payments"),
            f"{formatting.money(payment.amount, payment.currency)} · "
            f"{payment.party.name if payment.party else ''}",
            " · ".join(
                x
                for x in (formatting.date(payment.date), payment.bank_reference, payment.note)
                if x
            ),
            reverse("payments:payment", args=[company.eik, payment.pk]),
        )
        for payment in found.order_by("-date", "-pk")[:LIMIT]
    ]
