"""Documents in the global search (core/search.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.roles import PERMISSIONS
from xfinances.core.search import LIMIT, SearchHit
from xfinances.core.tenancy import CompanyRequest
from xfinances.invoicing import queries


def hits(request: CompanyRequest, q: str) -> list[SearchHit]:
    if request.role not in PERMISSIONS.get("documents.view", ()):
        return []
    company = request.company
    found = queries.documents(company, q=q)[:LIMIT]
    return [
        SearchHit(
            _("Documents"),
            f"{document.get_kind_display()} {document.number or _('draft')}",
            " · ".join(
                x
                for x in (
                    document.recipient_name,
                    formatting.date(document.issue_date),
                    formatting.money(document.total, document.currency),
                )
                if x
            ),
            reverse("invoicing:detail", args=[company.eik, document.pk]),
        )
        for document in found
    ]
