"""One search box for the whole company: documents, parties and payments.

Core draws the search page; each app above it answers the `search_results` hook with its own
hits (`provider(request=…, q=…)` → `SearchHit`s), limited to what the person's role may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from xfinances.core.events import Hook
from xfinances.core.tenancy import CompanyRequest

#: Hits each area shows at most; its own list page has the rest.
LIMIT = 10


@dataclass(frozen=True)
class SearchHit:
    area: str | Promise  # the group heading ("Documents", "Clients and suppliers", "Payments")
    title: str
    detail: str
    url: str


search_results: Hook[SearchHit] = Hook("core.search_results")


def search(request: CompanyRequest, q: str) -> list[SearchHit]:
    q = " ".join((q or "").split())[:100]
    if len(q) < 2:
        return []
    return search_results.collect(request=request, q=q)
