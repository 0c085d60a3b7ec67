"""Named reads of the catalog, always scoped to one company."""

from __future__ import annotations

from django.db.models import QuerySet

from xfinances.catalog.models import Product, VatTreatment
from xfinances.core.models import Company


def products(company: Company, q: str = "", archived: bool = False) -> QuerySet[Product]:
    """Active (or, with `archived`, archived) products whose name, English name or code
    contains every word of `q` (case-insensitive, Cyrillic included)."""
    found = Product.objects.filter(company=company, is_active=not archived).select_related(
        "vat_treatment"
    )
    for word in (q or "").casefold().split():
        found = found.filter(search_text__contains=word)
    return found.order_by("name", "id")


def product(company: Company, product_id: int) -> Product | None:
    return (
        Product.objects.filter(company=company, pk=product_id)
        .select_related("vat_treatment")
        .first()
    )


def vat_treatments(company: Company, active_only: bool = False) -> QuerySet[VatTreatment]:
    found = VatTreatment.objects.filter(company=company)
    if active_only:
        found = found.filter(is_active=True)
    return found.order_by("sort_order", "id")


def vat_treatment(company: Company, treatment_id: int) -> VatTreatment | None:
    return VatTreatment.objects.filter(company=company, pk=treatment_id).first()
