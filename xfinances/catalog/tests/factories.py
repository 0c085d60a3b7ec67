"""Sample catalog records for tests (and for the tenant isolation walker)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xfinances.catalog.models import Product, VatTreatment


def isolation_objects(company: Any) -> dict[str, int]:
    """One product and one VAT treatment in `company`, keyed by their URL argument names."""
    treatment = VatTreatment.objects.filter(company=company).order_by("pk").first()
    if treatment is None:
        from xfinances.catalog.actions import ensure_company_catalog
        from xfinances.core.audit import Actor

        ensure_company_catalog(Actor.system(), company)
        treatment = VatTreatment.objects.filter(company=company).order_by("pk").first()
    assert treatment is not None
    product = Product.objects.create(
        company=company,
        name="Консултация",
        code=f"ISO-{company.pk}",
        unit_price=Decimal("100.0000"),
        vat_treatment=treatment,
    )
    return {"product_id": product.pk, "treatment_id": treatment.pk}
