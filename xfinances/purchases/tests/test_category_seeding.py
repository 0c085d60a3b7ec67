"""Purchase categories are seeded once, when the company is created (and by a data migration
for older companies), never by a page on GET."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from xfinances.purchases.models import PurchaseCategory

pytestmark = pytest.mark.django_db
seeding = importlib.import_module("xfinances.purchases.migrations.0003_seed_purchase_categories")


def test_new_company_has_categories_and_pages_do_not_write(company: Any, client_as: Any) -> None:
    assert PurchaseCategory.objects.filter(company=company).count() == 9
    PurchaseCategory.objects.filter(company=company).delete()
    client = client_as(company, "owner")
    for page in ("purchases/new/", "purchases/settings/"):
        response = client.get(f"/c/{company.eik}/{page}")
        assert response.status_code == 200
    assert not PurchaseCategory.objects.filter(company=company).exists()


def test_migration_seeds_only_companies_without_categories(
    company: Any, other_company: Any
) -> None:
    PurchaseCategory.objects.filter(company=company).delete()
    PurchaseCategory.objects.filter(company=other_company).exclude(sort_order=10).delete()
    seeding.seed(apps, None)
    names = list(
        PurchaseCategory.objects.filter(company=company)
        .order_by("sort_order")
        .values_list("name", flat=True)
    )
    assert names == list(seeding.CATEGORIES)
    assert PurchaseCategory.objects.filter(company=other_company).count() == 1  # kept its own
