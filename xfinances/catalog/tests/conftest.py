from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def catalog_company(company: Any, actor_system: Any) -> Any:
    """`company` with its VAT treatments seeded (what create_company will do)."""
    from xfinances.catalog.actions import ensure_company_catalog

    ensure_company_catalog(actor_system, company)
    return company


@pytest.fixture
def catalog_other(other_company: Any, actor_system: Any) -> Any:
    from xfinances.catalog.actions import ensure_company_catalog

    ensure_company_catalog(actor_system, other_company)
    return other_company


@pytest.fixture
def make_product(actor_system: Any) -> Any:
    from xfinances.catalog import actions
    from xfinances.catalog.inputs import ProductInput

    def make(company: Any, **data: Any) -> Any:
        data.setdefault("name", "Консултация")
        return actions.create_product(actor_system, company, ProductInput.read(data))

    return make


@pytest.fixture(autouse=True)
def english_pages(client: Any) -> Any:
    """Pages and messages are asserted in their English source form."""
    from django.conf import settings
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
